//! The Rust worker with the REAL PHP 8.3 wasm, in a real dedicated worker of
//! headless Chromium and Firefox (`wasm-pack test`). The PHP host is the
//! bundled www/php-host.js, imported from the test server (scripts/test.sh
//! builds it and serves it with CORS).
#![cfg(target_arch = "wasm32")]

mod support;

use support::{form_field, Harness};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn boots_php_and_serves_the_front_page() {
    let harness = Harness::boot(false).await;
    let ready = harness.ready();
    assert!(ready.php_version.starts_with("8.3."), "PHP version {}", ready.php_version);
    let response = harness.get("/site/").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.text.contains("Moodle Playground"), "{}", response.text);
    assert!(response.text.contains("Admin User"), "the auto-login should show the admin: {}", response.text);
}

#[wasm_bindgen_test]
async fn a_course_created_by_post_is_listed_afterwards() {
    let harness = Harness::boot(false).await;
    let form = harness.get("/site/course/edit.php").await;
    assert_eq!(form.status, 200, "{}", form.text);
    let sesskey = form_field(&form.text, "sesskey").expect("the form carries a sesskey");
    let created = harness
        .post_form(
            "/site/course/edit.php",
            &[("sesskey", &sesskey), ("fullname", "Rust in the Browser"), ("shortname", "RIB101"), ("summary", "x")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    assert!(created.header("location").unwrap_or_default().contains("/course/view.php?id="));
    let list = harness.get("/site/").await;
    assert!(list.text.contains("Rust in the Browser"), "{}", list.text);
}

#[wasm_bindgen_test]
async fn a_malformed_message_gets_an_error_and_the_worker_keeps_serving() {
    let harness = Harness::boot(false).await;
    let error =
        harness.expect_error(r#"{"type": "http-request", "request": {"method": "GET", "url": "/site/"}}"#).await;
    assert!(error.contains("missing field `id`"), "{error}");
    let error = harness.expect_error(r#"{"type": "make-coffee", "id": 4}"#).await;
    assert!(error.contains("unknown variant `make-coffee`"), "{error}");
    let response = harness.get("/site/").await;
    assert_eq!(response.status, 200);
}

#[wasm_bindgen_test]
async fn fault_injection_is_refused_without_debug() {
    let harness = Harness::boot(false).await;
    let error = harness.expect_error(r#"{"type": "inject-fault", "fault": "memory"}"#).await;
    assert!(error.contains("debug"), "{error}");
    assert_eq!(harness.get("/site/").await.status, 200, "the runtime must be untouched");
}

/// `popen()` hangs a request forever in php-wasm without a spawn handler; the
/// host disables process-spawning functions, so such a page fails fast instead.
#[wasm_bindgen_test]
async fn a_page_calling_popen_answers_instead_of_hanging_the_worker() {
    let harness = Harness::boot(false).await;
    let key = support::sesskey(&harness).await;
    let plugin = support::upload::zip(&[
        ("spawner/version.php", b"<?php\n$plugin->component = 'mod_spawner';\n$plugin->version = 2024050100;\n"),
        ("spawner/view.php", b"<?php\n$handle = popen('ls', 'r');\necho 'popen returned';\n"),
    ]);
    support::install_plugin(&harness, &key, "mod_spawner.zip", &plugin).await;
    let response = harness.get("/site/mod/spawner/view.php").await;
    assert_eq!(response.status, 500, "{}", response.text);
    assert!(!response.text.contains("popen returned"));
    // The worker keeps serving.
    assert_eq!(harness.get("/site/").await.status, 200);
}
