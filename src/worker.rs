//! The wasm shell: the message loop of the Web Worker. It decodes what the
//! page sends, starts a request at once when the worker is idle (the fast
//! lane), else queues it and lets the supervisor serve it one job at a time,
//! and posts replies and events back (bodies as transferred ArrayBuffers).

use crate::inbound;
use crate::php::host::{monotonic_ms, php_error, set, HostFactory, HostRuntime, JsPhpHost};
use crate::protocol::{self, HttpRequest, Outgoing};
use crate::queue::{Job, JobQueue};
use crate::site_store::LoadedSave;
use crate::supervisor::{Concluded, SavedSite, State, Supervisor};
use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Plain requests change only counters: their status goes at most once per
/// this many ms (a status per request would cost each a second message), the
/// last counters of a burst at most this long after it.
const COUNTERS_EVERY_MS: f64 = 250.0;

/// How long the worker waits after its last job before it spends idle time
/// on the warm standby, so that a burst of requests is not interleaved with
/// standby steps.
const IDLE_BEFORE_STANDBY_MS: f64 = 300.0;

/// The worker's state, shared by the message handler and the serving loop.
struct Shared {
    host: JsPhpHost,
    /// `createSiteStore()` of www/store/site-store.js, to read the save at boot
    /// (undefined: none is read). The page writes the saves (`save` messages).
    store: JsValue,
    post: js_sys::Function,
    queue: RefCell<JobQueue>,
    /// `None` until the page configures the worker. Taken out while a job runs.
    supervisor: RefCell<Option<Supervisor<HostFactory>>>,
    configured: Cell<bool>,
    debug: Cell<bool>,
    /// Set while the serving loop runs, or while a request the fast lane
    /// started is in flight: either way, whatever comes waits in the queue.
    draining: Cell<bool>,
    /// The request the fast lane started, while PHP serves it.
    in_flight: RefCell<Option<InFlight>>,
    /// The number the fast lane gave its last request.
    last_started: Cell<u32>,
    fast_lane: FastLaneCallbacks,
    object_prototype: inbound::ObjectPrototype,
    /// Ends the serving loop's idle pause early: set while it pauses.
    wake: RefCell<Option<js_sys::Function>>,
    /// When the pending timer that brings the serving loop back fires (for
    /// the standby's idle work or for cron), if one is pending.
    timer_due_ms: Cell<Option<f64>>,
    /// When the last job ended (monotonic ms).
    last_job_end_ms: Cell<f64>,
    /// When the last status was posted (monotonic ms).
    last_status_ms: Cell<f64>,
    /// Counters changed since the last status (plain requests only).
    counters_unsent: Cell<bool>,
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
        WorkerApp::with_store(host, post, JsValue::UNDEFINED)
    }

    /// As `new`, with the site store the save is read from at boot.
    #[wasm_bindgen(js_name = withStore)]
    pub fn with_store(host: JsValue, post: js_sys::Function, store: JsValue) -> WorkerApp {
        // Tests build the app directly; the worker entry sets its own hook first.
        console_error_panic_hook::set_once();
        WorkerApp {
            shared: Rc::new_cyclic(|shared| Shared {
                host: host.unchecked_into(),
                store,
                post,
                queue: RefCell::new(JobQueue::default()),
                supervisor: RefCell::new(None),
                configured: Cell::new(false),
                debug: Cell::new(false),
                draining: Cell::new(false),
                in_flight: RefCell::new(None),
                last_started: Cell::new(0),
                fast_lane: FastLaneCallbacks::new(shared.clone()),
                object_prototype: inbound::ObjectPrototype::new(),
                wake: RefCell::new(None),
                timer_due_ms: Cell::new(None),
                last_job_end_ms: Cell::new(0.0),
                last_status_ms: Cell::new(0.0),
                counters_unsent: Cell::new(false),
            }),
        }
    }

    /// Accepts one message from the page. A malformed message gets an
    /// `error` reply and the worker keeps serving. Every message is checked
    /// to be plain, bounded data before it is decoded (src/inbound.rs), and
    /// every call into JS on the way catches what JS throws, so no JS
    /// exception unwinds through these Rust frames.
    pub fn receive(&self, message: JsValue) {
        match inbound::decode_job(&message, &self.shared.object_prototype) {
            Ok(job) => {
                let job = match job {
                    Job::Request { id, request } => match start_now(&self.shared, id, request) {
                        Ok(()) => return,
                        Err(request) => Job::Request { id, request },
                    },
                    job => job,
                };
                self.shared.queue.borrow_mut().push(job);
                if let Some(wake) = self.shared.wake.borrow_mut().take() {
                    let _ = wake.call0(&JsValue::NULL);
                }
                kick(&self.shared);
            }
            Err(error) => {
                post(&self.shared, &Outgoing::Error { id: inbound::message_id(&message), message: error.0 });
            }
        }
    }

    /// Requests waiting to be served (for tests and the status panel).
    #[wasm_bindgen(js_name = queueLength)]
    pub fn queue_length(&self) -> usize {
        self.shared.queue.borrow().len()
    }

    /// Nothing running, in flight or waiting: the next request goes straight
    /// to PHP (the fast lane). For tests, which choose the lane a request takes.
    #[wasm_bindgen(js_name = isIdle)]
    pub fn is_idle(&self) -> bool {
        !self.shared.draining.get() && self.shared.queue.borrow().is_empty()
    }
}

/// The worker entry used by www/worker.js, which feeds it messages (and
/// stops feeding it if it ever throws). `on_fatal(reason)` is called if the
/// Rust code panics: a panicked wasm module is never trusted again, and the
/// page must be told instead of waiting for answers that will not come.
#[wasm_bindgen(js_name = startWorker)]
pub fn start_worker(host: JsValue, on_fatal: js_sys::Function, store: JsValue) -> WorkerApp {
    std::panic::set_hook(Box::new(move |info| {
        console_error_panic_hook::hook(info);
        let _ = on_fatal.call1(&JsValue::NULL, &JsValue::from_str(&format!("the worker's Rust code panicked: {info}")));
    }));
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post_message = Reflect::get(&scope, &"postMessage".into()).expect("postMessage exists in a worker");
    let post: js_sys::Function = post_message.unchecked_into::<js_sys::Function>().bind0(&scope);
    WorkerApp::with_store(host, post, store)
}

/// A request the fast lane started, while PHP serves it.
struct InFlight {
    seq: u32,
    id: u32,
    request: HttpRequest,
}

/// The fast lane's two callbacks (`whenSettled`, src/wire.rs), made once per
/// worker: a closure made per request would cost a JS function and a
/// finalizer registration each time.
struct FastLaneCallbacks {
    on_answer: Closure<dyn FnMut(u32, JsValue)>,
    on_failure: Closure<dyn FnMut(u32, JsValue)>,
}

impl FastLaneCallbacks {
    fn new(shared: Weak<Shared>) -> Self {
        let callback = |answered: bool| {
            let shared = shared.clone();
            Closure::new(move |seq: u32, value: JsValue| {
                if let Some(shared) = shared.upgrade() {
                    finish_started(&shared, seq, if answered { Ok(value) } else { Err(value) });
                }
            })
        };
        FastLaneCallbacks { on_answer: callback(true), on_failure: callback(false) }
    }
}

/// The fast lane: a request that comes while the worker is idle starts on
/// PHP in this same turn, and PHP's answer comes back through one callback
/// (`finish_started`): no task, queue or future between the page's message
/// and PHP, nor between PHP's answer and the page (figure 3 of the bench).
/// The supervisor still decides (`ready_to_start`, `conclude`); whatever must
/// come first (a job queued earlier, a save to hand over, a rotation, a
/// quarantine) sends the request down the serving loop instead.
fn start_now(shared: &Rc<Shared>, id: u32, request: HttpRequest) -> Result<(), HttpRequest> {
    if shared.draining.get() || !shared.configured.get() || !shared.queue.borrow().is_empty() {
        return Err(request);
    }
    let supervisor = shared.supervisor.borrow();
    let Some(supervisor) = supervisor.as_ref() else { return Err(request) };
    if supervisor.wants_save() || supervisor.waits_for_landing() {
        return Err(request);
    }
    let request = supervisor.ready_to_start(request)?;
    let Some(runtime) = supervisor.runtime() else { return Err(request) };
    let seq = shared.last_started.get().wrapping_add(1);
    shared.last_started.set(seq);
    // A start that threw is a failure like a rejected answer: it comes back the same way.
    let answer = runtime.start(&request).unwrap_or_else(|error| js_sys::Promise::reject(&error));
    let callbacks = &shared.fast_lane;
    crate::wire::when_settled(&answer, seq, callbacks.on_answer.as_ref(), callbacks.on_failure.as_ref());
    shared.draining.set(true);
    *shared.in_flight.borrow_mut() = Some(InFlight { seq, id, request });
    Ok(())
}

/// PHP settled the request the fast lane started: the answer is posted, then
/// the bookkeeping runs, as for a request the serving loop served; a crash
/// is recovered from on the serving loop's terms (a task, as any job).
fn finish_started(shared: &Rc<Shared>, seq: u32, outcome: Result<JsValue, JsValue>) {
    // Only the request in flight is finished here (a settled promise reports once).
    let finished = shared.in_flight.borrow_mut().take_if(|in_flight| in_flight.seq == seq);
    let Some(InFlight { id, request, .. }) = finished else { return };
    let outcome = outcome.map(HostRuntime::answer).map_err(|error| php_error(&error));
    let mut supervisor =
        shared.supervisor.borrow_mut().take().expect("the supervisor stays in place while its request is in flight");
    match supervisor.conclude(&request, outcome) {
        Concluded::Answer(response) => answer_started(shared, supervisor, id, response, &Cell::new(0)),
        Concluded::Crashed(crash) => {
            let shared = shared.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // The recovery's events count: a job that told the page something ends with a status.
                let told = Cell::new(0u32);
                let response = supervisor.recover_from(&request, crash, &mut counting_events(&shared, &told)).await;
                answer_started(&shared, supervisor, id, response, &told);
            });
        }
    }
}

/// Posts the answer to a request the fast lane started, settles it, ends
/// the job (`told`: what it told the page so far) and lets the serving loop
/// look at what waits.
fn answer_started(
    shared: &Rc<Shared>,
    mut supervisor: Supervisor<HostFactory>,
    id: u32,
    response: protocol::HttpResponse,
    told: &Cell<u32>,
) {
    let mut events = counting_events(shared, told);
    post_response(shared, id, response);
    supervisor.settle(&mut events);
    end_job(shared, supervisor, false, true, told, &mut events);
    shared.draining.set(false);
    kick(shared);
}

fn kick(shared: &Rc<Shared>) {
    if shared.draining.get() {
        return;
    }
    shared.draining.set(true);
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        // When the job just run ended: the idle checks below use it rather than
        // read the clock again (each read is a call into JS).
        let mut clock_after_job: Option<f64> = None;
        loop {
            // The save of what the last job changed is handed to the page
            // before the next job starts: a request that then hangs can lose
            // only its own writes.
            if save_due(&shared) {
                run_save(&shared);
                continue;
            }
            if waits_for_landing(&shared) {
                // Only word of the save goes first; it comes as a message.
                let landed = shared.queue.borrow_mut().take_save_landed();
                match landed {
                    Some(job) => run_job(&shared, job).await,
                    None => break,
                }
                continue;
            }
            let next = shared.queue.borrow_mut().next(shared.configured.get());
            if let Some(job) = next {
                run_job(&shared, job).await;
                clock_after_job = Some(shared.last_job_end_ms.get());
                continue;
            }
            let now = clock_after_job.take().unwrap_or_else(monotonic_ms);
            // The counters a burst left go when their time comes (a timer
            // brings the loop back for them if nothing else does).
            if shared.counters_unsent.get() {
                let wait_ms = COUNTERS_EVERY_MS - (now - shared.last_status_ms.get());
                if wait_ms <= 0.0 {
                    post_status(&shared);
                } else {
                    arm_wake_timer(&shared, wait_ms);
                }
            }
            if standby_work_due(&shared) {
                // Idle: one standby step at a time, once the worker has been
                // quiet a while. Not yet: one pending timer (never one per
                // job: the per-request path) comes back for it.
                let quiet_ms = now - shared.last_job_end_ms.get();
                if quiet_ms < IDLE_BEFORE_STANDBY_MS {
                    arm_wake_timer(&shared, IDLE_BEFORE_STANDBY_MS - quiet_ms);
                    break;
                }
                if let_messages_in(&shared).await {
                    run_standby_step(&shared).await;
                }
                continue;
            }
            // Idle with a spare ready: the application's cron when it is due.
            let Some(due_ms) = cron_due_in_ms(&shared) else { break };
            if due_ms > 0.0 {
                arm_wake_timer(&shared, due_ms);
                break;
            }
            if let_messages_in(&shared).await {
                run_cron_slice(&shared).await;
            }
        }
        shared.draining.set(false);
    });
}

fn save_due(shared: &Shared) -> bool {
    shared.supervisor.borrow().as_ref().is_some_and(|supervisor| supervisor.wants_save())
}

fn waits_for_landing(shared: &Shared) -> bool {
    shared.supervisor.borrow().as_ref().is_some_and(|supervisor| supervisor.waits_for_landing())
}

/// Plans a save (from the healthy runtime, between requests) and hands it to
/// the page, which writes it (`save-landed` comes back). The page outlives
/// this worker: a save handed over lands even if the next request hangs and
/// the worker is replaced, so the worker need not wait for the disk.
fn run_save(shared: &Rc<Shared>) {
    let Some(mut supervisor) = shared.supervisor.borrow_mut().take() else { return };
    let started = monotonic_ms();
    match supervisor.plan_save() {
        Ok(Some(plan)) => {
            supervisor.save_handed(monotonic_ms() - started);
            if let Err(error) = post_save(shared, &supervisor.store_key(), &plan) {
                supervisor.save_landed(
                    plan.manifest.seq,
                    Err(format!("could not hand the save to the page: {error}")),
                    0.0,
                );
            }
            post(shared, &supervisor.status());
        }
        Ok(None) => {}
        Err(reason) => post(shared, &Outgoing::Trace { message: reason }),
    }
    *shared.supervisor.borrow_mut() = Some(supervisor);
}

/// Posts a `save` for the page to write, its chunks' buffers transferred.
fn post_save(shared: &Shared, site: &str, plan: &crate::site_store::SavePlan) -> Result<(), String> {
    let transfer = Array::new();
    let chunks: Array = plan
        .new_chunks
        .iter()
        .map(|(hash, bytes)| {
            let buffer = Uint8Array::from(bytes.as_slice()).buffer();
            transfer.push(&buffer);
            Array::of2(&JsValue::from_str(hash), &buffer)
        })
        .collect();
    let message = js_sys::Object::new();
    set(&message, "type", &JsValue::from_str("save"));
    set(&message, "site", &JsValue::from_str(site));
    set(&message, "seq", &JsValue::from_f64(plan.manifest.seq as f64));
    set(&message, "manifestJson", &JsValue::from_str(&plan.manifest_json()));
    set(&message, "chunks", &chunks);
    shared.post.call2(&JsValue::NULL, &message, &transfer).map(|_| ()).map_err(|error| js_error_text(&error))
}

/// Calls `store[method](...args)` now: the store's work starts at once.
fn start_store_call(store: &JsValue, method: &str, args: &[JsValue]) -> Result<js_sys::Promise, String> {
    let function = Reflect::get(store, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("the site store has no {method}()"))?;
    let promise = function.apply(store, &args.iter().collect::<Array>()).map_err(|e| js_error_text(&e))?;
    Ok(js_sys::Promise::resolve(&promise))
}

/// Waits for a call `start_store_call` made.
async fn finish_store_call(call: Result<js_sys::Promise, String>) -> Result<JsValue, String> {
    wasm_bindgen_futures::JsFuture::from(call?).await.map_err(|e| js_error_text(&e))
}

fn js_error_text(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// What the store holds for this site: `{ manifestJson, files: [[path, bytes]] }`
/// or null. The store's read starts now; the future only waits for it.
fn load_saved_site(shared: &Shared, config: &crate::protocol::Config) -> impl std::future::Future<Output = SavedSite> {
    let profile = crate::profile::Profile::by_name(&config.profile);
    let reading = match &profile {
        Some(_) if !config.store.is_empty() && !shared.store.is_undefined() => {
            let call = start_store_call(&shared.store, "load", &[JsValue::from_str(&config.store)]);
            // Handled later, when the boot is done: marked handled now, so a
            // failed read is not reported as an unhandled rejection meanwhile.
            if let Ok(promise) = &call {
                let noop = js_sys::Function::new_with_args("_", "");
                let catch = Reflect::get(promise, &"catch".into()).map(|f| f.unchecked_into::<js_sys::Function>());
                let _ = catch.and_then(|catch| catch.call1(promise, &noop));
            }
            Some(call)
        }
        _ => None,
    };
    async move {
        let (Some(reading), Some(profile)) = (reading, profile) else { return SavedSite::None };
        let loaded = match finish_store_call(reading).await {
            Ok(loaded) if loaded.is_null() || loaded.is_undefined() => return SavedSite::None,
            Ok(loaded) => loaded,
            Err(reason) => return SavedSite::Refused(format!("the saved site could not be read: {reason}")),
        };
        let manifest_json =
            Reflect::get(&loaded, &"manifestJson".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        let manifest = match LoadedSave::check(&manifest_json, &profile) {
            Ok(manifest) => manifest,
            Err(reason) => return SavedSite::Refused(reason),
        };
        let files = Reflect::get(&loaded, &"files".into()).map(|value| Array::from(&value)).unwrap_or_default();
        let files = files
            .iter()
            .map(|pair| {
                let pair = Array::from(&pair);
                (pair.get(0).as_string().unwrap_or_default(), Uint8Array::new(&pair.get(1)).to_vec())
            })
            .collect();
        SavedSite::Loaded(LoadedSave { manifest, files })
    }
}

/// Brings the serving loop back in `ms` to look at its idle work again,
/// unless a timer that fires no later is already pending (coming back early
/// is harmless: the loop then arms the next one).
fn arm_wake_timer(shared: &Rc<Shared>, ms: f64) {
    let due_ms = monotonic_ms() + ms;
    if shared.timer_due_ms.get().is_some_and(|pending| pending <= due_ms) {
        return;
    }
    shared.timer_due_ms.set(Some(due_ms));
    let again = shared.clone();
    let on_timeout = Closure::once_into_js(move || {
        if again.timer_due_ms.get() == Some(due_ms) {
            again.timer_due_ms.set(None);
        }
        kick(&again);
    });
    if !set_timeout(&on_timeout, ms.ceil().min(i32::MAX as f64) as i32) {
        // No timer in this scope: no idle work, rather than a busy loop.
        web_sys::console::warn_1(&"no setTimeout in this worker: no standby or cron while idle".into());
    }
}

/// `setTimeout(callback, ms)` of the worker's scope; false when it has none.
fn set_timeout(callback: &JsValue, ms: i32) -> bool {
    Reflect::get(&js_sys::global(), &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|f| f.call2(&JsValue::NULL, callback, &JsValue::from(ms)).is_ok())
}

fn cron_due_in_ms(shared: &Shared) -> Option<f64> {
    shared.supervisor.borrow().as_ref().and_then(|supervisor| supervisor.cron_due_in_ms())
}

/// One slice of the application's cron, with the supervisor taken out as for a job.
async fn run_cron_slice(shared: &Rc<Shared>) {
    let Some(mut supervisor) = shared.supervisor.borrow_mut().take() else { return };
    let mut events = |event: Outgoing| post(shared, &event);
    supervisor.run_cron_slice(&mut events).await;
    events(supervisor.status());
    *shared.supervisor.borrow_mut() = Some(supervisor);
}

fn standby_work_due(shared: &Shared) -> bool {
    shared.supervisor.borrow().as_ref().is_some_and(|supervisor| supervisor.wants_standby_work())
}

/// Lets the messages that came meanwhile in before a piece of idle work.
/// Returns false when one arrived: its job goes first.
async fn let_messages_in(shared: &Rc<Shared>) -> bool {
    let timed_out = Rc::new(Cell::new(false));
    let promise = js_sys::Promise::new(&mut |resolve: js_sys::Function, _reject| {
        *shared.wake.borrow_mut() = Some(resolve.clone());
        let flag = timed_out.clone();
        let on_timeout = Closure::once_into_js(move || {
            flag.set(true);
            let _ = resolve.call0(&JsValue::NULL);
        });
        // Every worker scope has setTimeout; without one the pause ends at once.
        if !set_timeout(&on_timeout, 0) {
            let _ = on_timeout.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    shared.wake.borrow_mut().take();
    timed_out.get() && shared.queue.borrow().is_empty()
}

/// One step of the standby's build, with the supervisor taken out as for a job.
async fn run_standby_step(shared: &Rc<Shared>) {
    let Some(mut supervisor) = shared.supervisor.borrow_mut().take() else { return };
    let mut events = |event: Outgoing| post(shared, &event);
    if supervisor.prepare_standby_step(&mut events).await {
        events(supervisor.status());
    }
    *shared.supervisor.borrow_mut() = Some(supervisor);
}

async fn run_job(shared: &Rc<Shared>, job: Job) {
    // Counts what the job told the page, to decide whether a status is due.
    let told = Cell::new(0u32);
    let mut events = counting_events(shared, &told);
    let is_request = matches!(job, Job::Request { .. });
    if let Job::Configure(config) = job {
        configure(shared, config, &mut events).await;
        shared.last_job_end_ms.set(monotonic_ms());
        return;
    }
    // Configured: the supervisor is taken out while the job runs.
    let mut supervisor = shared.supervisor.borrow_mut().take().expect("jobs other than configure run once configured");
    let was_failed = matches!(supervisor.state(), State::Failed { .. });
    match job {
        Job::Configure(_) => unreachable!("handled above"),
        Job::Request { id, request } => {
            // The answer goes out before the bookkeeping, which the page's
            // next step then overlaps (see Supervisor::serve_answer_first).
            let response = supervisor.serve_answer_first(request, &mut events).await;
            post_response(shared, id, response);
            supervisor.settle(&mut events);
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
        Job::SaveLanded { seq, result, write_ms } => supervisor.save_landed(seq, result, write_ms),
        Job::Restart => {
            if let Err(reason) = supervisor.restart(&mut events).await {
                events(Outgoing::Error { id: None, message: format!("restart failed: {reason}") });
            }
        }
    }
    end_job(shared, supervisor, was_failed, is_request, &told, &mut events);
}

/// Posts events to the page, counting them in `told`.
fn counting_events<'a>(shared: &'a Shared, told: &'a Cell<u32>) -> impl FnMut(Outgoing) + 'a {
    move |event: Outgoing| {
        told.set(told.get() + 1);
        post(shared, &event)
    }
}

/// What ends every job: `failed` if the job stopped the runtime, a status
/// when one is due, and the supervisor back in place.
fn end_job(
    shared: &Shared,
    supervisor: Supervisor<HostFactory>,
    was_failed: bool,
    is_request: bool,
    told: &Cell<u32>,
    events: &mut dyn FnMut(Outgoing),
) {
    if let (false, State::Failed { reason }) = (was_failed, supervisor.state()) {
        events(Outgoing::Failed { reason: reason.clone() });
    }
    let now = monotonic_ms();
    shared.last_job_end_ms.set(now);
    // A plain request changes only counters (see COUNTERS_EVERY_MS).
    let counters_due = now - shared.last_status_ms.get() >= COUNTERS_EVERY_MS;
    if !is_request || told.get() > 0 || counters_due {
        events(supervisor.status());
    } else {
        shared.counters_unsent.set(true);
    }
    *shared.supervisor.borrow_mut() = Some(supervisor);
}

/// Posts the supervisor's status now (it is in place between jobs).
fn post_status(shared: &Shared) {
    let status = shared.supervisor.borrow().as_ref().map(|supervisor| supervisor.status());
    if let Some(status) = status {
        post(shared, &status);
    }
}

async fn configure(shared: &Rc<Shared>, config: crate::protocol::Config, events: &mut dyn FnMut(Outgoing)) {
    if shared.configured.get() {
        return events(Outgoing::Error {
            id: None,
            message: "the worker is already configured; configure is accepted once".into(),
        });
    }
    shared.debug.set(config.debug);
    // The save is read from the browser's storage while the bundle downloads
    // and the runtime boots.
    let saved = load_saved_site(shared, &config);
    match Supervisor::new(HostFactory::new(shared.host.clone()), config) {
        Ok(mut supervisor) => {
            if let Err(reason) = supervisor.start_with(saved, events).await {
                events(Outgoing::Failed { reason });
            }
            events(supervisor.status());
            *shared.supervisor.borrow_mut() = Some(supervisor);
            shared.configured.set(true);
        }
        Err(message) => events(Outgoing::Error { id: None, message }),
    }
}

/// Posts an `http-response`, built in one call (src/wire.rs: the per-request hot path;
/// the shape of `Outgoing::HttpResponse` in src/protocol.rs, pinned there by a
/// native test; tests/browser.rs reads it from the real worker).
/// The headers and body PHP made are passed on as the JS objects they are
/// (src/payload.rs); the body's buffer is transferred, not copied.
fn post_response(shared: &Shared, id: u32, response: protocol::HttpResponse) {
    let body = response.body.into_js();
    // Interned: the few status texts cross once, then by reference.
    let status_text = wasm_bindgen::intern(protocol::status_text(response.status));
    let headers = response.headers.into_js();
    if let Err(error) = crate::wire::post_http_response(&shared.post, id, response.status, status_text, &headers, &body)
    {
        web_sys::console::error_2(&"could not post a response to the page".into(), &error);
    }
}

/// Posts one event or error to the page.
fn post(shared: &Shared, message: &Outgoing) {
    if matches!(message, Outgoing::Status { .. }) {
        shared.last_status_ms.set(monotonic_ms());
        shared.counters_unsent.set(false);
    }
    // `None` is `null` on the wire, as the README documents (not a missing field).
    let serializer =
        serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    let value = match message.serialize(&serializer) {
        Ok(value) => value,
        Err(error) => JsValue::from_str(&format!("could not encode a message: {error}")),
    };
    if let Err(error) = shared.post.call1(&JsValue::NULL, &value) {
        web_sys::console::error_2(&"could not post a message to the page".into(), &error);
    }
}
