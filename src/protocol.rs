//! The one place that defines the messages between the page and the worker.
//!
//! Page → worker: `configure`, `http-request`, `inject-fault`, `restart`.
//! Worker → page: `progress`, `ready`, `http-response`, `error`, plus the
//! recovery events (`crash`, `recovered`, `failed`, …).
//!
//! Bodies are NOT decoded here: they travel as transferable `ArrayBuffer`s and
//! the wasm shell moves them into `HttpRequest::body` itself, so this module
//! stays plain Rust that `cargo test` exercises natively. `www/protocol.js` is
//! the JS twin of the kind names; a native test checks the two agree.

pub use crate::payload::{Body, Headers};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every message kind the page may send, as spelled on the wire.
pub const INCOMING_KINDS: &[&str] = &["configure", "http-request", "inject-fault", "restart", "save-landed"];
/// Every message kind the worker may send, as spelled on the wire.
pub const OUTGOING_KINDS: &[&str] = &[
    "progress",
    "ready",
    "http-response",
    "error",
    "crash",
    "recovered",
    "failed",
    "rotating",
    "rotated",
    "trace",
    "status",
    "save",
];

/// A decoded page → worker message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Incoming {
    Configure {
        #[serde(default)]
        config: Config,
    },
    HttpRequest {
        id: u32,
        request: RequestHead,
    },
    InjectFault {
        fault: String,
    },
    Restart {},
    /// The page wrote the save the worker handed it (`save`), or says why not.
    #[serde(rename_all = "camelCase")]
    SaveLanded {
        seq: u64,
        #[serde(default)]
        error: Option<String>,
        /// The sha-256 names the page gave the save's new chunks, in order, one
        /// after another (64 hex digits each: one string, whatever their number).
        #[serde(default)]
        names: String,
        /// How long the page took to write it.
        #[serde(default)]
        write_ms: f64,
    },
}

/// Worker configuration sent by the page once, before or after its first requests.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Config {
    /// Which application profile to boot (`moodle`).
    pub profile: String,
    /// The absolute URL the site is served under; its path is stripped from requests.
    pub site_url: String,
    /// URL of the site bundle (a zip of the webroot).
    pub bundle_url: String,
    /// Honour `inject-fault` and other debug-only messages.
    pub debug: bool,
    /// Extra php.ini entries.
    pub php_ini: BTreeMap<String, String>,
    /// Restart intensity: at most this many restarts …
    pub max_restarts: u32,
    /// … within this many seconds; one more and the worker is Failed.
    pub restart_period_seconds: f64,
    /// Rotate the runtime after this many healthy requests (0 = never), like PHP-FPM's pm.max_requests.
    pub rotate_after_requests: u64,
    /// Rotate when PHP's linear memory exceeds this many MiB (0 = never).
    pub rotate_above_memory_mib: u64,
    /// Last-known-good checkpoints of the DB: "incremental", "full" or "off".
    pub checkpoint: String,
    /// Keep a warm standby runtime for recoveries and rotations.
    pub standby: bool,
    /// Cache compiled PHP scripts in each instance's memory (the profile says how much).
    pub opcache: bool,
    /// Name of the site's save in the browser's storage (OPFS): restored at
    /// boot, saved after requests. Empty: no save (the site lives in the worker only).
    pub store: String,
    /// A blueprint (src/blueprint.rs) run on a fresh site once it booted;
    /// not run when a save was restored.
    pub blueprint: Option<serde_json::Value>,
    /// Run the application's scheduled tasks after this many seconds without
    /// a request, one bounded slice at a time (0 = never).
    pub cron_idle_seconds: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: "moodle".into(),
            site_url: "http://localhost/site".into(),
            bundle_url: String::new(),
            debug: false,
            php_ini: BTreeMap::new(),
            max_restarts: 5,
            restart_period_seconds: 60.0,
            rotate_after_requests: 400,
            rotate_above_memory_mib: 1024,
            checkpoint: "incremental".into(),
            standby: true,
            opcache: true,
            store: String::new(),
            blueprint: None,
            cron_idle_seconds: 60.0,
        }
    }
}

/// The parts of an HTTP request that are plain data (the body travels beside it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestHead {
    /// The body is read by the wasm shell itself (src/inbound.rs), as bytes;
    /// named here only so that it is not an unknown field.
    #[serde(default)]
    pub body: Option<serde::de::IgnoredAny>,
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A request as the worker serves it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    /// Header names are lower-case.
    pub headers: BTreeMap<String, String>,
    pub body: Body,
}

impl HttpRequest {
    pub fn from_head(head: RequestHead, body: Body) -> Result<Self, ProtocolError> {
        let method = head.method.trim().to_ascii_uppercase();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ProtocolError(format!("request.method {:?} is not an HTTP method", head.method)));
        }
        if head.url.is_empty() {
            return Err(ProtocolError("request.url is empty".into()));
        }
        let headers = head.headers.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
        Ok(HttpRequest { method, url: head.url, headers, body })
    }

    pub fn get(url: &str) -> Self {
        HttpRequest { method: "GET".into(), url: url.into(), ..Default::default() }
    }
}

/// A response as the worker returns it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpResponse {
    pub status: u16,
    /// Lower-case header names; a header may repeat (Set-Cookie).
    pub headers: Headers,
    pub body: Body,
}

impl HttpResponse {
    /// The first value of a header (`name` lower-case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.first(name)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body.to_vec()).into_owned()
    }

    /// A small HTML page that explains a problem in words.
    pub fn explain(status: u16, title: &str, paragraphs: &[&str]) -> Self {
        let mut html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>",
            t = escape_html(title)
        );
        for paragraph in paragraphs {
            html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
        }
        html.push_str("</body></html>");
        let headers = Headers::from([("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")]);
        HttpResponse { status, headers, body: html.into_bytes().into() }
    }
}

pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Something wrong with a message from the page, in words that name the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError(pub String);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes a message from any serde data source (a JS value in the browser,
/// JSON in native tests), with an error that says what was wrong.
pub fn decode<'de, D: serde::Deserializer<'de>>(message: D) -> Result<Incoming, ProtocolError>
where
    D::Error: std::fmt::Display,
{
    Incoming::deserialize(message).map_err(|e| ProtocolError(format!("malformed message: {e}")))
}

/// Stages the page sees in `progress` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Downloading,
    Instantiating,
    Bootstrapping,
    Snapshotting,
    Restoring,
    Reregistering,
    Replaying,
    /// A blueprint's steps, each named in `detail`.
    Blueprint,
    /// One slice of the application's scheduled tasks (cron), while idle.
    Cron,
}

/// A worker → page message, minus any body bytes (the shell attaches those).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
// Each message is built, posted and dropped at once; none is stored in bulk.
#[allow(clippy::large_enum_variant)]
pub enum Outgoing {
    Progress {
        stage: Stage,
        fraction: f64,
        detail: String,
    },
    #[serde(rename_all = "camelCase")]
    Ready {
        php_version: String,
        boot_ms: f64,
        restart: bool,
        /// The save the site was restored from at boot, if any.
        restored: Option<SaveSummary>,
        /// What became of the blueprint, if one was given.
        blueprint: Option<BlueprintReport>,
    },
    HttpResponse {
        id: u32,
        response: ResponseHead,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        message: String,
    },
    Crash {
        kind: String,
        message: String,
        method: String,
        url: String,
    },
    #[serde(rename_all = "camelCase")]
    Recovered {
        ms: f64,
        restored_files: u32,
        restored_bytes: u64,
        replayed: bool,
        /// `snapshot`, `checkpoint` or `fresh-install`.
        data_source: String,
        /// What the user lost, in words; `null` when nothing.
        data_loss: Option<String>,
    },
    Failed {
        reason: String,
    },
    Rotating {
        reason: String,
    },
    Rotated {
        ms: f64,
    },
    Trace {
        message: String,
    },
    /// Counters for the page's status panel, sent after every job.
    #[serde(rename_all = "camelCase")]
    Status {
        state: String,
        reason: Option<String>,
        php_version: String,
        requests_served: u64,
        crash_restarts: u64,
        rotations: u64,
        /// `None` when rotation by request count is off.
        requests_until_rotation: Option<u64>,
        /// PHP's linear memory now, and the rotation threshold (0 = off).
        memory_bytes: u64,
        rotate_above_memory_bytes: u64,
        last_recovery_ms: Option<f64>,
        snapshot_files: u32,
        snapshot_bytes: u64,
        tracked_plugins: Vec<String>,
        /// The warm standby: `off`, `preparing`, `ready` or `unavailable`.
        standby: String,
        /// What keeping the standby costs: its PHP linear memory.
        standby_memory_bytes: u64,
        /// The opcode cache each PHP instance may fill, MiB; 0 = off (`opcache: false`).
        opcache_megabytes: u32,
        /// The site's save: `off`, `unsaved`, `saving` (due or being written),
        /// `saved` (every request served so far is in the save that landed),
        /// or `failing` / `refused` (see `store_error`).
        store: String,
        last_save: Option<SaveSummary>,
        /// How long the last save kept the worker from its next job (planning
        /// it and handing it to the page, which writes it), in ms.
        last_save_ms: Option<f64>,
        /// How long the page took to write the last save that landed, in ms.
        last_save_write_ms: Option<f64>,
        store_error: Option<String>,
        /// The application's cron while idle (`None`: off).
        cron: Option<CronSummary>,
    },
}

/// What the idle cron did: when it last ran (wall clock), the tasks its last
/// slice ran, tasks still due, slices so far, the longest slice (the most a
/// request can wait for one: PHP holds the worker while it runs), the last failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronSummary {
    pub last_run_at_ms: Option<f64>,
    pub last_did: Vec<String>,
    pub pending: u32,
    pub slices: u64,
    pub longest_slice_ms: f64,
    pub error: Option<String>,
}

/// What became of a blueprint: `done` (every step ran), `failed` (it stopped
/// at `failedStep`, saying why in `error`: the steps after it did not run and
/// the site is not saved), `refused` (it was not valid: nothing ran), or
/// `not-run` (a save was restored: its results are already in it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlueprintReport {
    pub state: String,
    pub title: String,
    pub steps: u32,
    pub steps_run: u32,
    pub failed_step: Option<String>,
    pub error: Option<String>,
    /// Where the page goes once the site is ready.
    pub landing_page: Option<String>,
    pub ms: f64,
}

/// One save of the site, as the page shows it ("saved at 14:02 after request #37").
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveSummary {
    pub saved_at_ms: f64,
    pub request: u64,
    pub bytes: u64,
    pub files: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseHead {
    pub status: u16,
    pub status_text: String,
    pub headers: BTreeMap<String, Vec<String>>,
}

impl ResponseHead {
    pub fn of(response: &HttpResponse) -> Self {
        ResponseHead {
            status: response.status,
            status_text: status_text(response.status).into(),
            headers: response.headers.to_map(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode_json(value: serde_json::Value) -> Result<Incoming, ProtocolError> {
        decode(value)
    }

    #[test]
    fn decodes_an_http_request() {
        let message = decode_json(json!({
            "type": "http-request", "id": 7,
            "request": {"method": "POST", "url": "/site/course/edit.php", "headers": {"Content-Type": "text/plain"}}
        }))
        .unwrap();
        let Incoming::HttpRequest { id, request } = message else { panic!("wrong kind") };
        assert_eq!(id, 7);
        let request = HttpRequest::from_head(request, b"x".to_vec().into()).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.headers.get("content-type").map(String::as_str), Some("text/plain"));
        assert_eq!(request.body.to_vec(), b"x");
    }

    #[test]
    fn decodes_configure_with_defaults() {
        let message = decode_json(json!({"type": "configure", "config": {"debug": true}})).unwrap();
        let Incoming::Configure { config } = message else { panic!("wrong kind") };
        assert!(config.debug);
        assert_eq!(config.profile, "moodle");
    }

    #[test]
    fn names_what_is_wrong_with_malformed_messages() {
        let missing_id = decode_json(json!({"type": "http-request", "request": {"method": "GET", "url": "/"}}));
        assert!(missing_id.unwrap_err().0.contains("missing field `id`"));

        let wrong_type =
            decode_json(json!({"type": "http-request", "id": "seven", "request": {"method": "GET", "url": "/"}}));
        assert!(wrong_type.unwrap_err().0.contains("invalid type"));

        let unknown = decode_json(json!({"type": "launch-rockets"}));
        assert!(unknown.unwrap_err().0.contains("unknown variant `launch-rockets`"));

        let no_kind = decode_json(json!({"id": 1}));
        assert!(no_kind.unwrap_err().0.contains("missing field `type`"));

        let unknown_option = decode_json(json!({"type": "configure", "config": {"rotateAftr": 3}}));
        assert!(unknown_option.unwrap_err().0.contains("rotateAftr"));

        let extra = decode_json(json!({"type": "restart", "now": true}));
        assert!(extra.unwrap_err().0.contains("unknown field `now`"));
        let extra = decode_json(
            json!({"type": "http-request", "id": 1, "request": {"method": "GET", "url": "/", "verb": "x"}}),
        );
        assert!(extra.unwrap_err().0.contains("unknown field `verb`"));
        let with_body = decode_json(
            json!({"type": "http-request", "id": 1, "request": {"method": "GET", "url": "/", "body": null}}),
        );
        assert!(with_body.is_ok(), "{with_body:?}");
    }

    #[test]
    fn rejects_requests_that_cannot_be_served() {
        let head = RequestHead { method: "G E T".into(), url: "/".into(), headers: BTreeMap::new(), body: None };
        assert!(HttpRequest::from_head(head, Body::empty()).is_err());
        let head = RequestHead { method: "GET".into(), url: "".into(), headers: BTreeMap::new(), body: None };
        assert!(HttpRequest::from_head(head, Body::empty()).unwrap_err().0.contains("url"));
    }

    #[test]
    fn outgoing_messages_have_the_documented_shape() {
        let ready = serde_json::to_value(Outgoing::Ready {
            php_version: "8.3.33".into(),
            boot_ms: 12.0,
            restart: false,
            restored: None,
            blueprint: None,
        })
        .unwrap();
        assert_eq!(
            ready,
            json!({"type": "ready", "phpVersion": "8.3.33", "bootMs": 12.0, "restart": false, "restored": null, "blueprint": null})
        );
        let error = serde_json::to_value(Outgoing::Error { id: None, message: "m".into() }).unwrap();
        assert_eq!(error, json!({"type": "error", "message": "m"}));
        // src/worker.rs builds this one by hand on the hot path (the body is added as an ArrayBuffer).
        let headers = Headers::from([("set-cookie", "a=1"), ("set-cookie", "b=2")]);
        let response = HttpResponse { status: 303, headers, body: Body::empty() };
        let message =
            serde_json::to_value(Outgoing::HttpResponse { id: 4, response: ResponseHead::of(&response) }).unwrap();
        assert_eq!(
            message,
            json!({"type": "http-response", "id": 4,
                   "response": {"status": 303, "statusText": "See Other", "headers": {"set-cookie": ["a=1", "b=2"]}}})
        );
    }

    /// `www/protocol.js` is the JS twin of the kind lists; they must not drift.
    #[test]
    fn js_twin_lists_the_same_kinds() {
        let js = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/protocol.js")).unwrap();
        for kind in INCOMING_KINDS.iter().chain(OUTGOING_KINDS) {
            assert!(js.contains(&format!("'{kind}'")), "www/protocol.js does not list '{kind}'");
        }
        let listed = js.matches(": '").count();
        assert_eq!(
            listed,
            INCOMING_KINDS.len() + OUTGOING_KINDS.len(),
            "www/protocol.js lists kinds Rust does not know"
        );
        let format = crate::site_store::FORMAT;
        assert!(js.contains(&format!("SAVE_FORMAT = {format};")), "www/protocol.js's SAVE_FORMAT is not {format}");
        let chunk = crate::site_store::CHUNK;
        assert!(
            js.contains(&format!("SAVE_CHUNK_BYTES = {chunk};")),
            "www/protocol.js's SAVE_CHUNK_BYTES is not {chunk}"
        );
    }
}
