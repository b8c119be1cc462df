//! The Rust worker with the REAL PHP 8.3 wasm, in a real dedicated worker of
//! headless Chromium and Firefox (`wasm-pack test`). The PHP host is the
//! bundled www/php-host.js, imported from the test server (scripts/test.sh
//! builds it and serves it with CORS).
#![cfg(target_arch = "wasm32")]

mod support;

use support::{form_field, Harness};
use wasm_bindgen::prelude::*;
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
    support::install_pages(
        &harness,
        "spawner",
        &[
            ("view.php", b"<?php\n$handle = popen('ls', 'r');\necho 'popen returned';\n"),
            (
                "catch.php",
                b"<?php\ntry { exec('ls'); } catch (Error $e) { echo get_class($e), ': ', $e->getMessage(); }\n",
            ),
        ],
    )
    .await;
    let response = harness.get("/site/mod/spawner/view.php").await;
    assert_eq!(response.status, 500, "{}", response.text);
    assert!(!response.text.contains("popen returned"));
    // What the page's code sees: not "undefined function", but why.
    let caught = harness.get("/site/mod/spawner/catch.php").await;
    assert_eq!(
        caught.text,
        "Error: exec() is not available: this PHP runs inside a web browser, which cannot start processes."
    );
    // The worker keeps serving.
    assert_eq!(harness.get("/site/").await.status, 200);
}

/// The host runs its own prepend file before every script (www/host/prepend.js):
/// the replacements above, then what @php-wasm's own prepend did — the
/// constants of /internal/shared/consts.json and every file of the preload
/// folder (real Moodle's bundle relies on its preload files) — leaving no
/// variable of its own behind in the page's global scope.
#[wasm_bindgen_test]
async fn preload_files_and_constants_still_reach_every_script() {
    let harness = Harness::boot(false).await;
    support::install_pages(
        &harness,
        "preloader",
        &[
        (
            "write.php",
            b"<?php\nfile_put_contents('/internal/shared/preload/zz-test.php', \"<?php define('PRELOADED_BY_TEST', 'preloaded');\");\nfile_put_contents('/internal/shared/consts.json', json_encode(['CONSTANT_BY_TEST' => 'constant']));\necho 'written';\n",
        ),
        (
            "read.php",
            b"<?php\necho defined('PRELOADED_BY_TEST') ? PRELOADED_BY_TEST : 'no preload', ' ', defined('CONSTANT_BY_TEST') ? CONSTANT_BY_TEST : 'no constant', ' ', count(array_filter(array_keys(get_defined_vars()), fn ($name) => str_starts_with($name, '__playground'))), ' ', function_exists('popen') ? 'replaced' : 'undefined';\n",
        ),
        ],
    )
    .await;
    assert_eq!(harness.get("/site/mod/preloader/read.php").await.text, "no preload no constant 0 replaced");
    assert_eq!(harness.get("/site/mod/preloader/write.php").await.text, "written");
    // The next script, a new request, gets both before its first line.
    assert_eq!(harness.get("/site/mod/preloader/read.php").await.text, "preloaded constant 0 replaced");
}

#[wasm_bindgen(inline_js = r#"
// Request messages near the hot path's edges (src/wire.rs): each is decoded
// by the hot path and by the thorough one, which must agree.
export function requestFamily() {
  const long = 'x'.repeat((1 << 20) + 1);
  const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
  class Head { constructor() { this.method = 'GET'; this.url = '/'; } }
  const bodies = [undefined, null, 'a=1&b=2', new Uint8Array([1, 2]).buffer, view, 7, {}];
  const heads = [
    { method: 'get', url: '/site/' },
    { method: 'POST', url: '/site/?a=1', headers: { Cookie: 'MoodleSession=x', 'X-Two': 'é✓' } },
    { method: 'GET', url: '/site/', headers: {} },
    { method: 'GET', url: '/site/', headers: { a: 1 } },
    { method: 'GET', url: '/site/', headers: { a: 'nul\0inside' } },
    { method: 'GET', url: '/site/', headers: { a: 'x\0y\0z' } },
    { method: 'GET', url: '/site/\0b\0c', headers: { d: 'e' } },
    { method: 'GET', url: '/site/\0' },
    { method: '', url: '/site/' },
    { method: 'G T', url: '/site/' },
    { method: 'GET', url: '' },
    { method: 'GET', url: long },
    { method: 'GET', url: '/site/', headers: { a: long } },
    { method: 'GET', url: '/site/', headers: new Map() },
    { method: 'GET', url: '/site/', extra: 1 },
    { method: 'GET' },
    Object.assign(Object.create(null), { method: 'GET', url: '/n' }),
    new Head(),
  ];
  const messages = [];
  for (const head of heads) {
    for (const body of bodies) {
      const request = head instanceof Head || Object.getPrototypeOf(head) === null ? head : { ...head, body };
      messages.push({ type: 'http-request', id: messages.length, request });
    }
  }
  for (const id of [-1, 1.5, 2 ** 32, 2 ** 32 - 1, '1', NaN]) messages.push({ type: 'http-request', id, request: { method: 'GET', url: '/' } });
  messages.push({ type: 'http-request', id: 1, request: { method: 'GET', url: '/' }, more: true });
  messages.push({ type: 'http-request', id: 1 });
  messages.push(Object.assign(Object.create(null), { type: 'http-request', id: 1, request: { method: 'GET', url: '/' } }));
  return messages;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = requestFamily)]
    fn request_family() -> js_sys::Array;
}

/// The hot path reads requests in one call (src/wire.rs); for every message
/// of a family near its edges — bodies of each kind, headers missing, empty,
/// not text, holding a NUL, too long, odd ids, extra fields, other
/// prototypes — it decodes exactly what the thorough path decodes, or both
/// refuse it.
#[wasm_bindgen_test]
fn the_hot_path_decodes_requests_as_the_thorough_path_does() {
    use resilient_php_worker::inbound::{decode_job, decode_job_thoroughly, ObjectPrototype};
    let prototype = ObjectPrototype::new();
    let (mut accepted, mut refused) = (0, 0);
    for (index, message) in request_family().iter().enumerate() {
        let hot = decode_job(&message, &prototype);
        let thorough = decode_job_thoroughly(&message, &prototype);
        match (&hot, &thorough) {
            (Ok(hot), Ok(thorough)) => {
                assert_eq!(hot, thorough, "message {index}");
                accepted += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            _ => panic!("message {index}: the hot path says {hot:?}, the thorough path {thorough:?}"),
        }
    }
    // The family reaches both sides of the line.
    assert!(accepted >= 20 && refused >= 20, "{accepted} accepted, {refused} refused");
}

/// A header whose text holds the hot path's separator (NUL) is served all the
/// same: the request goes to PHP built field by field (src/php/host.rs), and
/// the worker keeps serving on the hot path after it.
#[wasm_bindgen_test]
async fn a_header_holding_the_separator_is_served_the_slow_way() {
    let harness = Harness::boot(false).await;
    let page = b"<?php\necho $_SERVER['HTTP_X_PLAIN'] ?? 'no x-plain', ' ', isset($_SERVER['HTTP_AFTER']) ? 'split' : 'whole';\n";
    support::install_pages(&harness, "headers", &[("show.php", page)]).await;
    let url = "/site/mod/headers/show.php";
    let odd = harness.request("GET", url, &[("x-note", "before\0after"), ("x-plain", "plain")], &[]).await;
    assert_eq!((odd.status, odd.text.as_str()), (200, "plain whole"));
    let plain = harness.request("GET", url, &[("x-plain", "hot")], &[]).await;
    assert_eq!(plain.text, "hot whole");
}

/// A user made without a password (a blueprint's `createUser` with none) is
/// given a random one: made for many users in a row, every one is made (a
/// random password of raw bytes held a NUL one time in twenty, which bcrypt
/// refuses).
#[wasm_bindgen_test]
async fn users_made_without_a_password_are_always_made() {
    let harness = Harness::boot(false).await;
    let page = b"<?php\nrequire(__DIR__ . '/../../config.php');\n$made = 0;\nfor ($i = 0; $i < 300; $i++) {\n    try { user_create_user(['username' => \"nopassword$i\"]); $made++; }\n    catch (Throwable $e) { echo $e->getMessage(), ' '; }\n}\necho \"made $made\";\n";
    support::install_pages(&harness, "users", &[("make.php", page)]).await;
    assert_eq!(harness.get("/site/mod/users/make.php").await.text, "made 300");
}

#[wasm_bindgen(inline_js = r#"
// A seeded generator of malformed messages, one family of defects each: the
// same few thousand messages on every run.
export function fuzzMessages(seed, count) {
  let state = seed >>> 0;
  const random = () => { state = (state * 1664525 + 1013904223) >>> 0; return state / 4294967296; };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const nest = (depth, leaf) => { let value = leaf; for (let i = 0; i < depth; i++) value = [value]; return value; };
  const deep = () => nest(9 + Math.floor(random() * 20000), pick([1, 'x', {}, null]));
  const request = () => ({ method: 'GET', url: '/site/', headers: {}, body: null });
  // Ids far above the harness's own, so an error reply is never taken for a real request's.
  const ok = () => ({ type: 'http-request', id: 1_000_000 + Math.floor(random() * 1000), request: request() });
  class Custom { constructor() { this.type = 'http-request'; this.id = 1; this.request = request(); } }
  const huge = () => 'u'.repeat((1 << 20) + 1 + Math.floor(random() * 1000));
  const families = {
    'not an object': () => pick([42, 'restart', null, undefined, true, [ok()], 10n]),
    'not a plain object': () => pick([
      new Map([['type', 'restart']]),
      new Map([['type', 'http-request'], ['id', 1], ['request', request()]]),
      new Set(['restart']), new Date(), /restart/, new Custom(), new Error('restart'), new String('restart'),
    ]),
    'unknown type': () => ({ type: pick(['', 'launch', 'RESTART', 'http_request', huge()]) }),
    'bad id': () => ({ ...ok(), id: pick([-1, 1.5, NaN, Infinity, 2 ** 33, '7', null, 10n, {}, [], undefined]) }),
    'missing field': () => { const m = ok(); delete m[pick(['id', 'request'])]; return m; },
    'bad request': () => ({ ...ok(), request: pick([
      null, 'GET /', [], new Map([['method', 'GET']]),
      { ...request(), method: pick(['', 'G E T', 7, null, huge()]) },
      { ...request(), url: pick(['', 7, null, huge(), { href: '/' }]) },
      { ...request(), headers: pick([[['a', 'b']], new Map([['a', 'b']]), { a: 7 }, { a: huge() }, 'a: b']) },
      { ...request(), body: pick([7, true, {}, [1, 2], new Map(), new Date()]) },
      { ...request(), verb: 'GET' },
    ]) }),
    'extra field': () => pick([{ ...ok(), extra: 1 }, { type: 'restart', now: true }, { type: 'inject-fault', fault: 'memory', also: 'x' }]),
    'deep nesting': () => pick([deep(), { ...ok(), request: deep() }, { type: 'configure', config: { phpIni: deep() } },
      { ...ok(), request: { ...request(), headers: { a: deep() } } }, { type: deep() }]),
    'bad config': () => ({ type: 'configure', config: pick([
      { rotateAftr: 1 }, { maxRestarts: 'five' }, { restartPeriodSeconds: NaN }, { phpIni: { a: 1 } }, { debug: 'yes' },
      { siteUrl: huge() }, { profile: 7 }, new Map([['debug', true]]), { checkpoint: 10n },
    ]) }),
    'bad fault': () => ({ type: 'inject-fault', fault: pick([7, null, {}, [], undefined, 10n, huge()]) }),
    'too many fields': () => ({ type: 'configure', config: { phpIni: Object.fromEntries(Array.from({ length: 10001 }, (_, i) => [`k${i}`, 'v'])) } }),
  };
  const names = Object.keys(families);
  return Array.from({ length: count }, (_, i) => {
    const family = names[i % names.length];
    return { family, message: families[family]() };
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = fuzzMessages)]
    fn fuzz_messages(seed: u32, count: u32) -> js_sys::Array;
}

/// A few thousand malformed messages of every family (wrong types, missing and
/// extra fields, huge strings, deep nesting, non-plain objects, bodies of every
/// type, out-of-range ids): each is answered with exactly one `error`, at once,
/// the worker never fails, and it serves a normal request between batches.
#[wasm_bindgen_test]
async fn every_malformed_message_of_a_few_thousand_gets_an_error_and_the_worker_keeps_serving() {
    let harness = Harness::boot(false).await;
    let cases = fuzz_messages(20261202, 3_000);
    for (index, case) in cases.iter().enumerate() {
        let family = support::field(&case, "family").as_string().unwrap_or_default();
        let errors_before = harness.messages_of_type("error").len();
        harness.send(support::field(&case, "message"));
        let errors_after = harness.messages_of_type("error").len();
        assert_eq!(errors_after, errors_before + 1, "case {index} ({family}) got no error reply");
        if index % 500 == 499 {
            assert_eq!(harness.get("/site/").await.status, 200, "after case {index}");
        }
    }
    assert!(harness.messages_of_type("failed").is_empty());
    let last = harness.messages_of_type("error").last().map(|m| support::field(m, "message").as_string());
    assert!(last.flatten().is_some_and(|m| m.contains("malformed message")));
    assert_eq!(harness.get("/site/").await.status, 200);
}

/// A page calling mail() learns it failed (false, as PHP without a mailer),
/// and the page is told once, in a trace, that the playground cannot send email.
#[wasm_bindgen_test]
async fn mail_returns_false_and_the_page_is_told_once() {
    let harness = Harness::boot(false).await;
    support::install_pages(
        &harness,
        "mailer",
        &[(
            "send.php",
            b"<?php\n$sent = @mail('teacher@example.org', 'Hello', 'Body');\necho $sent ? 'sent' : 'not sent';\n",
        )],
    )
    .await;
    for _ in 0..2 {
        let response = harness.get("/site/mod/mailer/send.php").await;
        assert_eq!(response.text, "not sent");
    }
    let told: Vec<String> = harness
        .messages_of_type("trace")
        .iter()
        .filter_map(|m| support::field(m, "message").as_string())
        .filter(|t| t.contains("cannot send email"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
}

/// Pages of a plugin that watch one script of its own, `target.php`: the
/// SAPI name and whether OPcache holds the script, make it 10 s old, rewrite
/// it (in place, by a rename over it, or delete it), as applications and
/// plugin installs do.
const CACHE_WATCHER_PAGES: &[(&str, &[u8])] = &[
    ("target.php", b"<?php echo 'v0';\n"),
    (
        "probe.php",
        b"<?php\n$target = __DIR__ . '/target.php';\necho PHP_SAPI, ' ', function_exists('opcache_is_script_cached') && opcache_is_script_cached($target) ? 'cached' : 'not-cached';\n",
    ),
    ("age.php", b"<?php\ntouch(__DIR__ . '/target.php', time() - 10);\necho 'aged';\n"),
    (
        "rewrite.php",
        b"<?php\n$target = __DIR__ . '/target.php';\n$source = \"<?php echo 'v\" . (int) $_GET['v'] . \"';\\n\";\nswitch ($_GET['how']) {\n    case 'put': file_put_contents($target, $source); break;\n    case 'rename': file_put_contents(\"$target.tmp\", $source); rename(\"$target.tmp\", $target); break;\n    case 'delete': unlink($target); break;\n}\necho 'done';\n",
    ),
];

/// OPcache is on by default: a script old enough is compiled once and kept,
/// and a script rewritten at any moment — in the second it was compiled,
/// or after it was cached, in place or by a rename — is served as it now is.
#[wasm_bindgen_test]
async fn cached_scripts_are_served_as_they_now_are_whenever_they_are_rewritten() {
    let harness = Harness::boot(false).await;
    support::install_pages(&harness, "cachewatch", CACHE_WATCHER_PAGES).await;
    let page = |name: &str| format!("/site/mod/cachewatch/{name}");
    assert_eq!(harness.get(&page("target.php")).await.text, "v0");
    // (make it old first, rewrite how, the version written); every version
    // has the same length, so only the mtime can tell them apart.
    let rewrites = [
        (true, "put", 1),
        (true, "rename", 2),
        (false, "put", 3),
        (false, "put", 4),
        (false, "rename", 5),
        (true, "put", 6),
        (true, "put", 7),
    ];
    for (aged, how, version) in rewrites {
        if aged {
            assert_eq!(harness.get(&page("age.php")).await.text, "aged");
            harness.get(&page("target.php")).await;
            assert_eq!(harness.get(&page("probe.php")).await.text, "fpm-fcgi cached", "before rewrite {version}");
        }
        assert_eq!(harness.get(&page(&format!("rewrite.php?how={how}&v={version}"))).await.text, "done");
        assert_eq!(harness.get(&page("target.php")).await.text, format!("v{version}"), "{how} (aged first: {aged})");
    }
    assert_eq!(harness.get(&page("age.php")).await.text, "aged");
    harness.get(&page("target.php")).await;
    assert_eq!(harness.get(&page("rewrite.php?how=delete&v=0")).await.text, "done");
    assert_eq!(harness.get(&page("target.php")).await.status, 404, "a deleted script is not served from the cache");
}

/// `opcache: false` gives @php-wasm's own behaviour: SAPI `wasm`, nothing cached.
#[wasm_bindgen_test]
async fn with_opcache_off_nothing_is_cached() {
    let harness = Harness::boot_with(false, r#""opcache": false"#).await;
    support::install_pages(&harness, "cachewatch", CACHE_WATCHER_PAGES).await;
    let page = |name: &str| format!("/site/mod/cachewatch/{name}");
    assert_eq!(harness.get(&page("age.php")).await.text, "aged");
    assert_eq!(harness.get(&page("target.php")).await.text, "v0");
    assert_eq!(harness.get(&page("probe.php")).await.text, "wasm not-cached");
}

/// The worker's own writes (a restore onto the standby, a seed, a plugin put
/// back: all `write_file`) over a script the instance has cached: the script
/// is served as written, whatever its length and however old it is made.
#[wasm_bindgen_test]
async fn a_cached_script_the_worker_rewrites_is_run_as_written() {
    use resilient_php_worker::php::host::HostFactory;
    use resilient_php_worker::php::{OpcacheSize, PhpRuntime, RuntimeFactory, RuntimeOptions};
    let factory = HostFactory::new(support::php_host().await.unchecked_into());
    let options = RuntimeOptions {
        document_root: "/www".into(),
        site_url: "http://localhost/site".into(),
        opcache: Some(OpcacheSize { megabytes: 8, files: 100 }),
        ..RuntimeOptions::default()
    };
    let runtime = factory.create(&options).await.expect("a runtime");
    runtime.mkdir_tree("/www").unwrap();
    let run = |code: String| {
        let runtime = &runtime;
        async move { runtime.run_code(&code).await.expect("php.run").stdout }
    };
    let include = "<?php echo include '/www/restored.php', ' ', opcache_is_script_cached('/www/restored.php') ? 'cached' : 'not-cached';";
    // (what the cached script returns, what the worker writes over it, how
    // many seconds old the written file is then made: 0 = left as written).
    // The cached one was made 10 s old: a file dated exactly as the cached
    // one is the one case no timestamp check can tell apart (a php-fpm
    // server alike); ages under 10 can never land on its second.
    let family = [("A", "B", 0), ("AA", "B", 0), ("A", "BB", 0), ("A", "B", 5), ("A", "B", 9)];
    for (cached, written, age) in family {
        runtime.write_file("/www/restored.php", format!("<?php return '{cached}';").as_bytes()).unwrap();
        run("<?php touch('/www/restored.php', time() - 10);".into()).await;
        assert_eq!(run(include.into()).await, format!("{cached} cached"));
        runtime.write_file("/www/restored.php", format!("<?php return '{written}';").as_bytes()).unwrap();
        if age > 0 {
            run(format!("<?php touch('/www/restored.php', time() - {age});")).await;
        }
        assert!(
            run(include.into()).await.starts_with(&format!("{written} ")),
            "{cached} → {written}, made {age} s old"
        );
    }
    runtime.destroy();
}

/// The stat the worker takes after every request (the checkpoint's stamp of
/// the DB) describes whatever is at the path now, however PHP changed it since
/// the last stat: written in place, removed, made again, renamed over, its
/// folder renamed away or made a file, turned into a folder, or reached
/// through a symbolic link pointed elsewhere. (The host remembers the nodes of
/// paths it is asked about again and again; none of these may leave it
/// describing a node no longer there.)
#[wasm_bindgen_test]
async fn a_stat_always_describes_what_is_at_the_path_now() {
    use resilient_php_worker::php::host::HostFactory;
    use resilient_php_worker::php::{PhpRuntime, RuntimeFactory, RuntimeOptions};
    let factory = HostFactory::new(support::php_host().await.unchecked_into());
    let options =
        RuntimeOptions { document_root: "/www".into(), site_url: "http://localhost/site".into(), ..Default::default() };
    let runtime = factory.create(&options).await.expect("a runtime");
    runtime.mkdir_tree("/data/db").unwrap();
    runtime.mkdir_tree("/data/elsewhere").unwrap();
    runtime.write_file("/data/elsewhere/other", b"0123456789").unwrap();
    // What PHP sees at the path: "none", "dir" or the file's size.
    let seen_by_php = |path: &'static str| {
        let runtime = &runtime;
        async move {
            let code = format!(
                "<?php clearstatcache(); echo !file_exists('{path}') ? 'none' : (is_dir('{path}') ? 'dir' : filesize('{path}'));"
            );
            runtime.run_code(&code).await.expect("php.run").stdout
        }
    };
    let seen_by_stat = |path: &str| match runtime.stat(path).expect("stat") {
        None => "none".to_string(),
        Some(stat) if stat.is_dir => "dir".to_string(),
        Some(stat) => stat.size.to_string(),
    };
    let changes = [
        ("made", "file_put_contents('/data/db/site.db', 'abc');"),
        ("written in place", "file_put_contents('/data/db/site.db', 'defgh', FILE_APPEND);"),
        ("removed", "unlink('/data/db/site.db');"),
        ("made again", "file_put_contents('/data/db/site.db', str_repeat('x', 100));"),
        ("renamed over", "copy('/data/elsewhere/other', '/data/db/new'); rename('/data/db/new', '/data/db/site.db');"),
        (
            "folder renamed away",
            "rename('/data/db', '/data/old'); mkdir('/data/db'); file_put_contents('/data/db/site.db', 'z');",
        ),
        ("folder made a file", "unlink('/data/db/site.db'); rmdir('/data/db'); file_put_contents('/data/db', 'file');"),
        ("turned into a folder", "unlink('/data/db'); mkdir('/data/db/site.db', 0777, true);"),
        ("made a file again", "rmdir('/data/db/site.db'); file_put_contents('/data/db/site.db', '1234');"),
    ];
    for (what, code) in changes {
        runtime.run_code(&format!("<?php {code}")).await.expect("php.run");
        // Asked twice: the second answer comes from what the first remembered.
        for _ in 0..2 {
            assert_eq!(seen_by_stat("/data/db/site.db"), seen_by_php("/data/db/site.db").await, "after: {what}");
        }
    }
    // Through a symbolic link, then with the link pointed elsewhere.
    runtime.run_code("<?php mkdir('/data/a'); mkdir('/data/b'); file_put_contents('/data/a/f', '1'); file_put_contents('/data/b/f', '22'); symlink('/data/a', '/data/link');").await.expect("php.run");
    assert_eq!(seen_by_stat("/data/link/f"), "1");
    runtime.run_code("<?php unlink('/data/link'); symlink('/data/b', '/data/link');").await.expect("php.run");
    assert_eq!(seen_by_stat("/data/link/f"), seen_by_php("/data/link/f").await);
    assert_eq!(seen_by_stat("/data/link/f"), "2");
    runtime.destroy();
}
