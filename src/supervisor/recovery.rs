//! Recovery: crash → snapshot at the JS level → drop → fresh runtime → full
//! bootstrap → restore the best trustworthy data → re-register plugins →
//! replay GET/HEAD once, or explain.

use super::*;
use std::collections::BTreeMap;

impl<F: RuntimeFactory> Supervisor<F> {
    /// Crash → recover → replay once (GET/HEAD) or explain (anything else).
    pub(super) async fn handle_crash(
        &mut self,
        request: &HttpRequest,
        kind: FaultKind,
        error: PhpError,
        events: Events<'_>,
    ) -> HttpResponse {
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
                self.accept(&Answered::of(request, &response), events);
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
                // It crashed a fresh runtime that nothing else had touched: poison.
                self.crashes.quarantine(&request.method, &request.url, self.factory.now_ms(), self.intensity.period_ms);
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

    pub(super) fn report_crash(
        &mut self,
        request: &HttpRequest,
        kind: FaultKind,
        error: &PhpError,
        events: Events<'_>,
    ) {
        let blame = !self.runtime_damaged_on_purpose;
        let now = self.factory.now_ms();
        if !blame {
            events(trace(format!(
                "the crash during {} {} followed an injected fault: it is not counted against that page",
                request.method, request.url
            )));
        }
        self.crashes.record_crash(&request.method, &request.url, blame, now, self.intensity.period_ms);
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
    pub(super) async fn recover(&mut self, events: Events<'_>) -> Result<(u32, u64), String> {
        self.discard_uncommitted_changes(events);
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

    /// A crashed request's effects are all or nothing: what it wrote to the
    /// user's files after the DB's last commit goes, as its DB changes do
    /// (SQLite rolls those back from the journal).
    fn discard_uncommitted_changes(&mut self, events: Events<'_>) {
        let Some(runtime) = self.runtime.as_ref() else { return };
        match runtime.discard_uncommitted_changes() {
            Ok(undone) if undone.is_empty() => {}
            Ok(undone) => {
                let shown: Vec<&str> = undone.iter().take(5).map(String::as_str).collect();
                events(trace(format!(
                    "the crashed request had not committed: {} file change(s) it made were undone ({}{})",
                    undone.len(),
                    shown.join(", "),
                    if undone.len() > shown.len() { ", …" } else { "" }
                )));
            }
            Err(e) => events(trace(format!("could not undo the crashed request's file changes: {e}"))),
        }
    }

    /// The user's state that a request's undo log covers: uploads, the extra
    /// state directories and the plugin directories of the code tree.
    pub(super) fn watch_request_changes(&self, runtime: &F::Runtime, events: Events<'_>) {
        let profile = &self.profile;
        let mut roots = vec![profile.uploads.clone()];
        roots.extend(profile.extra_state_dirs.iter().map(|dir| dir.to_string()));
        roots.extend(profile.plugin_types.iter().map(|(_, dir)| format!("{}/{dir}", profile.webroot)));
        let journal = format!("{}-journal", profile.db_file);
        if let Err(e) = runtime.watch_request_changes(&roots, &journal, &profile.db_files()) {
            events(trace(format!("file changes of requests are not tracked on this runtime: {e}")));
        }
    }

    /// Reads the state that must survive out of the current runtime (crashed:
    /// at the JS level only), then drops the runtime.
    pub(super) fn take_snapshot_and_drop(&mut self, events: Events<'_>) {
        let Some(old) = self.runtime.take() else { return };
        events(progress(Stage::Snapshotting, 0.05, "reading your data out of the crashed runtime"));
        match Mirror::snapshot(&old, &self.snapshot_sources()) {
            Ok(mirror) => self.mirror = mirror,
            Err(e) => {
                events(trace(format!("could not read the crashed runtime's files ({e}); using the previous snapshot")))
            }
        }
        old.destroy();
    }

    /// A fresh runtime, bootstrapped, with the mirror restored and plugins re-registered.
    pub(super) async fn bring_up(&mut self, events: Events<'_>) -> Result<(u32, u64), String> {
        let runtime = self.standby_or_boot(events).await?;
        match self.restore_onto(&runtime, SnapshotOrigin::Crashed, events).await {
            Ok(restored) => {
                if self.next_runtime_fault == Some(NextRuntimeFault::FirstRequest) {
                    // Debug only: the engine stack runs out on this runtime's first request.
                    self.next_runtime_fault = None;
                    let _ = runtime.inject_fault("stack");
                }
                self.runtime = Some(runtime);
                self.runtime_damaged_on_purpose = false;
                self.state = State::Serving;
                Ok(restored)
            }
            Err(e) => {
                runtime.destroy();
                Err(self.fail(format!("could not restore your data onto the fresh runtime: {e}")))
            }
        }
    }

    pub(super) fn snapshot_sources(&self) -> Vec<Source> {
        let extra_dirs = self.profile.extra_state_dirs;
        // DB files inside an extra state directory come with that directory: read them once.
        let inside_extra = |path: &String| extra_dirs.iter().any(|dir| path.starts_with(&format!("{dir}/")));
        let mut sources: Vec<Source> =
            self.profile.db_files().into_iter().filter(|path| !inside_extra(path)).map(Source::File).collect();
        sources.push(Source::Tree(self.profile.uploads.clone()));
        sources.extend(extra_dirs.iter().map(|dir| Source::Tree(dir.to_string())));
        sources.extend(self.plugins.plugins().map(|p| Source::Tree(p.dir.clone())));
        sources
    }

    /// Boots a fresh runtime; a crash during bootstrap is retried once on
    /// another fresh instance, then the worker is Failed.
    pub(super) async fn boot_with_retry(&mut self, events: Events<'_>) -> Result<F::Runtime, String> {
        match self.boot_fresh(events).await {
            Ok(runtime) => Ok(runtime),
            Err((Fault::Fatal(kind), reason)) => {
                events(trace(format!(
                    "the bootstrap crashed ({}): {reason}; retrying once on a fresh instance",
                    kind.as_str()
                )));
                self.boot_fresh(events)
                    .await
                    .map_err(|(_, reason)| self.fail(format!("the bootstrap crashed twice: {reason}")))
            }
            Err((Fault::NonFatal, reason)) => Err(self.fail(reason)),
        }
    }

    pub(super) async fn boot_fresh(&mut self, events: Events<'_>) -> Result<F::Runtime, (Fault, String)> {
        events(progress(Stage::Instantiating, 0.1, "instantiating PHP 8.3"));
        let runtime = self
            .factory
            .create(&self.runtime_options())
            .await
            .map_err(|e| (fault::classify(&e), format!("could not start PHP: {e}")))?;
        if self.next_runtime_fault == Some(NextRuntimeFault::Boot) {
            // Debug only: a real trap inside the bootstrap that follows.
            self.next_runtime_fault = None;
            let _ = runtime.inject_fault("memory");
        }
        let steps = boot::plan(&self.profile);
        let inputs = BootInputs { profile: &self.profile, site_url: &self.config.site_url, seeds: &self.seeds };
        let total = steps.len() as f64;
        let result = boot::run(&runtime, &steps, &inputs, |index, step| {
            events(progress(Stage::Bootstrapping, 0.2 + 0.5 * index as f64 / total, &step.describe()))
        })
        .await;
        match result {
            Ok(()) => {
                self.watch_request_changes(&runtime, events);
                Ok(runtime)
            }
            Err(error) => {
                let classified = fault::classify(&error.error);
                runtime.destroy();
                Err((classified, error.to_string()))
            }
        }
    }

    /// What every fresh runtime, active or standby, is made with.
    pub(super) fn runtime_options(&self) -> RuntimeOptions {
        RuntimeOptions {
            document_root: self.profile.webroot.into(),
            site_url: self.config.site_url.clone(),
            php_ini: php_ini(&self.profile, &self.config.php_ini),
            extensions: self.profile.php_extensions.iter().map(|e| e.to_string()).collect(),
            opcache: self.opcache_size(),
        }
    }

    /// The profile's opcode cache, unless the page switched it off.
    pub(super) fn opcache_size(&self) -> Option<OpcacheSize> {
        self.config.opcache.then_some(self.profile.opcache)
    }

    /// The warm standby if one is ready, else a fresh runtime bootstrapped now.
    pub(super) async fn standby_or_boot(&mut self, events: Events<'_>) -> Result<F::Runtime, String> {
        match self.take_standby() {
            Some(standby) => {
                events(trace("using the warm standby runtime: no bootstrap to wait for".into()));
                Ok(standby)
            }
            None => self.boot_with_retry(events).await,
        }
    }

    /// Restores the best trustworthy data onto a freshly booted runtime
    /// (src/restore.rs) and re-registers the plugins that belong to it.
    pub(super) async fn restore_onto(
        &mut self,
        runtime: &F::Runtime,
        origin: SnapshotOrigin,
        events: Events<'_>,
    ) -> Result<(u32, u64), PhpError> {
        events(progress(Stage::Restoring, 0.75, "restoring your data"));
        let tracked: Vec<_> = self.plugins.plugins().cloned().collect();
        let report = restore::restore_best(
            runtime,
            &self.profile,
            &self.mirror,
            origin,
            self.checkpointer.checkpoint(),
            &tracked,
        )
        .await?;
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
            events(trace(
                "the crash interrupted a database transaction: its journal came along and SQLite rolled it back".into(),
            ));
        }
        self.plugins.retain(&report.kept_plugins);
        self.checkpointer.new_runtime();
        if let Some(script) = &self.profile.after_restore_script {
            let output = runtime.run_script(script).await?;
            if output.exit_code != 0 || !output.stdout.contains("OK") {
                let said = output.stdout.chars().take(400).collect::<String>();
                return Err(PhpError::new("RestoreError", &format!("{script} after the restore printed {said:?}")));
            }
        }
        self.reregister_plugins(runtime, events).await?;
        if report.source == DataSource::FreshInstall && self.jar.get(self.profile.session_cookie).is_some() {
            // The session row went with the data: log in as the admin again.
            events(trace("your session could not be kept: logged in as the admin".into()));
            self.auto_login(runtime).await?;
        }
        if self.saves() {
            // The restored DB is a state to save (a crashed request may have
            // committed before it trapped).
            self.checkpoint_now(runtime);
        }
        self.last_data_source = Some(report.source);
        Ok((report.files, report.bytes))
    }

    /// A checkpoint of `runtime`'s DB as it is now, so the next idle moment
    /// saves it without waiting for a request that writes.
    pub(super) fn checkpoint_now(&mut self, runtime: &F::Runtime) {
        let plugins = || self.plugins.plugins().cloned().collect();
        let now = self.factory.wall_clock_ms();
        if let Ok(true) =
            self.checkpointer.after_request(runtime, &self.profile, self.stats.requests_served, || now, plugins)
        {
            self.saver.db_written(None);
        }
        self.save_due = true;
    }

    pub(super) async fn reregister_plugins(&self, runtime: &F::Runtime, events: Events<'_>) -> Result<(), PhpError> {
        if self.plugins.is_empty() {
            return Ok(());
        }
        events(progress(Stage::Reregistering, 0.85, "re-registering restored plugins"));
        let components: Vec<String> = self.plugins.plugins().map(|p| p.component.clone()).collect();
        let output = runtime.run_code(&(self.profile.reregister_code)(&self.profile, &components)).await?;
        for component in &components {
            let version = output
                .stdout
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{component}=")))
                .map(str::trim)
                .filter(|version| !version.is_empty());
            match version {
                Some(version) => events(trace(format!("plugin {component} re-registered, version {version}"))),
                None => events(trace(format!(
                    "plugin {component} was restored but is not registered: {}",
                    output.stdout.trim()
                ))),
            }
        }
        Ok(())
    }

    /// Logs the admin in with the profile's snippet and keeps the session cookie.
    pub(super) async fn auto_login(&mut self, runtime: &F::Runtime) -> Result<(), PhpError> {
        let Some(code) = self.profile.autologin_code.as_deref() else {
            // An application without auto-login starts with an anonymous visitor.
            return Ok(());
        };
        let output = runtime.run_code(code).await?;
        let session_id = output.stdout.trim();
        if session_id.is_empty() || !session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b',') {
            let printed: String = output.stdout.chars().take(300).collect();
            return Err(PhpError::new("AutoLoginError", &format!("auto-login printed {printed:?}, not a session id")));
        }
        self.jar.set(self.profile.session_cookie, session_id);
        Ok(())
    }
}

/// The profile's php.ini entries, then the page's (which win).
fn php_ini(profile: &Profile, page: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut entries: BTreeMap<String, String> =
        profile.php_ini.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    entries.extend(page.iter().map(|(k, v)| (k.clone(), v.clone())));
    entries.into_iter().collect()
}
