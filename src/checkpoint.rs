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
        format!(
            "request #{} at {:02}:{:02}:{:02} UTC",
            self.request_number,
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

/// How checkpoints are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckpointMode {
    /// Copy only the byte ranges written since the last checkpoint (the host
    /// records them by wrapping Emscripten's FS.write), patching the copy in place.
    #[default]
    Incremental,
    /// Copy the whole DB file each time.
    Full,
    /// No checkpoints: a damaged post-crash DB leaves only a fresh install.
    Off,
}

impl CheckpointMode {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "incremental" => Ok(CheckpointMode::Incremental),
            "full" => Ok(CheckpointMode::Full),
            "off" => Ok(CheckpointMode::Off),
            other => Err(format!("checkpoint must be \"incremental\", \"full\" or \"off\", not {other:?}")),
        }
    }
}

/// Keeps one checkpoint (bounded memory: one DB copy) and decides cheaply
/// whether a new one is needed.
#[derive(Debug, Default)]
pub struct Checkpointer {
    pub mode: CheckpointMode,
    /// (size, mtime) of the DB file when the last checkpoint was taken.
    last_stamp: Option<(u64, f64)>,
    /// The checkpoint's bytes came from the current runtime, whose writes are
    /// tracked since: an incremental update is possible.
    tracking_current_runtime: bool,
    checkpoint: Option<Checkpoint>,
    pub taken: u64,
    pub bytes_copied: u64,
    /// What the last checkpoint copied: `None` the whole DB, else the byte
    /// ranges patched (the site's save re-hashes only those).
    pub last_copied: Option<Vec<(u64, u64)>>,
}

impl Checkpointer {
    pub fn new(mode: CheckpointMode) -> Self {
        Checkpointer { mode, ..Checkpointer::default() }
    }

    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// Whether the checkpoint holds the DB as the runtime has it now (so it
    /// is the state to save: no transaction open, nothing newer written).
    pub fn is_current<R: PhpRuntime>(&self, runtime: &R, profile: &Profile) -> bool {
        let stamp = runtime.stat(&profile.db_file).ok().flatten().map(|stat| (stat.size, stat.mtime_ms));
        self.checkpoint.is_some() && stamp.is_some() && self.last_stamp == stamp
    }

    /// A new runtime: new file times, and no write tracking yet, so the next
    /// checkpoint is a full copy.
    pub fn new_runtime(&mut self) {
        self.last_stamp = None;
        self.tracking_current_runtime = false;
    }

    /// Called after a request that the runtime answered normally. Returns
    /// whether a checkpoint was taken; `Err` says why the DB was not trusted.
    pub fn after_request<R: PhpRuntime>(
        &mut self,
        runtime: &R,
        profile: &Profile,
        request_number: u64,
        // Both asked only when a checkpoint is taken: most requests do not change the DB.
        wall_clock_ms: impl FnOnce() -> f64,
        plugins: impl FnOnce() -> Vec<TrackedPlugin>,
    ) -> Result<bool, String> {
        let describe = |e: PhpError| format!("checkpoint skipped: {e}");
        if self.mode == CheckpointMode::Off {
            return Ok(false);
        }
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
        let incremental = self.mode == CheckpointMode::Incremental && self.tracking_current_runtime;
        let db = match (incremental, self.checkpoint.take()) {
            (true, Some(previous)) => {
                self.patch(previous.db, runtime, &profile.db_file, stat.size).map_err(describe)?
            }
            _ => self.full_copy(runtime, &profile.db_file).map_err(describe)?,
        };
        if let Err(e) = sqlite::validate(&db) {
            // Never keep a damaged copy; the next checkpoint starts over with a full copy.
            self.tracking_current_runtime = false;
            return Err(format!("checkpoint skipped: the database looks damaged: {e}"));
        }
        self.taken += 1;
        self.last_stamp = Some(stamp);
        self.checkpoint = Some(Checkpoint { db, request_number, wall_clock_ms: wall_clock_ms(), plugins: plugins() });
        Ok(true)
    }

    fn full_copy<R: PhpRuntime>(&mut self, runtime: &R, path: &str) -> Result<Arc<Vec<u8>>, PhpError> {
        if self.mode == CheckpointMode::Incremental {
            // From now on every write to the DB is recorded; forget older ones.
            runtime.track_writes(path)?;
            runtime.take_dirty_ranges(path)?;
            self.tracking_current_runtime = true;
        }
        let db = runtime.read_file(path)?;
        self.bytes_copied += db.len() as u64;
        self.last_copied = None;
        Ok(Arc::new(db))
    }

    /// The previous copy with only the written ranges read again. The copy is
    /// owned by the checkpointer alone, so `make_mut` patches it in place.
    fn patch<R: PhpRuntime>(
        &mut self,
        mut db: Arc<Vec<u8>>,
        runtime: &R,
        path: &str,
        size: u64,
    ) -> Result<Arc<Vec<u8>>, PhpError> {
        let image = Arc::make_mut(&mut db);
        image.resize(size as usize, 0);
        let mut copied = Vec::new();
        // If the ranges cannot be read, this fails, the previous copy is gone,
        // and the next checkpoint is a full copy: never a stale patch.
        for (start, end) in runtime.take_dirty_ranges(path)? {
            let end = end.min(size);
            if start >= end {
                continue;
            }
            let bytes = runtime.read_range(path, start, end)?;
            image[start as usize..start as usize + bytes.len()].copy_from_slice(&bytes);
            self.bytes_copied += bytes.len() as u64;
            copied.push((start, end));
        }
        self.last_copied = Some(copied);
        Ok(db)
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
        let mut checkpointer = Checkpointer::new(CheckpointMode::Full);
        assert_eq!(checkpointer.after_request(&runtime, &profile, 1, || 0.0, Vec::new), Ok(false), "no DB yet");
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 2)).unwrap();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 2, || 0.0, Vec::new), Ok(true));
        assert_eq!(checkpointer.after_request(&runtime, &profile, 3, || 0.0, Vec::new), Ok(false), "unchanged");
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 3)).unwrap();
        assert_eq!(checkpointer.after_request(&runtime, &profile, 4, || 0.0, Vec::new), Ok(true));
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
        assert_eq!(checkpointer.after_request(&runtime, &profile, 1, || 0.0, Vec::new), Ok(false));
        runtime.unlink(&format!("{}-journal", profile.db_file)).unwrap();
        runtime.write_file(&profile.db_file, b"garbage that is not a database at all, long enough to have a header........................................").unwrap();
        assert!(checkpointer.after_request(&runtime, &profile, 2, || 0.0, Vec::new).unwrap_err().contains("damaged"));
        assert!(checkpointer.checkpoint().is_none());
    }

    #[test]
    fn an_incremental_checkpoint_copies_only_what_changed_and_equals_a_full_copy() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let mut incremental = Checkpointer::default();
        let mut full = Checkpointer::new(CheckpointMode::Full);
        let mut db = sqlite::sample_db(4096, 16);
        runtime.write_file(&profile.db_file, &db).unwrap();
        incremental.after_request(&runtime, &profile, 1, || 0.0, Vec::new).unwrap();
        assert_eq!(incremental.bytes_copied, 4096 * 16, "the first checkpoint is a full copy");
        // One row changes, then the file grows by a page.
        db[5000..5010].copy_from_slice(b"0123456789");
        db.extend(vec![7u8; 4096]);
        db[28..32].copy_from_slice(&17u32.to_be_bytes());
        runtime.write_file(&profile.db_file, &db).unwrap();
        assert_eq!(incremental.after_request(&runtime, &profile, 2, || 0.0, Vec::new), Ok(true));
        full.after_request(&runtime, &profile, 2, || 0.0, Vec::new).unwrap();
        assert_eq!(incremental.checkpoint().unwrap().db.as_slice(), db.as_slice());
        assert_eq!(full.checkpoint().unwrap().db.as_slice(), db.as_slice());
        assert!(
            incremental.bytes_copied - 4096 * 16 < 4096 + 64,
            "the second checkpoint copied {} bytes",
            incremental.bytes_copied - 4096 * 16
        );
        // A new runtime has no tracking: the next checkpoint is full again.
        incremental.new_runtime();
        let before = incremental.bytes_copied;
        incremental.after_request(&runtime, &profile, 3, || 0.0, Vec::new).unwrap();
        assert_eq!(incremental.bytes_copied - before, db.len() as u64);
    }

    #[test]
    fn mode_off_takes_none() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        runtime.write_file(&profile.db_file, &sqlite::sample_db(4096, 2)).unwrap();
        let mut off = Checkpointer::new(CheckpointMode::Off);
        assert_eq!(off.after_request(&runtime, &profile, 1, || 0.0, Vec::new), Ok(false));
        assert_eq!(
            CheckpointMode::parse("sometimes").unwrap_err(),
            "checkpoint must be \"incremental\", \"full\" or \"off\", not \"sometimes\""
        );
    }

    #[test]
    fn describes_when_it_was_taken() {
        let checkpoint = Checkpoint {
            db: Arc::new(vec![]),
            request_number: 12,
            wall_clock_ms: 1_764_174_665_000.0,
            plugins: vec![],
        };
        assert_eq!(checkpoint.describe(), "request #12 at 16:31:05 UTC");
    }
}
