//! resilient-php-worker: a Web Worker that owns one PHP 8.3 WebAssembly
//! runtime and survives its crashes without losing the user's data.
//!
//! The pure core (protocol, queue, boot plan, profiles, supervisor) is plain
//! Rust tested natively; `worker` and `php::host` are the wasm shell.

pub mod blueprint;
pub mod boot;
pub mod checkpoint;
pub mod cookies;
pub mod fault;
#[cfg(target_arch = "wasm32")]
pub mod inbound;
pub mod message_shape;
pub mod mirror;
pub mod payload;
pub mod php;
pub mod plugins;
pub mod policy;
pub mod profile;
pub mod protocol;
pub mod queue;
pub mod restore;
pub mod site_store;
pub mod sqlite;
pub mod supervisor;

#[cfg(test)]
mod fake;

#[cfg(target_arch = "wasm32")]
pub mod wire;
#[cfg(target_arch = "wasm32")]
pub mod worker;

/// Bench-only export for `npm run bench` (scripts/bench.js).
#[cfg(target_arch = "wasm32")]
pub mod bench;
