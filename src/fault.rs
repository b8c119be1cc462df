//! Is an error that escaped PHP a fatal fault (the instance can no longer be
//! trusted) or an ordinary failure? Pure predicates over the error's facts,
//! checked against errors captured from real Chromium and Firefox traps
//! (tests/fixtures/faults.json).

use crate::php::PhpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Linear memory access out of bounds (Chromium "memory access out of
    /// bounds", Firefox "index out of bounds").
    MemoryOutOfBounds,
    /// A wasm `unreachable` instruction ran.
    Unreachable,
    /// An indirect call through the function table failed.
    BadIndirectCall,
    /// Emscripten's `abort()` ("Aborted(...)").
    Aborted,
    /// Any other WebAssembly.RuntimeError.
    WasmTrap,
    /// The engine's stack ran out inside wasm (RangeError in Chromium,
    /// InternalError "too much recursion" in Firefox). The instance may keep
    /// answering afterwards, in a state no one should trust.
    StackExhausted,
    /// No file descriptors left ("No file descriptors available", or errno 23: ENFILE).
    FileDescriptorsExhausted,
    /// PHP could not load the runtime's own files under /internal.
    RuntimeFilesMissing,
    /// @php-wasm refuses every call after an earlier crash.
    RuntimeCrashed,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::MemoryOutOfBounds => "memory-out-of-bounds",
            FaultKind::Unreachable => "unreachable",
            FaultKind::BadIndirectCall => "bad-indirect-call",
            FaultKind::Aborted => "aborted",
            FaultKind::WasmTrap => "wasm-trap",
            FaultKind::StackExhausted => "stack-exhausted",
            FaultKind::FileDescriptorsExhausted => "file-descriptors-exhausted",
            FaultKind::RuntimeFilesMissing => "runtime-files-missing",
            FaultKind::RuntimeCrashed => "runtime-crashed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Fatal(FaultKind),
    /// A PHP error page, an exit code, a bad request: the instance is fine.
    NonFatal,
}

/// errno 23, ENFILE ("too many open files in system"), as the JS system we replace checks it.
const ERRNO_NO_FILE_DESCRIPTORS: i32 = 23;

/// Classifies an error, looking through its `cause` chain: @php-wasm wraps the
/// original trap in its own errors.
pub fn classify(error: &PhpError) -> Fault {
    std::iter::once(error)
        .chain(error.causes.iter())
        .find_map(classify_one)
        .map(Fault::Fatal)
        .unwrap_or(Fault::NonFatal)
}

fn classify_one(error: &PhpError) -> Option<FaultKind> {
    let message = error.message.as_str();
    if error.name == "RuntimeError" {
        return Some(trap_kind(message));
    }
    if is_stack_exhaustion(&error.name, message) {
        return Some(FaultKind::StackExhausted);
    }
    if message.contains("No file descriptors available") || error.errno == Some(ERRNO_NO_FILE_DESCRIPTORS) {
        return Some(FaultKind::FileDescriptorsExhausted);
    }
    if message.contains("Failed opening required") && message.contains("/internal/") {
        return Some(FaultKind::RuntimeFilesMissing);
    }
    if message.contains("PHP runtime has crashed") {
        return Some(FaultKind::RuntimeCrashed);
    }
    if message.starts_with("Aborted(") {
        return Some(FaultKind::Aborted);
    }
    None
}

/// The kind of a WebAssembly.RuntimeError, from the engines' messages.
fn trap_kind(message: &str) -> FaultKind {
    let message = message.to_ascii_lowercase();
    if message.starts_with("aborted(") {
        FaultKind::Aborted
    } else if message.contains("unreachable") {
        // @php-wasm rewrites Chromium's "unreachable" into a longer explanation.
        FaultKind::Unreachable
    } else if message.contains("null function")
        || message.contains("signature mismatch")
        || message.contains("indirect call")
        || message.contains("table index")
    {
        FaultKind::BadIndirectCall
    } else if message.contains("out of bounds") {
        FaultKind::MemoryOutOfBounds
    } else {
        FaultKind::WasmTrap
    }
}

fn is_stack_exhaustion(name: &str, message: &str) -> bool {
    (name == "RangeError" && message.contains("Maximum call stack size exceeded"))
        || (name == "InternalError" && message.contains("too much recursion"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(name: &str, message: &str) -> PhpError {
        PhpError::new(name, message)
    }

    #[test]
    fn wasm_traps_are_fatal_with_their_kind() {
        let cases = [
            ("memory access out of bounds", FaultKind::MemoryOutOfBounds),
            ("index out of bounds", FaultKind::MemoryOutOfBounds),
            ("unreachable", FaultKind::Unreachable),
            ("unreachable executed", FaultKind::Unreachable),
            ("table index is out of bounds", FaultKind::BadIndirectCall),
            ("null function or function signature mismatch", FaultKind::BadIndirectCall),
            ("indirect call to null", FaultKind::BadIndirectCall),
            ("Aborted(Assertion failed)", FaultKind::Aborted),
            ("integer divide by zero", FaultKind::WasmTrap),
        ];
        for (message, kind) in cases {
            assert_eq!(classify(&error("RuntimeError", message)), Fault::Fatal(kind), "{message}");
        }
    }

    #[test]
    fn stack_exhaustion_is_fatal_in_both_spellings() {
        assert_eq!(
            classify(&error("RangeError", "Maximum call stack size exceeded")),
            Fault::Fatal(FaultKind::StackExhausted)
        );
        assert_eq!(classify(&error("InternalError", "too much recursion")), Fault::Fatal(FaultKind::StackExhausted));
        assert_eq!(classify(&error("RangeError", "Invalid array length")), Fault::NonFatal);
    }

    #[test]
    fn runtime_level_failures_are_fatal() {
        assert_eq!(
            classify(&error("Error", "No file descriptors available")),
            Fault::Fatal(FaultKind::FileDescriptorsExhausted)
        );
        let errno = PhpError { name: "ErrnoError".into(), message: "FS error".into(), errno: Some(23), causes: vec![] };
        assert_eq!(classify(&errno), Fault::Fatal(FaultKind::FileDescriptorsExhausted));
        assert_eq!(
            classify(&error(
                "Error",
                "PHP Fatal error: Failed opening required '/internal/shared/auto_prepend_file.php'"
            )),
            Fault::Fatal(FaultKind::RuntimeFilesMissing)
        );
        assert_eq!(
            classify(&error("Error", "PHP runtime has crashed – see the earlier error for details.")),
            Fault::Fatal(FaultKind::RuntimeCrashed)
        );
    }

    #[test]
    fn ordinary_failures_are_not_fatal() {
        for (name, message) in [
            (
                "PHPExecutionFailureError",
                "PHP.run() failed with exit code 255. PHP Fatal error: Allowed memory size exhausted",
            ),
            ("Error", "Out of memory"),
            ("TypeError", "request.url is not a string"),
            ("ErrnoError", "FS error"),
            ("Error", "HTTP 500"),
        ] {
            assert_eq!(classify(&error(name, message)), Fault::NonFatal, "{name}: {message}");
        }
    }

    #[test]
    fn looks_through_the_cause_chain() {
        let wrapped = PhpError {
            name: "Error".into(),
            message: "request failed".into(),
            errno: None,
            causes: vec![error("RuntimeError", "memory access out of bounds")],
        };
        assert_eq!(classify(&wrapped), Fault::Fatal(FaultKind::MemoryOutOfBounds));
    }

    /// Errors captured from real traps in headless Chromium and Firefox.
    #[test]
    fn classifies_the_captured_browser_errors() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/faults.json")).unwrap();
        let fixtures: serde_json::Value = serde_json::from_str(&text).unwrap();
        let fixtures = fixtures.as_array().unwrap();
        assert!(fixtures.len() >= 4, "expected captured errors from both browsers");
        for fixture in fixtures {
            let error = PhpError::new(fixture["name"].as_str().unwrap(), fixture["message"].as_str().unwrap());
            let expected = fixture["kind"].as_str().unwrap();
            match classify(&error) {
                Fault::Fatal(kind) => assert_eq!(kind.as_str(), expected, "{fixture}"),
                Fault::NonFatal => panic!("captured fault classified as non-fatal: {fixture}"),
            }
        }
    }
}
