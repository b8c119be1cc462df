//! Rotation: a fresh runtime on purpose, through the same path as recovery.

use super::*;

impl<F: RuntimeFactory> Supervisor<F> {
    /// Why the runtime is to be rotated before the next request, if it is:
    /// `requests` or `memory`.
    pub(super) fn rotation_due(&self) -> Option<&'static str> {
        let current = self.runtime.as_ref()?;
        let limit = self.config.rotate_after_requests;
        let memory_limit = self.config.rotate_above_memory_mib << 20;
        if limit > 0 && self.stats.requests_since_rotation >= limit {
            Some("requests")
        } else if memory_limit > 0 && current.memory_bytes() > memory_limit {
            Some("memory")
        } else {
            None
        }
    }

    /// Rotation: after N healthy requests (or above the memory threshold), move
    /// to a fresh runtime through the same path as recovery, from a snapshot of
    /// the HEALTHY runtime. If it fails, keep serving with the old one.
    pub(super) async fn rotate_if_due(&mut self, events: Events<'_>) {
        let (Some(current), Some(reason)) = (self.runtime.as_ref(), self.rotation_due()) else { return };
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
        let standby = self.take_standby();
        let fresh = match standby {
            Some(standby) => Ok(standby),
            None => self.boot_fresh(events).await,
        };
        let fresh = match fresh {
            Ok(fresh) => fresh,
            Err((_, reason)) => {
                self.mirror = previous_mirror;
                self.stats.requests_since_rotation = 0;
                return events(trace(format!("rotation failed, still serving with the current runtime: {reason}")));
            }
        };
        match self.restore_onto(&fresh, SnapshotOrigin::Healthy, events).await {
            Ok(_) => {
                self.runtime_damaged_on_purpose = false;
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
}
