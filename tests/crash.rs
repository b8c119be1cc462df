//! Real PHP wasm, real traps, in real browsers: the user's work survives.
//! Each fault is caused for real inside the PHP instance (corrupted linear
//! memory, a nulled function table, engine stack exhaustion from deeply nested
//! PHP arrays), then the page's next request meets it.
#![cfg(target_arch = "wasm32")]

mod support;

use support::upload::{multipart, zip};
use support::{form_field, install_plugin, type_of, Harness};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const PLUGIN_VERSION: &str = "2024050100";
const UPLOAD: &[u8] = b"%PDF-1.4 lecture notes \x00\x01\x02 binary tail";

/// Logged in as the teacher (not the auto-login's admin), a course, an
/// upload and a plugin, created the way a user would.
async fn build_user_state(harness: &Harness) -> String {
    let login = harness.post_form("/site/login/index.php", &[("username", "teacher"), ("password", "teacher")]).await;
    assert_eq!(login.status, 303, "logging in as the teacher: {}", login.text);
    assert!(harness.get("/site/").await.text.contains("Terry Teacher"), "the teacher is logged in");
    let form = harness.get("/site/course/edit.php").await;
    let sesskey = form_field(&form.text, "sesskey").expect("sesskey");
    let created = harness
        .post_form(
            "/site/course/edit.php",
            &[("sesskey", &sesskey), ("fullname", "Crash Survival 101"), ("shortname", "CS101"), ("summary", "")],
        )
        .await;
    assert_eq!(created.status, 303, "creating the course: {}", created.text);

    let (content_type, body) = multipart(&[("sesskey", &sesskey)], "repo_upload_file", "notes.pdf", UPLOAD);
    let uploaded = harness.request("POST", "/site/files/index.php", &[("content-type", &content_type)], &body).await;
    assert_eq!(uploaded.status, 303, "uploading: {}", uploaded.text);

    let version = format!("<?php\n$plugin->component = 'mod_survivor';\n$plugin->version = {PLUGIN_VERSION};\n$plugin->release = '1.0';\n");
    let plugin = zip(&[("survivor/version.php", version.as_bytes()), ("survivor/view.php", b"<?php echo 'survivor';")]);
    let registered = install_plugin(harness, &sesskey, "mod_survivor.zip", &plugin).await;
    assert!(registered.contains(PLUGIN_VERSION), "the install page registers the plugin: {registered}");
    sesskey
}

/// Everything the user built is there, and they are still themselves.
async fn assert_user_state_survived(harness: &Harness) {
    let front = harness.get("/site/").await;
    assert!(front.text.contains("Crash Survival 101"), "the course is gone: {}", front.text);
    assert!(
        front.text.contains("You are logged in as Terry Teacher"),
        "the user is no longer logged in as themselves: {}",
        front.text
    );
    let files = harness.get("/site/files/index.php").await;
    let link = files
        .text
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("pluginfile.php"))
        .map(str::to_string);
    let link = link.unwrap_or_else(|| panic!("the upload is not listed: {}", files.text));
    let path = link.split_once("/site/").map(|(_, p)| format!("/site/{p}")).unwrap_or(link.clone());
    let served = harness.get(&path).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.text.as_bytes(), UPLOAD, "the upload must survive byte for byte");
    let plugins = harness.get("/site/admin/plugins.php").await;
    assert!(
        plugins.text.contains("mod_survivor") && plugins.text.contains(PLUGIN_VERSION),
        "plugin lost: {}",
        plugins.text
    );
    assert!(!plugins.text.contains("Upgrade pending"), "the plugin is not registered: {}", plugins.text);
    assert_eq!(harness.get("/site/mod/survivor/view.php").await.text, "survivor");
}

/// How the request that meets the fault reaches PHP.
#[derive(Clone, Copy)]
enum Lane {
    /// Sent to an idle worker: started at once (the worker's fast lane).
    Idle,
    /// Sent while the fault's own message is still being handled: queued
    /// and served by the serving loop.
    Queued,
}

async fn crash_then(fault: &str, method: &str, lane: Lane) {
    let harness = Harness::boot(true).await;
    let sesskey = build_user_state(&harness).await;
    let courses_before = harness.get("/site/").await.text.matches("course/view.php?id=").count();
    harness.send_raw(&format!(r#"{{"type": "inject-fault", "fault": "{fault}"}}"#));
    match lane {
        Lane::Idle => harness.wait_until_idle().await,
        Lane::Queued => assert!(!harness.is_idle(), "the fault is still being put in place"),
    }
    let response = match method {
        "POST" => {
            harness
                .post_form(
                    "/site/course/edit.php",
                    &[
                        ("sesskey", &sesskey),
                        ("fullname", "Posted During Crash"),
                        ("shortname", "PDC"),
                        ("summary", ""),
                    ],
                )
                .await
        }
        _ => harness.request(method, "/site/", &[], &[]).await,
    };
    let crash = harness.messages_of_type("crash");
    assert_eq!(crash.len(), 1, "exactly one crash for {fault}");
    let field = |name: &str| js_sys::Reflect::get(&crash[0], &name.into()).unwrap().as_string().unwrap_or_default();
    // Printed for tests/fixtures/faults.json (visible with --nocapture).
    web_sys::console::log_1(&format!("FAULT-FIXTURE {fault} {} {}", field("kind"), field("message")).into());
    let recovered = harness.wait_for(|m| type_of(m) == "recovered", "recovered").await;
    let replayed = js_sys::Reflect::get(&recovered, &"replayed".into()).unwrap().as_bool();
    match method {
        "POST" => {
            assert_eq!(response.status, 503, "{}", response.text);
            assert!(response.text.contains("NOT repeated") && response.text.contains("preserved"), "{}", response.text);
            assert_eq!(replayed, Some(false));
            let front = harness.get("/site/").await;
            assert!(
                !front.text.contains("Posted During Crash"),
                "the POST must not be executed twice or half: {}",
                front.text
            );
            assert_eq!(front.text.matches("course/view.php?id=").count(), courses_before);
        }
        "HEAD" => {
            assert_eq!(response.status, 200);
            assert!(response.text.is_empty());
            assert_eq!(replayed, Some(true));
        }
        _ => {
            assert_eq!(response.status, 200, "{}", response.text);
            assert!(
                response.text.contains("Crash Survival 101"),
                "the replayed GET answers for real: {}",
                response.text
            );
            assert_eq!(replayed, Some(true));
        }
    }
    let files = js_sys::Reflect::get(&recovered, &"restoredFiles".into()).unwrap().as_f64().unwrap();
    assert!(files >= 3.0, "the DB, the upload and the plugin's files were restored: {files}");
    assert_user_state_survived(&harness).await;
}

// Memory and function-table faults meet a request sent to an idle worker,
// stack exhaustion one queued behind the fault's message: each method is
// crashed on both lanes a request can take.

#[wasm_bindgen_test]
async fn memory_corruption_during_get() {
    crash_then("memory", "GET", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn memory_corruption_during_head() {
    crash_then("memory", "HEAD", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn memory_corruption_during_post() {
    crash_then("memory", "POST", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn stack_exhaustion_during_get() {
    crash_then("stack", "GET", Lane::Queued).await;
}

#[wasm_bindgen_test]
async fn stack_exhaustion_during_head() {
    crash_then("stack", "HEAD", Lane::Queued).await;
}

#[wasm_bindgen_test]
async fn stack_exhaustion_during_post() {
    crash_then("stack", "POST", Lane::Queued).await;
}

#[wasm_bindgen_test]
async fn nulled_function_table_during_get() {
    crash_then("table", "GET", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn nulled_function_table_during_head() {
    crash_then("table", "HEAD", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn nulled_function_table_during_post() {
    crash_then("table", "POST", Lane::Idle).await;
}

#[wasm_bindgen_test]
async fn a_crash_during_bootstrap_is_retried_once() {
    let harness = Harness::boot(true).await;
    harness.send_raw(r#"{"type": "inject-fault", "fault": "boot"}"#);
    harness.send_raw(r#"{"type": "inject-fault", "fault": "memory"}"#);
    let response = harness.get("/site/").await;
    assert_eq!(response.status, 200, "{}", response.text);
    let retried = harness.messages_of_type("trace").iter().any(|m| {
        js_sys::Reflect::get(m, &"message".into()).unwrap().as_string().unwrap_or_default().contains("retrying once")
    });
    assert!(retried, "the bootstrap crash must be reported and retried");
}

#[wasm_bindgen_test]
async fn repeated_crashes_end_in_failed_and_an_explicit_restart_serves_again() {
    let harness = Harness::boot_with(true, r#""maxRestarts": 2"#).await;
    build_user_state(&harness).await;
    // Different URLs, so no request gets quarantined on the way.
    for attempt in 0..3 {
        harness.send_raw(r#"{"type": "inject-fault", "fault": "memory"}"#);
        harness.request("POST", &format!("/site/course/edit.php?attempt={attempt}"), &[], b"").await;
    }
    let failed = harness.wait_for(|m| type_of(m) == "failed", "failed").await;
    let reason = js_sys::Reflect::get(&failed, &"reason".into()).unwrap().as_string().unwrap();
    assert!(reason.contains("more than 2 times"), "{reason}");
    let refused = harness.get("/site/").await;
    assert_eq!(refused.status, 503);
    assert!(refused.text.contains("memory-out-of-bounds"), "the 503 names the faults: {}", refused.text);

    harness.send_raw(r#"{"type": "restart"}"#);
    harness
        .wait_for(
            |m| type_of(m) == "ready" && js_sys::Reflect::get(m, &"restart".into()).unwrap().as_bool() == Some(true),
            "restart",
        )
        .await;
    assert_user_state_survived(&harness).await;
}

#[wasm_bindgen_test]
async fn a_crash_on_the_replay_gives_one_503_without_a_loop() {
    let harness = Harness::boot(true).await;
    // Arm a fault for the replay too: the first request crashes, the replay crashes.
    harness.send_raw(r#"{"type": "inject-fault", "fault": "stack"}"#);
    harness.send_raw(r#"{"type": "inject-fault", "fault": "replay"}"#);
    let response = harness.get("/site/").await;
    assert_eq!(response.status, 503, "{}", response.text);
    assert!(response.text.contains("crashed twice"), "{}", response.text);
    assert_eq!(harness.messages_of_type("crash").len(), 2);
    // Quarantined now; other pages work.
    assert!(harness.get("/site/").await.text.contains("quarantined"));
    assert_eq!(harness.get("/site/admin/plugins.php").await.status, 200);
}

/// Rotation takes the same path on purpose: after N healthy requests the next
/// one is served by a fresh runtime, with the user's work and login carried over.
#[wasm_bindgen_test]
async fn rotation_moves_the_users_work_to_a_fresh_runtime() {
    let harness = Harness::boot_with(true, r#""rotateAfterRequests": 5"#).await;
    build_user_state(&harness).await;
    for _ in 0..6 {
        assert_eq!(harness.get("/site/").await.status, 200);
    }
    assert!(harness.messages_of_type("rotated").len() >= 2, "a rotation every 5 requests");
    assert!(harness.messages_of_type("crash").is_empty(), "rotation is not a crash");
    assert_user_state_survived(&harness).await;
}
