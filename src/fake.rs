//! A scripted fake PHP runtime for native `cargo test` of the pure core.
//! It is never the only test of a behaviour that runs in the browser: the
//! same paths run against real PHP wasm in `tests/browser.rs` and `tests/e2e/`.

use crate::php::{FileStat, PhpError, PhpRuntime, RunOutput, RuntimeFactory, RuntimeOptions};
use crate::protocol::{HttpRequest, HttpResponse};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::rc::Rc;

/// Runs a future whose every await is already ready (the fake never waits).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

type Handler = Rc<dyn Fn(&FakeRuntime, &HttpRequest) -> Result<HttpResponse, PhpError>>;

#[derive(Default)]
pub struct FakeRuntime {
    files: RefCell<BTreeMap<String, Vec<u8>>>,
    dirs: RefCell<BTreeSet<String>>,
    script_outputs: RefCell<Vec<(String, RunOutput)>>,
    handler: RefCell<Option<Handler>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    /// PHP code run with `run_code`, in order.
    pub codes: RefCell<Vec<String>>,
    /// Scripts run with `run_script`, in order.
    pub scripts: RefCell<Vec<String>>,
    /// Scripted answers to `run_code`: the first whose needle the code holds.
    code_answers: RefCell<Vec<(String, Result<RunOutput, PhpError>)>>,
    /// When set, `run_script` fails with this error (a crash during bootstrap).
    pub script_error: RefCell<Option<PhpError>>,
    pub destroyed: Cell<bool>,
    /// Tracked paths and the ranges written to them.
    dirty: RefCell<BTreeMap<String, Vec<(u64, u64)>>>,
    /// The site bundle the factory loaded.
    pub bundle: RefCell<Vec<(String, Vec<u8>)>>,
    /// What `watch_request_changes` was told: the roots.
    pub watched_roots: RefCell<Vec<String>>,
    /// Paths a scripted request changed without committing (the host's undo log).
    pub uncommitted: RefCell<Vec<String>>,
}

impl FakeRuntime {
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.files.borrow().get(path).cloned()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.borrow().contains(path)
    }

    /// `run_code` of code holding `needle` answers `answer`.
    pub fn answer_code(&self, needle: &str, answer: Result<RunOutput, PhpError>) {
        self.code_answers.borrow_mut().push((needle.into(), answer));
    }

    pub fn script_output(&self, script_suffix: &str, stdout: &str, exit_code: i32) {
        self.script_outputs
            .borrow_mut()
            .push((script_suffix.into(), RunOutput { exit_code, stdout: stdout.into(), stderr: String::new() }));
    }

    pub fn on_request(&self, handler: Handler) {
        *self.handler.borrow_mut() = Some(handler);
    }
}

impl PhpRuntime for FakeRuntime {
    async fn request(&self, request: &HttpRequest) -> Result<HttpResponse, PhpError> {
        self.requests.borrow_mut().push(request.clone());
        let handler = self.handler.borrow().clone();
        match handler {
            // Like the host: the undo log of an answered request is dropped.
            Some(handler) => handler(self, request).inspect(|_| self.uncommitted.borrow_mut().clear()),
            None => Ok(HttpResponse {
                status: 200,
                body: format!("served {}", request.url).into_bytes().into(),
                ..Default::default()
            }),
        }
    }

    async fn run_code(&self, code: &str) -> Result<RunOutput, PhpError> {
        self.codes.borrow_mut().push(code.to_string());
        let scripted = self
            .code_answers
            .borrow()
            .iter()
            .find(|(needle, _)| code.contains(needle.as_str()))
            .map(|(_, a)| a.clone());
        if let Some(answer) = scripted {
            return answer;
        }
        if code.contains("$playground_step") {
            // A blueprint step that did what it was asked.
            return Ok(RunOutput { stdout: "OK\n".into(), ..Default::default() });
        }
        if code.contains("upgrade_noncore") {
            // Report every component asked about as registered.
            let stdout = code
                .split('\'')
                .filter(|part| part.contains('_') && !part.contains('/') && !part.contains(' '))
                .map(|component| format!("{component}=2024050100\n"))
                .collect();
            return Ok(RunOutput { stdout, ..Default::default() });
        }
        if code.contains("quick_check") {
            // SQLite's verdict: a DB carrying the marker CORRUPT is damaged.
            let damaged = self
                .files
                .borrow()
                .iter()
                .any(|(path, bytes)| path.ends_with(".sq3.php") && bytes.windows(7).any(|w| w == b"CORRUPT"));
            let stdout =
                if damaged { "*** in database main ***\nPage 3: btreeInitPage() returns error code 11" } else { "ok" };
            return Ok(RunOutput { stdout: stdout.into(), ..Default::default() });
        }
        if code.contains("complete_user_login") {
            return Ok(RunOutput { stdout: "fake-session-id".into(), ..Default::default() });
        }
        Ok(RunOutput::default())
    }

    async fn run_script(&self, path: &str) -> Result<RunOutput, PhpError> {
        self.scripts.borrow_mut().push(path.to_string());
        if let Some(error) = self.script_error.borrow().clone() {
            return Err(error);
        }
        let scripted = self
            .script_outputs
            .borrow()
            .iter()
            .find(|(suffix, _)| path.ends_with(suffix.as_str()))
            .map(|(_, o)| o.clone());
        Ok(scripted.unwrap_or(RunOutput { stdout: "OK".into(), ..Default::default() }))
    }

    fn php_version(&self) -> String {
        "8.3.0-fake".into()
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, PhpError> {
        self.file(path).ok_or_else(|| PhpError {
            name: "ErrnoError".into(),
            message: format!("no such file {path}"),
            errno: Some(44),
            causes: vec![],
        })
    }

    fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), PhpError> {
        // Like a write(2) of the whole file: only the bytes that differ count as written.
        if let Some(ranges) = self.dirty.borrow_mut().get_mut(path) {
            let old = self.files.borrow().get(path).cloned().unwrap_or_default();
            let changed = (0..bytes.len()).filter(|&i| old.get(i) != Some(&bytes[i]));
            ranges.extend(changed.map(|i| (i as u64, i as u64 + 1)));
        }
        self.files.borrow_mut().insert(path.into(), bytes.to_vec());
        Ok(())
    }

    fn write_bundle(&self, root: &str, skip_prefix: &str) -> Result<u32, PhpError> {
        let files: Vec<_> = self.bundle.borrow().iter().filter(|(p, _)| !p.starts_with(skip_prefix)).cloned().collect();
        for (path, bytes) in &files {
            crate::boot::write_creating_dirs(self, &format!("{root}/{path}"), bytes)?;
        }
        Ok(files.len() as u32)
    }

    fn read_range(&self, path: &str, start: u64, end: u64) -> Result<Vec<u8>, PhpError> {
        let bytes = self.read_file(path)?;
        let end = (end as usize).min(bytes.len());
        Ok(bytes.get(start as usize..end).unwrap_or_default().to_vec())
    }

    fn track_writes(&self, path: &str) -> Result<(), PhpError> {
        self.dirty.borrow_mut().entry(path.into()).or_default();
        Ok(())
    }

    fn take_dirty_ranges(&self, path: &str) -> Result<Vec<(u64, u64)>, PhpError> {
        Ok(self.dirty.borrow_mut().get_mut(path).map(std::mem::take).unwrap_or_default())
    }

    fn read_dir(&self, path: &str) -> Result<Vec<String>, PhpError> {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let mut names = BTreeSet::new();
        let files = self.files.borrow();
        let dirs = self.dirs.borrow();
        for entry in files.keys().chain(dirs.iter()) {
            if let Some(rest) = entry.strip_prefix(&prefix) {
                if let Some(name) = rest.split('/').next().filter(|n| !n.is_empty()) {
                    names.insert(name.to_string());
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    fn stat(&self, path: &str) -> Result<Option<FileStat>, PhpError> {
        if let Some(bytes) = self.files.borrow().get(path) {
            return Ok(Some(FileStat { is_dir: false, size: bytes.len() as u64, mtime_ms: 0.0 }));
        }
        Ok(self.is_dir(path).then_some(FileStat { is_dir: true, size: 0, mtime_ms: 0.0 }))
    }

    fn mkdir_tree(&self, path: &str) -> Result<(), PhpError> {
        let mut current = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            current.push('/');
            current.push_str(part);
            self.dirs.borrow_mut().insert(current.clone());
        }
        Ok(())
    }

    fn unlink(&self, path: &str) -> Result<(), PhpError> {
        self.files.borrow_mut().remove(path);
        Ok(())
    }

    fn remove_dir(&self, path: &str) -> Result<(), PhpError> {
        let prefix = format!("{path}/");
        let files = self.files.borrow();
        let dirs = self.dirs.borrow();
        if files.keys().chain(dirs.iter()).any(|p| p.starts_with(&prefix)) {
            return Err(PhpError { errno: Some(55), ..PhpError::new("ErrnoError", "directory not empty") });
        }
        drop((files, dirs));
        self.dirs.borrow_mut().remove(path);
        Ok(())
    }

    fn watch_request_changes(&self, roots: &[String], _journal: &str, _sqlite: &[String]) -> Result<(), PhpError> {
        *self.watched_roots.borrow_mut() = roots.to_vec();
        Ok(())
    }

    fn discard_uncommitted_changes(&self) -> Result<Vec<String>, PhpError> {
        let undone = std::mem::take(&mut *self.uncommitted.borrow_mut());
        for path in &undone {
            self.files.borrow_mut().remove(path);
        }
        Ok(undone)
    }

    fn inject_fault(&self, _kind: &str) -> Result<(), PhpError> {
        Ok(())
    }

    fn memory_bytes(&self) -> u64 {
        64 << 20
    }

    fn destroy(self) {
        self.destroyed.set(true);
    }
}

/// Scripts the n-th new runtime.
pub type Prepare = Rc<dyn Fn(&FakeRuntime, u32)>;

/// Makes fake runtimes; `prepare` scripts each new one.
#[derive(Default)]
pub struct FakeFactory {
    pub created: Cell<u32>,
    /// The options each runtime was made with, in order.
    pub options: RefCell<Vec<RuntimeOptions>>,
    pub prepare: Option<Prepare>,
    pub site_files: Vec<(String, Vec<u8>)>,
    /// What `fetch` finds at each URL (others: HTTP 404).
    pub downloads: Vec<(String, Vec<u8>)>,
}

impl RuntimeFactory for FakeFactory {
    type Runtime = FakeRuntime;

    async fn create(&self, options: &RuntimeOptions) -> Result<FakeRuntime, PhpError> {
        self.options.borrow_mut().push(options.clone());
        let runtime = FakeRuntime::default();
        *runtime.bundle.borrow_mut() = self.site_files.clone();
        self.created.set(self.created.get() + 1);
        if let Some(prepare) = &self.prepare {
            prepare(&runtime, self.created.get());
        }
        Ok(runtime)
    }

    async fn load_bundle(&self, _url: &str) -> Result<Vec<String>, PhpError> {
        Ok(self.site_files.iter().map(|(path, _)| path.clone()).collect())
    }

    fn bundle_file(&self, path: &str) -> Option<Vec<u8>> {
        self.site_files.iter().find(|(p, _)| p == path).map(|(_, bytes)| bytes.clone())
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, PhpError> {
        let found = self.downloads.iter().find(|(u, _)| u == url).map(|(_, bytes)| bytes.clone());
        found.ok_or_else(|| PhpError::new("Error", &format!("HTTP 404 Not Found for {url}")))
    }

    fn now_ms(&self) -> f64 {
        0.0
    }

    fn wall_clock_ms(&self) -> f64 {
        0.0
    }
}
