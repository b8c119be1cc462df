//! The supervisor owns the one PHP runtime and decides what happens to each
//! request: Booting → Serving → (Recovering → Serving) or Failed.
//! It is plain Rust over the `PhpRuntime` trait: `cargo test` runs it with a
//! scripted fake; tests/browser.rs runs it with real PHP and real traps.

use crate::boot::{self, BootInputs};
use crate::checkpoint::{CheckpointMode, Checkpointer};
use crate::restore::{self, DataSource};
use crate::cookies::CookieJar;
use crate::fault::{self, Fault, FaultKind};
use crate::mirror::{Mirror, Source};
use crate::php::{PhpError, PhpRuntime, RuntimeFactory, RuntimeOptions};
use crate::plugins::PluginTracker;
use crate::policy::{self, CrashCounts, RestartIntensity, RestartLog};
use crate::profile::Profile;
use crate::protocol::{Config, HttpRequest, HttpResponse, Outgoing, Stage};

/// Where the events for the page go.
pub type Events<'a> = &'a mut dyn FnMut(Outgoing);

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Booting,
    Serving,
    Failed { reason: String },
}

/// Counters the page can show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub requests_served: u64,
    pub crash_restarts: u64,
    pub rotations: u64,
    pub last_recovery_ms: Option<f64>,
    pub requests_since_rotation: u64,
}

/// Debug only: where the next fresh runtime fails.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NextRuntimeFault {
    /// A trap inside its bootstrap.
    Boot,
    /// A trap on its first request (the replay, after a recovery).
    FirstRequest,
}

/// How a request to the runtime ended.
enum Attempt {
    Answered(HttpResponse),
    Crashed(FaultKind, PhpError),
    Failed(PhpError),
}

pub struct Supervisor<F: RuntimeFactory> {
    factory: F,
    config: Config,
    profile: Profile,
    site_files: Vec<(String, Vec<u8>)>,
    runtime: Option<F::Runtime>,
    state: State,
    /// The user's cookies, outside the disposable runtime.
    jar: CookieJar,
    /// The last snapshot of the state that must survive.
    mirror: Mirror,
    plugins: PluginTracker,
    /// The last-known-good copy of the DB, from the healthy runtime.
    checkpointer: Checkpointer,
    /// Where the data of the current runtime came from (after a recovery).
    last_data_source: Option<DataSource>,
    intensity: RestartIntensity,
    restarts: RestartLog,
    crashes: CrashCounts,
    recent_faults: Vec<String>,
    /// Debug only: a fault armed for the next fresh runtime.
    next_runtime_fault: Option<NextRuntimeFault>,
    stats: Stats,
}

impl<F: RuntimeFactory> Supervisor<F> {
    pub fn new(factory: F, config: Config) -> Result<Self, String> {
        let profile = Profile::by_name(&config.profile)
            .ok_or_else(|| format!("unknown profile {:?}; known profiles: moodle", config.profile))?;
        if config.max_restarts == 0 || config.restart_period_seconds <= 0.0 {
            return Err("maxRestarts and restartPeriodSeconds must be positive".into());
        }
        let checkpoint_mode = CheckpointMode::parse(&config.checkpoint)?;
        let intensity =
            RestartIntensity { max_restarts: config.max_restarts, period_ms: config.restart_period_seconds * 1000.0 };
        Ok(Supervisor {
            factory,
            config,
            profile,
            site_files: Vec::new(),
            runtime: None,
            state: State::Booting,
            jar: CookieJar::default(),
            mirror: Mirror::default(),
            plugins: PluginTracker::default(),
            checkpointer: Checkpointer::new(checkpoint_mode),
            last_data_source: None,
            intensity,
            restarts: RestartLog::default(),
            crashes: CrashCounts::default(),
            recent_faults: Vec::new(),
            next_runtime_fault: None,
            stats: Stats::default(),
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn cookies(&self) -> &CookieJar {
        &self.jar
    }

    pub fn runtime(&self) -> Option<&F::Runtime> {
        self.runtime.as_ref()
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    pub fn plugins(&self) -> &PluginTracker {
        &self.plugins
    }

    /// What the page's status panel shows.
    pub fn status(&self) -> Outgoing {
        let (state, reason) = match &self.state {
            State::Booting => ("booting", None),
            State::Serving => ("serving", None),
            State::Failed { reason } => ("failed", Some(reason.clone())),
        };
        let (snapshot_files, snapshot_bytes) = self.mirror.size();
        let limit = self.config.rotate_after_requests;
        Outgoing::Status {
            state: state.into(),
            reason,
            php_version: self.runtime.as_ref().map(|r| r.php_version()).unwrap_or_default(),
            requests_served: self.stats.requests_served,
            crash_restarts: self.stats.crash_restarts,
            rotations: self.stats.rotations,
            requests_until_rotation: (limit > 0).then(|| limit.saturating_sub(self.stats.requests_since_rotation)),
            memory_bytes: self.runtime.as_ref().map(|r| r.memory_bytes()).unwrap_or(0),
            rotate_above_memory_bytes: self.config.rotate_above_memory_mib << 20,
            last_recovery_ms: self.stats.last_recovery_ms,
            snapshot_files,
            snapshot_bytes,
            tracked_plugins: self.plugins.plugins().map(|p| p.component.clone()).collect(),
        }
    }

    /// First boot: download the site, make a runtime, bootstrap it, log in.
    pub async fn start(&mut self, events: Events<'_>) -> Result<(), String> {
        let started = self.factory.now_ms();
        events(progress(Stage::Downloading, 0.0, "downloading the site bundle"));
        if !self.config.bundle_url.is_empty() {
            match self.factory.fetch_bundle(&self.config.bundle_url).await {
                Ok(files) => self.site_files = files,
                Err(e) => return Err(self.fail(format!("could not load the site bundle {}: {e}", self.config.bundle_url))),
            }
        }
        let runtime = self.boot_with_retry(events).await?;
        if let Err(e) = self.auto_login(&runtime).await {
            runtime.destroy();
            return Err(self.fail(format!("could not log the admin in: {e}")));
        }
        events(Outgoing::Ready { php_version: runtime.php_version(), boot_ms: self.factory.now_ms() - started, restart: false });
        self.runtime = Some(runtime);
        self.state = State::Serving;
        Ok(())
    }

    /// Serves one request. Never panics, never leaves the worker without an answer.
    pub async fn serve(&mut self, request: HttpRequest, events: Events<'_>) -> HttpResponse {
        let response = self.serve_inner(request.clone(), events).await;
        if request.method == "HEAD" {
            return HttpResponse { body: Vec::new(), ..response };
        }
        response
    }

    async fn serve_inner(&mut self, mut request: HttpRequest, events: Events<'_>) -> HttpResponse {
        if let State::Failed { reason } = &self.state {
            return HttpResponse::explain(
                503,
                "The PHP runtime is stopped",
                &[reason, "Your data is kept. Use “Restart runtime” to start PHP again."],
            );
        }
        if self.crashes.is_quarantined(&request.method, &request.url) {
            return HttpResponse::explain(
                503,
                "This request is quarantined",
                &[
                    &format!("{} {} crashed the PHP runtime twice, so it is not run again.", request.method, request.url),
                    "Your data is kept and other pages work as before.",
                ],
            );
        }
        self.rotate_if_due(events).await;
        if let Some(cookie) = self.jar.cookie_header(request.headers.get("cookie").map(String::as_str)) {
            request.headers.insert("cookie".into(), cookie);
        }
        match self.attempt(&request).await {
            Attempt::Answered(response) => self.accept(&request, response, events),
            Attempt::Failed(error) => failed_response(&request, &error),
            Attempt::Crashed(kind, error) => self.handle_crash(&request, kind, error, events).await,
        }
    }

    async fn attempt(&self, request: &HttpRequest) -> Attempt {
        let Some(runtime) = self.runtime.as_ref() else {
            return Attempt::Failed(PhpError::new("Error", "there is no PHP runtime"));
        };
        match runtime.request(request).await {
            Ok(response) => Attempt::Answered(response),
            Err(error) => match fault::classify(&error) {
                Fault::Fatal(kind) => Attempt::Crashed(kind, error),
                Fault::NonFatal => Attempt::Failed(error),
            },
        }
    }

    /// Bookkeeping for an answered request: cookies, plugin installs, counters.
    fn accept(&mut self, request: &HttpRequest, response: HttpResponse, events: Events<'_>) -> HttpResponse {
        let now_seconds = self.factory.now_ms() / 1000.0;
        for set_cookie in response.headers.get("set-cookie").into_iter().flatten() {
            self.jar.apply_set_cookie(set_cookie, now_seconds);
        }
        match self.plugins.observe(&self.profile, &request.method, &request.url, response.status, response.header("location")) {
            Ok(Some(plugin)) => events(trace(format!("tracking plugin {} at {}", plugin.component, plugin.dir))),
            Ok(None) => {}
            Err(reason) => events(trace(reason)),
        }
        self.stats.requests_served += 1;
        self.stats.requests_since_rotation += 1;
        if let Some(runtime) = self.runtime.as_ref() {
            let plugins = self.plugins.plugins().cloned().collect();
            let now = self.factory.wall_clock_ms();
            if let Err(reason) = self.checkpointer.after_request(runtime, &self.profile, self.stats.requests_served, now, plugins) {
                events(trace(reason));
            }
        }
        response
    }

    /// Crash → recover → replay once (GET/HEAD) or explain (anything else).
    async fn handle_crash(&mut self, request: &HttpRequest, kind: FaultKind, error: PhpError, events: Events<'_>) -> HttpResponse {
        let started = self.factory.now_ms();
        self.report_crash(request, kind, &error, events);
        let restored = match self.recover(events).await {
            Ok(restored) => restored,
            Err(reason) => return HttpResponse::explain(503, "The PHP runtime crashed and is stopped", &[&reason]),
        };
        let recovered = |this: &mut Self, replayed: bool, events: Events<'_>| {
            let ms = this.factory.now_ms() - started;
            this.stats.last_recovery_ms = Some(ms);
            let source = this.last_data_source.clone().unwrap_or(DataSource::CrashSnapshot);
            events(Outgoing::Recovered {
                ms,
                restored_files: restored.0,
                restored_bytes: restored.1,
                replayed,
                data_source: source.as_str().into(),
                data_loss: source.loss(),
            });
        };
        if !policy::is_replayable(&request.method) {
            recovered(self, false, events);
            return HttpResponse::explain(
                503,
                "The PHP runtime crashed — your action was not repeated",
                &[
                    &format!("PHP crashed ({}) while handling {} {}.", kind.as_str(), request.method, request.url),
                    "The runtime was restarted and your data (courses, files, plugins, your login) was preserved.",
                    "The action was NOT repeated, because doing it twice could be harmful. Check whether it took effect, then try again if needed.",
                ],
            );
        }
        events(progress(Stage::Replaying, 0.95, &format!("replaying {} {}", request.method, request.url)));
        match self.attempt(request).await {
            Attempt::Answered(response) => {
                let response = self.accept(request, response, events);
                recovered(self, true, events);
                response
            }
            Attempt::Failed(error) => {
                recovered(self, false, events);
                failed_response(request, &error)
            }
            Attempt::Crashed(kind_again, error_again) => {
                recovered(self, false, events);
                self.report_crash(request, kind_again, &error_again, events);
                let outcome = self.recover(events).await;
                let state = match outcome {
                    Ok(_) => "The runtime was restarted again with your data preserved; the request was not run a third time.".to_string(),
                    Err(reason) => reason,
                };
                HttpResponse::explain(
                    503,
                    "The PHP runtime crashed twice on this page",
                    &[
                        &format!(
                            "{} {} crashed PHP ({}), and crashed it again when it was replayed ({}).",
                            request.method,
                            request.url,
                            kind.as_str(),
                            kind_again.as_str()
                        ),
                        &state,
                    ],
                )
            }
        }
    }

    fn report_crash(&mut self, request: &HttpRequest, kind: FaultKind, error: &PhpError, events: Events<'_>) {
        self.crashes.record(&request.method, &request.url);
        self.recent_faults.push(format!("{} during {} {}: {error}", kind.as_str(), request.method, request.url));
        if self.recent_faults.len() > 5 {
            self.recent_faults.remove(0);
        }
        events(Outgoing::Crash {
            kind: kind.as_str().into(),
            message: error.to_string(),
            method: request.method.clone(),
            url: request.url.clone(),
        });
    }

    /// Snapshot the crashed runtime, drop it, and bring up a fresh one with the
    /// state restored. Returns (files, bytes) restored.
    async fn recover(&mut self, events: Events<'_>) -> Result<(u32, u64), String> {
        self.take_snapshot_and_drop(events);
        if !self.restarts.try_restart(self.intensity, self.factory.now_ms()) {
            return Err(self.fail(format!(
                "PHP crashed more than {} times within {} s, so the worker stopped restarting it. Last faults: {}",
                self.intensity.max_restarts,
                self.intensity.period_ms / 1000.0,
                self.recent_faults.join(" | ")
            )));
        }
        self.stats.crash_restarts += 1;
        self.bring_up(events).await
    }

    /// Reads the state that must survive out of the current runtime (crashed:
    /// at the JS level only), then drops the runtime.
    fn take_snapshot_and_drop(&mut self, events: Events<'_>) {
        let Some(old) = self.runtime.take() else { return };
        events(progress(Stage::Snapshotting, 0.05, "reading your data out of the crashed runtime"));
        match Mirror::snapshot(&old, &self.snapshot_sources()) {
            Ok(mirror) => self.mirror = mirror,
            Err(e) => events(trace(format!("could not read the crashed runtime's files ({e}); using the previous snapshot"))),
        }
        old.destroy();
    }

    /// A fresh runtime, bootstrapped, with the mirror restored and plugins re-registered.
    async fn bring_up(&mut self, events: Events<'_>) -> Result<(u32, u64), String> {
        let runtime = self.boot_with_retry(events).await?;
        match self.restore_onto(&runtime, events).await {
            Ok(restored) => {
                if self.next_runtime_fault == Some(NextRuntimeFault::FirstRequest) {
                    // Debug only: the engine stack runs out on this runtime's first request.
                    self.next_runtime_fault = None;
                    let _ = runtime.inject_fault("stack");
                }
                self.runtime = Some(runtime);
                self.state = State::Serving;
                Ok(restored)
            }
            Err(e) => {
                runtime.destroy();
                Err(self.fail(format!("could not restore your data onto the fresh runtime: {e}")))
            }
        }
    }

    fn snapshot_sources(&self) -> Vec<Source> {
        let mut sources: Vec<Source> = self.profile.db_files().into_iter().map(Source::File).collect();
        sources.push(Source::Tree(self.profile.uploads_path()));
        sources.extend(self.plugins.plugins().map(|p| Source::Tree(p.dir.clone())));
        sources
    }

    /// Boots a fresh runtime; a crash during bootstrap is retried once on
    /// another fresh instance, then the worker is Failed.
    async fn boot_with_retry(&mut self, events: Events<'_>) -> Result<F::Runtime, String> {
        match self.boot_fresh(events).await {
            Ok(runtime) => Ok(runtime),
            Err((Fault::Fatal(kind), reason)) => {
                events(trace(format!("the bootstrap crashed ({}): {reason}; retrying once on a fresh instance", kind.as_str())));
                self.boot_fresh(events).await.map_err(|(_, reason)| self.fail(format!("the bootstrap crashed twice: {reason}")))
            }
            Err((Fault::NonFatal, reason)) => Err(self.fail(reason)),
        }
    }

    async fn boot_fresh(&mut self, events: Events<'_>) -> Result<F::Runtime, (Fault, String)> {
        events(progress(Stage::Instantiating, 0.1, "instantiating PHP 8.3"));
        let options = RuntimeOptions {
            document_root: self.profile.webroot.into(),
            site_url: self.config.site_url.clone(),
            php_ini: self.config.php_ini.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let runtime = self
            .factory
            .create(&options)
            .await
            .map_err(|e| (fault::classify(&e), format!("could not start PHP: {e}")))?;
        if self.next_runtime_fault == Some(NextRuntimeFault::Boot) {
            // Debug only: a real trap inside the bootstrap that follows.
            self.next_runtime_fault = None;
            let _ = runtime.inject_fault("memory");
        }
        let steps = boot::plan(&self.profile);
        let inputs = BootInputs { profile: &self.profile, site_url: &self.config.site_url, site_files: &self.site_files };
        let total = steps.len() as f64;
        let result = boot::run(&runtime, &steps, &inputs, |index, step| {
            events(progress(Stage::Bootstrapping, 0.2 + 0.5 * index as f64 / total, &step.describe()))
        })
        .await;
        match result {
            Ok(()) => Ok(runtime),
            Err(error) => {
                let classified = fault::classify(&error.error);
                runtime.destroy();
                Err((classified, error.to_string()))
            }
        }
    }

    /// Restores the best trustworthy data onto a freshly booted runtime
    /// (src/restore.rs) and re-registers the plugins that belong to it.
    async fn restore_onto(&mut self, runtime: &F::Runtime, events: Events<'_>) -> Result<(u32, u64), PhpError> {
        events(progress(Stage::Restoring, 0.75, "restoring your data"));
        let tracked: Vec<_> = self.plugins.plugins().cloned().collect();
        let report =
            restore::restore_best(runtime, &self.profile, &self.mirror, self.checkpointer.checkpoint(), &tracked).await?;
        for reason in &report.rejected {
            events(trace(format!("not restored: {reason}")));
        }
        for plugin in &report.dropped_plugins {
            events(trace(format!(
                "plugin {} was not restored: the database state chosen predates its installation",
                plugin.component
            )));
        }
        if let Some(loss) = report.source.loss() {
            events(trace(loss));
        }
        if report.rolled_back_open_transaction {
            events(trace("the crash interrupted a database transaction: its journal came along and SQLite rolled it back".into()));
        }
        self.plugins.retain(&report.kept_plugins);
        self.checkpointer.new_runtime();
        self.reregister_plugins(runtime, events).await?;
        if report.source == DataSource::FreshInstall && self.jar.get(self.profile.session_cookie).is_some() {
            // The session row went with the data: log in as the admin again.
            events(trace("your session could not be kept: logged in as the admin".into()));
            self.auto_login(runtime).await?;
        }
        self.last_data_source = Some(report.source);
        Ok((report.files, report.bytes))
    }

    async fn reregister_plugins(&self, runtime: &F::Runtime, events: Events<'_>) -> Result<(), PhpError> {
        if self.plugins.is_empty() {
            return Ok(());
        }
        events(progress(Stage::Reregistering, 0.85, "re-registering restored plugins"));
        let components: Vec<String> = self.plugins.plugins().map(|p| p.component.clone()).collect();
        let output = runtime.run_code(&(self.profile.reregister_code)(&self.profile, &components)).await?;
        for component in &components {
            let registered = output
                .stdout
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{component}=")))
                .is_some_and(|version| !version.trim().is_empty());
            if !registered {
                events(trace(format!("plugin {component} was restored but is not registered: {}", output.stdout.trim())));
            }
        }
        Ok(())
    }

    /// Logs the admin in with the profile's snippet and keeps the session cookie.
    async fn auto_login(&mut self, runtime: &F::Runtime) -> Result<(), PhpError> {
        let output = runtime.run_code(&self.profile.autologin_code).await?;
        let session_id = output.stdout.trim();
        if session_id.is_empty() || !session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b',') {
            let printed: String = output.stdout.chars().take(300).collect();
            return Err(PhpError::new("AutoLoginError", &format!("auto-login printed {printed:?}, not a session id")));
        }
        self.jar.set(self.profile.session_cookie, session_id);
        Ok(())
    }

    /// Rotation: after N healthy requests (or above the memory threshold), move
    /// to a fresh runtime through the same path as recovery, from a snapshot of
    /// the HEALTHY runtime. If it fails, keep serving with the old one.
    async fn rotate_if_due(&mut self, events: Events<'_>) {
        let Some(current) = self.runtime.as_ref() else { return };
        let limit = self.config.rotate_after_requests;
        let memory_limit = self.config.rotate_above_memory_mib << 20;
        let reason = if limit > 0 && self.stats.requests_since_rotation >= limit {
            "requests"
        } else if memory_limit > 0 && current.memory_bytes() > memory_limit {
            "memory"
        } else {
            return;
        };
        let started = self.factory.now_ms();
        events(Outgoing::Rotating { reason: reason.into() });
        let snapshot = match Mirror::snapshot(current, &self.snapshot_sources()) {
            Ok(mirror) => mirror,
            Err(e) => {
                self.stats.requests_since_rotation = 0;
                return events(trace(format!("rotation skipped: could not snapshot the runtime ({e})")));
            }
        };
        let previous_mirror = std::mem::replace(&mut self.mirror, snapshot);
        let fresh = match self.boot_fresh(events).await {
            Ok(fresh) => fresh,
            Err((_, reason)) => {
                self.mirror = previous_mirror;
                self.stats.requests_since_rotation = 0;
                return events(trace(format!("rotation failed, still serving with the current runtime: {reason}")));
            }
        };
        match self.restore_onto(&fresh, events).await {
            Ok(_) => {
                if let Some(old) = self.runtime.replace(fresh) {
                    old.destroy();
                }
                self.stats.rotations += 1;
                self.stats.requests_since_rotation = 0;
                events(Outgoing::Rotated { ms: self.factory.now_ms() - started });
            }
            Err(e) => {
                fresh.destroy();
                self.stats.requests_since_rotation = 0;
                events(trace(format!("rotation failed while restoring, still serving with the current runtime: {e}")));
            }
        }
    }

    /// The page asked for a restart (after Failed, or any time): a fresh budget,
    /// a fresh runtime, the last snapshot restored.
    pub async fn restart(&mut self, events: Events<'_>) -> Result<(), String> {
        let started = self.factory.now_ms();
        self.take_snapshot_and_drop(events);
        self.restarts.clear();
        self.recent_faults.clear();
        self.crashes = CrashCounts::default();
        self.state = State::Booting;
        let (files, bytes) = self.bring_up(events).await?;
        events(trace(format!("restarted with {files} files ({bytes} bytes) restored")));
        let php_version = self.runtime.as_ref().map(|r| r.php_version()).unwrap_or_default();
        events(Outgoing::Ready { php_version, boot_ms: self.factory.now_ms() - started, restart: true });
        Ok(())
    }

    /// Debug only: makes the runtime fail for real. `boot` arms a trap inside
    /// the NEXT runtime's bootstrap, `replay` one on its first request;
    /// `torn-db` damages the DB header and traps.
    pub fn inject_fault(&mut self, kind: &str) -> Result<(), String> {
        match kind {
            "boot" => return Ok(self.next_runtime_fault = Some(NextRuntimeFault::Boot)),
            "replay" => return Ok(self.next_runtime_fault = Some(NextRuntimeFault::FirstRequest)),
            "torn-db" => return self.damage_db_then_trap(),
            _ => {}
        }
        let runtime = self.runtime.as_ref().ok_or("there is no PHP runtime to inject a fault into")?;
        runtime.inject_fault(kind).map_err(|e| format!("could not inject the fault {kind:?}: {e}"))
    }

    /// Debug only: damage the DB file's header in MEMFS (as a torn write of
    /// page 1 would), then corrupt linear memory so the next request traps.
    fn damage_db_then_trap(&self) -> Result<(), String> {
        let runtime = self.runtime.as_ref().ok_or("there is no PHP runtime to inject a fault into")?;
        let damage = |e: PhpError| format!("could not damage the database: {e}");
        let mut db = runtime.read_file(&self.profile.db_file).map_err(damage)?;
        db.iter_mut().take(16).for_each(|byte| *byte = 0);
        runtime.write_file(&self.profile.db_file, &db).map_err(damage)?;
        runtime.inject_fault("memory").map_err(|e| format!("could not inject the fault: {e}"))
    }

    fn fail(&mut self, reason: String) -> String {
        self.state = State::Failed { reason: reason.clone() };
        reason
    }
}

fn failed_response(request: &HttpRequest, error: &PhpError) -> HttpResponse {
    HttpResponse::explain(502, "PHP failed to answer", &[&format!("{} {} failed: {error}", request.method, request.url)])
}

fn progress(stage: Stage, fraction: f64, detail: &str) -> Outgoing {
    Outgoing::Progress { stage, fraction, detail: detail.into() }
}

fn trace(message: String) -> Outgoing {
    Outgoing::Trace { message }
}

#[cfg(test)]
mod tests;
