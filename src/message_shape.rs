//! Is a message from the page plain data of a bounded size? Checked BEFORE
//! serde sees it, without recursion: serde's decoder recurses once per level
//! of nesting, and a message nested a few thousand levels deep exhausted the
//! engine stack inside Rust frames (the worker then faulted on every later
//! message). The protocol says plain objects: a `Map`, a `Date`, a class
//! instance, a `BigInt` is refused by name, not obeyed.
//!
//! The walk is generic over `Inspect`, so `cargo test` runs it on JSON values;
//! src/inbound.rs implements it for JS values.

use crate::protocol::ProtocolError;

/// No message of the protocol is deeper than 3 (`config.phpIni.<name>`,
/// `request.headers.<name>`); this leaves room without letting depth grow.
pub const MAX_DEPTH: usize = 8;
/// Fields and array items in one message, all levels together.
pub const MAX_ENTRIES: usize = 10_000;
/// Characters in any string except the request body (a URL, a header, a setting).
pub const MAX_TEXT: usize = 1 << 20;
/// The one place a string may be long: `request.body`.
const BODY_PATH: &str = "message.request.body";

/// What one value is, as far as the shape check cares.
pub enum Node<V> {
    /// null, undefined, a boolean.
    Scalar,
    Number(f64),
    /// A string of this many characters.
    Text(usize),
    /// An ArrayBuffer or a typed array (a body).
    Bytes,
    List(Vec<V>),
    Record(Vec<(String, V)>),
    /// Anything else, named (`a Map`, `a BigInt`, `a Date`…).
    Refused(String),
}

pub trait Inspect: Sized {
    fn inspect(&self) -> Node<Self>;
}

/// Checks the whole message iteratively; the error names the first problem and where it is.
pub fn check<V: Inspect>(message: V) -> Result<(), ProtocolError> {
    let mut pending = vec![(message, "message".to_string(), 0usize)];
    let mut entries = 0usize;
    while let Some((value, path, depth)) = pending.pop() {
        let children: Vec<(String, V)> = match value.inspect() {
            Node::Scalar | Node::Bytes => continue,
            Node::Number(n) if n.is_finite() => continue,
            Node::Number(n) => return Err(error(format!("{path} is {n}, not a finite number"))),
            Node::Text(length) if length <= MAX_TEXT || path == BODY_PATH => continue,
            Node::Text(length) => {
                return Err(error(format!("{path} is a string of {length} characters; the limit is {MAX_TEXT}")))
            }
            Node::Refused(what) => {
                return Err(error(format!("{path} is {what}; messages must be plain objects, arrays and values")))
            }
            Node::List(items) => items.into_iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect(),
            Node::Record(fields) => fields.into_iter().map(|(k, v)| (format!("{path}.{k}"), v)).collect(),
        };
        if depth >= MAX_DEPTH && !children.is_empty() {
            return Err(error(format!("{path} is nested deeper than {MAX_DEPTH} levels")));
        }
        entries += children.len();
        if entries > MAX_ENTRIES {
            return Err(error(format!("the message has more than {MAX_ENTRIES} fields and items")));
        }
        pending.extend(children.into_iter().map(|(child_path, child)| (child, child_path, depth + 1)));
    }
    Ok(())
}

fn error(text: String) -> ProtocolError {
    ProtocolError(format!("malformed message: {text}"))
}

#[cfg(test)]
impl<'a> Inspect for &'a serde_json::Value {
    fn inspect(&self) -> Node<&'a serde_json::Value> {
        use serde_json::Value;
        match self {
            Value::Null | Value::Bool(_) => Node::Scalar,
            Value::Number(n) => Node::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Node::Text(s.chars().count()),
            Value::Array(items) => Node::List(items.iter().collect()),
            Value::Object(fields) => Node::Record(fields.iter().map(|(k, v)| (k.clone(), v)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn nested(levels: usize, leaf: Value) -> Value {
        (0..levels).fold(leaf, |inner, _| json!([inner]))
    }

    #[test]
    fn every_message_of_the_protocol_passes() {
        for message in [
            json!({"type": "configure", "config": {"phpIni": {"memory_limit": "256M"}, "debug": true}}),
            json!({"type": "http-request", "id": 1, "request": {"method": "GET", "url": "/site/", "headers": {"a": "b"}, "body": null}}),
            json!({"type": "inject-fault", "fault": "memory"}),
            json!({"type": "restart"}),
        ] {
            assert_eq!(check(&message), Ok(()), "{message}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_at_every_depth_past_the_limit_wherever_it_is() {
        // (serde_json drops a Value recursively: the test stays at a thousand levels;
        // the browser fuzzer sends deeper ones as JS values.)
        for levels in [MAX_DEPTH + 1, MAX_DEPTH + 2, 100, 1_000] {
            for message in [
                nested(levels, json!(1)),
                json!({"type": "http-request", "id": 1, "request": nested(levels, json!("x"))}),
                json!({"type": "configure", "config": {"phpIni": nested(levels, json!({}))}}),
            ] {
                let refused = check(&message).unwrap_err().0;
                assert!(refused.contains("nested deeper than 8"), "{levels}: {refused}");
            }
        }
        // Just inside the limit is fine (the serde decoder then names the real problem).
        assert_eq!(check(&nested(MAX_DEPTH, json!(1))), Ok(()));
    }

    #[test]
    fn huge_messages_are_refused_by_size_not_by_running_out_of_memory() {
        let wide = json!({"type": "configure", "config": {"phpIni": (0..MAX_ENTRIES + 1).map(|i| (i.to_string(), json!("v"))).collect::<serde_json::Map<_, _>>()}});
        assert!(check(&wide).unwrap_err().0.contains("more than 10000 fields"));
        let long_url = "x".repeat(MAX_TEXT + 1);
        let message = json!({"type": "http-request", "id": 1, "request": {"method": "GET", "url": long_url}});
        let refused = check(&message).unwrap_err().0;
        assert!(refused.contains("message.request.url is a string of 1048577 characters"), "{refused}");
        // A body may be long: it is the one place for large data.
        let body =
            json!({"type": "http-request", "id": 1, "request": {"method": "POST", "url": "/", "body": long_url}});
        assert_eq!(check(&body), Ok(()));
    }

    #[test]
    fn the_error_says_where_the_problem_is() {
        let message = json!({"type": "configure", "config": {"phpIni": {"a": [1, 2, nested(20, json!(0))]}}});
        let refused = check(&message).unwrap_err().0;
        assert!(refused.starts_with("malformed message: message.config.phpIni.a[2]"), "{refused}");
    }
}
