//! The application's scheduled and ad-hoc tasks (its cron), run while the
//! site is idle: in the live instance (never `php.cli()`, which leaves an
//! instance unusable), one bounded slice at a time — the profile's cron
//! script runs at most one task per slice — so a request that arrives waits
//! for one slice at most. A trap during a slice is recovered like any other
//! crash, and a slice is never replayed.

use super::*;
use crate::protocol::CronSummary;

/// After a slice that left work, the next one comes this soon (still idle).
const NEXT_SLICE_MS: f64 = 200.0;

#[derive(Debug, Default)]
pub(super) struct Cron {
    /// Monotonic time of the last request served, or of the boot.
    pub last_activity_ms: f64,
    last_slice_end_ms: Option<f64>,
    last_run_wall_ms: Option<f64>,
    last_did: Vec<String>,
    pending: u32,
    slices: u64,
    longest_slice_ms: f64,
    error: Option<String>,
}

impl<F: RuntimeFactory> Supervisor<F> {
    /// In how many ms the next cron slice is due (0: now), or `None` when
    /// cron is off, the profile has none, or the site is not serving.
    pub fn cron_due_in_ms(&self) -> Option<f64> {
        if !self.cron_on() || self.state != State::Serving || self.runtime.is_none() {
            return None;
        }
        let idle_ms = self.config.cron_idle_seconds * 1000.0;
        let idle_enough = self.cron.last_activity_ms + idle_ms;
        let next = match self.cron.last_slice_end_ms {
            Some(end) if self.cron.pending > 0 => idle_enough.max(end + NEXT_SLICE_MS),
            Some(end) => idle_enough.max(end + idle_ms),
            None => idle_enough,
        };
        Some((next - self.factory.now_ms()).max(0.0))
    }

    /// Runs one slice of the application's cron; tells the page what it did.
    pub async fn run_cron_slice(&mut self, events: Events<'_>) {
        let (Some(script), Some(runtime)) = (self.profile.cron_script.clone(), self.runtime.as_ref()) else { return };
        let started = self.factory.now_ms();
        let result = runtime.run_script(&script).await;
        let ended = self.factory.now_ms();
        self.cron.slices += 1;
        self.cron.last_slice_end_ms = Some(ended);
        self.cron.last_run_wall_ms = Some(self.factory.wall_clock_ms());
        self.cron.longest_slice_ms = self.cron.longest_slice_ms.max(ended - started);
        match result {
            Ok(output) if output.stdout.lines().any(|line| line.trim() == "OK") => {
                self.cron.error = None;
                self.cron.last_did = output
                    .stdout
                    .lines()
                    .filter_map(|line| line.trim().strip_prefix("ran="))
                    .map(str::to_string)
                    .collect();
                self.cron.pending = output
                    .stdout
                    .lines()
                    .find_map(|line| line.trim().strip_prefix("pending=").and_then(|n| n.parse().ok()))
                    .unwrap_or(0);
                if !self.cron.last_did.is_empty() {
                    events(trace(format!("cron ran {} in {:.0} ms", self.cron.last_did.join("; "), ended - started)));
                    // A task changed the site: save it like a request's changes.
                    self.checkpoint_serving();
                }
            }
            Ok(output) => {
                let said: String =
                    format!("{} {}", output.stdout.trim(), output.stderr.trim()).chars().take(400).collect();
                self.cron_failed(format!("the cron slice did not finish: {}", said.trim()), events);
            }
            Err(error) => match fault::classify(&error) {
                Fault::Fatal(kind) => {
                    // Recovered like any crash; a slice is never replayed.
                    let request = HttpRequest { method: "CRON".into(), url: "cron slice".into(), ..Default::default() };
                    self.cron_failed(format!("PHP crashed ({}) during a cron slice", kind.as_str()), events);
                    let _ = self.handle_crash(&request, kind, error, events).await;
                }
                Fault::NonFatal => self.cron_failed(format!("the cron slice failed: {error}"), events),
            },
        }
    }

    fn cron_failed(&mut self, reason: String, events: Events<'_>) {
        events(trace(reason.clone()));
        self.cron.error = Some(reason);
        // Not again at once: after the next idle period.
        self.cron.pending = 0;
    }

    /// Configured on, and the profile has a cron.
    fn cron_on(&self) -> bool {
        self.config.cron_idle_seconds > 0.0 && self.profile.cron_script.is_some()
    }

    pub(super) fn cron_summary(&self) -> Option<CronSummary> {
        self.cron_on().then(|| CronSummary {
            last_run_at_ms: self.cron.last_run_wall_ms,
            last_did: self.cron.last_did.clone(),
            pending: self.cron.pending,
            slices: self.cron.slices,
            longest_slice_ms: self.cron.longest_slice_ms,
            error: self.cron.error.clone(),
        })
    }
}
