//! What the worker needs from a PHP runtime, as a trait, so the supervisor's
//! decisions run natively against a scripted fake and in the browser against
//! the real `@php-wasm` runtime (`host.rs`, the only binding to `www/php-host.js`).

#[cfg(target_arch = "wasm32")]
pub mod host;

use crate::protocol::{HttpRequest, HttpResponse};

/// An error that escaped the PHP runtime, described by the facts the fault
/// classifier needs. JS errors are flattened into this at the binding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhpError {
    /// The JS error's `name` (`RuntimeError`, `RangeError`, `InternalError`, `Error`, …).
    pub name: String,
    pub message: String,
    /// Emscripten's errno when the error is an `ErrnoError`.
    pub errno: Option<i32>,
    /// The chain of `cause`s, outermost first.
    pub causes: Vec<PhpError>,
}

impl PhpError {
    pub fn new(name: &str, message: &str) -> Self {
        PhpError { name: name.into(), message: message.into(), ..Default::default() }
    }
}

impl std::fmt::Display for PhpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.name.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.name, self.message)
        }
    }
}

/// What a PHP script printed and how it exited.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOutput {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FileStat {
    pub is_dir: bool,
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub mtime_ms: f64,
}

/// Options for a fresh runtime.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeOptions {
    pub document_root: String,
    pub site_url: String,
    pub php_ini: Vec<(String, String)>,
    /// PHP extensions to load (`intl`).
    pub extensions: Vec<String>,
    /// Cache compiled scripts in the instance's memory (PHP's OPcache);
    /// `None` compiles every script on every include.
    pub opcache: Option<OpcacheSize>,
}

/// How much an instance's opcode cache may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpcacheSize {
    /// Memory for compiled scripts, MiB (taken from the instance's linear memory).
    pub megabytes: u32,
    /// Most scripts it holds.
    pub files: u32,
}

/// One PHP instance. File operations go straight to Emscripten's `FS`, so they
/// keep working after the instance trapped (MEMFS is JS memory).
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait PhpRuntime {
    async fn request(&self, request: &HttpRequest) -> Result<HttpResponse, PhpError>;
    async fn run_code(&self, code: &str) -> Result<RunOutput, PhpError>;
    async fn run_script(&self, path: &str) -> Result<RunOutput, PhpError>;
    fn php_version(&self) -> String;
    /// Puts the loaded site bundle's files under `root` (except those under
    /// `skip_prefix`), sharing the bundle's bytes rather than copying them.
    fn write_bundle(&self, root: &str, skip_prefix: &str) -> Result<u32, PhpError>;
    fn read_file(&self, path: &str) -> Result<Vec<u8>, PhpError>;
    /// Bytes `[start, end)` of a file (fewer if the file is shorter).
    fn read_range(&self, path: &str, start: u64, end: u64) -> Result<Vec<u8>, PhpError>;
    /// Start recording which byte ranges of `path` are written.
    fn track_writes(&self, path: &str) -> Result<(), PhpError>;
    /// The byte ranges written to a tracked file since the last call, merged.
    fn take_dirty_ranges(&self, path: &str) -> Result<Vec<(u64, u64)>, PhpError>;
    fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), PhpError>;
    fn read_dir(&self, path: &str) -> Result<Vec<String>, PhpError>;
    /// `Ok(None)` when nothing exists at `path`.
    fn stat(&self, path: &str) -> Result<Option<FileStat>, PhpError>;
    fn mkdir_tree(&self, path: &str) -> Result<(), PhpError>;
    fn unlink(&self, path: &str) -> Result<(), PhpError>;
    /// Removes an empty directory.
    fn remove_dir(&self, path: &str) -> Result<(), PhpError>;
    /// Debug only: make the instance fail for real (see `www/php-host.js`).
    fn inject_fault(&self, kind: &str) -> Result<(), PhpError>;
    /// From now on, keep an undo log of what each request changes under
    /// `roots` (the user's state), except SQLite's own files; a commit of the
    /// DB (the unlink of `commit_journal`) starts the log over.
    fn watch_request_changes(
        &self,
        _roots: &[String],
        _commit_journal: &str,
        _sqlite_files: &[String],
    ) -> Result<(), PhpError> {
        Ok(())
    }
    /// After a crash: undo what the crashed request changed since its last
    /// commit; returns the paths put back. Works on a trapped instance.
    fn discard_uncommitted_changes(&self) -> Result<Vec<String>, PhpError> {
        Ok(Vec::new())
    }
    /// Something the last request did that the page should hear of, by
    /// name: `mail` when a page called mail(), which cannot send email here.
    fn take_notice(&self) -> Option<String> {
        None
    }
    /// Bytes of linear memory in use, for rotation on memory pressure.
    fn memory_bytes(&self) -> u64;
    /// Let go of the instance; it must not be used again.
    fn destroy(self);
}

/// Makes fresh runtimes, cheaply after the first (the compiled module is cached).
#[allow(async_fn_in_trait)]
pub trait RuntimeFactory {
    type Runtime: PhpRuntime;
    async fn create(&self, options: &RuntimeOptions) -> Result<Self::Runtime, PhpError>;
    /// Downloads and unzips a site bundle (a zip), kept on the JS side for every
    /// runtime to share; returns its file paths.
    async fn load_bundle(&self, url: &str) -> Result<Vec<String>, PhpError>;
    /// A copy of one file of the loaded bundle.
    fn bundle_file(&self, path: &str) -> Option<Vec<u8>>;
    /// Downloads one file (a blueprint's plugin zip); an HTTP error is an error.
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, PhpError>;
    /// A monotonic clock for durations, in ms.
    fn now_ms(&self) -> f64;
    /// Wall-clock time, ms since the Unix epoch (for "rolled back to 16:31:05").
    fn wall_clock_ms(&self) -> f64;
}
