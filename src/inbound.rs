//! What the page posts, turned into jobs for the queue. Every message is
//! checked to be plain, bounded data first (src/message_shape.rs), so a
//! hostile or buggy message gets a named `error` and can never make the
//! decoder recurse without bound or obey something that is not a plain object.

use crate::message_shape::{self, Inspect, Node, MAX_TEXT};
use crate::protocol::{self, Body, Incoming, ProtocolError};
use crate::queue::Job;
use js_sys::{Array, ArrayBuffer, JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `Object.prototype`, looked up once per worker rather than once per message
/// (the per-request path): what makes an object plain.
pub struct ObjectPrototype(JsValue);

impl ObjectPrototype {
    pub fn new() -> Self {
        ObjectPrototype(Object::get_prototype_of(&Object::new()).into())
    }
}

impl Default for ObjectPrototype {
    fn default() -> Self {
        Self::new()
    }
}

/// Decodes one message from the page, or says what is wrong with it.
pub fn decode_job(message: &JsValue, object_prototype: &ObjectPrototype) -> Result<Job, ProtocolError> {
    match decode_request_fast(message) {
        Some(job) => Ok(job),
        None => decode_job_thoroughly(message, object_prototype),
    }
}

/// Every message the hot path does not take, checked whole before it is
/// decoded; also the yardstick the hot path is tested against (tests/browser.rs).
pub fn decode_job_thoroughly(message: &JsValue, object_prototype: &ObjectPrototype) -> Result<Job, ProtocolError> {
    if !is_plain_object(message, object_prototype) {
        return Err(ProtocolError(format!(
            "malformed message: expected a plain object with a `type` field, got {}",
            describe(message)
        )));
    }
    message_shape::check(JsNode { value: message.clone(), object_prototype })?;
    match protocol::decode(serde_wasm_bindgen::Deserializer::from(message.clone()))? {
        Incoming::Configure { config } => Ok(Job::Configure(config)),
        Incoming::HttpRequest { id, request } => {
            let js_request = field(message, "request").unwrap_or(JsValue::UNDEFINED);
            let body = body_of(&field(&js_request, "body").unwrap_or(JsValue::UNDEFINED))
                .map_err(|e| ProtocolError(format!("request {id}: {}", e.0)))?;
            let request = protocol::HttpRequest::from_head(request, body)
                .map_err(|e| ProtocolError(format!("request {id}: {}", e.0)))?;
            Ok(Job::Request { id, request })
        }
        Incoming::InjectFault { fault } => Ok(Job::InjectFault(fault)),
        Incoming::Restart {} => Ok(Job::Restart),
        Incoming::SaveLanded { seq, error, names, write_ms } => {
            let names = names
                .as_bytes()
                .chunks(crate::site_store::CHUNK_NAME_LEN)
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect();
            Ok(Job::SaveLanded { seq, result: error.map_or(Ok(names), Err), write_ms })
        }
    }
}

/// The id of a malformed message, when it has a usable one, for the `error` reply.
pub fn message_id(message: &JsValue) -> Option<u32> {
    if !message.is_object() {
        return None;
    }
    let id = field(message, "id")?.as_f64()?;
    (id.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&id)).then_some(id as u32)
}

/// The common message, `http-request` with a plain request, read in one call
/// (src/wire.rs); `None` sends anything else down the thorough path.
fn decode_request_fast(message: &JsValue) -> Option<Job> {
    let head = crate::wire::read_request_head(message, MAX_TEXT)?;
    let mut parts = head.split(crate::wire::SEPARATOR);
    let id: u32 = parts.next()?.parse().ok()?;
    let has_body = parts.next()? == "body";
    let method = parts.next()?.to_string();
    let url = parts.next()?.to_string();
    let mut headers = std::collections::BTreeMap::new();
    while let Some(name) = parts.next() {
        headers.insert(name.to_string(), parts.next()?.to_string());
    }
    let head = protocol::RequestHead { method, url, headers, body: None };
    // The body is asked for only when there is one (a call into JS less for most requests).
    let body = if has_body { body_of(&crate::wire::request_body(message)).ok()? } else { protocol::Body::empty() };
    let request = protocol::HttpRequest::from_head(head, body).ok()?;
    Some(Job::Request { id, request })
}

/// A field named by a constant. The names are interned: made into JS strings
/// once per worker, not once per message.
fn field(target: &JsValue, name: &'static str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(wasm_bindgen::intern(name))).ok()
}

/// The request's body as the page posted it: bytes stay in the JS buffer
/// (this worker's own structured clone), viewed, never copied.
fn body_of(body: &JsValue) -> Result<Body, ProtocolError> {
    if body.is_undefined() || body.is_null() {
        return Ok(Body::empty());
    }
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes().into());
    }
    if let Some(buffer) = body.dyn_ref::<ArrayBuffer>() {
        return Ok(Body::from_js(Uint8Array::new(buffer)));
    }
    if ArrayBuffer::is_view(body) {
        let buffer = field(body, "buffer").unwrap_or(JsValue::UNDEFINED);
        let offset = field(body, "byteOffset").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let length = field(body, "byteLength").and_then(|v| v.as_f64()).unwrap_or(0.0);
        if buffer.dyn_ref::<ArrayBuffer>().is_none() {
            return Err(ProtocolError("request.body is a view of shared memory, not of an ArrayBuffer".into()));
        }
        return Ok(Body::from_js(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32)));
    }
    Err(ProtocolError(format!(
        "request.body must be an ArrayBuffer, a typed array, a string or null, not {}",
        describe(body)
    )))
}

/// An object whose prototype is `Object.prototype` (or null): what `{…}`
/// literals and structured clones of them are. Not a Map, Date, class instance.
fn is_plain_object(value: &JsValue, object_prototype: &ObjectPrototype) -> bool {
    if !value.is_object() || Array::is_array(value) {
        return false;
    }
    let prototype: JsValue = Object::get_prototype_of(value).into();
    prototype.is_null() || prototype == object_prototype.0
}

/// "a Map", "a BigInt", "a string"… for error messages.
fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if value.is_bigint() {
        return "a BigInt".into();
    }
    if value.is_object() {
        let prototype: JsValue = Object::get_prototype_of(value).into();
        let constructor = Reflect::get(&prototype, &"constructor".into()).unwrap_or(JsValue::UNDEFINED);
        let name = Reflect::get(&constructor, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        return if name.is_empty() { "an object with an unknown prototype".into() } else { format!("a {name}") };
    }
    format!("a {}", value.js_typeof().as_string().unwrap_or_default())
}

/// A JS value as the shape check sees it.
struct JsNode<'a> {
    value: JsValue,
    object_prototype: &'a ObjectPrototype,
}

impl<'a> Inspect for JsNode<'a> {
    fn inspect(&self) -> Node<Self> {
        let value = &self.value;
        let node = |value: JsValue| JsNode { value, object_prototype: self.object_prototype };
        if value.is_null() || value.is_undefined() || value.as_bool().is_some() {
            return Node::Scalar;
        }
        if let Some(number) = value.as_f64() {
            return Node::Number(number);
        }
        if let Some(text) = value.dyn_ref::<JsString>() {
            return Node::Text(text.length() as usize);
        }
        if value.dyn_ref::<ArrayBuffer>().is_some() || ArrayBuffer::is_view(value) {
            return Node::Bytes;
        }
        if Array::is_array(value) {
            return Node::List(value.unchecked_ref::<Array>().iter().map(node).collect());
        }
        if is_plain_object(value, self.object_prototype) {
            let fields = Object::keys(value.unchecked_ref::<Object>())
                .iter()
                .filter_map(|key| {
                    let child = Reflect::get(value, &key).ok()?;
                    Some((key.as_string()?, node(child)))
                })
                .collect();
            return Node::Record(fields);
        }
        Node::Refused(describe(value))
    }
}
