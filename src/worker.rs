//! The wasm shell: the message loop of the Web Worker. It decodes what the
//! page sends, queues it, lets the supervisor serve it one job at a time, and
//! posts replies and events back (bodies as transferred ArrayBuffers).

use crate::php::host::{HostFactory, JsPhpHost};
use crate::protocol::{self, Incoming, Outgoing, ProtocolError};
use crate::queue::{Job, JobQueue};
use crate::supervisor::{State, Supervisor};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Requests between two status messages when nothing else happened.
const STATUS_EVERY_REQUESTS: u64 = 10;

/// The worker's state, shared by the message handler and the serving loop.
struct Shared {
    host: JsPhpHost,
    post: js_sys::Function,
    queue: RefCell<JobQueue>,
    /// `None` until the page configures the worker. Taken out while a job runs.
    supervisor: RefCell<Option<Supervisor<HostFactory>>>,
    configured: Cell<bool>,
    debug: Cell<bool>,
    draining: Cell<bool>,
}

/// One worker: feed it the page's messages with `receive`.
#[wasm_bindgen]
pub struct WorkerApp {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl WorkerApp {
    /// `host` is `createPhpHost()` from www/php-host.js; `post(message, transfer)` delivers to the page.
    #[wasm_bindgen(constructor)]
    pub fn new(host: JsValue, post: js_sys::Function) -> WorkerApp {
        console_error_panic_hook::set_once();
        WorkerApp {
            shared: Rc::new(Shared {
                host: host.unchecked_into(),
                post,
                queue: RefCell::new(JobQueue::default()),
                supervisor: RefCell::new(None),
                configured: Cell::new(false),
                debug: Cell::new(false),
                draining: Cell::new(false),
            }),
        }
    }

    /// Accepts one message from the page. Never throws: a malformed message
    /// gets an `error` reply and the worker keeps serving.
    pub fn receive(&self, message: JsValue) {
        match decode_job(&message) {
            Ok(job) => {
                self.shared.queue.borrow_mut().push(job);
                kick(&self.shared);
            }
            Err(error) => {
                let id = Reflect::get(&message, &"id".into()).ok().and_then(|v| v.as_f64()).map(|v| v as u32);
                post(&self.shared, &Outgoing::Error { id, message: error.0 });
            }
        }
    }

    /// Requests waiting to be served (for tests and the status panel).
    #[wasm_bindgen(js_name = queueLength)]
    pub fn queue_length(&self) -> usize {
        self.shared.queue.borrow().len()
    }
}

/// The worker entry used by www/worker.js: installs the panic hook and the
/// message loop on the dedicated worker's global scope.
#[wasm_bindgen(js_name = startWorker)]
pub fn start_worker(host: JsValue) -> WorkerApp {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post_message = Reflect::get(&scope, &"postMessage".into()).expect("postMessage exists in a worker");
    let post: js_sys::Function = post_message.unchecked_into::<js_sys::Function>().bind0(&scope);
    let app = WorkerApp::new(host, post);
    let receiver = WorkerApp { shared: app.shared.clone() };
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        receiver.receive(event.data())
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    app
}

fn decode_job(message: &JsValue) -> Result<Job, ProtocolError> {
    if !message.is_object() {
        return Err(ProtocolError("malformed message: expected an object with a `type` field".into()));
    }
    if let Some(job) = decode_request_fast(message) {
        return Ok(job);
    }
    match protocol::decode(serde_wasm_bindgen::Deserializer::from(message.clone()))? {
        Incoming::Configure { config } => Ok(Job::Configure(config)),
        Incoming::HttpRequest { id, request } => {
            let js_request = Reflect::get(message, &"request".into()).unwrap_or(JsValue::UNDEFINED);
            let body = body_bytes(&Reflect::get(&js_request, &"body".into()).unwrap_or(JsValue::UNDEFINED))
                .map_err(|e| ProtocolError(format!("request {id}: {}", e.0)))?;
            let request = protocol::HttpRequest::from_head(request, body)
                .map_err(|e| ProtocolError(format!("request {id}: {}", e.0)))?;
            Ok(Job::Request { id, request })
        }
        Incoming::InjectFault { fault } => Ok(Job::InjectFault(fault)),
        Incoming::Restart {} => Ok(Job::Restart),
    }
}

/// The hot path: a well-formed `http-request`, read field by field (no
/// generic buffering of the whole message). Anything unusual returns `None`
/// and goes through `protocol::decode`, which names what is wrong.
fn decode_request_fast(message: &JsValue) -> Option<Job> {
    let field = |target: &JsValue, name: &str| Reflect::get(target, &JsValue::from_str(name)).ok();
    if field(message, "type")?.as_string()? != "http-request" {
        return None;
    }
    let id = field(message, "id")?.as_f64()?;
    if id.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&id) {
        return None;
    }
    let request = field(message, "request")?;
    let js_headers = field(&request, "headers")?;
    let mut headers = std::collections::BTreeMap::new();
    if !js_headers.is_undefined() {
        let entries = js_sys::Object::entries(js_headers.dyn_ref::<js_sys::Object>()?);
        for entry in entries.iter() {
            let pair: Array = entry.unchecked_into();
            headers.insert(pair.get(0).as_string()?, pair.get(1).as_string()?);
        }
    }
    let head = protocol::RequestHead {
        method: field(&request, "method")?.as_string()?,
        url: field(&request, "url")?.as_string()?,
        headers,
    };
    let body = body_bytes(&field(&request, "body")?).ok()?;
    let request = protocol::HttpRequest::from_head(head, body).ok()?;
    Some(Job::Request { id: id as u32, request })
}

fn body_bytes(body: &JsValue) -> Result<Vec<u8>, ProtocolError> {
    if body.is_undefined() || body.is_null() {
        return Ok(Vec::new());
    }
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(buffer) = body.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if ArrayBuffer::is_view(body) {
        let buffer = Reflect::get(body, &"buffer".into()).unwrap_or(JsValue::UNDEFINED);
        let offset = Reflect::get(body, &"byteOffset".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let length = Reflect::get(body, &"byteLength".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32).to_vec());
    }
    Err(ProtocolError("request.body must be an ArrayBuffer, a typed array, a string or null".into()))
}

fn kick(shared: &Rc<Shared>) {
    if shared.draining.get() {
        return;
    }
    shared.draining.set(true);
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let next = shared.queue.borrow_mut().next(shared.configured.get());
            let Some(job) = next else { break };
            run_job(&shared, job).await;
        }
        shared.draining.set(false);
    });
}

async fn run_job(shared: &Rc<Shared>, job: Job) {
    // Counts what the job told the page, to decide whether a status is due.
    let told = Cell::new(0u32);
    let mut events = |event: Outgoing| {
        told.set(told.get() + 1);
        post(shared, &event)
    };
    let is_request = matches!(job, Job::Request { .. });
    if let Job::Configure(config) = job {
        return configure(shared, config, &mut events).await;
    }
    // Configured: the supervisor is taken out while the job runs.
    let mut supervisor = shared.supervisor.borrow_mut().take().expect("jobs other than configure run once configured");
    let was_failed = matches!(supervisor.state(), State::Failed { .. });
    match job {
        Job::Configure(_) => unreachable!("handled above"),
        Job::Request { id, request } => {
            let response = supervisor.serve(request, &mut events).await;
            post_response(shared, id, &response);
        }
        Job::InjectFault(kind) if !shared.debug.get() => events(Outgoing::Error {
            id: None,
            message: format!(
                "inject-fault {kind:?} refused: it is honoured only when the worker is configured with debug: true"
            ),
        }),
        Job::InjectFault(kind) => {
            if let Err(message) = supervisor.inject_fault(&kind) {
                events(Outgoing::Error { id: None, message });
            }
        }
        Job::Restart => {
            if let Err(reason) = supervisor.restart(&mut events).await {
                events(Outgoing::Error { id: None, message: format!("restart failed: {reason}") });
            }
        }
    }
    if let (false, State::Failed { reason }) = (was_failed, supervisor.state()) {
        events(Outgoing::Failed { reason: reason.clone() });
    }
    // A plain request changes only counters: report those every few requests,
    // so the status panel stays live without a second message per request.
    let counters_due = supervisor.stats().requests_served.is_multiple_of(STATUS_EVERY_REQUESTS);
    if !is_request || told.get() > 0 || counters_due {
        events(supervisor.status());
    }
    *shared.supervisor.borrow_mut() = Some(supervisor);
}

async fn configure(shared: &Rc<Shared>, config: crate::protocol::Config, events: &mut dyn FnMut(Outgoing)) {
    if shared.configured.get() {
        return events(Outgoing::Error {
            id: None,
            message: "the worker is already configured; configure is accepted once".into(),
        });
    }
    shared.debug.set(config.debug);
    match Supervisor::new(HostFactory::new(shared.host.clone()), config) {
        Ok(mut supervisor) => {
            if let Err(reason) = supervisor.start(events).await {
                events(Outgoing::Failed { reason });
            }
            events(supervisor.status());
            *shared.supervisor.borrow_mut() = Some(supervisor);
            shared.configured.set(true);
        }
        Err(message) => events(Outgoing::Error { id: None, message }),
    }
}

/// Posts an `http-response`, built field by field (the per-request hot path;
/// the shape of `Outgoing::HttpResponse` in src/protocol.rs, pinned there by a
/// native test; tests/browser.rs reads it from the real worker).
fn post_response(shared: &Shared, id: u32, response: &protocol::HttpResponse) {
    let set = |target: &js_sys::Object, key: &str, value: &JsValue| {
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    };
    let headers = js_sys::Object::new();
    for (name, values) in &response.headers {
        set(&headers, name, &values.iter().map(|v| JsValue::from_str(v)).collect::<Array>());
    }
    let body = Uint8Array::from(response.body.as_slice()).buffer();
    let head = js_sys::Object::new();
    set(&head, "status", &JsValue::from(response.status));
    set(&head, "statusText", &JsValue::from_str(protocol::status_text(response.status)));
    set(&head, "headers", &headers);
    set(&head, "body", &body);
    let message = js_sys::Object::new();
    set(&message, "type", &JsValue::from_str("http-response"));
    set(&message, "id", &JsValue::from(id));
    set(&message, "response", &head);
    if let Err(error) = shared.post.call2(&JsValue::NULL, &message, &Array::of1(&body)) {
        web_sys::console::error_2(&"could not post a response to the page".into(), &error);
    }
}

/// Posts one event or error to the page.
fn post(shared: &Shared, message: &Outgoing) {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let value = match message.serialize(&serializer) {
        Ok(value) => value,
        Err(error) => JsValue::from_str(&format!("could not encode a message: {error}")),
    };
    if let Err(error) = shared.post.call1(&JsValue::NULL, &value) {
        web_sys::console::error_2(&"could not post a message to the page".into(), &error);
    }
}
