//! The warm standby: one spare runtime, made from the cached module,
//! bootstrapped in full and warmed by serving the profile's warm-up pages
//! against its OWN throwaway state (the bundle's install snapshot, never the
//! user's), so its code is compiled before anyone waits for it. A crash or a
//! rotation then only restores the user's state onto it and swaps it in.
//!
//! It is built one step at a time, only when the worker is idle (the wasm
//! shell calls `prepare_standby_step` when no job waits), so a user's request
//! waits at most for the one step under way. The restore onto it replaces
//! everything under the user's state roots (`restore.rs` removes what the
//! snapshot lacks), so nothing the warm-up wrote there survives the swap.

use super::*;

/// After this many failed builds in a row the worker stops preparing a
/// standby (until a restart) and recovers the cold way.
const MAX_FAILED_BUILDS: u32 = 2;

/// The spare runtime, as far as it got.
pub(super) enum Standby<R> {
    None,
    /// Booted up to (not including) `next` of the build's steps.
    Building {
        runtime: R,
        next: usize,
        cookie: Option<String>,
        started_ms: f64,
    },
    Ready(R),
}

/// One step of a standby's build after the instance exists.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum BuildStep {
    Boot(boot::BootStep),
    /// Keep each request's undo log from here on, as on every serving runtime.
    TrackChanges,
    /// Log the admin in on the throwaway state, so the warm-up sees the pages a user sees.
    LogIn,
    /// Serve one page of the profile's warm-up (a path under the site).
    Warm(&'static str),
}

/// Everything after instantiating: the full bootstrap, the log-in, the warm-up pages.
pub(super) fn build_steps(profile: &Profile) -> Vec<BuildStep> {
    let mut steps: Vec<BuildStep> = boot::plan(profile).into_iter().map(BuildStep::Boot).collect();
    steps.push(BuildStep::TrackChanges);
    if profile.autologin_code.is_some() {
        steps.push(BuildStep::LogIn);
    }
    steps.extend(profile.warmup_paths.iter().map(|path| BuildStep::Warm(path)));
    steps
}

/// The path part of the site URL (`http://host/site/x` → `/site/x`), without a trailing slash.
pub(super) fn site_path(site_url: &str) -> &str {
    let after_scheme = site_url.split_once("://").map_or(site_url, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |at| after_scheme[at..].trim_end_matches('/'))
}

impl<F: RuntimeFactory> Supervisor<F> {
    /// Whether the idle worker should spend a step on the standby.
    pub fn wants_standby_work(&self) -> bool {
        self.config.standby
            && self.state == State::Serving
            && self.standby_failures < MAX_FAILED_BUILDS
            && !matches!(self.standby, Standby::Ready(_))
    }

    /// `off`, `preparing`, `ready` or `unavailable` (its builds failed), for the status panel.
    pub fn standby_state(&self) -> &'static str {
        match (&self.standby, self.config.standby) {
            (_, false) => "off",
            (Standby::Ready(_), _) => "ready",
            _ if self.standby_failures >= MAX_FAILED_BUILDS => "unavailable",
            _ => "preparing",
        }
    }

    /// Linear memory of the standby (what keeping it costs), 0 without one.
    pub fn standby_memory_bytes(&self) -> u64 {
        match &self.standby {
            Standby::None => 0,
            Standby::Building { runtime, .. } | Standby::Ready(runtime) => runtime.memory_bytes(),
        }
    }

    /// Runs ONE step of the standby's build. Returns true when the standby's
    /// state changed in a way the page shows (ready, or given up).
    pub async fn prepare_standby_step(&mut self, events: Events<'_>) -> bool {
        if !self.wants_standby_work() {
            return false;
        }
        match std::mem::replace(&mut self.standby, Standby::None) {
            Standby::None => {
                let started_ms = self.factory.now_ms();
                match self.factory.create(&self.runtime_options()).await {
                    Ok(runtime) => {
                        self.standby = Standby::Building { runtime, next: 0, cookie: None, started_ms };
                        false
                    }
                    Err(e) => self.standby_build_failed(None, &format!("could not start PHP: {e}"), events),
                }
            }
            Standby::Building { runtime, next, mut cookie, started_ms } => {
                let steps = build_steps(&self.profile);
                let Some(step) = steps.get(next) else {
                    let ms = self.factory.now_ms() - started_ms;
                    let memory = runtime.memory_bytes() >> 20;
                    self.standby = Standby::Ready(runtime);
                    events(trace(format!(
                        "standby ready: bootstrapped and warmed on its own state in {ms:.0} ms ({memory} MiB of PHP memory)"
                    )));
                    return true;
                };
                match self.run_build_step(&runtime, step, &mut cookie).await {
                    Ok(()) => {
                        self.standby = Standby::Building { runtime, next: next + 1, cookie, started_ms };
                        false
                    }
                    Err(reason) => self.standby_build_failed(Some(runtime), &reason, events),
                }
            }
            ready @ Standby::Ready(_) => {
                self.standby = ready;
                false
            }
        }
    }

    async fn run_build_step(
        &self,
        runtime: &F::Runtime,
        step: &BuildStep,
        cookie: &mut Option<String>,
    ) -> Result<(), String> {
        match step {
            BuildStep::Boot(boot_step) => {
                let inputs = BootInputs { profile: &self.profile, site_url: &self.config.site_url, seeds: &self.seeds };
                boot::run(runtime, std::slice::from_ref(boot_step), &inputs, |_, _| {}).await.map_err(|e| e.to_string())
            }
            BuildStep::TrackChanges => {
                self.watch_request_changes(runtime, &mut |_| {});
                Ok(())
            }
            BuildStep::LogIn => {
                let code = self.profile.autologin_code.as_deref().unwrap_or_default();
                let output = runtime.run_code(code).await.map_err(|e| format!("the warm-up log-in: {e}"))?;
                let session = output.stdout.trim();
                *cookie = (!session.is_empty()).then(|| format!("{}={session}", self.profile.session_cookie));
                Ok(())
            }
            BuildStep::Warm(path) => {
                let mut request = HttpRequest::get(&format!("{}{path}", site_path(&self.config.site_url)));
                if let Some(cookie) = cookie {
                    request.headers.insert("cookie".into(), cookie.clone());
                }
                // Any answer warms the code it ran; only a crash or an error spoils the standby.
                runtime.request(&request).await.map(|_| ()).map_err(|e| format!("the warm-up page {path}: {e}"))
            }
        }
    }

    fn standby_build_failed(&mut self, runtime: Option<F::Runtime>, reason: &str, events: Events<'_>) -> bool {
        if let Some(runtime) = runtime {
            runtime.destroy();
        }
        self.standby_failures += 1;
        let gave_up = self.standby_failures >= MAX_FAILED_BUILDS;
        events(trace(format!(
            "the standby runtime could not be prepared ({reason}); {}",
            if gave_up {
                "no more attempts until a restart: recoveries and rotations bootstrap a fresh runtime while you wait"
            } else {
                "trying again when the worker is idle"
            }
        )));
        gave_up
    }

    /// The ready standby, taken out of its slot; a half-built one is dropped
    /// (a cold bootstrap is not slower than finishing it). `None` when a
    /// debug fault is armed for the next bootstrap, which must then run.
    pub(super) fn take_standby(&mut self) -> Option<F::Runtime> {
        if self.next_runtime_fault == Some(NextRuntimeFault::Boot) {
            return None;
        }
        match std::mem::replace(&mut self.standby, Standby::None) {
            Standby::Ready(runtime) => Some(runtime),
            Standby::Building { runtime, .. } => {
                runtime.destroy();
                None
            }
            Standby::None => None,
        }
    }

    /// Drops the standby (a restart starts the budget of failed builds over).
    pub(super) fn drop_standby(&mut self) {
        if let Standby::Building { runtime, .. } | Standby::Ready(runtime) =
            std::mem::replace(&mut self.standby, Standby::None)
        {
            runtime.destroy();
        }
        self.standby_failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_path_is_the_url_without_scheme_host_and_trailing_slash() {
        assert_eq!(site_path("http://localhost:8787/site/abc/"), "/site/abc");
        assert_eq!(site_path("https://example.org/site"), "/site");
        assert_eq!(site_path("http://localhost"), "");
        assert_eq!(site_path("/site/x"), "/site/x");
    }

    #[test]
    fn a_build_is_the_full_bootstrap_then_the_log_in_then_the_warm_up_pages() {
        let profile = Profile::by_name("moodle").unwrap();
        let steps = build_steps(&profile);
        let boot_steps: Vec<_> = boot::plan(&profile).into_iter().map(BuildStep::Boot).collect();
        assert_eq!(steps[..boot_steps.len()], boot_steps[..]);
        assert_eq!(steps[boot_steps.len()..boot_steps.len() + 2], [BuildStep::TrackChanges, BuildStep::LogIn]);
        assert_eq!(steps.len(), boot_steps.len() + 2 + profile.warmup_paths.len());
        assert!(!profile.warmup_paths.is_empty());
    }
}
