//! The headers and bodies the worker carries between the page and PHP.
//!
//! In the browser they stay JS objects: a response's headers and body are the
//! ones `@php-wasm` made, a request's body is the buffer the page posted. The
//! worker reads only the few headers it acts on (Set-Cookie, Location) and
//! hands the rest on untouched — no copy into wasm memory and back, no
//! re-encoding of every header name and value on each request (the
//! per-request hot path, bench figure 3). Natively, and for the pages the
//! worker writes itself, they are plain Rust data.

use std::collections::BTreeMap;

/// A request or response body.
#[derive(Clone, Default)]
pub struct Body(BodyRepr);

#[derive(Clone)]
enum BodyRepr {
    Bytes(Vec<u8>),
    /// A view the worker never copies (see the module's comment).
    #[cfg(target_arch = "wasm32")]
    Js(js_sys::Uint8Array),
}

impl Default for BodyRepr {
    fn default() -> Self {
        BodyRepr::Bytes(Vec::new())
    }
}

impl Body {
    pub fn empty() -> Self {
        Body::default()
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            BodyRepr::Bytes(bytes) => bytes.len(),
            #[cfg(target_arch = "wasm32")]
            BodyRepr::Js(bytes) => bytes.length() as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the bytes in Rust memory (only where Rust must read them).
    pub fn to_vec(&self) -> Vec<u8> {
        match &self.0 {
            BodyRepr::Bytes(bytes) => bytes.clone(),
            #[cfg(target_arch = "wasm32")]
            BodyRepr::Js(bytes) => bytes.to_vec(),
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl Body {
    pub fn from_js(bytes: js_sys::Uint8Array) -> Self {
        Body(BodyRepr::Js(bytes))
    }

    /// The bytes as a JS view: the same object when they came from JS.
    pub fn to_js(&self) -> js_sys::Uint8Array {
        match &self.0 {
            BodyRepr::Bytes(bytes) => js_sys::Uint8Array::from(bytes.as_slice()),
            BodyRepr::Js(bytes) => bytes.clone(),
        }
    }

    /// As `to_js`, giving up the body: a JS body is handed over, not cloned.
    pub fn into_js(self) -> js_sys::Uint8Array {
        match self.0 {
            BodyRepr::Bytes(bytes) => js_sys::Uint8Array::from(bytes.as_slice()),
            BodyRepr::Js(bytes) => bytes,
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body(BodyRepr::Bytes(bytes))
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.to_vec() == other.to_vec()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({} bytes)", self.len())
    }
}

/// A response's headers: lower-case names, each with its values (Set-Cookie repeats).
#[derive(Clone)]
pub struct Headers(HeadersRepr);

#[derive(Clone)]
enum HeadersRepr {
    Map(BTreeMap<String, Vec<String>>),
    /// `{name: [values]}` as @php-wasm made it.
    #[cfg(target_arch = "wasm32")]
    Js(js_sys::Object),
}

impl Headers {
    /// Every value of one header (`name` lower-case).
    pub fn all(&self, name: &str) -> Vec<String> {
        match &self.0 {
            HeadersRepr::Map(map) => map.get(name).cloned().unwrap_or_default(),
            #[cfg(target_arch = "wasm32")]
            // Interned: the same few names are asked after every request.
            HeadersRepr::Js(object) => {
                js_values(&js_sys::Reflect::get(object, &wasm_bindgen::intern(name).into()).unwrap_or_default())
            }
        }
    }

    pub fn first(&self, name: &str) -> Option<String> {
        self.all(name).into_iter().next()
    }

    pub fn contains(&self, name: &str) -> bool {
        !self.all(name).is_empty()
    }

    /// All of them as Rust data (for tests and the protocol's own tests).
    pub fn to_map(&self) -> BTreeMap<String, Vec<String>> {
        match &self.0 {
            HeadersRepr::Map(map) => map.clone(),
            #[cfg(target_arch = "wasm32")]
            HeadersRepr::Js(object) => js_sys::Object::keys(object)
                .iter()
                .filter_map(|name| name.as_string())
                .map(|name| {
                    let values = self.all(&name);
                    (name, values)
                })
                .collect(),
        }
    }
}

/// `["a", "b"]` or a lone `"a"` (what a header value may be in JS) as strings.
#[cfg(target_arch = "wasm32")]
fn js_values(value: &wasm_bindgen::JsValue) -> Vec<String> {
    use wasm_bindgen::JsCast;
    // The common case (no such header) decided without a call into JS.
    if value.is_undefined() {
        return Vec::new();
    }
    match value.dyn_ref::<js_sys::Array>() {
        Some(list) => list.iter().filter_map(|v| v.as_string()).collect(),
        None => value.as_string().into_iter().collect(),
    }
}

#[cfg(target_arch = "wasm32")]
impl Headers {
    pub fn from_js(object: js_sys::Object) -> Self {
        Headers(HeadersRepr::Js(object))
    }

    /// `{name: [values]}` for the page: the same object when it came from JS
    /// (handed over, not cloned).
    pub fn into_js(self) -> js_sys::Object {
        match self.0 {
            HeadersRepr::Js(object) => object,
            HeadersRepr::Map(map) => {
                let object = js_sys::Object::new();
                for (name, values) in &map {
                    let values: js_sys::Array = values.iter().map(|v| wasm_bindgen::JsValue::from_str(v)).collect();
                    let _ = js_sys::Reflect::set(&object, &name.into(), &values);
                }
                object
            }
        }
    }
}

impl Default for Headers {
    fn default() -> Self {
        Headers(HeadersRepr::Map(BTreeMap::new()))
    }
}

impl From<BTreeMap<String, Vec<String>>> for Headers {
    fn from(map: BTreeMap<String, Vec<String>>) -> Self {
        Headers(HeadersRepr::Map(map))
    }
}

impl<const N: usize> From<[(&str, &str); N]> for Headers {
    fn from(pairs: [(&str, &str); N]) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs {
            map.entry(name.to_ascii_lowercase()).or_default().push(value.into());
        }
        Headers(HeadersRepr::Map(map))
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.to_map() == other.to_map()
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_map().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_read_by_name_with_every_value() {
        let headers = Headers::from([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Location", "/x")]);
        assert_eq!(headers.all("set-cookie"), ["a=1", "b=2"]);
        assert_eq!(headers.first("location").as_deref(), Some("/x"));
        assert!(!headers.contains("content-type"));
        assert_eq!(headers.first("content-type"), None);
    }

    #[test]
    fn bodies_compare_by_their_bytes() {
        assert_eq!(Body::from(b"abc".to_vec()), Body::from(vec![b'a', b'b', b'c']));
        assert_ne!(Body::from(b"abc".to_vec()), Body::from(b"abd".to_vec()));
        assert!(Body::empty().is_empty());
        assert_eq!(format!("{:?}", Body::from(vec![0; 5])), "Body(5 bytes)");
    }
}
