//! Which data goes onto the fresh runtime. In order, each step reported with
//! what it cost the user:
//! 1. the post-crash snapshot, DB together with its journal (SQLite itself
//!    rolls a torn transaction back), if SQLite's `quick_check` says ok
//!    after that rollback (without a hot journal, a header SQLite could not
//!    open is refused first);
//! 2. the last-known-good checkpoint ("rolled back to the state after …");
//! 3. a fresh install ("all data lost"), only if nothing valid exists.
//!
//! Plugins and uploads follow the DB state chosen.

use crate::checkpoint::Checkpoint;
use crate::mirror::Mirror;
use crate::php::{PhpError, PhpRuntime};
use crate::plugins::TrackedPlugin;
use crate::profile::Profile;
use crate::sqlite;

#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    CrashSnapshot,
    Checkpoint { description: String },
    FreshInstall,
}

impl DataSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            DataSource::CrashSnapshot => "snapshot",
            DataSource::Checkpoint { .. } => "checkpoint",
            DataSource::FreshInstall => "fresh-install",
        }
    }

    /// What the user lost, in words; `None` when nothing was lost.
    pub fn loss(&self) -> Option<String> {
        match self {
            DataSource::CrashSnapshot => None,
            DataSource::Checkpoint { description } => Some(format!("rolled back to the state after {description}")),
            DataSource::FreshInstall => Some("all data lost: no valid database could be restored".into()),
        }
    }
}

/// Where the snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOrigin {
    /// Read out of a runtime that trapped: SQLite must confirm the DB (`quick_check`).
    Crashed,
    /// Taken from a healthy runtime between requests (rotation): no transaction
    /// can be open, so the header check suffices and `quick_check`'s full scan
    /// of the DB is skipped.
    Healthy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RestoreReport {
    pub source: DataSource,
    pub files: u32,
    pub bytes: u64,
    /// Why better sources were refused.
    pub rejected: Vec<String>,
    /// The snapshot held a hot journal: a transaction was cut short and SQLite rolled it back.
    pub rolled_back_open_transaction: bool,
    /// Plugins not restored because the chosen DB state predates them.
    pub kept_plugins: Vec<TrackedPlugin>,
    pub dropped_plugins: Vec<TrackedPlugin>,
}

/// Restores the best trustworthy data onto a freshly bootstrapped runtime.
pub async fn restore_best<R: PhpRuntime>(
    runtime: &R,
    profile: &Profile,
    snapshot: &Mirror,
    origin: SnapshotOrigin,
    checkpoint: Option<&Checkpoint>,
    plugins: &[TrackedPlugin],
) -> Result<RestoreReport, PhpError> {
    let mut rejected = Vec::new();
    if let Some(db) = snapshot.get(&profile.db_file) {
        let hot_journal =
            snapshot.get(&format!("{}-journal", profile.db_file)).is_some_and(|j| sqlite::is_hot_journal(&j));
        // Beside a hot journal the DB file is NOT what SQLite will read: the
        // rollback puts the original pages back (page 1, the header, is always
        // journaled) and truncates the file to its size before the transaction,
        // so a file grown or shrunk by the torn transaction is normal. Only
        // SQLite can judge it, after its rollback. Without a journal, the
        // header check refuses what SQLite could not open anyway.
        let structural = if hot_journal { Ok(()) } else { sqlite::validate(&db).map(|_| ()) };
        match structural {
            Err(reason) => rejected.push(format!("the post-crash database: {reason}")),
            Ok(()) => {
                let (files, bytes) = write_candidate(runtime, profile, snapshot, plugins)?;
                let verdict = match (origin, hot_journal) {
                    (SnapshotOrigin::Healthy, false) => Ok(()),
                    _ => quick_check(runtime, profile).await?,
                };
                match verdict {
                    Ok(()) => {
                        return Ok(RestoreReport {
                            rolled_back_open_transaction: hot_journal,
                            ..report(DataSource::CrashSnapshot, (files, bytes), rejected, plugins.to_vec(), vec![])
                        });
                    }
                    Err(reason) => rejected.push(format!("the post-crash database: {reason}")),
                }
            }
        }
    }
    if let Some(checkpoint) = checkpoint {
        let (kept, dropped): (Vec<_>, Vec<_>) = plugins.iter().cloned().partition(|p| checkpoint.plugins.contains(p));
        let candidate = without_db_and(snapshot, profile, &dropped);
        candidate.put(&profile.db_file, checkpoint.db.as_ref().clone());
        // A refused snapshot may have put them there already.
        for plugin in &dropped {
            Mirror::remove_tree(runtime, &plugin.dir)?;
        }
        let restored = write_candidate(runtime, profile, &candidate, &kept)?;
        match quick_check(runtime, profile).await? {
            Ok(()) => {
                let source = DataSource::Checkpoint { description: checkpoint.describe() };
                return Ok(report(source, restored, rejected, kept, dropped));
            }
            Err(reason) => rejected.push(format!("the checkpoint after {}: {reason}", checkpoint.describe())),
        }
    }
    // Nothing valid: a fresh install, keeping the uploaded files (content-addressed, harmless).
    let candidate = without_db_and(snapshot, profile, plugins);
    let restored = write_candidate(runtime, profile, &candidate, &[])?;
    let output = runtime.run_script(&profile.install_script).await?;
    if !output.stdout.contains("OK") {
        return Err(PhpError::new("InstallerError", &format!("the fresh install failed: {}", output.stdout)));
    }
    Ok(report(DataSource::FreshInstall, restored, rejected, vec![], plugins.to_vec()))
}

fn report(
    source: DataSource,
    (files, bytes): (u32, u64),
    rejected: Vec<String>,
    kept_plugins: Vec<TrackedPlugin>,
    dropped_plugins: Vec<TrackedPlugin>,
) -> RestoreReport {
    RestoreReport { source, files, bytes, rejected, rolled_back_open_transaction: false, kept_plugins, dropped_plugins }
}

/// The snapshot without the DB files and without the given plugins' directories.
fn without_db_and(snapshot: &Mirror, profile: &Profile, plugins: &[TrackedPlugin]) -> Mirror {
    let db_files = profile.db_files();
    let candidate = Mirror::default();
    for dir in snapshot.dirs() {
        if !plugins.iter().any(|p| dir == p.dir || dir.starts_with(&format!("{}/", p.dir))) {
            candidate.put_dir(&dir);
        }
    }
    for (path, bytes) in snapshot.files() {
        let in_dropped_plugin = plugins.iter().any(|p| path.starts_with(&format!("{}/", p.dir)));
        if !db_files.contains(&path) && !in_dropped_plugin {
            candidate.put_shared(&path, bytes);
        }
    }
    candidate
}

/// Replaces every DB file on the runtime (the bootstrap's, or a refused
/// candidate's) with the candidate's, makes the user's state directories
/// hold exactly the candidate's files (nothing the runtime's own bootstrap
/// or warm-up left there), then writes the candidate's files.
fn write_candidate<R: PhpRuntime>(
    runtime: &R,
    profile: &Profile,
    candidate: &Mirror,
    plugins: &[TrackedPlugin],
) -> Result<(u32, u64), PhpError> {
    for path in profile.db_files() {
        if runtime.stat(&path)?.is_some() {
            runtime.unlink(&path)?;
        }
    }
    candidate.remove_what_it_lacks(runtime, &state_roots(profile, plugins))?;
    candidate.restore(runtime)
}

/// The directories whose whole content is the user's state.
pub fn state_roots(profile: &Profile, plugins: &[TrackedPlugin]) -> Vec<String> {
    let mut roots = vec![profile.uploads.clone()];
    roots.extend(profile.extra_state_dirs.iter().map(|dir| dir.to_string()));
    roots.extend(plugins.iter().map(|plugin| plugin.dir.clone()));
    roots
}

/// SQLite's own verdict, through PHP. Opening the DB rolls a hot journal back first.
async fn quick_check<R: PhpRuntime>(runtime: &R, profile: &Profile) -> Result<Result<(), String>, PhpError> {
    let output = runtime.run_code(&(profile.integrity_code)(profile)).await?;
    let verdict = output.stdout.trim();
    Ok(if verdict == "ok" {
        Ok(())
    } else {
        Err(format!("quick_check says {:?}", verdict.chars().take(300).collect::<String>()))
    })
}
