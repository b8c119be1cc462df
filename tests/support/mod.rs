#![allow(dead_code)] // each test crate uses a different part of the harness
//! A test harness that drives `WorkerApp` exactly as www/worker.js does, with
//! the real PHP host, and collects what it posts back.

pub mod upload;

use js_sys::{Function, Object, Reflect, Uint8Array};
use resilient_php_worker::worker::WorkerApp;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const SERVER: &str = match option_env!("TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};

/// How long a boot or a request may take before the test fails with a clear message.
const TIMEOUT_MS: f64 = 30_000.0;

#[wasm_bindgen(inline_js = "
export function importModule(url) { return import(url); }
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
")]
extern "C" {
    #[wasm_bindgen(catch, js_name = importModule)]
    async fn import_module(url: &str) -> Result<JsValue, JsValue>;
    async fn sleep(ms: f64);
}

pub struct Response {
    pub status: u16,
    pub text: String,
    pub headers: JsValue,
}

impl Response {
    /// The first value of a response header.
    pub fn header(&self, name: &str) -> Option<String> {
        let values = get(&self.headers, name);
        js_sys::Array::from(&values).get(0).as_string()
    }
}

pub struct Ready {
    pub php_version: String,
}

pub struct Harness {
    app: WorkerApp,
    posted: Rc<RefCell<Vec<JsValue>>>,
    next_id: RefCell<u32>,
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// The bundled PHP host (www/php-host.js) from the test server: `createPhpHost()`'s result.
pub async fn php_host() -> JsValue {
    let module = import_module(&format!("{SERVER}/test-host/php-host.mjs")).await.unwrap_or_else(|e| {
        panic!("could not import the PHP host from {SERVER}: {e:?} (is scripts/serve.js running?)")
    });
    let create: Function = get(&module, "createPhpHost").unchecked_into();
    create.call0(&JsValue::NULL).expect("createPhpHost()")
}

impl Harness {
    pub async fn boot(debug: bool) -> Harness {
        Self::boot_with(debug, "").await
    }

    /// Boots with extra configuration fields, given as JSON members (`"maxRestarts": 2`).
    pub async fn boot_with(debug: bool, extra_config: &str) -> Harness {
        let host = php_host().await;
        let posted = Rc::new(RefCell::new(Vec::new()));
        let sink = posted.clone();
        let post = Closure::<dyn Fn(JsValue, JsValue)>::new(move |message: JsValue, _transfer: JsValue| {
            sink.borrow_mut().push(message)
        });
        let app = WorkerApp::new(host, post.as_ref().unchecked_ref::<Function>().clone());
        post.forget();
        let harness = Harness { app, posted, next_id: RefCell::new(1) };
        harness.send_raw(&format!(
            r#"{{"type": "configure", "config": {{"siteUrl": "http://localhost/site", "bundleUrl": "{SERVER}/test-host/demo-site.zip", "debug": {debug}{extra}}}}}"#,
            extra = if extra_config.is_empty() { String::new() } else { format!(", {extra_config}") }
        ));
        harness.wait_for(|m| type_of(m) == "ready" || type_of(m) == "failed", "ready").await;
        let failed = harness.posted.borrow().iter().find(|m| type_of(m) == "failed").cloned();
        if let Some(failed) = failed {
            panic!("the worker failed to boot: {}", get(&failed, "reason").as_string().unwrap_or_default());
        }
        harness
    }

    pub fn ready(&self) -> Ready {
        let ready = self.posted.borrow().iter().find(|m| type_of(m) == "ready").cloned().expect("booted");
        Ready { php_version: get(&ready, "phpVersion").as_string().unwrap_or_default() }
    }

    /// Sends a message given as JSON, as the page would post it.
    pub fn send_raw(&self, json: &str) {
        self.app.receive(js_sys::JSON::parse(json).expect("test JSON"));
    }

    pub fn send(&self, message: JsValue) {
        self.app.receive(message);
    }

    pub fn is_idle(&self) -> bool {
        self.app.is_idle()
    }

    /// Waits until the worker has nothing running, in flight or queued.
    pub async fn wait_until_idle(&self) {
        let deadline = now() + TIMEOUT_MS;
        while !self.app.is_idle() {
            if now() > deadline {
                panic!("timed out after {TIMEOUT_MS} ms waiting for the worker to be idle");
            }
            sleep(5.0).await;
        }
    }

    pub fn messages_of_type(&self, kind: &str) -> Vec<JsValue> {
        self.posted.borrow().iter().filter(|m| type_of(m) == kind).cloned().collect()
    }

    /// Waits for a message matching `accept` that was posted after this call began.
    pub async fn wait_for(&self, accept: impl Fn(&JsValue) -> bool, what: &str) -> JsValue {
        let start_index = 0;
        let deadline = now() + TIMEOUT_MS;
        loop {
            if let Some(found) = self.posted.borrow().iter().skip(start_index).find(|m| accept(m)).cloned() {
                return found;
            }
            if now() > deadline {
                let types: Vec<String> = self.posted.borrow().iter().map(type_of).collect();
                panic!("timed out after {TIMEOUT_MS} ms waiting for {what}; the worker posted {types:?}");
            }
            sleep(5.0).await;
        }
    }

    /// Sends a message (as JSON) and returns the `message` of the `error` it gets.
    pub async fn expect_error(&self, json: &str) -> String {
        let seen = self.messages_of_type("error").len();
        self.send_raw(json);
        self.wait_for_new("error", seen).await
    }

    /// Waits until more than `seen` messages of a type exist; returns the next one's `message`.
    pub async fn wait_for_new(&self, kind: &str, seen: usize) -> String {
        let deadline = now() + TIMEOUT_MS;
        loop {
            let all = self.messages_of_type(kind);
            if all.len() > seen {
                return get(&all[seen], "message").as_string().unwrap_or_default();
            }
            if now() > deadline {
                panic!("timed out waiting for a {kind} message");
            }
            sleep(5.0).await;
        }
    }

    pub async fn request(&self, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let id = {
            let mut next = self.next_id.borrow_mut();
            *next += 1;
            *next
        };
        let request = Object::new();
        Reflect::set(&request, &"method".into(), &method.into()).unwrap();
        Reflect::set(&request, &"url".into(), &url.into()).unwrap();
        let js_headers = Object::new();
        for (name, value) in headers {
            Reflect::set(&js_headers, &(*name).into(), &(*value).into()).unwrap();
        }
        Reflect::set(&request, &"headers".into(), &js_headers).unwrap();
        Reflect::set(&request, &"body".into(), &Uint8Array::from(body).buffer()).unwrap();
        let message = Object::new();
        Reflect::set(&message, &"type".into(), &"http-request".into()).unwrap();
        Reflect::set(&message, &"id".into(), &id.into()).unwrap();
        Reflect::set(&message, &"request".into(), &request).unwrap();
        self.send(message.into());
        let reply = self
            .wait_for(
                |m| {
                    (type_of(m) == "http-response" || type_of(m) == "error") && get(m, "id").as_f64() == Some(id as f64)
                },
                &format!("the response to {method} {url}"),
            )
            .await;
        if type_of(&reply) == "error" {
            panic!("{method} {url} got an error: {}", get(&reply, "message").as_string().unwrap_or_default());
        }
        let response = get(&reply, "response");
        let body: Uint8Array = Uint8Array::new(&get(&response, "body"));
        Response {
            status: get(&response, "status").as_f64().unwrap_or(0.0) as u16,
            text: String::from_utf8_lossy(&body.to_vec()).into_owned(),
            headers: get(&response, "headers"),
        }
    }

    pub async fn get(&self, url: &str) -> Response {
        self.request("GET", url, &[], &[]).await
    }

    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Response {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", js_sys::encode_uri_component(k), js_sys::encode_uri_component(v)))
            .collect();
        self.request("POST", url, &[("content-type", "application/x-www-form-urlencoded")], body.join("&").as_bytes())
            .await
    }
}

pub fn type_of(message: &JsValue) -> String {
    get(message, "type").as_string().unwrap_or_default()
}

/// The value of `<input name="NAME" value="...">` in an HTML page.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value_at = tag.find("value=\"")? + 7;
    let value_end = value_at + tag[value_at..].find('"')?;
    Some(tag[value_at..value_end].to_string())
}

/// Installs a plugin zip through the add-on installer, as a user would, and
/// follows the redirect that registers it. Returns the install page's text.
pub async fn install_plugin(harness: &Harness, sesskey: &str, file_name: &str, zip: &[u8]) -> String {
    let (content_type, body) = upload::multipart(&[("sesskey", sesskey)], "zipfile", file_name, zip);
    let installed = harness
        .request("POST", "/site/admin/tool/installaddon/index.php", &[("content-type", &content_type)], &body)
        .await;
    assert_eq!(installed.status, 303, "installing {file_name}: {}", installed.text);
    let location = installed.header("location").expect("the installer redirects");
    assert!(location.contains("installzipcomponent="), "{location}");
    let path = location.split_once("/site/").map(|(_, p)| format!("/site/{p}")).unwrap();
    harness.get(&path).await.text
}

/// Installs `mod_<name>`, a plugin of the given pages (path, PHP source) and
/// a version.php written here, as `install_plugin` does.
pub async fn install_pages(harness: &Harness, name: &str, pages: &[(&str, &[u8])]) {
    let key = sesskey(harness).await;
    let version = format!("<?php\n$plugin->component = 'mod_{name}';\n$plugin->version = 2024050100;\n");
    let paths: Vec<String> = std::iter::once("version.php")
        .chain(pages.iter().map(|(path, _)| *path))
        .map(|path| format!("{name}/{path}"))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![(paths[0].as_str(), version.as_bytes())];
    files.extend(pages.iter().zip(&paths[1..]).map(|((_, source), path)| (path.as_str(), *source)));
    install_plugin(harness, &key, &format!("mod_{name}.zip"), &upload::zip(&files)).await;
}

/// The sesskey of the logged-in user, read from a form.
pub async fn sesskey(harness: &Harness) -> String {
    let form = harness.get("/site/course/edit.php").await;
    form_field(&form.text, "sesskey").expect("the course form carries a sesskey")
}

pub fn field(message: &JsValue, name: &str) -> JsValue {
    get(message, name)
}
