//! The supervisor's rules as data: how many restarts are allowed (Erlang/OTP's
//! intensity and period), which requests may be replayed, which are
//! quarantined, and when to rotate the runtime on purpose.

use std::collections::BTreeMap;

/// At most `max_restarts` restarts within `period_ms`; one more and the worker
/// stops restarting and reports Failed (it never loops).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestartIntensity {
    pub max_restarts: u32,
    pub period_ms: f64,
}

impl Default for RestartIntensity {
    fn default() -> Self {
        RestartIntensity { max_restarts: 5, period_ms: 60_000.0 }
    }
}

/// When restarts happened, to check them against the intensity.
#[derive(Debug, Clone, Default)]
pub struct RestartLog {
    times_ms: Vec<f64>,
}

impl RestartLog {
    /// Records a restart at `now_ms` if the intensity allows it.
    pub fn try_restart(&mut self, intensity: RestartIntensity, now_ms: f64) -> bool {
        self.times_ms.retain(|t| now_ms - t < intensity.period_ms);
        if self.times_ms.len() as u32 >= intensity.max_restarts {
            return false;
        }
        self.times_ms.push(now_ms);
        true
    }

    /// An explicit restart from the page starts a fresh budget.
    pub fn clear(&mut self) {
        self.times_ms.clear();
    }
}

/// GET and HEAD are safe to run again; anything else might repeat an action.
pub fn is_replayable(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// Requests that crashed the runtime, counted by method and URL.
#[derive(Debug, Clone, Default)]
pub struct CrashCounts {
    counts: BTreeMap<String, u32>,
}

/// A request that crashed the runtime this many times is not run again.
pub const QUARANTINE_AFTER_CRASHES: u32 = 2;

impl CrashCounts {
    fn key(method: &str, url: &str) -> String {
        format!("{} {}", method.to_ascii_uppercase(), url)
    }

    pub fn record(&mut self, method: &str, url: &str) -> u32 {
        let count = self.counts.entry(Self::key(method, url)).or_default();
        *count += 1;
        *count
    }

    pub fn is_quarantined(&self, method: &str, url: &str) -> bool {
        self.counts.get(&Self::key(method, url)).is_some_and(|c| *c >= QUARANTINE_AFTER_CRASHES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_r_restarts_in_t_then_refuses() {
        let intensity = RestartIntensity { max_restarts: 3, period_ms: 1000.0 };
        let mut log = RestartLog::default();
        assert!(log.try_restart(intensity, 0.0));
        assert!(log.try_restart(intensity, 100.0));
        assert!(log.try_restart(intensity, 200.0));
        assert!(!log.try_restart(intensity, 300.0), "the fourth restart inside the period must be refused");
        assert!(log.try_restart(intensity, 1050.0), "the first restart has left the period");
        log.clear();
        assert!(log.try_restart(intensity, 1060.0));
    }

    #[test]
    fn defaults_are_five_in_sixty_seconds() {
        assert_eq!(RestartIntensity::default(), RestartIntensity { max_restarts: 5, period_ms: 60_000.0 });
    }

    #[test]
    fn only_get_and_head_are_replayed() {
        assert!(is_replayable("GET"));
        assert!(is_replayable("head"));
        for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(!is_replayable(method), "{method}");
        }
    }

    #[test]
    fn a_request_that_crashed_twice_is_quarantined() {
        let mut crashes = CrashCounts::default();
        assert_eq!(crashes.record("GET", "/site/a.php"), 1);
        assert!(!crashes.is_quarantined("GET", "/site/a.php"));
        crashes.record("get", "/site/a.php");
        assert!(crashes.is_quarantined("GET", "/site/a.php"));
        assert!(!crashes.is_quarantined("GET", "/site/b.php"));
    }
}
