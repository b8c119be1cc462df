//! The supervisor owns the one PHP runtime and decides what happens to each
//! request: Booting → Serving → (Recovering → Serving) or Failed.
//! It is plain Rust over the `PhpRuntime` trait: `cargo test` runs it with a
//! scripted fake; tests/browser.rs runs it with real PHP and real traps.

use crate::boot::{self, BootInputs};
use crate::checkpoint::{CheckpointMode, Checkpointer};
use crate::cookies::CookieJar;
use crate::fault::{self, Fault, FaultKind};
use crate::mirror::{Mirror, Source};
use crate::php::{OpcacheSize, PhpError, PhpRuntime, RuntimeFactory, RuntimeOptions};
use crate::plugins::PluginTracker;
use crate::policy::{self, CrashCounts, RestartIntensity, RestartLog};
use crate::profile::Profile;
use crate::protocol::SaveSummary;
use crate::protocol::{Body, Config, HttpRequest, HttpResponse, Outgoing, Stage};
use crate::restore::{self, DataSource, SnapshotOrigin};
use crate::site_store::{self, LoadedSave, SavePlan, SiteSaver};

/// What the store had for this site at boot.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedSite {
    None,
    Loaded(LoadedSave),
    /// A save exists but must not be restored (damaged, another profile, a
    /// newer format): it is kept, and nothing is saved over it.
    Refused(String),
}

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

/// What the bookkeeping after an answered request needs of it.
struct Answered {
    method: String,
    url: String,
    status: u16,
    headers: crate::protocol::Headers,
}

impl Answered {
    fn of(request: &HttpRequest, response: &HttpResponse) -> Self {
        Answered {
            method: request.method.clone(),
            url: request.url.clone(),
            status: response.status,
            headers: response.headers.clone(),
        }
    }
}

/// How a request the worker started itself ended (`Supervisor::conclude`).
#[derive(Debug)]
pub enum Concluded {
    /// The answer to post; `settle` follows, as after `serve_answer_first`.
    Answer(HttpResponse),
    /// PHP crashed: `Supervisor::recover_from` answers.
    Crashed(Crash),
}

/// A crash a request met, for `Supervisor::recover_from`.
#[derive(Debug)]
pub struct Crash {
    kind: FaultKind,
    error: PhpError,
}

/// How a request to the runtime ended.
enum Attempt {
    Answered(HttpResponse),
    Crashed(FaultKind, PhpError),
    Failed(PhpError),
}

impl Attempt {
    /// A runtime's outcome, its error classified: a crash or a PHP failure.
    fn of(outcome: Result<HttpResponse, PhpError>) -> Self {
        match outcome {
            Ok(response) => Attempt::Answered(response),
            Err(error) => match fault::classify(&error) {
                Fault::Fatal(kind) => Attempt::Crashed(kind, error),
                Fault::NonFatal => Attempt::Failed(error),
            },
        }
    }
}

pub struct Supervisor<F: RuntimeFactory> {
    factory: F,
    config: Config,
    profile: Profile,
    /// The bundle's install snapshot (seeds), kept for every bootstrap.
    seeds: Vec<(String, Vec<u8>)>,
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
    /// Debug only: the current runtime was damaged by `inject-fault`, so its
    /// next crash is not the fault of the request that meets it.
    runtime_damaged_on_purpose: bool,
    /// Notices already told to the page (see `tell_notice_once`).
    told_notices: std::collections::BTreeSet<String>,
    stats: Stats,
    /// The warm spare runtime (src/supervisor/standby.rs).
    standby: Standby<F::Runtime>,
    standby_failures: u32,
    /// The site's saves (src/site_store.rs; written by the shell).
    saver: SiteSaver,
    /// How long the last save kept the worker (plan + hand-over), for the status.
    last_save_ms: Option<f64>,
    /// How long the page took to write the last save that landed.
    last_save_write_ms: Option<f64>,
    /// Something may differ from the last save: try one when idle.
    save_due: bool,
    /// Why this worker must not save (a save it could not restore exists:
    /// writing over it would destroy it; or the blueprint stopped half-way).
    store_refused: Option<String>,
    /// The blueprint, checked whole at configure (or why it was refused).
    blueprint: Option<Result<crate::blueprint::Plan, String>>,
    /// The application's cron while idle (src/supervisor/cron.rs).
    cron: cron::Cron,
    /// An answered request whose bookkeeping waits for `settle`.
    unsettled: Option<Answered>,
}

impl<F: RuntimeFactory> Supervisor<F> {
    pub fn new(factory: F, config: Config) -> Result<Self, String> {
        let profile = Profile::by_name(&config.profile)
            .ok_or_else(|| format!("unknown profile {:?}; known profiles: moodle, mediawiki", config.profile))?;
        if config.max_restarts == 0 || config.restart_period_seconds <= 0.0 {
            return Err("maxRestarts and restartPeriodSeconds must be positive".into());
        }
        let checkpoint_mode = CheckpointMode::parse(&config.checkpoint)?;
        if !config.store.is_empty() {
            let valid = config.store.len() <= 64
                && config.store.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
            if !valid {
                return Err(format!("store {:?} must be 1–64 letters, digits, '-', '_' or '.'", config.store));
            }
            if checkpoint_mode == CheckpointMode::Off {
                return Err("store needs checkpoints: the DB is saved from the last-known-good checkpoint, \
                            so checkpoint \"off\" cannot be combined with a store"
                    .into());
            }
        }
        let intensity =
            RestartIntensity { max_restarts: config.max_restarts, period_ms: config.restart_period_seconds * 1000.0 };
        // Checked whole before anything runs; a refusal is told at boot.
        let blueprint = config.blueprint.as_ref().map(|value| crate::blueprint::plan(value, profile.blueprint_steps));
        Ok(Supervisor {
            factory,
            config,
            profile,
            seeds: Vec::new(),
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
            runtime_damaged_on_purpose: false,
            told_notices: Default::default(),
            stats: Stats::default(),
            standby: Standby::None,
            standby_failures: 0,
            saver: SiteSaver::default(),
            last_save_ms: None,
            last_save_write_ms: None,
            save_due: false,
            store_refused: None,
            blueprint,
            cron: cron::Cron::default(),
            unsettled: None,
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn cookies(&self) -> &CookieJar {
        &self.jar
    }

    /// The runtime requests run on.
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
            standby: self.standby_state().into(),
            standby_memory_bytes: self.standby_memory_bytes(),
            opcache_megabytes: self.opcache_size().map_or(0, |size| size.megabytes),
            store: self.store_state().into(),
            last_save: self.saver.landed().map(site_store::summary),
            last_save_ms: self.last_save_ms,
            last_save_write_ms: self.last_save_write_ms,
            store_error: self.store_refused.clone().or_else(|| self.saver.last_error.clone()),
            cron: self.cron_summary(),
        }
    }

    /// First boot: download the site, make a runtime, bootstrap it, then
    /// restore the site's save if one was loaded (`saved`), else log in.
    pub async fn start(&mut self, saved: SavedSite, events: Events<'_>) -> Result<(), String> {
        self.start_with(std::future::ready(saved), events).await
    }

    /// As `start`, with the site's save still being read (from the browser's
    /// storage): the bundle download and the bootstrap go on meanwhile, and
    /// the save is awaited only when the fresh runtime is ready for it.
    pub async fn start_with(
        &mut self,
        saved: impl std::future::Future<Output = SavedSite>,
        events: Events<'_>,
    ) -> Result<(), String> {
        let started = self.factory.now_ms();
        events(progress(Stage::Downloading, 0.0, "downloading the site bundle"));
        if !self.config.bundle_url.is_empty() {
            match self.factory.load_bundle(&self.config.bundle_url).await {
                Ok(paths) => {
                    self.seeds = paths
                        .iter()
                        .filter(|path| path.starts_with(boot::SEED_DIR))
                        .filter_map(|path| Some((path.clone(), self.factory.bundle_file(path)?)))
                        .collect()
                }
                Err(e) => {
                    return Err(self.fail(format!("could not load the site bundle {}: {e}", self.config.bundle_url)))
                }
            }
        }
        let runtime = self.boot_with_retry(events).await?;
        let waiting = self.factory.now_ms();
        let saved = saved.await;
        if let SavedSite::Loaded(save) = &saved {
            let bytes: usize = save.files.iter().map(|(_, b)| b.len()).sum();
            events(trace(format!(
                "read the site's save ({} files, {bytes} bytes) while booting; waited {:.0} ms for it after the bootstrap",
                save.files.len(),
                self.factory.now_ms() - waiting
            )));
        }
        let restored = match saved {
            SavedSite::Loaded(save) => match self.restore_saved_site(&runtime, &save, events).await {
                Ok(summary) => Some(summary),
                Err(e) => {
                    runtime.destroy();
                    return Err(self.fail(format!("could not restore your saved site: {e}")));
                }
            },
            SavedSite::Refused(reason) => {
                events(trace(format!("your saved site was not restored and is kept as it is: {reason}")));
                self.store_refused =
                    Some(format!("{reason}; the save is kept unchanged: nothing is saved until “Reset site”"));
                None
            }
            SavedSite::None => None,
        };
        if restored.is_none() {
            if let Err(e) = self.auto_login(&runtime).await {
                runtime.destroy();
                return Err(self.fail(format!("could not log the admin in: {e}")));
            }
            self.save_due = true;
        }
        let php_version = runtime.php_version();
        self.runtime = Some(runtime);
        self.state = State::Serving;
        let blueprint = match self.blueprint.take() {
            None => None,
            Some(Err(reason)) => {
                events(trace(format!("the blueprint was refused, nothing of it ran: {reason}")));
                Some(blueprint_run::blueprint_not_run("refused", "", Some(reason)))
            }
            Some(Ok(plan)) if restored.is_some() => {
                events(trace("the blueprint was not run: the site was restored from its save, which holds its results (Reset site runs it on a fresh site)".into()));
                Some(blueprint_run::blueprint_not_run("not-run", &plan.title, None))
            }
            Some(Ok(plan)) => Some(self.run_blueprint(&plan, events).await),
        };
        self.cron.last_activity_ms = self.factory.now_ms();
        events(Outgoing::Ready {
            php_version,
            boot_ms: self.factory.now_ms() - started,
            restart: false,
            restored,
            blueprint,
        });
        Ok(())
    }

    /// The site as saved: its files and DB, its plugins re-registered, its
    /// cookies (so its login), its request count.
    async fn restore_saved_site(
        &mut self,
        runtime: &F::Runtime,
        save: &LoadedSave,
        events: Events<'_>,
    ) -> Result<SaveSummary, PhpError> {
        self.mirror = save.mirror();
        self.jar = save.jar();
        self.plugins = PluginTracker::default();
        for plugin in save.plugins() {
            self.plugins.track(plugin);
        }
        self.stats.requests_served = save.manifest.request;
        self.saver = SiteSaver::resume(Some(save.manifest.clone()));
        let started = self.factory.now_ms();
        self.restore_onto(runtime, SnapshotOrigin::Healthy, events).await?;
        // The DB as restored is the save's, byte for byte (nothing wrote it
        // meanwhile): the next save need not hash it all again.
        let saved_db = save.files.iter().find(|(path, _)| *path == self.profile.db_file);
        let checkpoint = self.checkpointer.checkpoint();
        if let (Some((_, saved)), Some(checkpoint)) = (saved_db, checkpoint) {
            if checkpoint.db.as_slice() == saved.as_slice() {
                self.saver.db_unchanged();
            }
        }
        let summary = site_store::summary(&save.manifest);
        events(trace(format!(
            "restored your site as saved after request #{} ({} files, {} bytes) in {:.0} ms",
            summary.request,
            summary.files,
            summary.bytes,
            self.factory.now_ms() - started
        )));
        Ok(summary)
    }

    fn store_state(&self) -> &'static str {
        if self.config.store.is_empty() {
            "off"
        } else if self.store_refused.is_some() {
            "refused"
        } else if self.saver.last_error.is_some() {
            "failing"
        } else if self.saver.is_saving() || (self.save_due && self.state == State::Serving) {
            // Being written, or due (planned before the next job): `saved`
            // means every request served so far is in the save that landed.
            "saving"
        } else if self.saver.landed().is_none() {
            "unsaved"
        } else {
            "saved"
        }
    }

    /// Whether this worker saves the site at all.
    fn saves(&self) -> bool {
        !self.config.store.is_empty() && self.store_refused.is_none()
    }

    /// The store's name for this site.
    pub fn store_key(&self) -> String {
        self.config.store.clone()
    }

    /// Whether the shell should make a save now (idle, between requests). One
    /// save at a time: the next is planned once the page wrote this one.
    pub fn wants_save(&self) -> bool {
        self.save_due && self.saves() && self.state == State::Serving && !self.saver.is_saving()
    }

    /// A save is due while the page still writes the last one: the shell runs
    /// no other job until word of it comes (then plans the due one), so a job
    /// that hangs can lose only its own writes.
    pub fn waits_for_landing(&self) -> bool {
        self.save_due && self.saves() && self.state == State::Serving && self.saver.is_saving()
    }

    /// What to write, read from the healthy runtime between requests; `None`
    /// when nothing changed or the DB is not at a transaction boundary (the
    /// checkpoint is older than the DB: tried again after the next request).
    pub fn plan_save(&mut self) -> Result<Option<SavePlan>, String> {
        self.save_due = false;
        let Some(runtime) = self.runtime.as_ref() else { return Ok(None) };
        if !self.checkpointer.is_current(runtime, &self.profile) {
            return Ok(None);
        }
        let Some(checkpoint) = self.checkpointer.checkpoint() else { return Ok(None) };
        let plugins: Vec<_> = self.plugins.plugins().cloned().collect();
        let inputs = site_store::SaveInputs {
            profile: &self.profile,
            db: &checkpoint.db,
            jar: &self.jar,
            plugins: &plugins,
            request: self.stats.requests_served,
            now_ms: self.factory.wall_clock_ms(),
        };
        self.saver.plan(runtime, &inputs).map_err(|e| format!("the site could not be saved: {e}"))
    }

    /// The shell handed the plan to the page to write, `took_ms` after it began planning.
    pub fn save_handed(&mut self, took_ms: f64) {
        self.last_save_ms = Some(took_ms);
    }

    /// The page wrote save `seq`, or says why it could not. Word of any
    /// other save (none is in flight under that number) changes nothing.
    pub fn save_landed(&mut self, seq: u64, result: Result<Vec<String>, String>, write_ms: f64) {
        if self.saver.in_flight_seq() != Some(seq) {
            return;
        }
        // A failed save is tried again after the next request, not at once
        // (a full quota stays full).
        self.saver.landed_result(result);
        self.last_save_write_ms = Some(write_ms);
    }

    /// Serves one request. Never panics, never leaves the worker without an answer.
    pub async fn serve(&mut self, request: HttpRequest, events: Events<'_>) -> HttpResponse {
        let response = self.serve_answer_first(request, events).await;
        self.settle(events);
        response
    }

    /// As `serve`, but an answered request's bookkeeping (cookies, plugins,
    /// counters, checkpoint) waits for `settle`, which must run before any
    /// other call: the worker posts the answer first, so the page's next step
    /// overlaps the bookkeeping instead of waiting for it.
    pub async fn serve_answer_first(&mut self, request: HttpRequest, events: Events<'_>) -> HttpResponse {
        if let Some(refusal) = self.refusal(&request) {
            return for_method(&request.method, refusal);
        }
        self.rotate_if_due(events).await;
        let request = self.with_jar_cookies(request);
        let outcome = self.run(&request).await;
        match self.conclude(&request, outcome) {
            Concluded::Answer(response) => response,
            Concluded::Crashed(crash) => self.recover_from(&request, crash, events).await,
        }
    }

    /// The fast lane (src/worker.rs): `request`, given the cookie jar's
    /// cookies, when it may start on the active runtime right now (serving,
    /// nothing quarantined, no rotation due), so that the worker starts PHP
    /// in the same turn as the page's message, with nothing awaited before
    /// it. Anything else is given back, for `serve_answer_first`. The caller
    /// starts it on `runtime()` and hands its outcome to `conclude`.
    pub fn ready_to_start(&self, request: HttpRequest) -> Result<HttpRequest, HttpRequest> {
        let startable = self.state == State::Serving
            && self.runtime.is_some()
            && !self.crashes.any_quarantined()
            && self.rotation_due().is_none();
        if !startable {
            return Err(request);
        }
        Ok(self.with_jar_cookies(request))
    }

    /// How a request ended on the runtime: the answer to post (its
    /// bookkeeping waits for `settle`), or the crash `recover_from` answers.
    pub fn conclude(&mut self, request: &HttpRequest, outcome: Result<HttpResponse, PhpError>) -> Concluded {
        let response = match Attempt::of(outcome) {
            Attempt::Answered(response) => {
                self.unsettled = Some(Answered::of(request, &response));
                response
            }
            Attempt::Failed(error) => failed_response(request, &error),
            Attempt::Crashed(kind, error) => return Concluded::Crashed(Crash { kind, error }),
        };
        Concluded::Answer(for_method(&request.method, response))
    }

    /// The answer to a request that crashed PHP: recovery, then the replay
    /// (GET, HEAD) or words saying why it was not repeated.
    pub async fn recover_from(&mut self, request: &HttpRequest, crash: Crash, events: Events<'_>) -> HttpResponse {
        let response = self.handle_crash(request, crash.kind, crash.error, events).await;
        for_method(&request.method, response)
    }

    /// The bookkeeping `serve_answer_first` (or `conclude`) left for after the answer.
    pub fn settle(&mut self, events: Events<'_>) {
        if let Some(answered) = self.unsettled.take() {
            self.accept(&answered, events);
        }
        self.cron.last_activity_ms = self.factory.now_ms();
    }

    /// The answer given without running PHP: the runtime is stopped, or
    /// this page is quarantined.
    fn refusal(&mut self, request: &HttpRequest) -> Option<HttpResponse> {
        if let State::Failed { reason } = &self.state {
            return Some(HttpResponse::explain(
                503,
                "The PHP runtime is stopped",
                &[reason, "Your data is kept. Use “Restart runtime” to start PHP again."],
            ));
        }
        // The clock is read only while something is quarantined (a clock read
        // is a call into JS: the per-request path makes as few as it can).
        if self.crashes.any_quarantined() {
            let now = self.factory.now_ms();
            if let Some(until_ms) = self.crashes.quarantined_until(&request.method, &request.url, now) {
                return Some(quarantined_response(request, (until_ms - now) / 1000.0));
            }
        }
        None
    }

    /// `request` with the cookies the jar holds for the site.
    fn with_jar_cookies(&self, mut request: HttpRequest) -> HttpRequest {
        if let Some(cookie) = self.jar.cookie_header(request.headers.get("cookie").map(String::as_str)) {
            request.headers.insert("cookie".into(), cookie);
        }
        request
    }

    async fn attempt(&self, request: &HttpRequest) -> Attempt {
        Attempt::of(self.run(request).await)
    }

    /// The request on the active runtime.
    async fn run(&self, request: &HttpRequest) -> Result<HttpResponse, PhpError> {
        match self.runtime.as_ref() {
            Some(runtime) => runtime.request(request).await,
            None => Err(PhpError::new("Error", "there is no PHP runtime")),
        }
    }

    /// Bookkeeping for an answered request: cookies, plugin installs, counters.
    fn accept(&mut self, answered: &Answered, events: Events<'_>) {
        let set_cookies = answered.headers.all("set-cookie");
        if !set_cookies.is_empty() {
            let now_seconds = self.factory.now_ms() / 1000.0;
            for set_cookie in &set_cookies {
                self.jar.apply_set_cookie(set_cookie, now_seconds);
            }
        }
        match self.plugins.observe(&self.profile, &answered.method, &answered.url, answered.status, || {
            answered.headers.first("location")
        }) {
            Ok(Some(plugin)) => events(trace(format!("tracking plugin {} at {}", plugin.component, plugin.dir))),
            Ok(None) => {}
            Err(reason) => events(trace(reason)),
        }
        self.crashes.record_answer(&answered.method, &answered.url);
        self.tell_notice_once(events);
        self.stats.requests_served += 1;
        self.stats.requests_since_rotation += 1;
        if let Some(runtime) = self.runtime.as_ref() {
            let now = || self.factory.wall_clock_ms();
            let plugins = || self.plugins.plugins().cloned().collect();
            let db_changed =
                match self.checkpointer.after_request(runtime, &self.profile, self.stats.requests_served, now, plugins)
                {
                    Ok(true) if self.saves() => {
                        self.saver.db_written(self.checkpointer.last_copied.as_deref());
                        true
                    }
                    Ok(taken) => taken,
                    Err(reason) => {
                        events(trace(reason));
                        false
                    }
                };
            // What the user makes comes with a DB change, a POST (uploads,
            // plugins) or a cookie (login, logout). A GET that changed none of
            // them wrote at most caches: it is not worth a walk of the state
            // folders after every page (they go with the next save).
            let cookies_changed = !set_cookies.is_empty();
            if db_changed || cookies_changed || !policy::is_replayable(&answered.method) {
                self.save_due = true;
            }
        }
    }

    /// Tells the page, once per session, about something a page did that the
    /// playground cannot do for real (today: mail(), which cannot send email).
    fn tell_notice_once(&mut self, events: Events<'_>) {
        let Some(notice) = self.runtime.as_ref().and_then(|r| r.take_notice()) else { return };
        if !self.told_notices.insert(notice.clone()) {
            return;
        }
        let message = match notice.as_str() {
            "mail" => "a page called mail(): the playground runs in the browser and cannot send email, \
                       so mail() returned false (told once per session)"
                .to_string(),
            other => format!("the PHP host reports {other:?}"),
        };
        events(trace(message));
    }

    /// The page asked for a restart (after Failed, or any time): a fresh budget,
    /// a fresh runtime, the last snapshot restored.
    pub async fn restart(&mut self, events: Events<'_>) -> Result<(), String> {
        let started = self.factory.now_ms();
        self.take_snapshot_and_drop(events);
        self.drop_standby();
        self.restarts.clear();
        self.recent_faults.clear();
        self.crashes = CrashCounts::default();
        self.state = State::Booting;
        let (files, bytes) = self.bring_up(events).await?;
        events(trace(format!("restarted with {files} files ({bytes} bytes) restored")));
        let php_version = self.runtime.as_ref().map(|r| r.php_version()).unwrap_or_default();
        events(Outgoing::Ready {
            php_version,
            boot_ms: self.factory.now_ms() - started,
            restart: true,
            restored: None,
            blueprint: None,
        });
        Ok(())
    }

    /// Debug only: makes the runtime fail for real. `boot` arms a trap inside
    /// the NEXT runtime's bootstrap, `replay` one on its first request;
    /// `torn-db` damages the DB header and traps.
    pub fn inject_fault(&mut self, kind: &str) -> Result<(), String> {
        let armed = match kind {
            "boot" => Some(NextRuntimeFault::Boot),
            "replay" => Some(NextRuntimeFault::FirstRequest),
            "torn-db" => return self.damage_db_then_trap(),
            // A trap on the DB file's first write: inside the next commit.
            "db-write" => return self.inject_into_runtime(&format!("write-trigger:{}", self.profile.db_file)),
            _ => None,
        };
        if armed.is_some() {
            self.next_runtime_fault = armed;
            return Ok(());
        }
        self.inject_into_runtime(kind)
    }

    fn runtime_to_fault(&self) -> Result<&F::Runtime, String> {
        self.runtime.as_ref().ok_or_else(|| "there is no PHP runtime to inject a fault into".to_string())
    }

    fn inject_into_runtime(&mut self, kind: &str) -> Result<(), String> {
        let runtime = self.runtime_to_fault()?;
        runtime.inject_fault(kind).map_err(|e| format!("could not inject the fault {kind:?}: {e}"))?;
        self.runtime_damaged_on_purpose = true;
        Ok(())
    }

    /// Debug only: damage the DB file's header in MEMFS (as a torn write of
    /// page 1 would), then corrupt linear memory so the next request traps.
    fn damage_db_then_trap(&mut self) -> Result<(), String> {
        let runtime = self.runtime_to_fault()?;
        let damage = |e: PhpError| format!("could not damage the database: {e}");
        let mut db = runtime.read_file(&self.profile.db_file).map_err(damage)?;
        db.iter_mut().take(16).for_each(|byte| *byte = 0);
        runtime.write_file(&self.profile.db_file, &db).map_err(damage)?;
        self.inject_into_runtime("memory")
    }

    fn fail(&mut self, reason: String) -> String {
        self.state = State::Failed { reason: reason.clone() };
        reason
    }
}

fn quarantined_response(request: &HttpRequest, seconds_left: f64) -> HttpResponse {
    HttpResponse::explain(
        503,
        "This request is quarantined",
        &[
            &format!(
                "{} {} crashed PHP again on a freshly started runtime, so it looks like the page itself \
                 makes PHP crash. It is not run again for the next {:.0} s, so it cannot crash PHP once more.",
                request.method,
                request.url,
                seconds_left.max(1.0)
            ),
            "Your data is kept.",
            "To try it again now, use “Restart runtime” in the playground: a restart lifts every quarantine.",
        ],
    )
}

/// A HEAD request's answer carries the head only.
fn for_method(method: &str, response: HttpResponse) -> HttpResponse {
    if method == "HEAD" {
        HttpResponse { body: Body::empty(), ..response }
    } else {
        response
    }
}

fn failed_response(request: &HttpRequest, error: &PhpError) -> HttpResponse {
    HttpResponse::explain(
        502,
        "PHP failed to answer",
        &[&format!("{} {} failed: {error}", request.method, request.url)],
    )
}

fn progress(stage: Stage, fraction: f64, detail: &str) -> Outgoing {
    Outgoing::Progress { stage, fraction, detail: detail.into() }
}

fn trace(message: String) -> Outgoing {
    Outgoing::Trace { message }
}

mod blueprint_run;
mod cron;
mod recovery;
mod rotation;
mod standby;

use standby::Standby;

#[cfg(test)]
mod tests;
