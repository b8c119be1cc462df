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

/// Which requests are poison: ones that crash PHP again and again.
///
/// A crash alone proves nothing about the request that met it (the runtime
/// may have been damaged by an earlier page), so a request is quarantined
/// only when it crashed a fresh runtime again: its replay after a recovery
/// crashed, or it crashed twice in a row with no successful answer between.
/// A request that was answered is cleared. Quarantine lasts `period_ms`
/// (the restart intensity's period), or until the page restarts the runtime.
#[derive(Debug, Clone, Default)]
pub struct CrashCounts {
    /// Consecutive crashes of a request since it was last answered.
    crashes: BTreeMap<String, u32>,
    /// Poison requests and when their quarantine ends.
    quarantined_until_ms: BTreeMap<String, f64>,
}

/// Crashes in a row (with no answer between) that make a request poison.
pub const QUARANTINE_AFTER_CRASHES: u32 = 2;

/// The same request however the page spelled it: absolute or site-relative
/// URL, with or without an empty query (`?`) or a fragment.
pub fn request_key(method: &str, url: &str) -> String {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let path = match without_fragment.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => without_fragment,
    };
    let path = path.trim_end_matches(['?', '&']);
    format!("{} {}", method.trim().to_ascii_uppercase(), path)
}

impl CrashCounts {
    /// A crash of this request; `blame` is false when the runtime was damaged
    /// on purpose (a debug fault) before the request ran. Returns true when
    /// the request has just become poison.
    pub fn record_crash(&mut self, method: &str, url: &str, blame: bool, now_ms: f64, period_ms: f64) -> bool {
        if !blame {
            return false;
        }
        let key = request_key(method, url);
        let count = self.crashes.entry(key.clone()).or_default();
        *count += 1;
        if *count >= QUARANTINE_AFTER_CRASHES {
            self.crashes.remove(&key);
            self.quarantined_until_ms.insert(key, now_ms + period_ms);
            return true;
        }
        false
    }

    /// The request crashed its replay on a fresh runtime: poison at once.
    pub fn quarantine(&mut self, method: &str, url: &str, now_ms: f64, period_ms: f64) {
        let key = request_key(method, url);
        self.crashes.remove(&key);
        self.quarantined_until_ms.insert(key, now_ms + period_ms);
    }

    /// The request was answered: whatever crashed before was not its fault.
    pub fn record_answer(&mut self, method: &str, url: &str) {
        if !self.crashes.is_empty() {
            self.crashes.remove(&request_key(method, url));
        }
    }

    /// Whether any request is (or was, until the next look) quarantined.
    pub fn any_quarantined(&self) -> bool {
        !self.quarantined_until_ms.is_empty()
    }

    /// When the request's quarantine ends, if it is quarantined now.
    pub fn quarantined_until(&mut self, method: &str, url: &str, now_ms: f64) -> Option<f64> {
        if self.quarantined_until_ms.is_empty() {
            return None;
        }
        self.quarantined_until_ms.retain(|_, until| *until > now_ms);
        self.quarantined_until_ms.get(&request_key(method, url)).copied()
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

    const PERIOD: f64 = 60_000.0;

    #[test]
    fn two_crashes_in_a_row_quarantine_a_request_and_an_answer_clears_the_count() {
        let mut crashes = CrashCounts::default();
        assert!(!crashes.record_crash("POST", "/site/a.php", true, 0.0, PERIOD));
        assert_eq!(crashes.quarantined_until("POST", "/site/a.php", 1.0), None);
        assert!(crashes.record_crash("post", "/site/a.php", true, 10.0, PERIOD));
        assert_eq!(crashes.quarantined_until("POST", "/site/a.php", 11.0), Some(10.0 + PERIOD));
        assert_eq!(crashes.quarantined_until("POST", "/site/b.php", 11.0), None);

        // Crash, answer, crash: never two in a row, never quarantined.
        for round in 0..10 {
            let now = round as f64 * 100.0;
            assert!(!crashes.record_crash("GET", "/site/c.php", true, now, PERIOD));
            crashes.record_answer("GET", "/site/c.php");
        }
        assert_eq!(crashes.quarantined_until("GET", "/site/c.php", 1000.0), None);
    }

    #[test]
    fn crashes_caused_by_an_injected_fault_are_not_blamed_on_the_request() {
        let mut crashes = CrashCounts::default();
        for _ in 0..5 {
            assert!(!crashes.record_crash("POST", "/site/upload.php", false, 0.0, PERIOD));
        }
        assert_eq!(crashes.quarantined_until("POST", "/site/upload.php", 1.0), None);
    }

    #[test]
    fn a_replay_that_crashed_is_poison_until_the_period_ends() {
        let mut crashes = CrashCounts::default();
        crashes.quarantine("GET", "/site/poison.php", 0.0, PERIOD);
        assert!(crashes.quarantined_until("GET", "/site/poison.php", PERIOD - 1.0).is_some());
        assert!(crashes.quarantined_until("GET", "/site/poison.php", PERIOD).is_none(), "it expires");
    }

    #[test]
    fn one_request_has_one_key_however_its_url_is_spelled() {
        let key = request_key("get", "/site/index.php");
        for spelling in [
            "/site/index.php?",
            "/site/index.php#top",
            "/site/index.php?#x",
            "http://127.0.0.1:8080/site/index.php",
            "https://example.org/site/index.php?",
        ] {
            assert_eq!(request_key("GET", spelling), key, "{spelling}");
        }
        assert_ne!(request_key("GET", "/site/index.php?id=2"), key);
        assert_ne!(request_key("POST", "/site/index.php"), key);
        assert_eq!(request_key("GET", "http://host"), "GET /");
    }
}
