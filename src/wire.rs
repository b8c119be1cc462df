//! The per-request hot path's crossings between Rust and JS, one call each.
//!
//! Reading a field of a JS object from Rust costs several wasm↔JS crossings
//! (the key, the lookup, the value, the drops); a request read field by field,
//! its PHP request built and its answer posted the same way cost ≈ 40 µs per
//! request in crossings alone (figure 3 of the bench, hello.php ≈ 0.6 ms). So
//! each of those three steps is one call into the small JS functions below,
//! which only move data: what a request means, and every check of what the
//! page sent beyond its shape, stays in Rust (src/inbound.rs, src/protocol.rs).

use crate::protocol::HttpRequest;
use wasm_bindgen::prelude::*;

/// Separates the parts of a request's head in the one string `read_request_head`
/// returns. A request whose text holds it takes the slow path (src/inbound.rs).
pub const SEPARATOR: char = '\0';

#[wasm_bindgen(inline_js = r#"
const plain = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};
const fits = (text, maxText) => typeof text === 'string' && text.length <= maxText && !text.includes('\0');
const REQUEST_FIELDS = new Set(['method', 'url', 'headers', 'body']);

// The head of the common request message, as one string: id, `body` if it
// has one (else nothing), method, url, then header name and value pairs,
// joined by NUL. Anything else (another
// message, another shape, a field too long, a NUL in a text) is undefined:
// the caller's thorough path then reads the message and names what is wrong.
export function readRequestHead(message, maxText) {
  if (!plain(message) || message.type !== 'http-request') return undefined;
  if (Object.keys(message).length !== 3 || !Number.isInteger(message.id) || message.id < 0 || message.id > 0xffffffff) return undefined;
  const request = message.request;
  if (!plain(request)) return undefined;
  for (const key of Object.keys(request)) if (!REQUEST_FIELDS.has(key)) return undefined;
  const { method, url, headers } = request;
  if (!fits(method, maxText) || !fits(url, maxText)) return undefined;
  const parts = [String(message.id), request.body == null ? '' : 'body', method, url];
  if (headers !== undefined) {
    if (!plain(headers)) return undefined;
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (!fits(name, maxText) || !fits(value, maxText)) return undefined;
      parts.push(name, value);
    }
  }
  return parts.join('\0');
}

export const requestBody = (message) => message.request.body;

// Starts PHP's request on `runtime` (www/php-host.js) with the head Rust
// decided on, `method\0url\0name\0value\0…`; no body is an empty one.
export function startPhpRequest(runtime, head, body) {
  const parts = head.split('\0');
  const headers = {};
  for (let i = 2; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
  return runtime.request({ method: parts[0], url: parts[1], headers, body: body ?? new Uint8Array(0) });
}

// Hands what a request the worker's fast lane started settles to back to it
// (src/worker.rs), with the number it gave the request.
export function whenSettled(promise, seq, onAnswer, onFailure) {
  promise.then((answer) => onAnswer(seq, answer), (error) => onFailure(seq, error));
}

// Posts an `http-response` (src/protocol.rs pins its shape). The body goes as
// an ArrayBuffer holding exactly its bytes, transferred: the view's own buffer
// when the view spans all of it (what @php-wasm returns), else a copy.
export function postHttpResponse(post, id, status, statusText, headers, view) {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  const body = whole ? view.buffer : view.slice().buffer;
  post({ type: 'http-response', id, response: { status, statusText, headers, body } }, [body]);
}
"#)]
extern "C" {
    /// The common request message's head, or `None` (see the JS above).
    #[wasm_bindgen(js_name = readRequestHead)]
    pub fn read_request_head(message: &JsValue, max_text: usize) -> Option<String>;

    /// `message.request.body` of a message `read_request_head` accepted.
    #[wasm_bindgen(js_name = requestBody)]
    pub fn request_body(message: &JsValue) -> JsValue;

    /// `runtime.request({method, url, headers, body})` of a head made by
    /// `request_head`: its promise. `body` undefined for none.
    #[wasm_bindgen(catch, js_name = startPhpRequest)]
    pub fn start_php_request(runtime: &JsValue, head: &str, body: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// `promise.then(answer => on_answer(seq, answer), error => on_failure(seq, error))`.
    #[wasm_bindgen(js_name = whenSettled)]
    pub fn when_settled(promise: &js_sys::Promise, seq: u32, on_answer: &JsValue, on_failure: &JsValue);

    /// `post({type: 'http-response', id, response: {…}}, [body])`, `body` a
    /// view of the bytes (a Uint8Array); its buffer is transferred.
    #[wasm_bindgen(catch, js_name = postHttpResponse)]
    pub fn post_http_response(
        post: &js_sys::Function,
        id: u32,
        status: u16,
        status_text: &str,
        headers: &JsValue,
        body: &JsValue,
    ) -> Result<(), JsValue>;

    /// What `runtime.request()` resolves to (www/php-host.js): `{status,
    /// headers, body}` as @php-wasm made them (a number, an object of arrays,
    /// a Uint8Array), read by getters, one call per field and no type check
    /// in JS: the host is this project's own code.
    pub type PhpAnswer;
    #[wasm_bindgen(method, getter)]
    pub fn status(this: &PhpAnswer) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn headers(this: &PhpAnswer) -> js_sys::Object;
    #[wasm_bindgen(method, getter)]
    pub fn body(this: &PhpAnswer) -> js_sys::Uint8Array;

}

/// `method\0url\0name\0value\0…` of a request, for `start_php_request`:
/// one string crosses instead of one per field. `None` when a text holds the
/// separator (the caller then builds the request object field by field).
pub fn request_head(request: &HttpRequest) -> Option<String> {
    let texts = [&request.method, &request.url].into_iter().chain(request.headers.iter().flat_map(|(n, v)| [n, v]));
    let mut head = String::with_capacity(texts.clone().map(|text| text.len() + 1).sum());
    for text in texts {
        if text.contains(SEPARATOR) {
            return None;
        }
        if !head.is_empty() {
            head.push(SEPARATOR);
        }
        head.push_str(text);
    }
    Some(head)
}
