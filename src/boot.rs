//! The bootstrap plan: the steps that turn a fresh PHP runtime into a served
//! site, as data derived from the profile, and the runner that executes them.

use crate::php::{PhpError, PhpRuntime};
use crate::profile::Profile;

#[derive(Debug, Clone, PartialEq)]
pub enum BootStep {
    /// Copy the site bundle's files into the webroot.
    WriteSiteFiles,
    /// Write the files the profile generates (config.php, components.json).
    WriteGeneratedFiles,
    MakeDir(String),
    /// Copy the bundle's install snapshot (`.playground/seed/<absolute path>`
    /// files) to where they belong, unless the file exists, so an application
    /// whose installer is slow (real Moodle, MediaWiki) boots installed.
    SeedFiles,
    /// Run the application's installer; it must print `OK`.
    RunInstaller(String),
}

impl BootStep {
    pub fn describe(&self) -> String {
        match self {
            BootStep::WriteSiteFiles => "writing the site files".into(),
            BootStep::WriteGeneratedFiles => "writing the configuration".into(),
            BootStep::MakeDir(dir) => format!("creating {dir}"),
            BootStep::SeedFiles => "seeding data from the bundle's install snapshot".into(),
            BootStep::RunInstaller(script) => format!("running the installer {script}"),
        }
    }
}

/// The full bootstrap, run on every fresh runtime, first boot or not.
pub fn plan(profile: &Profile) -> Vec<BootStep> {
    vec![
        BootStep::WriteSiteFiles,
        BootStep::WriteGeneratedFiles,
        BootStep::MakeDir(profile.dataroot.to_string()),
        BootStep::SeedFiles,
        BootStep::RunInstaller(profile.install_script.clone()),
    ]
}

/// Bundle files under this folder are for the bootstrap, never served.
pub const BUNDLE_META_DIR: &str = ".playground/";
/// The install snapshot inside a bundle: `.playground/seed/persist/x.sqlite`
/// is copied to `/persist/x.sqlite`.
pub const SEED_DIR: &str = ".playground/seed/";

/// What a boot needs besides the runtime.
pub struct BootInputs<'a> {
    pub profile: &'a Profile,
    pub site_url: &'a str,
    /// The bundle's install snapshot: (bundle path under SEED_DIR, bytes).
    pub seeds: &'a [(String, Vec<u8>)],
}

/// Which step failed and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BootError {
    pub step: String,
    pub error: PhpError,
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bootstrap failed while {}: {}", self.step, self.error)
    }
}

/// Runs `steps` in order, reporting each before it starts.
pub async fn run<R: PhpRuntime>(
    runtime: &R,
    steps: &[BootStep],
    inputs: &BootInputs<'_>,
    mut on_step: impl FnMut(usize, &BootStep),
) -> Result<(), BootError> {
    for (index, step) in steps.iter().enumerate() {
        on_step(index, step);
        run_step(runtime, step, inputs).await.map_err(|error| BootError { step: step.describe(), error })?;
    }
    Ok(())
}

async fn run_step<R: PhpRuntime>(runtime: &R, step: &BootStep, inputs: &BootInputs<'_>) -> Result<(), PhpError> {
    match step {
        BootStep::WriteSiteFiles => runtime.write_bundle(inputs.profile.webroot, BUNDLE_META_DIR).map(|_| ()),
        BootStep::WriteGeneratedFiles => {
            for (path, contents) in (inputs.profile.generated_files)(inputs.profile, inputs.site_url) {
                write_creating_dirs(runtime, &path, contents.as_bytes())?;
            }
            Ok(())
        }
        BootStep::MakeDir(dir) => runtime.mkdir_tree(dir),
        BootStep::SeedFiles => {
            for (path, bytes) in inputs.seeds {
                let Some(target) = path.strip_prefix(SEED_DIR) else { continue };
                // Bundles come from URLs: nothing may land outside its absolute path.
                if target.split('/').any(|part| part == ".." || part.is_empty()) {
                    return Err(PhpError::new("BundleError", &format!("unsafe seed path in the bundle: {path}")));
                }
                let target = format!("/{target}");
                if runtime.stat(&target)?.is_none() {
                    write_creating_dirs(runtime, &target, bytes)?;
                }
            }
            Ok(())
        }
        BootStep::RunInstaller(script) => {
            let output = runtime.run_script(script).await?;
            if output.exit_code != 0 || !output.stdout.contains("OK") {
                return Err(PhpError::new(
                    "InstallerError",
                    &format!(
                        "the installer exited with {} and printed {:?} {:?}",
                        output.exit_code,
                        truncate(&output.stdout, 400),
                        truncate(&output.stderr, 400)
                    ),
                ));
            }
            Ok(())
        }
    }
}

pub fn write_creating_dirs<R: PhpRuntime>(runtime: &R, path: &str, bytes: &[u8]) -> Result<(), PhpError> {
    if let Some((parent, _)) = path.rsplit_once('/') {
        if !parent.is_empty() {
            runtime.mkdir_tree(parent)?;
        }
    }
    runtime.write_file(path, bytes)
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{block_on, FakeRuntime};
    use crate::profile::moodle;

    #[test]
    fn plan_writes_files_then_config_then_installs() {
        let profile = moodle::profile();
        let steps = plan(&profile);
        assert_eq!(
            steps,
            vec![
                BootStep::WriteSiteFiles,
                BootStep::WriteGeneratedFiles,
                BootStep::MakeDir("/persist/moodledata".into()),
                BootStep::SeedFiles,
                BootStep::RunInstaller("/www/moodle/admin/cli/install_database.php".into()),
            ]
        );
    }

    #[test]
    fn runs_the_plan_on_a_runtime() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        *runtime.bundle.borrow_mut() = vec![("index.php".to_string(), b"<?php echo 1;".to_vec())];
        let inputs = BootInputs { profile: &profile, site_url: "http://localhost/site", seeds: &[] };
        let mut seen = vec![];
        block_on(run(&runtime, &plan(&profile), &inputs, |i, _| seen.push(i))).unwrap();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        assert_eq!(runtime.file("/www/moodle/index.php").unwrap(), b"<?php echo 1;");
        assert!(String::from_utf8(runtime.file("/www/moodle/config.php").unwrap()).unwrap().contains("wwwroot"));
        assert!(runtime.is_dir("/persist/moodledata"));
    }

    #[test]
    fn seeds_the_install_snapshot_from_the_bundle_and_never_serves_it() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let seed = format!("{SEED_DIR}{}", profile.db_file.trim_start_matches('/'));
        let files = vec![(seed, b"installed database".to_vec()), ("index.php".to_string(), b"<?php".to_vec())];
        *runtime.bundle.borrow_mut() = files.clone();
        let seeds: Vec<_> = files.iter().filter(|(p, _)| p.starts_with(SEED_DIR)).cloned().collect();
        let inputs = BootInputs { profile: &profile, site_url: "http://localhost/site", seeds: &seeds };
        block_on(run(&runtime, &plan(&profile), &inputs, |_, _| {})).unwrap();
        assert_eq!(runtime.file(&profile.db_file).unwrap(), b"installed database");
        assert!(runtime.read_dir("/www/moodle/.playground").unwrap().is_empty());
    }

    #[test]
    fn refuses_seed_paths_that_climb_out() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let seeds = vec![(format!("{SEED_DIR}persist/../etc/x"), b"x".to_vec())];
        let inputs = BootInputs { profile: &profile, site_url: "http://localhost/site", seeds: &seeds };
        let error = block_on(run(&runtime, &plan(&profile), &inputs, |_, _| {})).unwrap_err();
        assert!(error.to_string().contains("unsafe seed path"));
    }

    #[test]
    fn names_the_step_that_failed() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        runtime.script_output("install_database.php", "Database error: locked", 1);
        let inputs = BootInputs { profile: &profile, site_url: "http://localhost/site", seeds: &[] };
        let error = block_on(run(&runtime, &plan(&profile), &inputs, |_, _| {})).unwrap_err();
        assert!(error.to_string().contains("running the installer"));
        assert!(error.to_string().contains("Database error: locked"));
    }
}
