//! The wasm-bindgen binding to `www/php-host.js`, the only code that touches
//! `@php-wasm/*`. Every import is `catch`: a JS exception becomes a `Result`
//! here and never unwinds through Rust frames. The host object is handed in at
//! run time (dependency injection), so tests can load the bundled host from a URL.

use super::{FileStat, PhpError, PhpRuntime, RunOutput, RuntimeFactory, RuntimeOptions};
use crate::protocol::{Body, Headers, HttpRequest, HttpResponse};
use crate::wire;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `createPhpHost()` from www/php-host.js.
    #[derive(Clone)]
    pub type JsPhpHost;
    #[wasm_bindgen(method, catch, js_name = createRuntime)]
    async fn create_runtime(this: &JsPhpHost, options: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = loadBundle)]
    async fn load_bundle(this: &JsPhpHost, url: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = bundleFile)]
    fn bundle_file(this: &JsPhpHost, path: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fetchBytes)]
    async fn fetch_bytes(this: &JsPhpHost, url: &str) -> Result<JsValue, JsValue>;

    /// One runtime made by the host.
    pub type JsPhpRuntime;
    /// `runtime.request({method, url, headers, body})`: its promise.
    #[wasm_bindgen(method, catch, js_name = request)]
    fn start_request(this: &JsPhpRuntime, request: &Object) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = runCode)]
    async fn run_code(this: &JsPhpRuntime, code: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = runScript)]
    async fn run_script(this: &JsPhpRuntime, path: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, getter, js_name = phpVersion)]
    fn php_version(this: &JsPhpRuntime) -> Result<String, JsValue>;
    #[wasm_bindgen(method, catch, js_name = writeBundle)]
    fn write_bundle(this: &JsPhpRuntime, root: &str, skip_prefix: &str) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = readFile)]
    fn read_file(this: &JsPhpRuntime, path: &str) -> Result<Uint8Array, JsValue>;
    #[wasm_bindgen(method, catch, js_name = readRange)]
    fn read_range(this: &JsPhpRuntime, path: &str, start: f64, end: f64) -> Result<Uint8Array, JsValue>;
    #[wasm_bindgen(method, catch, js_name = trackWrites)]
    fn track_writes(this: &JsPhpRuntime, path: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = takeDirtyRanges)]
    fn take_dirty_ranges(this: &JsPhpRuntime, path: &str) -> Result<Vec<f64>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = writeFile)]
    fn write_file(this: &JsPhpRuntime, path: &str, bytes: &[u8]) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = readDir)]
    fn read_dir(this: &JsPhpRuntime, path: &str) -> Result<Array, JsValue>;
    /// `[kind, size, mtimeMs]` of a path into `out` (kind 0: nothing there, 1: a file, 2: a directory).
    #[wasm_bindgen(method, catch, js_name = statInto)]
    fn stat_into(this: &JsPhpRuntime, path: &str, out: &mut [f64]) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = mkdirTree)]
    fn mkdir_tree(this: &JsPhpRuntime, path: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn unlink(this: &JsPhpRuntime, path: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn rmdir(this: &JsPhpRuntime, path: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = injectFault)]
    fn inject_fault(this: &JsPhpRuntime, kind: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = watchRequestChanges)]
    fn watch_request_changes(
        this: &JsPhpRuntime,
        roots: Vec<String>,
        commit_journal: &str,
        sqlite_files: Vec<String>,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = discardUncommittedChanges)]
    fn discard_uncommitted_changes(this: &JsPhpRuntime) -> Result<Array, JsValue>;
    #[wasm_bindgen(method, catch, js_name = takeNotice)]
    fn take_notice(this: &JsPhpRuntime) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = memoryBytes)]
    fn memory_bytes(this: &JsPhpRuntime) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn destroy(this: &JsPhpRuntime) -> Result<(), JsValue>;
}

/// Flattens a thrown JS value into the facts the fault classifier reads.
pub fn php_error(value: &JsValue) -> PhpError {
    fn describe(value: &JsValue, depth: usize) -> PhpError {
        if !value.is_object() {
            let text = value.as_string().unwrap_or_else(|| format!("{value:?}"));
            return PhpError::new("", &text);
        }
        let field = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined());
        let name = field("name").and_then(|v| v.as_string()).unwrap_or_default();
        let message = field("message").and_then(|v| v.as_string()).unwrap_or_default();
        let errno = field("errno").and_then(|v| v.as_f64()).map(|n| n as i32);
        let mut causes = Vec::new();
        if depth < 4 {
            if let Some(cause) = field("cause").filter(|c| !c.is_null()) {
                let cause = describe(&cause, depth + 1);
                causes.push(PhpError { causes: vec![], ..cause.clone() });
                causes.extend(cause.causes);
            }
        }
        PhpError { name, message, errno, causes }
    }
    describe(value, 0)
}

pub struct HostFactory {
    host: JsPhpHost,
}

impl HostFactory {
    pub fn new(host: JsPhpHost) -> Self {
        HostFactory { host }
    }
}

pub struct HostRuntime {
    js: JsPhpRuntime,
}

impl HostRuntime {
    pub fn js(&self) -> &JsValue {
        &self.js
    }

    /// Starts PHP's request and returns at once: the promise of its answer
    /// (read with `answer`). `request` awaits it; the worker's fast lane
    /// (src/worker.rs) has it call back instead.
    pub fn start(&self, request: &HttpRequest) -> Result<js_sys::Promise, JsValue> {
        // One call starts it (src/wire.rs): the head crosses as one string,
        // unless a text holds that string's separator.
        match wire::request_head(request) {
            Some(head) => {
                let body = if request.body.is_empty() { JsValue::UNDEFINED } else { request.body.to_js().into() };
                wire::start_php_request(&self.js, &head, &body)
            }
            None => self.request_object(request),
        }
    }

    /// The response in what a started request's promise resolved to. Its
    /// headers and body stay JS objects, passed on to the page as they are.
    pub fn answer(value: JsValue) -> HttpResponse {
        let answer: wire::PhpAnswer = value.unchecked_into();
        let status = answer.status();
        // A status that is not one (never seen from @php-wasm) is PHP's failure to answer.
        let status = if (100.0..1000.0).contains(&status) { status as u16 } else { 500 };
        HttpResponse { status, headers: Headers::from_js(answer.headers()), body: Body::from_js(answer.body()) }
    }

    /// `runtime.request()` with its request built field by field (headers whose
    /// text holds the hot path's separator).
    fn request_object(&self, request: &HttpRequest) -> Result<js_sys::Promise, JsValue> {
        let js_request = Object::new();
        set(&js_request, "method", &JsValue::from_str(&request.method));
        set(&js_request, "url", &JsValue::from_str(&request.url));
        set(&js_request, "headers", &text_object(&request.headers));
        set(&js_request, "body", &request.body.to_js());
        self.js.start_request(&js_request)
    }
}

/// Sets a field named by a constant. The names are interned: made into JS
/// strings once per worker, not once per call (the per-request hot path).
pub(crate) fn set(target: &Object, key: &'static str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(wasm_bindgen::intern(key)), value)
        .expect("setting a field on a fresh object");
}

/// `{name: value}` of text pairs (names the data brings: not interned).
fn text_object<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Object {
    let object = Object::new();
    for (name, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    object
}

/// Reads a field named by a constant (interned, as for `set`).
fn get(target: &JsValue, key: &'static str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(wasm_bindgen::intern(key))).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` of the worker's scope, imported directly.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// A monotonic clock in ms (every worker scope has `performance`).
pub fn monotonic_ms() -> f64 {
    performance_now()
}

fn run_output(value: JsValue) -> RunOutput {
    RunOutput {
        exit_code: get(&value, "exitCode").as_f64().unwrap_or(0.0) as i32,
        stdout: get(&value, "stdout").as_string().unwrap_or_default(),
        stderr: get(&value, "stderr").as_string().unwrap_or_default(),
    }
}

impl PhpRuntime for HostRuntime {
    async fn request(&self, request: &HttpRequest) -> Result<HttpResponse, PhpError> {
        let answer = match self.start(request) {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        answer.map(HostRuntime::answer).map_err(|e| php_error(&e))
    }

    async fn run_code(&self, code: &str) -> Result<RunOutput, PhpError> {
        self.js.run_code(code).await.map(run_output).map_err(|e| php_error(&e))
    }

    async fn run_script(&self, path: &str) -> Result<RunOutput, PhpError> {
        self.js.run_script(path).await.map(run_output).map_err(|e| php_error(&e))
    }

    fn php_version(&self) -> String {
        self.js.php_version().unwrap_or_default()
    }

    fn write_bundle(&self, root: &str, skip_prefix: &str) -> Result<u32, PhpError> {
        self.js.write_bundle(root, skip_prefix).map(|count| count as u32).map_err(|e| php_error(&e))
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, PhpError> {
        self.js.read_file(path).map(|bytes| bytes.to_vec()).map_err(|e| php_error(&e))
    }

    fn read_range(&self, path: &str, start: u64, end: u64) -> Result<Vec<u8>, PhpError> {
        self.js.read_range(path, start as f64, end as f64).map(|bytes| bytes.to_vec()).map_err(|e| php_error(&e))
    }

    fn track_writes(&self, path: &str) -> Result<(), PhpError> {
        self.js.track_writes(path).map_err(|e| php_error(&e))
    }

    fn take_dirty_ranges(&self, path: &str) -> Result<Vec<(u64, u64)>, PhpError> {
        let ranges = self.js.take_dirty_ranges(path).map_err(|e| php_error(&e))?;
        Ok(ranges.chunks_exact(2).map(|pair| (pair[0] as u64, pair[1] as u64)).collect())
    }

    fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), PhpError> {
        self.js.write_file(path, bytes).map_err(|e| php_error(&e))
    }

    fn read_dir(&self, path: &str) -> Result<Vec<String>, PhpError> {
        let names = self.js.read_dir(path).map_err(|e| php_error(&e))?;
        Ok(names.iter().filter_map(|n| n.as_string()).filter(|n| n != "." && n != "..").collect())
    }

    fn stat(&self, path: &str) -> Result<Option<FileStat>, PhpError> {
        // Asked after every request (the checkpoint's stamp): one call, no JS object read.
        let mut out = [0.0; 3];
        self.js.stat_into(path, &mut out).map_err(|e| php_error(&e))?;
        let [kind, size, mtime_ms] = out;
        Ok((kind != 0.0).then_some(FileStat { is_dir: kind == 2.0, size: size as u64, mtime_ms }))
    }

    fn mkdir_tree(&self, path: &str) -> Result<(), PhpError> {
        self.js.mkdir_tree(path).map_err(|e| php_error(&e))
    }

    fn unlink(&self, path: &str) -> Result<(), PhpError> {
        self.js.unlink(path).map_err(|e| php_error(&e))
    }

    fn remove_dir(&self, path: &str) -> Result<(), PhpError> {
        self.js.rmdir(path).map_err(|e| php_error(&e))
    }

    fn inject_fault(&self, kind: &str) -> Result<(), PhpError> {
        self.js.inject_fault(kind).map_err(|e| php_error(&e))
    }

    fn watch_request_changes(
        &self,
        roots: &[String],
        commit_journal: &str,
        sqlite_files: &[String],
    ) -> Result<(), PhpError> {
        self.js.watch_request_changes(roots.to_vec(), commit_journal, sqlite_files.to_vec()).map_err(|e| php_error(&e))
    }

    fn discard_uncommitted_changes(&self) -> Result<Vec<String>, PhpError> {
        let undone = self.js.discard_uncommitted_changes().map_err(|e| php_error(&e))?;
        Ok(undone.iter().filter_map(|path| path.as_string()).collect())
    }

    fn take_notice(&self) -> Option<String> {
        self.js.take_notice().ok()?.as_string()
    }

    fn memory_bytes(&self) -> u64 {
        self.js.memory_bytes().unwrap_or(0.0) as u64
    }

    fn destroy(self) {
        // A runtime that cannot even be destroyed is dropped all the same.
        let _ = self.js.destroy();
    }
}

impl RuntimeFactory for HostFactory {
    type Runtime = HostRuntime;

    async fn create(&self, options: &RuntimeOptions) -> Result<HostRuntime, PhpError> {
        let js_options = Object::new();
        set(&js_options, "documentRoot", &JsValue::from_str(&options.document_root));
        set(&js_options, "siteUrl", &JsValue::from_str(&options.site_url));
        set(&js_options, "phpIni", &text_object(options.php_ini.iter().map(|(key, value)| (key, value))));
        let extensions: Array = options.extensions.iter().map(|name| JsValue::from_str(name)).collect();
        set(&js_options, "extensions", &extensions);
        if let Some(size) = options.opcache {
            let opcache = Object::new();
            set(&opcache, "megabytes", &JsValue::from(size.megabytes));
            set(&opcache, "files", &JsValue::from(size.files));
            set(&js_options, "opcache", &opcache);
        }
        let js = self.host.create_runtime(js_options.into()).await.map_err(|e| php_error(&e))?;
        Ok(HostRuntime { js: js.unchecked_into() })
    }

    async fn load_bundle(&self, url: &str) -> Result<Vec<String>, PhpError> {
        let paths = self.host.load_bundle(url).await.map_err(|e| php_error(&e))?;
        let paths: Array =
            paths.dyn_into().map_err(|_| PhpError::new("TypeError", "loadBundle did not return an array"))?;
        Ok(paths.iter().filter_map(|p| p.as_string()).collect())
    }

    fn bundle_file(&self, path: &str) -> Option<Vec<u8>> {
        self.host.bundle_file(path).ok()?.dyn_into::<Uint8Array>().ok().map(|bytes| bytes.to_vec())
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, PhpError> {
        let bytes = self.host.fetch_bytes(url).await.map_err(|e| php_error(&e))?;
        bytes
            .dyn_into::<Uint8Array>()
            .map(|bytes| bytes.to_vec())
            .map_err(|_| PhpError::new("TypeError", "fetchBytes did not return bytes"))
    }

    fn wall_clock_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn now_ms(&self) -> f64 {
        monotonic_ms()
    }
}
