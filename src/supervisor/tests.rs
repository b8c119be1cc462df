//! The supervisor's decisions, natively, with a scripted fake runtime.

use super::*;
use crate::fake::{block_on, FakeFactory, FakeRuntime};
use crate::php::RunOutput;
use crate::protocol::Headers;
use std::rc::Rc;

const DB: &str = "/persist/moodledata/moodle_playground_php83.sq3.php";
const UPLOAD: &str = "/persist/moodledata/filedir/ab/cd/abcdef";

const MARKER: &[u8] = b"the user's course";

/// A well-formed SQLite file carrying the user's data (a marker).
fn user_db() -> Vec<u8> {
    let mut db = crate::sqlite::sample_db(4096, 2);
    db[200..200 + MARKER.len()].copy_from_slice(MARKER);
    db
}

fn has_user_data(runtime: &FakeRuntime) -> bool {
    runtime.file(DB).is_some_and(|db| db.windows(MARKER.len()).any(|w| w == MARKER))
}

fn trap(message: &str) -> PhpError {
    PhpError::new("RuntimeError", message)
}

fn ok(body: &str) -> Result<HttpResponse, PhpError> {
    Ok(HttpResponse { status: 200, headers: Headers::default(), body: body.as_bytes().to_vec().into() })
}

/// A factory whose runtimes answer with `answer(runtime_number, runtime, request)`.
/// Runtime 1 starts with a DB and an upload in its file system, as if the
/// user had worked in it.
fn factory(
    answer: impl Fn(u32, &FakeRuntime, &HttpRequest) -> Result<HttpResponse, PhpError> + 'static,
) -> FakeFactory {
    let answer = Rc::new(answer);
    FakeFactory {
        prepare: Some(Rc::new(move |runtime: &FakeRuntime, number: u32| {
            if number == 1 {
                runtime.write_file(DB, &user_db()).unwrap();
                runtime.write_file(UPLOAD, b"uploaded bytes").unwrap();
                runtime.mkdir_tree("/persist/moodledata/filedir/ab/cd").unwrap();
            }
            let answer = answer.clone();
            runtime.on_request(Rc::new(move |runtime, request| answer(number, runtime, request)));
        })),
        ..Default::default()
    }
}

fn started_with(factory: FakeFactory, config: Config) -> Supervisor<FakeFactory> {
    let mut supervisor = Supervisor::new(factory, config).unwrap();
    block_on(supervisor.start(SavedSite::None, &mut |_| {})).unwrap();
    supervisor
}

fn started(factory: FakeFactory) -> Supervisor<FakeFactory> {
    started_with(factory, Config { bundle_url: "demo.zip".into(), ..Config::default() })
}

fn serve(supervisor: &mut Supervisor<FakeFactory>, method: &str, url: &str) -> (HttpResponse, Vec<Outgoing>) {
    let mut events = vec![];
    let request = HttpRequest { method: method.into(), url: url.into(), ..Default::default() };
    let response = block_on(supervisor.serve(request, &mut |e| events.push(e)));
    (response, events)
}

fn created(supervisor: &Supervisor<FakeFactory>) -> u32 {
    supervisor.factory.created.get()
}

#[test]
fn boot_reports_progress_then_ready_and_logs_in() {
    let mut events = vec![];
    let mut supervisor = Supervisor::new(FakeFactory::default(), Config::default()).unwrap();
    block_on(supervisor.start(SavedSite::None, &mut |e| events.push(e))).unwrap();
    assert!(matches!(events.first(), Some(Outgoing::Progress { stage: Stage::Downloading, .. })));
    assert!(matches!(events.last(), Some(Outgoing::Ready { restart: false, .. })));
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("fake-session-id"));
    assert_eq!(supervisor.state(), &State::Serving);
}

#[test]
fn sends_the_session_cookie_and_remembers_new_cookies() {
    let mut supervisor = started(factory(|_, _, _| {
        let headers = Headers::from([("set-cookie", "MoodleSession=rotated; path=/")]);
        Ok(HttpResponse { status: 200, headers, body: Body::empty() })
    }));
    serve(&mut supervisor, "GET", "/site/");
    let runtime = supervisor.runtime().unwrap();
    assert_eq!(runtime.requests.borrow()[0].headers["cookie"], "MoodleSession=fake-session-id");
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("rotated"));
}

/// The worker posts an answer before its bookkeeping: until `settle`, the
/// answered request has not changed the jar or the counters; after it, both
/// are as `serve` leaves them, and the next request carries the new cookie.
#[test]
fn an_answer_comes_first_and_its_bookkeeping_lands_before_the_next_request() {
    let mut supervisor = started(factory(|_, _, _| {
        let headers = Headers::from([("set-cookie", "MoodleSession=rotated; path=/")]);
        Ok(HttpResponse { status: 200, headers, body: Body::empty() })
    }));
    let served_before = supervisor.stats.requests_served;
    let request = HttpRequest { method: "GET".into(), url: "/site/".into(), ..Default::default() };
    let response = block_on(supervisor.serve_answer_first(request, &mut |_| {}));
    assert_eq!(response.status, 200);
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("fake-session-id"), "not yet settled");
    assert_eq!(supervisor.stats.requests_served, served_before);
    supervisor.settle(&mut |_| {});
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("rotated"));
    assert_eq!(supervisor.stats.requests_served, served_before + 1);
    supervisor.settle(&mut |_| {});
    assert_eq!(supervisor.stats.requests_served, served_before + 1, "settled once");
    serve(&mut supervisor, "GET", "/site/");
    assert_eq!(supervisor.runtime().unwrap().requests.borrow()[1].headers["cookie"], "MoodleSession=rotated");
}

/// Runs a request the way the worker's fast lane does: `ready_to_start`,
/// the active runtime, `conclude` (and `recover_from` after a crash), `settle`.
fn start_and_conclude(supervisor: &mut Supervisor<FakeFactory>, method: &str, url: &str) -> HttpResponse {
    let request = HttpRequest { method: method.into(), url: url.into(), ..Default::default() };
    let request = supervisor.ready_to_start(request).expect("nothing has to come first");
    let outcome = block_on(supervisor.runtime().unwrap().request(&request));
    let response = match supervisor.conclude(&request, outcome) {
        Concluded::Answer(response) => response,
        Concluded::Crashed(crash) => block_on(supervisor.recover_from(&request, crash, &mut |_| {})),
    };
    supervisor.settle(&mut |_| {});
    response
}

/// The fast lane starts a request itself only when nothing has to happen
/// before it; whatever it gives back is served by `serve_answer_first`.
#[test]
fn the_fast_lane_starts_only_requests_that_need_nothing_done_first() {
    let get = |url: &str| HttpRequest { method: "GET".into(), url: url.into(), ..Default::default() };
    // Serving: it starts, with the jar's cookies.
    let config = Config { rotate_after_requests: 2, ..Config::default() };
    let mut supervisor = started_with(
        factory(|_, _, request| if request.url.contains("poison") { Err(trap("unreachable")) } else { ok("fine") }),
        config,
    );
    let ready = supervisor.ready_to_start(get("/site/")).expect("serving, nothing due");
    assert_eq!(ready.headers["cookie"], "MoodleSession=fake-session-id");
    // A rotation due: given back, and the served request rotates first.
    serve(&mut supervisor, "GET", "/site/a");
    serve(&mut supervisor, "GET", "/site/b");
    let given_back = supervisor.ready_to_start(get("/site/c")).expect_err("a rotation is due");
    assert_eq!(given_back.url, "/site/c", "the request comes back as it was");
    let (_, events) = serve(&mut supervisor, "GET", "/site/c");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Rotating { .. })));
    assert!(supervisor.ready_to_start(get("/site/")).is_ok(), "rotated: nothing due any more");
    // Something quarantined: every request takes the path that checks it.
    serve(&mut supervisor, "GET", "/site/poison.php");
    assert!(supervisor.ready_to_start(get("/site/other.php")).is_err());
    assert!(serve(&mut supervisor, "GET", "/site/poison.php").0.text().contains("quarantined"));
    // Stopped: given back, and answered with the reason.
    supervisor.state = State::Failed { reason: "stopped for the test".into() };
    assert!(supervisor.ready_to_start(get("/site/")).is_err());
    assert!(serve(&mut supervisor, "GET", "/site/").0.text().contains("stopped for the test"));
}

/// A request the worker started itself ends as a served one does: the jar,
/// the counters, HEAD without a body, a crash recovered and the GET replayed.
#[test]
fn a_request_the_worker_started_itself_is_concluded_like_a_served_one() {
    let mut supervisor = started(factory(|number, _, request| {
        if request.url.contains("every-time") || (number == 1 && request.url.contains("crash")) {
            return Err(trap("memory access out of bounds"));
        }
        let headers = Headers::from([("set-cookie", "MoodleSession=rotated; path=/")]);
        Ok(HttpResponse { status: 200, headers, body: b"page".to_vec().into() })
    }));
    let served_before = supervisor.stats.requests_served;
    assert_eq!(start_and_conclude(&mut supervisor, "GET", "/site/").text(), "page");
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("rotated"));
    assert_eq!(supervisor.stats.requests_served, served_before + 1);
    let head = start_and_conclude(&mut supervisor, "HEAD", "/site/");
    assert_eq!((head.status, head.body.len()), (200, 0), "a HEAD answer has no body");
    let replayed = start_and_conclude(&mut supervisor, "GET", "/site/crash.php");
    assert_eq!(replayed.text(), "page", "recovered onto a fresh runtime and replayed");
    assert_eq!(created(&supervisor), 2);
    assert!(has_user_data(supervisor.runtime().unwrap()), "the user's data came along");
    let posted = start_and_conclude(&mut supervisor, "POST", "/site/crash-every-time.php");
    assert_eq!(posted.status, 503);
    assert!(posted.text().contains("NOT repeated"), "{}", posted.text());
    assert_eq!(created(&supervisor), 3, "recovered again, the POST not replayed");
}

#[test]
fn unknown_profile_is_a_clear_error() {
    let config = Config { profile: "wordpress".into(), ..Config::default() };
    let error = Supervisor::new(FakeFactory::default(), config).err().unwrap();
    assert!(error.contains("unknown profile \"wordpress\""));
}

#[test]
fn a_crashed_get_is_replayed_on_a_fresh_runtime_with_the_data_restored() {
    let mut supervisor = started(factory(|number, runtime, _| {
        if number == 1 {
            return Err(trap("memory access out of bounds"));
        }
        // The fresh runtime answers with what it finds in its file system.
        ok(if has_user_data(runtime) { "the course is there" } else { "the course is gone" })
    }));
    let (response, events) = serve(&mut supervisor, "GET", "/site/course/view.php?id=2");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "the course is there");
    assert_eq!(created(&supervisor), 2);
    let runtime = supervisor.runtime().unwrap();
    assert_eq!(runtime.file(UPLOAD).unwrap(), b"uploaded bytes");
    assert!(events.iter().any(
        |e| matches!(e, Outgoing::Crash { kind, method, .. } if kind == "memory-out-of-bounds" && method == "GET")
    ));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Recovered { replayed: true, restored_files: 2, .. })));
    // The login survived: the same cookie, no second auto-login.
    assert_eq!(runtime.requests.borrow()[0].headers["cookie"], "MoodleSession=fake-session-id");
    assert!(runtime.codes.borrow().iter().all(|code| !code.contains("complete_user_login")));
}

#[test]
fn a_crashed_head_is_replayed_and_answered_without_a_body() {
    let mut supervisor =
        started(factory(|number, _, _| if number == 1 { Err(trap("unreachable")) } else { ok("body") }));
    let (response, _) = serve(&mut supervisor, "HEAD", "/site/");
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
}

#[test]
fn a_crashed_post_gets_an_explaining_503_and_is_never_run_twice() {
    let mut supervisor =
        started(factory(|number, _, _| if number == 1 { Err(trap("unreachable")) } else { ok("fresh") }));
    let (response, events) = serve(&mut supervisor, "POST", "/site/course/edit.php");
    assert_eq!(response.status, 503);
    let text = response.text();
    assert!(text.contains("crashed") && text.contains("restarted") && text.contains("NOT repeated"), "{text}");
    assert!(supervisor.runtime().unwrap().requests.borrow().is_empty(), "the POST must not reach the fresh runtime");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Recovered { replayed: false, .. })));
    // The fresh runtime serves what comes next.
    assert_eq!(serve(&mut supervisor, "GET", "/site/").0.text(), "fresh");
}

#[test]
fn a_crash_on_the_replay_gives_one_503_and_then_quarantine() {
    let mut supervisor = started(factory(|_, _, request| {
        if request.url.contains("poison") {
            Err(trap("memory access out of bounds"))
        } else {
            ok("fine")
        }
    }));
    let (response, events) = serve(&mut supervisor, "GET", "/site/poison.php");
    assert_eq!(response.status, 503);
    assert!(response.text().contains("crashed twice"), "{}", response.text());
    assert_eq!(events.iter().filter(|e| matches!(e, Outgoing::Crash { .. })).count(), 2);
    assert_eq!(created(&supervisor), 3, "one first boot, one recovery, one recovery after the failed replay");
    // Quarantined: answered at once, no runtime touched, no new crash.
    let (again, events) = serve(&mut supervisor, "GET", "/site/poison.php");
    assert_eq!(again.status, 503);
    assert!(again.text().contains("quarantined"));
    assert!(events.is_empty());
    assert_eq!(created(&supervisor), 3);
    assert_eq!(serve(&mut supervisor, "GET", "/site/other.php").0.text(), "fine");
}

#[test]
fn stack_exhaustion_is_treated_as_a_crash() {
    let mut supervisor = started(factory(|number, _, _| {
        if number == 1 {
            Err(PhpError::new("RangeError", "Maximum call stack size exceeded"))
        } else {
            ok("fresh")
        }
    }));
    let (response, events) = serve(&mut supervisor, "GET", "/site/");
    assert_eq!(response.text(), "fresh");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Crash { kind, .. } if kind == "stack-exhausted")));
}

#[test]
fn a_php_error_is_not_a_crash() {
    let mut supervisor = started(factory(|_, _, _| Err(PhpError::new("Error", "PHP.run() failed with exit code 255"))));
    let (response, events) = serve(&mut supervisor, "GET", "/site/");
    assert_eq!(response.status, 502);
    assert!(events.is_empty());
    assert_eq!(created(&supervisor), 1);
}

#[test]
fn more_restarts_than_the_intensity_allows_end_in_failed_until_restart() {
    let config = Config { max_restarts: 2, ..Config::default() };
    let mut supervisor = started_with(
        factory(|_, _, request| if request.url.contains("crash") { Err(trap("unreachable")) } else { ok("served") }),
        config,
    );
    serve(&mut supervisor, "POST", "/site/crash1");
    serve(&mut supervisor, "POST", "/site/crash2");
    assert_eq!(supervisor.state(), &State::Serving);
    let (third, events) = serve(&mut supervisor, "POST", "/site/crash3");
    assert_eq!(third.status, 503);
    assert!(matches!(supervisor.state(), State::Failed { .. }));
    assert!(!events.iter().any(|e| matches!(e, Outgoing::Recovered { .. })));
    let (refused, _) = serve(&mut supervisor, "GET", "/site/page");
    assert_eq!(refused.status, 503);
    assert!(refused.text().contains("crash1") && refused.text().contains("Restart"), "{}", refused.text());

    let mut events = vec![];
    block_on(supervisor.restart(&mut |e| events.push(e))).unwrap();
    assert!(events.iter().any(|e| matches!(e, Outgoing::Ready { restart: true, .. })));
    assert_eq!(serve(&mut supervisor, "GET", "/site/page").0.text(), "served");
    assert!(has_user_data(supervisor.runtime().unwrap()));
}

#[test]
fn a_crash_during_bootstrap_is_retried_once() {
    let mut base = factory(|number, _, _| if number == 1 { Err(trap("unreachable")) } else { ok("fresh") });
    let prepare = base.prepare.take().unwrap();
    base.prepare = Some(Rc::new(move |runtime: &FakeRuntime, number: u32| {
        prepare(runtime, number);
        if number == 2 {
            *runtime.script_error.borrow_mut() = Some(trap("memory access out of bounds"));
        }
    }));
    let mut supervisor = started(base);
    let (response, events) = serve(&mut supervisor, "GET", "/site/");
    assert_eq!(response.text(), "fresh");
    assert_eq!(created(&supervisor), 3);
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("retrying once"))));
}

#[test]
fn a_bootstrap_that_crashes_twice_ends_in_failed() {
    let mut base = factory(|_, _, _| ok("never"));
    let prepare = base.prepare.take().unwrap();
    base.prepare = Some(Rc::new(move |runtime: &FakeRuntime, number: u32| {
        prepare(runtime, number);
        *runtime.script_error.borrow_mut() = Some(trap("unreachable"));
    }));
    let mut supervisor = Supervisor::new(base, Config::default()).unwrap();
    let error = block_on(supervisor.start(SavedSite::None, &mut |_| {})).unwrap_err();
    assert!(error.contains("crashed twice"), "{error}");
    assert_eq!(supervisor.factory.created.get(), 2);
    assert!(matches!(supervisor.state(), State::Failed { .. }));
}

#[test]
fn installed_plugins_are_restored_and_reregistered() {
    let mut supervisor = started(factory(|number, runtime, request| {
        if number == 1 && request.url.contains("installzipcomponent") {
            runtime
                .write_file("/www/moodle/mod/certificate/version.php", b"<?php $plugin->version = 2024050100;")
                .unwrap();
            runtime.mkdir_tree("/www/moodle/mod/certificate").unwrap();
            return ok("installed");
        }
        if number == 1 && request.url.contains("crash") {
            return Err(trap("memory access out of bounds"));
        }
        ok("page")
    }));
    serve(&mut supervisor, "GET", "/site/admin/tool/installaddon/index.php?installzipcomponent=mod_certificate");
    assert_eq!(supervisor.plugins().len(), 1);
    let (_, events) = serve(&mut supervisor, "GET", "/site/crash");
    let fresh = supervisor.runtime().unwrap();
    assert!(fresh.file("/www/moodle/mod/certificate/version.php").is_some());
    let reregister =
        fresh.codes.borrow().iter().find(|c| c.contains("upgrade_noncore")).cloned().expect("re-registered");
    assert!(reregister.contains("'mod_certificate'"));
    assert!(!events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("not registered"))));
}

#[test]
fn a_user_who_logged_out_is_not_logged_back_in_by_a_recovery() {
    let mut supervisor = started(factory(|number, _, request| {
        if request.url.contains("logout") {
            let headers = Headers::from([("set-cookie", "MoodleSession=deleted; Max-Age=0")]);
            return Ok(HttpResponse { status: 303, headers, body: Body::empty() });
        }
        if number == 1 {
            Err(trap("unreachable"))
        } else {
            ok("guest page")
        }
    }));
    serve(&mut supervisor, "GET", "/site/login/logout.php");
    assert_eq!(supervisor.cookies().get("MoodleSession"), None);
    serve(&mut supervisor, "GET", "/site/");
    assert_eq!(supervisor.cookies().get("MoodleSession"), None);
    assert!(supervisor.runtime().unwrap().codes.borrow().iter().all(|c| !c.contains("complete_user_login")));
}

#[test]
fn rotates_after_n_requests_without_dropping_or_reordering_any() {
    let config = Config { rotate_after_requests: 3, ..Config::default() };
    let mut supervisor =
        started_with(factory(|number, _, request| ok(&format!("runtime {number} served {}", request.url))), config);
    let mut all_events = vec![];
    let mut answers = vec![];
    for i in 1..=7 {
        let (response, events) = serve(&mut supervisor, "GET", &format!("/site/{i}"));
        answers.push(response.text());
        all_events.extend(events);
    }
    assert_eq!(
        answers,
        vec![
            "runtime 1 served /site/1",
            "runtime 1 served /site/2",
            "runtime 1 served /site/3",
            "runtime 2 served /site/4",
            "runtime 2 served /site/5",
            "runtime 2 served /site/6",
            "runtime 3 served /site/7",
        ]
    );
    assert_eq!(
        all_events.iter().filter(|e| matches!(e, Outgoing::Rotating { reason } if reason == "requests")).count(),
        2
    );
    assert_eq!(all_events.iter().filter(|e| matches!(e, Outgoing::Rotated { .. })).count(), 2);
    assert_eq!(supervisor.stats().rotations, 2);
    // The healthy runtime's data moved along.
    assert!(has_user_data(supervisor.runtime().unwrap()));
}

#[test]
fn rotation_zero_means_never() {
    let config = Config { rotate_after_requests: 0, rotate_above_memory_mib: 0, ..Config::default() };
    let mut supervisor = started_with(factory(|_, _, _| ok("x")), config);
    for _ in 0..50 {
        serve(&mut supervisor, "GET", "/site/");
    }
    assert_eq!(created(&supervisor), 1);
}

#[test]
fn rotates_on_memory_pressure() {
    // The fake reports 64 MiB of linear memory.
    let config = Config { rotate_above_memory_mib: 32, ..Config::default() };
    let mut supervisor = started_with(factory(|_, _, _| ok("x")), config);
    let (_, events) = serve(&mut supervisor, "GET", "/site/");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Rotating { reason } if reason == "memory")));
}

#[test]
fn a_failed_rotation_keeps_serving_with_the_healthy_runtime() {
    let config = Config { rotate_after_requests: 1, ..Config::default() };
    let mut base = factory(|number, _, _| ok(&format!("runtime {number}")));
    let prepare = base.prepare.take().unwrap();
    base.prepare = Some(Rc::new(move |runtime: &FakeRuntime, number: u32| {
        prepare(runtime, number);
        if number > 1 {
            *runtime.script_error.borrow_mut() = Some(trap("unreachable"));
        }
    }));
    let mut supervisor = started_with(base, config);
    serve(&mut supervisor, "GET", "/site/a");
    let (response, events) = serve(&mut supervisor, "GET", "/site/b");
    assert_eq!(response.text(), "runtime 1");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("rotation failed"))));
    assert_eq!(supervisor.state(), &State::Serving);
}

#[test]
fn status_reports_counters_for_the_page() {
    let config = Config { rotate_after_requests: 10, ..Config::default() };
    let mut supervisor =
        started_with(factory(|number, _, _| if number == 1 { Err(trap("unreachable")) } else { ok("x") }), config);
    serve(&mut supervisor, "GET", "/site/");
    serve(&mut supervisor, "GET", "/site/");
    let Outgoing::Status {
        state,
        requests_served,
        crash_restarts,
        requests_until_rotation,
        snapshot_files,
        last_recovery_ms,
        ..
    } = supervisor.status()
    else {
        panic!("not a status")
    };
    assert_eq!(state, "serving");
    assert_eq!(requests_served, 2);
    assert_eq!(crash_restarts, 1);
    assert_eq!(requests_until_rotation, Some(8));
    assert_eq!(snapshot_files, 2);
    assert!(last_recovery_ms.is_some());
}

/// Every runtime the worker makes — the first, the standby, a cold
/// recovery's — gets the profile's opcode cache, or none when the page
/// switched it off; the status says which.
#[test]
fn the_page_s_opcache_switch_reaches_every_runtime_and_the_status() {
    let profile_size = Profile::by_name("moodle").unwrap().opcache;
    for (opcache, standby, size) in
        [(true, true, Some(profile_size)), (true, false, Some(profile_size)), (false, true, None)]
    {
        let config = Config { bundle_url: "demo.zip".into(), opcache, standby, ..Config::default() };
        let mut supervisor = started_with(standby_factory(), config);
        if standby {
            prepare_standby(&mut supervisor);
        }
        assert_eq!(serve(&mut supervisor, "GET", "/site/crash").0.text(), "runtime 2: user data true");
        let made: Vec<_> = supervisor.factory.options.borrow().iter().map(|options| options.opcache).collect();
        assert_eq!(
            made,
            vec![size; 2],
            "opcache {opcache}, standby {standby}: the first runtime and the one after the crash"
        );
        let Outgoing::Status { opcache_megabytes, .. } = supervisor.status() else { unreachable!() };
        assert_eq!(opcache_megabytes, size.map_or(0, |size| size.megabytes));
    }
}

/// Runtime 1 damages its DB (as a torn write would) and then traps.
fn damaging_factory(also_damage_header: bool) -> FakeFactory {
    factory(move |number, runtime, request| {
        if number == 1 && request.url.contains("write") {
            let mut db = user_db();
            db[300..306].copy_from_slice(b"NEWER!");
            runtime.write_file(DB, &db).unwrap();
            return ok("written");
        }
        if number == 1 && request.url.contains("install") {
            runtime.write_file("/www/moodle/mod/late/version.php", b"<?php").unwrap();
            return ok("installed");
        }
        if number == 1 && request.url.contains("crash") {
            let mut db = runtime.file(DB).unwrap();
            db[500..507].copy_from_slice(b"CORRUPT");
            if also_damage_header {
                db[0] = b'X';
            }
            runtime.write_file(DB, &db).unwrap();
            return Err(trap("memory access out of bounds"));
        }
        ok(if has_user_data(runtime) { "data" } else { "no data" })
    })
}

#[test]
fn a_damaged_snapshot_falls_back_to_the_last_checkpoint_and_says_so() {
    let mut supervisor = started(damaging_factory(false));
    serve(&mut supervisor, "GET", "/site/write");
    let later_plugin = "/site/admin/tool/installaddon/index.php?installzipcomponent=mod_late&install";
    serve(&mut supervisor, "GET", later_plugin);
    // Request #1 changed the DB (checkpoint); the install did not; the crash damages the DB.
    let (response, events) = serve(&mut supervisor, "GET", "/site/crash");
    assert_eq!(response.text(), "data");
    let recovered = events.iter().find_map(|e| match e {
        Outgoing::Recovered { data_source, data_loss, .. } => Some((data_source.clone(), data_loss.clone())),
        _ => None,
    });
    let (source, loss) = recovered.expect("recovered");
    assert_eq!(source, "checkpoint");
    assert!(loss.unwrap().contains("rolled back to the state after request #1"));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("quick_check"))));
    let db = supervisor.runtime().unwrap().file(DB).unwrap();
    assert!(db.windows(6).any(|w| w == b"NEWER!"), "the checkpoint holds the last good write");
    assert!(!db.windows(7).any(|w| w == b"CORRUPT"));
}

#[test]
fn a_damaged_header_is_refused_before_sqlite_sees_it() {
    let mut supervisor = started(damaging_factory(true));
    serve(&mut supervisor, "GET", "/site/write");
    let (_, events) = serve(&mut supervisor, "GET", "/site/crash");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("magic"))));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Recovered { data_source, .. } if data_source == "checkpoint")));
}

#[test]
fn with_nothing_valid_left_it_installs_fresh_and_says_all_data_is_lost() {
    let mut supervisor = started(damaging_factory(true));
    // The very first request crashes: no checkpoint exists yet, and the snapshot is damaged.
    let (_, events) = serve(&mut supervisor, "GET", "/site/crash");
    let source = events.iter().find_map(|e| match e {
        Outgoing::Recovered { data_source, data_loss, .. } => Some((data_source.clone(), data_loss.clone())),
        _ => None,
    });
    let (source, loss) = source.expect("recovered");
    assert_eq!(source, "fresh-install");
    assert!(loss.unwrap().contains("all data lost"));
    // The session went with the data: the admin is logged in again.
    assert!(supervisor.runtime().unwrap().codes.borrow().iter().any(|c| c.contains("complete_user_login")));
}

#[test]
fn plugins_installed_after_the_checkpoint_are_not_restored() {
    let mut supervisor = started(factory(|number, runtime, request| {
        if number == 1 && request.url.contains("installzipcomponent") {
            // The install writes files but (in this script) not the DB: no new checkpoint.
            runtime.write_file("/www/moodle/mod/late/version.php", b"<?php").unwrap();
            return ok("installed");
        }
        if number == 1 && request.url.contains("crash") {
            let mut db = runtime.file(DB).unwrap();
            db[0] = b'X';
            runtime.write_file(DB, &db).unwrap();
            return Err(trap("unreachable"));
        }
        ok("page")
    }));
    serve(&mut supervisor, "GET", "/site/first");
    serve(&mut supervisor, "GET", "/site/admin/tool/installaddon/index.php?installzipcomponent=mod_late");
    let (_, events) = serve(&mut supervisor, "GET", "/site/crash");
    assert!(events
        .iter()
        .any(|e| matches!(e, Outgoing::Trace { message } if message.contains("mod_late was not restored"))));
    assert!(supervisor.runtime().unwrap().file("/www/moodle/mod/late/version.php").is_none());
    assert!(supervisor.plugins().is_empty());
}

#[test]
fn rotation_trusts_the_healthy_snapshot_while_recovery_asks_sqlite() {
    let config = Config { rotate_after_requests: 1, ..Config::default() };
    let mut supervisor = started_with(
        factory(|_, _, request| if request.url.contains("crash") { Err(trap("unreachable")) } else { ok("x") }),
        config,
    );
    serve(&mut supervisor, "GET", "/site/a");
    serve(&mut supervisor, "GET", "/site/b");
    assert!(supervisor.stats().rotations >= 1);
    let ran_quick_check =
        |s: &Supervisor<FakeFactory>| s.runtime().unwrap().codes.borrow().iter().any(|c| c.contains("quick_check"));
    assert!(!ran_quick_check(&supervisor), "a rotation's snapshot is consistent: no full scan");
    serve(&mut supervisor, "GET", "/site/crash");
    assert!(ran_quick_check(&supervisor), "a crash snapshot must be confirmed by SQLite");
}

/// A torn transaction as SQLite leaves it in MEMFS: the DB file changed in
/// `shape` (grown past its header's page count, shrunk, or pages rewritten
/// in place, header included) next to a hot journal.
fn torn_transaction_factory(shape: &'static str) -> FakeFactory {
    factory(move |number, runtime, request| {
        if number == 1 && request.url.contains("crash") {
            let mut db = runtime.file(DB).unwrap();
            match shape {
                "grow" => db.extend(std::iter::repeat_n(7u8, 4096 * 3)),
                "shrink" => db.truncate(4096),
                _ => db[0..16].copy_from_slice(b"page 1 rewritten"),
            }
            runtime.write_file(DB, &db).unwrap();
            let mut journal = vec![0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
            journal.resize(512, 0);
            runtime.write_file(&format!("{DB}-journal"), &journal).unwrap();
            return Err(trap("memory access out of bounds"));
        }
        ok(if has_user_data(runtime) { "data" } else { "no data" })
    })
}

#[test]
fn a_torn_transaction_of_any_shape_is_left_to_sqlite_to_roll_back() {
    for shape in ["grow", "shrink", "rewrite"] {
        for checkpoint in ["off", "incremental", "full"] {
            let config = Config { checkpoint: checkpoint.into(), bundle_url: "demo.zip".into(), ..Config::default() };
            let mut supervisor = started_with(torn_transaction_factory(shape), config);
            serve(&mut supervisor, "GET", "/site/first");
            let (response, events) = serve(&mut supervisor, "GET", "/site/crash");
            let what = format!("{shape} with checkpoint {checkpoint}");
            let recovered = events.iter().find_map(|e| match e {
                Outgoing::Recovered { data_source, data_loss, .. } => Some((data_source.clone(), data_loss.clone())),
                _ => None,
            });
            assert_eq!(recovered, Some(("snapshot".to_string(), None)), "{what}: {events:?}");
            assert!(
                events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("rolled it back"))),
                "{what}"
            );
            // The journal came along, so the fresh runtime's SQLite rolls it back.
            let runtime = supervisor.runtime().unwrap();
            assert!(runtime.file(&format!("{DB}-journal")).is_some(), "{what}");
            assert!(runtime.codes.borrow().iter().any(|c| c.contains("quick_check")), "{what}: SQLite must judge");
            assert_eq!(response.text(), "data", "{what}: the replay sees the user's data, not a fresh install");
        }
    }
}

/// Runtimes that trap on their next request while `armed` is set (what the
/// shell's "Crash PHP now" does to the real runtime), then serve normally.
fn armed_factory(armed: Rc<std::cell::Cell<bool>>) -> FakeFactory {
    factory(move |_, _, request| {
        if armed.replace(false) {
            return Err(trap("memory access out of bounds"));
        }
        ok(&format!("served {} {}", request.method, request.url))
    })
}

#[test]
fn crashes_whose_replay_succeeded_never_quarantine_a_page() {
    for method in ["GET", "HEAD", "POST"] {
        for url in ["/site/course/view.php?id=2", "/site/index.php?"] {
            let armed = Rc::new(std::cell::Cell::new(false));
            let config = Config { max_restarts: 50, ..Config::default() };
            let mut supervisor = started_with(armed_factory(armed.clone()), config);
            for round in 0..6 {
                // "Crash PHP now", then the page reloads.
                supervisor.inject_fault("memory").unwrap();
                armed.set(true);
                let (crashed, _) = serve(&mut supervisor, method, url);
                let expected = if method == "POST" { 503 } else { 200 };
                assert_eq!(crashed.status, expected, "{method} {url} round {round}: {}", crashed.text());
                assert!(!crashed.text().contains("quarantined"), "{method} {url} round {round}");
                // An ordinary visit of the same page, spelled with and without `?`.
                let (visit, _) = serve(&mut supervisor, method, url.trim_end_matches('?'));
                assert_eq!(visit.status, 200, "{method} {url} round {round}: {}", visit.text());
            }
        }
    }
}

#[test]
fn a_page_that_crashes_twice_in_a_row_by_itself_is_quarantined_until_a_restart() {
    let armed = Rc::new(std::cell::Cell::new(false));
    let mut supervisor = started(armed_factory(armed.clone()));
    // Not injected: the page itself crashes PHP, on two runtimes in a row.
    for _ in 0..2 {
        armed.set(true);
        let (response, _) = serve(&mut supervisor, "POST", "/site/upload.php");
        assert_eq!(response.status, 503);
    }
    let (refused, events) = serve(&mut supervisor, "POST", "/site/upload.php?");
    assert!(refused.text().contains("quarantined"), "{}", refused.text());
    assert!(refused.text().contains("Restart runtime"), "the way out is named");
    assert!(!refused.text().contains("work as before"));
    assert!(events.is_empty(), "refused without touching PHP");
    // Other pages are served; a restart lifts the quarantine.
    assert_eq!(serve(&mut supervisor, "GET", "/site/index.php").0.status, 200);
    block_on(supervisor.restart(&mut |_| {})).unwrap();
    assert_eq!(serve(&mut supervisor, "POST", "/site/upload.php").0.status, 200);
}

#[test]
fn a_crash_then_an_answer_then_a_crash_is_not_two_in_a_row() {
    let armed = Rc::new(std::cell::Cell::new(false));
    let config = Config { max_restarts: 50, ..Config::default() };
    let mut supervisor = started_with(armed_factory(armed.clone()), config);
    for _ in 0..5 {
        armed.set(true);
        assert_eq!(serve(&mut supervisor, "POST", "/site/upload.php").0.status, 503);
        assert_eq!(serve(&mut supervisor, "POST", "/site/upload.php").0.status, 200);
    }
}

#[test]
fn a_crashed_request_leaves_no_uncommitted_file_behind_while_a_rotation_keeps_everything() {
    const ORPHAN: &str = "/persist/moodledata/filedir/4f/46/orphan";
    let config = Config { rotate_after_requests: 2, bundle_url: "demo.zip".into(), ..Config::default() };
    let mut supervisor = started_with(
        factory(|number, runtime, request| {
            if request.url.contains("upload") {
                // Written before a commit that never happens (the host logs it).
                runtime.mkdir_tree("/persist/moodledata/filedir/4f/46").unwrap();
                runtime.write_file(ORPHAN, b"bytes of an upload").unwrap();
                runtime.uncommitted.borrow_mut().push(ORPHAN.into());
                if number == 1 {
                    return Err(trap("memory access out of bounds"));
                }
            }
            ok(&format!("served by runtime {number}"))
        }),
        config,
    );
    let watched = supervisor.runtime().unwrap().watched_roots.borrow().clone();
    assert!(watched.contains(&"/persist/moodledata/filedir".to_string()), "{watched:?}");
    assert!(watched.iter().any(|root| root.ends_with("/mod")), "plugin directories are the user's state: {watched:?}");

    let (response, events) = serve(&mut supervisor, "POST", "/site/upload.php");
    assert_eq!(response.status, 503);
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("were undone"))));
    assert!(supervisor.runtime().unwrap().file(ORPHAN).is_none(), "the orphan must not reach the fresh runtime");

    // Runtime 2 answers the upload; the rotation after it carries the file along.
    serve(&mut supervisor, "POST", "/site/upload.php");
    serve(&mut supervisor, "GET", "/site/index.php");
    serve(&mut supervisor, "GET", "/site/index.php");
    assert!(supervisor.stats().rotations >= 1);
    assert!(supervisor.runtime().unwrap().file(ORPHAN).is_some(), "an answered request's files stand");
}

/// Runs idle steps until the standby is ready (as the wasm shell does between jobs).
fn prepare_standby(supervisor: &mut Supervisor<FakeFactory>) -> Vec<Outgoing> {
    let mut events = vec![];
    for _ in 0..50 {
        if !supervisor.wants_standby_work() {
            break;
        }
        block_on(supervisor.prepare_standby_step(&mut |e| events.push(e)));
    }
    assert_eq!(supervisor.standby_state(), "ready", "{events:?}");
    events
}

const SEEDED: &str = "/persist/moodledata/filedir/seeded/welcome.txt";
const WARM_UP_LEFTOVER: &str = "/persist/moodledata/filedir/warm-up/cache.bin";

/// Runtime 1 is the user's: they delete the seeded file, then a page crashes.
/// Every later runtime's warm-up page (`/site/course/edit.php`) writes a file
/// under the uploads, and its pages answer with what they find.
fn standby_factory() -> FakeFactory {
    let mut factory = factory(|number, runtime, request| {
        match (number, request.url.as_str()) {
            (1, "/site/delete-welcome") => {
                runtime.unlink(SEEDED)?;
                return ok("deleted");
            }
            (1, "/site/crash") => return Err(trap("memory access out of bounds")),
            (_, "/site/course/edit.php") => crate::boot::write_creating_dirs(runtime, WARM_UP_LEFTOVER, b"warm")?,
            _ => {}
        }
        ok(&format!("runtime {number}: user data {}", has_user_data(runtime)))
    });
    factory.site_files = vec![(format!(".playground/seed{SEEDED}"), b"welcome".to_vec())];
    factory
}

#[test]
fn a_crash_recovers_onto_the_warm_standby_and_nothing_of_its_own_state_survives_the_swap() {
    for standby in [true, false] {
        let config = Config { bundle_url: "demo.zip".into(), standby, ..Config::default() };
        let mut supervisor = started_with(standby_factory(), config);
        assert_eq!(supervisor.runtime().unwrap().file(SEEDED).unwrap(), b"welcome", "the seed is applied at boot");
        assert_eq!(serve(&mut supervisor, "GET", "/site/delete-welcome").0.text(), "deleted");
        if standby {
            let events = prepare_standby(&mut supervisor);
            assert!(events
                .iter()
                .any(|e| matches!(e, Outgoing::Trace { message } if message.starts_with("standby ready"))));
            assert_eq!(created(&supervisor), 2, "the standby is the second runtime");
        }
        let before_crash = created(&supervisor);
        let (response, events) = serve(&mut supervisor, "GET", "/site/crash");
        let used_standby =
            events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("warm standby")));
        assert_eq!(used_standby, standby);
        assert_eq!(created(&supervisor), if standby { before_crash } else { before_crash + 1 }, "standby {standby}");
        assert_eq!(response.text(), "runtime 2: user data true", "standby {standby}: the replay sees the user's DB");
        let runtime = supervisor.runtime().unwrap();
        assert_eq!(runtime.file(UPLOAD).unwrap(), b"uploaded bytes");
        assert!(runtime.file(SEEDED).is_none(), "standby {standby}: a seed file the user deleted came back");
        assert!(
            runtime.file(WARM_UP_LEFTOVER).is_none(),
            "standby {standby}: the warm-up's file leaked into the user's site"
        );
        assert!(
            !runtime.is_dir("/persist/moodledata/filedir/warm-up"),
            "standby {standby}: the warm-up's folder leaked"
        );
        // The login is the user's, never the standby's own warm-up session.
        assert_eq!(runtime.requests.borrow().last().unwrap().headers["cookie"], "MoodleSession=fake-session-id");
        // A new standby is wanted again, for the next time.
        assert_eq!(supervisor.wants_standby_work(), standby);
    }
}

#[test]
fn the_standby_warms_up_logged_in_on_its_own_state_and_says_what_it_costs() {
    let mut supervisor = started(standby_factory());
    assert_eq!(supervisor.standby_state(), "preparing");
    prepare_standby(&mut supervisor);
    let Outgoing::Status { standby, standby_memory_bytes, .. } = supervisor.status() else { unreachable!() };
    assert_eq!((standby.as_str(), standby_memory_bytes), ("ready", 64 << 20));
    // The standby served the profile's warm-up pages; the user's runtime did not.
    let Standby::Ready(standby) = &supervisor.standby else { unreachable!() };
    let warmed: Vec<String> = standby.requests.borrow().iter().map(|r| r.url.clone()).collect();
    let profile = Profile::by_name("moodle").unwrap();
    assert_eq!(warmed, profile.warmup_paths.iter().map(|p| format!("/site{p}")).collect::<Vec<_>>());
    assert!(
        standby.requests.borrow().iter().all(|r| r.headers.contains_key("cookie")),
        "warm-up pages are seen logged in"
    );
    assert!(supervisor.runtime().unwrap().requests.borrow().is_empty());
}

#[test]
fn rotation_swaps_in_the_standby_and_a_new_one_is_wanted() {
    let config = Config { bundle_url: "demo.zip".into(), rotate_after_requests: 2, ..Config::default() };
    let mut supervisor = started_with(standby_factory(), config);
    serve(&mut supervisor, "GET", "/site/a");
    serve(&mut supervisor, "GET", "/site/b");
    prepare_standby(&mut supervisor);
    let (response, events) = serve(&mut supervisor, "GET", "/site/c");
    assert_eq!(response.text(), "runtime 2: user data true");
    assert!(events.iter().any(|e| matches!(e, Outgoing::Rotated { .. })));
    assert_eq!(created(&supervisor), 2, "no bootstrap during the rotation");
    assert!(supervisor.runtime().unwrap().file(WARM_UP_LEFTOVER).is_none());
    assert!(supervisor.wants_standby_work());
}

#[test]
fn a_standby_that_cannot_be_built_is_given_up_after_two_tries_and_recovery_still_works() {
    let mut base = standby_factory();
    let prepare = base.prepare.take().unwrap();
    base.prepare = Some(Rc::new(move |runtime: &FakeRuntime, number: u32| {
        prepare(runtime, number);
        if number == 2 || number == 3 {
            *runtime.script_error.borrow_mut() = Some(trap("unreachable"));
        }
    }));
    let mut supervisor = started(base);
    let mut events = vec![];
    while supervisor.wants_standby_work() {
        block_on(supervisor.prepare_standby_step(&mut |e| events.push(e)));
    }
    assert_eq!(supervisor.standby_state(), "unavailable");
    let traces: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Outgoing::Trace { message } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(traces.len(), 2, "{traces:?}");
    assert!(traces[1].contains("no more attempts until a restart"), "{traces:?}");
    let (response, _) = serve(&mut supervisor, "GET", "/site/crash");
    assert_eq!(response.text(), "runtime 4: user data true", "the cold path recovers");
}

#[test]
fn an_armed_bootstrap_fault_bypasses_the_standby_so_the_bootstrap_it_targets_runs() {
    let config = Config { bundle_url: "demo.zip".into(), debug: true, ..Config::default() };
    let mut supervisor = started_with(standby_factory(), config);
    prepare_standby(&mut supervisor);
    supervisor.inject_fault("boot").unwrap();
    assert!(supervisor.take_standby().is_none());
    assert_eq!(supervisor.standby_state(), "ready", "the standby is kept for later");
}

/// The save the shell would write now, written to `store`; false when none is due.
fn save_into(store: &mut crate::site_store::MemoryStore, supervisor: &mut Supervisor<FakeFactory>) -> bool {
    if !supervisor.wants_save() {
        return false;
    }
    let Some(plan) = supervisor.plan_save().unwrap() else { return false };
    supervisor.save_handed(0.5);
    let names = store.write(&plan);
    supervisor.save_landed(plan.manifest.seq, Ok(names), 1.0);
    true
}

fn with_store() -> Config {
    Config { bundle_url: "demo.zip".into(), store: "moodle".into(), ..Config::default() }
}

#[test]
fn a_saved_site_comes_back_on_the_next_load_with_its_data_login_and_request_count() {
    let mut store = crate::site_store::MemoryStore::default();
    let mut first = started_with(factory(|_, _, _| ok("page")), with_store());
    assert!(!save_into(&mut store, &mut first), "before any request there is nothing of the user's to save");
    serve(&mut first, "GET", "/site/");
    assert!(save_into(&mut store, &mut first));
    first.runtime().unwrap().write_file(&format!("{UPLOAD}2"), b"a second upload").unwrap();
    first.jar.set("MoodleSession", "the-users-own-session");
    serve(&mut first, "GET", "/site/");
    assert!(!save_into(&mut store, &mut first), "a GET that changed no DB row and set no cookie is not worth a save");
    serve(&mut first, "POST", "/site/files/upload.php");
    assert!(save_into(&mut store, &mut first));
    assert!(!save_into(&mut store, &mut first), "nothing changed since: no save");
    let Outgoing::Status { store: state, last_save, .. } = first.status() else { unreachable!() };
    assert_eq!((state.as_str(), last_save.unwrap().request), ("saved", 3));

    // The next page load: a fresh worker, whose runtime has none of it.
    let mut events = vec![];
    let mut second = Supervisor::new(FakeFactory::default(), with_store()).unwrap();
    block_on(second.start(SavedSite::Loaded(store.load()), &mut |e| events.push(e))).unwrap();
    let runtime = second.runtime().unwrap();
    assert!(has_user_data(runtime), "the user's DB is back");
    assert_eq!(runtime.file(UPLOAD).unwrap(), b"uploaded bytes");
    assert_eq!(runtime.file(&format!("{UPLOAD}2")).unwrap(), b"a second upload");
    assert_eq!(
        second.cookies().get("MoodleSession"),
        Some("the-users-own-session"),
        "no auto-login over the user's session"
    );
    assert_eq!(second.stats().requests_served, 3);
    assert!(events.iter().any(|e| matches!(e, Outgoing::Ready { restored: Some(save), .. } if save.request == 3)));
    assert!(!runtime.codes.borrow().iter().any(|code| code.contains("complete_user_login")), "no auto-login ran");
    assert_eq!(
        second.saver.db_changes(),
        &crate::site_store::DbChanges::Ranges(Vec::new()),
        "the restored DB is the save's byte for byte: the next save does not hash it all again"
    );
}

/// Real Moodle's restored theme CSS names the path of the page that saved
/// it: the profile's after-restore script runs after every restore (a save
/// loaded in a new page, a crash recovery), after the data is in place and
/// before any request is served.
#[test]
fn the_profiles_after_restore_script_runs_after_every_restore_before_serving() {
    let moodle45 = || Config { profile: "moodle45".into(), ..with_store() };
    let mut store = crate::site_store::MemoryStore::default();
    let mut first = started_with(factory(|_, _, _| ok("page")), moodle45());
    serve(&mut first, "POST", "/site/course/edit.php");
    assert!(save_into(&mut store, &mut first));

    let check = "/playground/moodle/install-check.php";
    let ran_after_restore = |runtime: &FakeRuntime| {
        let scripts = runtime.scripts.borrow();
        scripts.len() == 2 && scripts.iter().all(|s| s == check)
    };
    let mut second = Supervisor::new(FakeFactory::default(), moodle45()).unwrap();
    block_on(second.start(SavedSite::Loaded(store.load()), &mut |_| {})).unwrap();
    let runtime = second.runtime().unwrap();
    assert!(ran_after_restore(runtime), "install, then after the restore: {:?}", runtime.scripts.borrow());
    assert!(runtime.requests.borrow().is_empty(), "before any request");

    let mut crashing = started_with(
        factory(|number, _, _| if number == 1 { Err(trap("memory access out of bounds")) } else { ok("page") }),
        Config { standby: false, ..moodle45() },
    );
    let (response, _) = serve(&mut crashing, "GET", "/site/my/");
    assert_eq!(response.status, 200);
    assert!(ran_after_restore(crashing.runtime().unwrap()), "{:?}", crashing.runtime().unwrap().scripts.borrow());

    // Not the stand-in: it has no such script.
    let standin = started(factory(|_, _, _| ok("page")));
    assert_eq!(standin.runtime().unwrap().scripts.borrow().len(), 1);
}

#[test]
fn a_save_that_cannot_be_restored_is_kept_and_never_saved_over() {
    let mut events = vec![];
    let mut supervisor = Supervisor::new(factory(|_, _, _| ok("page")), with_store()).unwrap();
    let refused = SavedSite::Refused("the save has format 9, newer than this playground's 1".into());
    block_on(supervisor.start(refused, &mut |e| events.push(e))).unwrap();
    serve(&mut supervisor, "GET", "/site/");
    assert!(!supervisor.wants_save());
    let Outgoing::Status { store, store_error, .. } = supervisor.status() else { unreachable!() };
    assert_eq!(store, "refused");
    assert!(store_error.unwrap().contains("newer"));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.contains("kept as it is"))));
}

#[test]
fn a_crash_after_a_commit_is_saved_without_waiting_for_another_write() {
    let mut store = crate::site_store::MemoryStore::default();
    // Runtime 1 commits a change to the DB, then traps inside the same request.
    let mut supervisor = started_with(
        factory(|number, runtime, _| {
            if number == 1 {
                let mut db = runtime.file(DB).unwrap();
                db[300..310].copy_from_slice(b"committed!");
                runtime.write_file(DB, &db).unwrap();
                return Err(trap("memory access out of bounds"));
            }
            ok("page")
        }),
        with_store(),
    );
    serve(&mut supervisor, "GET", "/site/");
    assert!(save_into(&mut store, &mut supervisor), "the recovered state is saved at once");
    let save = store.load();
    let db = &save.files.iter().find(|(path, _)| path == DB).unwrap().1;
    assert_eq!(&db[300..310], b"committed!");
}

fn with_blueprint(blueprint: serde_json::Value) -> Config {
    Config { blueprint: Some(blueprint), standby: false, ..with_store() }
}

fn ready_blueprint(events: &[Outgoing]) -> crate::protocol::BlueprintReport {
    events
        .iter()
        .find_map(|e| match e {
            Outgoing::Ready { blueprint, .. } => blueprint.clone(),
            _ => None,
        })
        .expect("the ready event reports the blueprint")
}

fn step_codes(runtime: &FakeRuntime) -> Vec<String> {
    runtime
        .codes
        .borrow()
        .iter()
        .filter(|c| c.contains("$playground_step"))
        .map(|c| c.split("\"step\":\"").nth(1).unwrap_or("").split('"').next().unwrap_or("").to_string())
        .collect()
}

/// A blueprint runs once on a fresh site, each step through the profile's
/// step runner, named in the progress bar; its login and plugin lines are
/// taken up; a request step is served like a user's; the landing page is
/// reported; the site is then saved (checkpointed at once).
#[test]
fn a_blueprint_runs_its_steps_in_order_on_a_fresh_site_and_says_where_to_land() {
    let blueprint = serde_json::json!({
        "version": 1, "title": "Demo", "constants": { "C": "DEMO" },
        "steps": [
            { "step": "createCourse", "fullname": "Demo course", "shortname": "{{C}}" },
            { "step": "createUser", "username": "teacher1" },
            { "step": "installPlugin", "url": "https://example.org/local_hello.zip" },
            { "step": "login", "username": "teacher1" },
            { "step": "request", "path": "/course/view.php?name={{C}}" },
            { "step": "setLandingPage", "path": "/course/view.php?name={{C}}" }
        ]
    });
    let factory = FakeFactory {
        downloads: vec![("https://example.org/local_hello.zip".into(), b"PK zip".to_vec())],
        prepare: Some(Rc::new(|runtime: &FakeRuntime, _| {
            runtime.answer_code(
                "\"installPlugin\"",
                Ok(RunOutput {
                    stdout: "plugin=local_hello /www/moodle/local/hello\nOK\n".into(),
                    ..Default::default()
                }),
            );
            runtime.answer_code(
                "\"login\"",
                Ok(RunOutput { stdout: "session=teacher-session\nOK\n".into(), ..Default::default() }),
            );
            runtime.on_request(Rc::new(|_, _| ok("course page")));
        })),
        ..Default::default()
    };
    let mut events = vec![];
    let mut supervisor = Supervisor::new(factory, with_blueprint(blueprint)).unwrap();
    block_on(supervisor.start(SavedSite::None, &mut |e| events.push(e))).unwrap();
    let report = ready_blueprint(&events);
    assert_eq!((report.state.as_str(), report.steps, report.steps_run), ("done", 6, 6), "{report:?}");
    assert_eq!(report.landing_page.as_deref(), Some("/course/view.php?name=DEMO"));
    let runtime = supervisor.runtime().unwrap();
    assert_eq!(step_codes(runtime), ["createCourse", "createUser", "installPlugin", "login"]);
    assert!(
        runtime.codes.borrow().iter().any(|c| c.contains("DEMO") && c.contains("createCourse")),
        "constants substituted"
    );
    assert!(
        runtime.codes.borrow().iter().any(|c| c.contains("/tmp/playground-blueprint/step-3/local_hello.zip")),
        "the zip handed over"
    );
    assert_eq!(runtime.requests.borrow().len(), 1, "the request step was served");
    assert_eq!(supervisor.cookies().get("MoodleSession"), Some("teacher-session"), "logged in as the step said");
    assert_eq!(supervisor.plugins().plugins().map(|p| p.component.as_str()).collect::<Vec<_>>(), ["local_hello"]);
    let details: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Outgoing::Progress { stage: Stage::Blueprint, detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(details.len(), 6);
    assert_eq!(details[2], "blueprint step 3 of 6 (installPlugin)");
    assert!(supervisor.wants_save(), "the set-up site is saved");
}

/// A family of failing steps (the runner's own error, a download that is not
/// there, a request that fails, a trap in the step): the blueprint stops
/// there, names the step and the error, runs nothing after it, and the
/// half-set-up site is not saved.
#[test]
fn a_blueprint_stops_at_the_first_failing_step_names_it_and_the_site_is_not_saved() {
    type Prepare = Box<dyn Fn(&FakeRuntime)>;
    let failures: Vec<(&str, serde_json::Value, Prepare, &str)> = vec![
        (
            "the runner says why",
            serde_json::json!({ "step": "createCourse", "fullname": "X", "shortname": "DUP" }),
            Box::new(|r: &FakeRuntime| {
                r.answer_code(
                    "\"createCourse\"",
                    Ok(RunOutput { stdout: "a course with shortname DUP exists".into(), ..Default::default() }),
                )
            }),
            "a course with shortname DUP exists",
        ),
        (
            "a download that is not there",
            serde_json::json!({ "step": "installPlugin", "url": "https://example.org/missing.zip" }),
            Box::new(|_: &FakeRuntime| {}),
            "could not download https://example.org/missing.zip: HTTP 404",
        ),
        (
            "a request that fails",
            serde_json::json!({ "step": "request", "path": "/broken.php" }),
            Box::new(|r: &FakeRuntime| {
                r.on_request(Rc::new(|_, _| {
                    Ok(HttpResponse { status: 500, headers: Headers::default(), body: Body::empty() })
                }))
            }),
            "GET /broken.php answered 500",
        ),
        (
            "a trap in the step",
            serde_json::json!({ "step": "createUser", "username": "u" }),
            Box::new(|r: &FakeRuntime| r.answer_code("\"createUser\"", Err(trap("memory access out of bounds")))),
            "PHP crashed (memory-out-of-bounds) during the step",
        ),
    ];
    for (name, failing, prepare, says) in failures {
        let blueprint = serde_json::json!({
            "version": 1,
            "steps": [ { "step": "setConfig", "name": "a", "value": "1" }, failing, { "step": "createUser", "username": "after" } ]
        });
        let prepare = Rc::new(prepare);
        let factory = FakeFactory {
            prepare: Some(Rc::new(move |runtime: &FakeRuntime, number| {
                if number == 1 {
                    prepare(runtime);
                }
            })),
            ..Default::default()
        };
        let mut events = vec![];
        let mut supervisor = Supervisor::new(factory, with_blueprint(blueprint)).unwrap();
        block_on(supervisor.start(SavedSite::None, &mut |e| events.push(e))).unwrap();
        let report = ready_blueprint(&events);
        assert_eq!((report.state.as_str(), report.steps_run), ("failed", 1), "{name}: {report:?}");
        assert!(report.failed_step.as_deref().unwrap().starts_with("step 2 of 3"), "{name}: {report:?}");
        assert!(report.error.as_deref().unwrap().contains(says), "{name}: {:?}", report.error);
        assert!(report.landing_page.is_none());
        let all_codes: Vec<String> = supervisor.runtime().unwrap().codes.borrow().clone();
        assert!(!all_codes.iter().any(|c| c.contains("\"after\"")), "{name}: nothing after the failing step ran");
        assert!(!supervisor.wants_save(), "{name}: a half-set-up site is not saved");
        let Outgoing::Status { store, store_error, .. } = supervisor.status() else { unreachable!() };
        assert_eq!(store, "refused", "{name}");
        assert!(store_error.unwrap().contains("blueprint stopped at step 2 of 3"), "{name}");
    }
}

/// Refused before anything ran; and not run over a restored save.
#[test]
fn an_invalid_blueprint_runs_nothing_and_a_restored_save_does_not_run_it_again() {
    let invalid = serde_json::json!({ "version": 1, "steps": [ { "step": "createUser", "username": "a" }, { "step": "createCourse", "fullname": "no shortname" } ] });
    let mut events = vec![];
    let mut supervisor = Supervisor::new(FakeFactory::default(), with_blueprint(invalid)).unwrap();
    block_on(supervisor.start(SavedSite::None, &mut |e| events.push(e))).unwrap();
    let report = ready_blueprint(&events);
    assert_eq!(report.state, "refused");
    assert!(report.error.unwrap().contains("step 2 (createCourse): the field \"shortname\" is required"));
    assert!(step_codes(supervisor.runtime().unwrap()).is_empty(), "not even the valid first step ran");

    let mut store = crate::site_store::MemoryStore::default();
    let mut first = started_with(factory(|_, _, _| ok("page")), with_store());
    serve(&mut first, "POST", "/site/course/edit.php");
    assert!(save_into(&mut store, &mut first));
    let blueprint =
        serde_json::json!({ "version": 1, "title": "Again?", "steps": [ { "step": "createUser", "username": "a" } ] });
    let mut events = vec![];
    let mut second = Supervisor::new(FakeFactory::default(), with_blueprint(blueprint)).unwrap();
    block_on(second.start(SavedSite::Loaded(store.load()), &mut |e| events.push(e))).unwrap();
    assert_eq!(ready_blueprint(&events).state, "not-run");
    assert!(step_codes(second.runtime().unwrap()).is_empty());
}

fn cron_of(supervisor: &Supervisor<FakeFactory>) -> Option<crate::protocol::CronSummary> {
    let Outgoing::Status { cron, .. } = supervisor.status() else { unreachable!() };
    cron
}

/// One cron slice: what it ran is told (status and trace) and saved; a slice
/// that trapped is recovered like any crash and never replayed; off is off.
#[test]
fn an_idle_cron_slice_reports_what_it_ran_a_trap_in_it_is_recovered_and_off_is_off() {
    let mut supervisor = started_with(
        FakeFactory {
            prepare: Some(Rc::new(|runtime: &FakeRuntime, number| {
                if number == 1 {
                    runtime.script_output(
                        "cron_slice.php",
                        "ran=\\core_course\\task\\delete_course: deleted course OLD\npending=2\nOK\n",
                        0,
                    );
                }
            })),
            ..Default::default()
        },
        Config { standby: false, ..with_store() },
    );
    assert_eq!(supervisor.cron_due_in_ms(), Some(60_000.0), "due after a minute without requests");
    let mut events = vec![];
    block_on(supervisor.run_cron_slice(&mut |e| events.push(e)));
    let cron = cron_of(&supervisor).unwrap();
    assert_eq!(cron.last_did, ["\\core_course\\task\\delete_course: deleted course OLD"]);
    assert_eq!((cron.pending, cron.slices, cron.error.clone()), (2, 1, None));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Trace { message } if message.starts_with("cron ran"))));
    assert!(supervisor.wants_save(), "what a task changed is saved");

    // A trap in the next slice (the runtime's scripts now fail as a trap would).
    *supervisor.runtime().unwrap().script_error.borrow_mut() = Some(trap("unreachable"));
    let before = created(&supervisor);
    let mut events = vec![];
    block_on(supervisor.run_cron_slice(&mut |e| events.push(e)));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Crash { method, .. } if method == "CRON")));
    assert!(events.iter().any(|e| matches!(e, Outgoing::Recovered { replayed: false, .. })), "recovered, not replayed");
    assert!(created(&supervisor) > before, "a fresh runtime serves");
    assert_eq!(supervisor.state(), &State::Serving);
    assert!(cron_of(&supervisor).unwrap().error.unwrap().contains("PHP crashed (unreachable) during a cron slice"));

    let off = started_with(FakeFactory::default(), Config { cron_idle_seconds: 0.0, ..Config::default() });
    assert_eq!((off.cron_due_in_ms(), cron_of(&off)), (None, None));
    let wiki = started_with(FakeFactory::default(), Config { profile: "mediawiki".into(), ..Config::default() });
    assert_eq!(wiki.cron_due_in_ms(), None, "MediaWiki has no idle cron");
}

/// The page writes a save while the worker serves on: one save at a time,
/// and what changed meanwhile goes into the next one, planned once word of
/// the first comes back — the shell runs no other job until then (so a job
/// that hangs can lose only its own writes). Word of a save that is not in
/// flight changes nothing.
#[test]
fn one_save_at_a_time_and_the_next_holds_what_changed_while_the_page_wrote_it() {
    let mut store = crate::site_store::MemoryStore::default();
    let mut supervisor = started_with(factory(|_, _, _| ok("page")), with_store());
    serve(&mut supervisor, "POST", "/site/course/edit.php");
    assert!(supervisor.wants_save());
    let first = supervisor.plan_save().unwrap().unwrap();
    supervisor.save_handed(0.5);
    let meanwhile = format!("{UPLOAD}-meanwhile");
    supervisor.runtime().unwrap().write_file(&meanwhile, b"written while the page wrote save 1").unwrap();
    serve(&mut supervisor, "POST", "/site/files/upload.php");
    assert!(!supervisor.wants_save(), "no second save while the first is being written");
    assert!(supervisor.waits_for_landing(), "the next job waits for word of the first");
    let names = store.write(&first);
    supervisor.save_landed(first.manifest.seq + 1, Ok(names.clone()), 2.0);
    assert!(!supervisor.wants_save(), "word of a save not in flight changes nothing");
    supervisor.save_landed(first.manifest.seq, Ok(names), 2.0);
    assert!(supervisor.wants_save(), "what changed meanwhile is saved next");
    assert!(!supervisor.waits_for_landing());
    let second = supervisor.plan_save().unwrap().unwrap();
    assert_eq!(second.manifest.seq, first.manifest.seq + 1);
    assert!(second.manifest.files.iter().any(|file| file.path == meanwhile), "{:?}", second.manifest.files);
    let Outgoing::Status { last_save_ms, last_save_write_ms, .. } = supervisor.status() else { unreachable!() };
    assert_eq!((last_save_ms, last_save_write_ms), (Some(0.5), Some(2.0)));
}

/// `saved` in the status means every request served so far is in the save
/// that landed: not while a save is due or being written; a GET that changed
/// nothing leaves it `saved`.
#[test]
fn the_status_says_saved_only_when_everything_served_is_in_the_landed_save() {
    let store_state = |supervisor: &Supervisor<FakeFactory>| match supervisor.status() {
        Outgoing::Status { store, .. } => store,
        _ => unreachable!(),
    };
    let mut store = crate::site_store::MemoryStore::default();
    let mut supervisor = started_with(factory(|_, _, _| ok("page")), with_store());
    serve(&mut supervisor, "POST", "/site/course/edit.php");
    assert_eq!(store_state(&supervisor), "saving", "due, not yet planned");
    let plan = supervisor.plan_save().unwrap().unwrap();
    assert_eq!(store_state(&supervisor), "saving", "being written");
    supervisor.save_landed(plan.manifest.seq, Ok(store.write(&plan)), 1.0);
    assert_eq!(store_state(&supervisor), "saved");
    serve(&mut supervisor, "GET", "/site/");
    assert!(!supervisor.wants_save());
    assert_eq!(store_state(&supervisor), "saved", "a GET that changed nothing");
}
