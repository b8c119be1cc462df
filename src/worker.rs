//! The wasm shell: the message loop of the Web Worker. It decodes what the
//! page sends, queues it, lets the supervisor serve it one job at a time, and
//! posts replies and events back (bodies as transferred ArrayBuffers).

use crate::php::host::{HostFactory, JsPhpHost};
use crate::protocol::{self, Incoming, Outgoing, ProtocolError, ResponseHead};
use crate::queue::{Job, JobQueue};
use crate::supervisor::{State, Supervisor};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
                post(&self.shared, &Outgoing::Error { id, message: error.0 }, None);
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
    let mut events = |event: Outgoing| post(shared, &event, None);
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
            let body = Uint8Array::from(response.body.as_slice()).buffer();
            post(shared, &Outgoing::HttpResponse { id, response: ResponseHead::of(&response) }, Some(body));
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
    events(supervisor.status());
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

/// Posts one message; `body` (if any) becomes `response.body` and is transferred.
fn post(shared: &Shared, message: &Outgoing, body: Option<ArrayBuffer>) {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let value = match message.serialize(&serializer) {
        Ok(value) => value,
        Err(error) => JsValue::from_str(&format!("could not encode a message: {error}")),
    };
    let transfer = Array::new();
    if let Some(body) = body {
        let response = Reflect::get(&value, &"response".into()).unwrap_or(JsValue::UNDEFINED);
        let _ = Reflect::set(&response, &"body".into(), &body);
        transfer.push(&body);
    }
    if let Err(error) = shared.post.call2(&JsValue::NULL, &value, &transfer) {
        web_sys::console::error_2(&"could not post a message to the page".into(), &error);
    }
}
