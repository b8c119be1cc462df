//! The last-known-good checkpoint: a copy of the database taken from the
//! HEALTHY runtime after a request that completed normally and changed it,
//! with no transaction open. If the post-crash snapshot cannot be trusted,
//! recovery falls back to it.

use crate::php::{PhpError, PhpRuntime};
use crate::plugins::TrackedPlugin;
use crate::profile::Profile;
use crate::sqlite;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub db: Arc<Vec<u8>>,
    /// Which request (counted from the first boot) left the DB in this state.
    pub request_number: u64,
    /// Wall-clock time of the checkpoint, ms since the Unix epoch.
    pub wall_clock_ms: f64,
    /// The plugins installed at that point: later ones are not part of this state.
    pub plugins: Vec<TrackedPlugin>,
}

impl Checkpoint {
    /// "request #12 at 16:31:05 UTC", for messages to the user.
    pub fn describe(&self) -> String {
        let seconds = (self.wall_clock_ms / 1000.0) as u64 % 86_400;
        format!("request #{} at {:02}:{:02}:{:02} UTC", self.request_number, seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}

/// Keeps one checkpoint (bounded memory: one DB copy) and decides cheaply
/// whether a new one is needed.
#[derive(Debug, Default)]
pub struct Checkpointer {
    /// (size, mtime) of the DB file when the last checkpoint was taken.
    last_stamp: Option<(u64, f64)>,
    checkpoint: Option<Checkpoint>,
    pub taken: u64,
    pub bytes_copied: u64,
}

impl Checkpointer {
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// Forget the stamp, so the next request takes a checkpoint (a new runtime
    /// has new file times).
    pub fn reset_stamp(&mut self) {
        self.last_stamp = None;
    }

    /// Called after a request that the runtime answered normally. Returns
    /// whether a checkpoint was taken; `Err` says why the DB was not trusted.
    pub fn after_request<R: PhpRuntime>(
        &mut self,
        runtime: &R,
        profile: &Profile,
        request_number: u64,
        wall_clock_ms: f64,
        plugins: Vec<TrackedPlugin>,
    ) -> Result<bool, String> {
        let describe = |e: PhpError| format!("checkpoint skipped: {e}");
        let Some(stat) = runtime.stat(&profile.db_file).map_err(describe)? else { return Ok(false) };
        let stamp = (stat.size, stat.mtime_ms);
        if self.last_stamp == Some(stamp) {
            return Ok(false);
        }
        // A hot journal means a transaction is still open: not a consistent state.
        let journal = format!("{}-journal", profile.db_file);
        if runtime.stat(&journal).map_err(describe)?.is_some_and(|s| s.size > 0)
            && sqlite::is_hot_journal(&runtime.read_file(&journal).map_err(describe)?)
        {
            return Ok(false);
        }
        let db = runtime.read_file(&profile.db_file).map_err(describe)?;
        sqlite::validate(&db).map_err(|e| format!("checkpoint skipped: the database looks damaged: {e}"))?;
        self.bytes_copied += db.len() as u64;
        self.taken += 1;
        self.last_stamp = Some(stamp);
        self.checkpoint = Some(Checkpoint { db: Arc::new(db), request_number, wall_clock_ms, plugins });
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeRuntime;
    use crate::profile::moodle;

    #[test]
    fn takes_a_checkpoint_only_when_the_db_changed() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let mut checkpointer = Checkpointer::default();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 1, 0.0, vec![]), Ok(false), "no DB yet");
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 2)).unwrap();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 2, 0.0, vec![]), Ok(true));
        assert_eq!(checkpointer.after_request(&runtime, &profile, 3, 0.0, vec![]), Ok(false), "unchanged");
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 3)).unwrap();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 4, 0.0, vec![]), Ok(true));
        assert_eq!(checkpointer.checkpoint().unwrap().request_number, 4);
        assert_eq!(checkpointer.bytes_copied, 4096 * 5);
    }

    #[test]
    fn never_checkpoints_an_open_transaction_or_a_damaged_db() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let mut checkpointer = Checkpointer::default();
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 2)).unwrap();
        let hot = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 0, 0, 0, 0];
        runtime.write_file(&format!("{}-journal", profile.db_file), &hot).unwrap();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 1, 0.0, vec![]), Ok(false));
        runtime.unlink(&format!("{}-journal", profile.db_file)).unwrap();
        runtime.write_file(&profile.db_file, b"garbage that is not a database at all, long enough to have a header........................................").unwrap();
        assert!(checkpointer.after_request(&runtime, &profile, 2, 0.0, vec![]).unwrap_err().contains("damaged"));
        assert!(checkpointer.checkpoint().is_none());
    }

    #[test]
    fn describes_when_it_was_taken() {
        let checkpoint = Checkpoint { db: Arc::new(vec![]), request_number: 12, wall_clock_ms: 1_764_174_665_000.0, plugins: vec![] };
        assert_eq!(checkpoint.describe(), "request #12 at 16:31:05 UTC");
    }
}
