//! Running a blueprint (planned by src/blueprint.rs) on a fresh site, once,
//! right after its first boot: each step in order, named in the progress
//! bar; the first step that fails stops it, and the page is told which and
//! why. A site whose blueprint stopped is not saved (a reload would bring
//! back a half-set-up site that looks finished); a blueprint is never run
//! again on recovery, rotation or a restored save: its results are ordinary
//! site state.

use super::*;
use crate::blueprint::{Plan, PlannedStep, StepRun};
use crate::plugins::TrackedPlugin;
use crate::profile::php_string;
use crate::protocol::BlueprintReport;

/// Where a step's download (a plugin zip, a file to upload) is put for the step runner.
const DOWNLOAD_DIR: &str = "/tmp/playground-blueprint";

impl<F: RuntimeFactory> Supervisor<F> {
    /// Runs every step of `plan` on the serving runtime; reports how it went.
    pub(super) async fn run_blueprint(&mut self, plan: &Plan, events: Events<'_>) -> BlueprintReport {
        let started = self.factory.now_ms();
        let total = plan.steps.len();
        let mut landing_page = plan.landing_page.clone();
        let mut report = BlueprintReport {
            state: "done".into(),
            title: plan.title.clone(),
            steps: total as u32,
            steps_run: 0,
            failed_step: None,
            error: None,
            landing_page: None,
            ms: 0.0,
        };
        for step in &plan.steps {
            let fraction = step.number as f64 / (total as f64 + 1.0);
            events(progress(Stage::Blueprint, fraction, &format!("blueprint {}", step.describe(total))));
            let outcome = match step.run {
                StepRun::Php => self.run_php_step(step, None, events).await,
                StepRun::Download => self.run_download_step(step, events).await,
                StepRun::Request => self.run_request_step(step, events).await,
                StepRun::LandingPage => {
                    landing_page = step.text("path").map(str::to_string);
                    Ok(())
                }
            };
            if let Err(error) = outcome {
                let described = step.describe(total);
                events(trace(format!("the blueprint stopped at {described}: {error}")));
                report.state = "failed".into();
                report.failed_step = Some(described);
                report.error = Some(error);
                // Never a half-set-up site that looks finished: not saved, so
                // a reload starts fresh and runs the blueprint again.
                self.store_refused = Some(format!(
                    "the blueprint stopped at {}: this half-set-up site is not saved; a reload runs the blueprint again",
                    report.failed_step.as_deref().unwrap_or_default()
                ));
                break;
            }
            report.steps_run += 1;
        }
        if report.state == "done" {
            report.landing_page = landing_page;
            self.checkpoint_serving();
            events(trace(format!("the blueprint {:?} ran its {total} steps", plan.title)));
        }
        report.ms = self.factory.now_ms() - started;
        report
    }

    /// The profile's step runner, in the live instance, with the step's fields.
    async fn run_php_step(
        &mut self,
        step: &PlannedStep,
        file_path: Option<&str>,
        events: Events<'_>,
    ) -> Result<(), String> {
        let Some(script) = self.profile.blueprint_script.clone() else {
            return Err("this site has no blueprint step runner".into());
        };
        let mut args = step.args.clone();
        args.insert("step".into(), step.name.clone().into());
        if let Some(path) = file_path {
            args.insert("filePath".into(), path.into());
        }
        let json = serde_json::to_string(&args).expect("a step's fields are plain JSON");
        let code = format!(
            "<?php\n$playground_step = json_decode({}, true);\nrequire {};\n",
            php_string(&json),
            php_string(&script)
        );
        let runtime = self.runtime.as_ref().ok_or("there is no PHP runtime")?;
        let output = match runtime.run_code(&code).await {
            Ok(output) => output,
            Err(error) => return Err(self.step_error(error, step, events).await),
        };
        let lines: Vec<&str> = output.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if lines.last() != Some(&"OK") {
            let said: String =
                format!("{} {}", output.stdout.trim(), output.stderr.trim()).trim().chars().take(600).collect();
            return Err(if said.is_empty() { "the step printed nothing".into() } else { said });
        }
        for line in lines {
            if let Some(session) = line.strip_prefix("session=") {
                self.jar.set(self.profile.session_cookie, session);
            } else if let Some((name, value)) = line.strip_prefix("cookie=").and_then(|c| c.split_once('=')) {
                // Besides the session, a login may need cookies of its own (MediaWiki's UserID, UserName).
                self.jar.set(name, value);
            } else if let Some((component, dir)) = line.strip_prefix("plugin=").and_then(|p| p.split_once(' ')) {
                let plugin = TrackedPlugin { component: component.to_string(), dir: dir.to_string() };
                events(trace(format!(
                    "tracking plugin {} at {} (installed by the blueprint)",
                    plugin.component, plugin.dir
                )));
                self.plugins.track(plugin);
            }
        }
        Ok(())
    }

    /// Downloads the step's file (`url`) to where the step runner takes it from.
    async fn run_download_step(&mut self, step: &PlannedStep, events: Events<'_>) -> Result<(), String> {
        let url = step.text("url").unwrap_or_default().to_string();
        let bytes = self.factory.fetch(&url).await.map_err(|e| format!("could not download {url}: {}", e.message))?;
        // The file keeps its name (an upload is named after it; a zip is a zip).
        let name = url.split(['?', '#']).next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
        let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c)).collect();
        let dir = format!("{DOWNLOAD_DIR}/step-{}", step.number);
        let path = format!("{dir}/{}", if name.is_empty() { "download" } else { &name });
        let runtime = self.runtime.as_ref().ok_or("there is no PHP runtime")?;
        runtime
            .mkdir_tree(&dir)
            .and_then(|()| runtime.write_file(&path, &bytes))
            .map_err(|e| format!("could not write the download: {e}"))?;
        let outcome = self.run_php_step(step, Some(&path), events).await;
        if let Some(runtime) = self.runtime.as_ref() {
            let _ = runtime.unlink(&path);
        }
        outcome
    }

    /// A request to the site, as the user's browser would send it.
    async fn run_request_step(&mut self, step: &PlannedStep, events: Events<'_>) -> Result<(), String> {
        let method = step.text("method").unwrap_or("GET").to_ascii_uppercase();
        let path = step.text("path").unwrap_or("/");
        let url = format!("{}/{}", self.config.site_url.trim_end_matches('/'), path.trim_start_matches('/'));
        let mut request = HttpRequest { method: method.clone(), url: url.clone(), ..Default::default() };
        if let Some(body) = step.text("body") {
            request.body = body.as_bytes().to_vec().into();
            let content_type = step.text("contentType").unwrap_or("application/x-www-form-urlencoded");
            request.headers.insert("content-type".into(), content_type.into());
        }
        let response = self.serve(request, events).await;
        if response.status >= 400 {
            return Err(format!("{method} {path} answered {}", response.status));
        }
        Ok(())
    }

    /// A step that threw: a crash is recovered like any other (the step is
    /// not run again); either way the words say what happened.
    async fn step_error(&mut self, error: PhpError, step: &PlannedStep, events: Events<'_>) -> String {
        let Fault::Fatal(kind) = fault::classify(&error) else { return error.to_string() };
        let request = HttpRequest { method: "BLUEPRINT".into(), url: step.name.clone(), ..Default::default() };
        self.report_crash(&request, kind, &error, events);
        let after = match self.recover(events).await {
            Ok(_) => "the runtime was restarted; the step was not run again".to_string(),
            Err(reason) => reason,
        };
        format!("PHP crashed ({}) during the step: {after}", kind.as_str())
    }

    /// A checkpoint of the serving runtime's DB as it is now (after PHP ran
    /// outside any request: blueprint steps, cron tasks), so it is saved
    /// without waiting for a request that writes.
    pub(super) fn checkpoint_serving(&mut self) {
        let Some(runtime) = self.runtime.take() else { return };
        self.checkpoint_now(&runtime);
        self.runtime = Some(runtime);
    }
}

/// The report of a blueprint that did not run.
pub(super) fn blueprint_not_run(state: &str, title: &str, error: Option<String>) -> BlueprintReport {
    BlueprintReport {
        state: state.into(),
        title: title.into(),
        steps: 0,
        steps_run: 0,
        failed_step: None,
        error,
        landing_page: None,
        ms: 0.0,
    }
}
