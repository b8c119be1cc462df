//! Bench-only export for `npm run bench` (figure 2 of issue 4): times the REAL
//! mirror code, `Mirror::snapshot` and `Mirror::restore`, on a real PHP
//! runtime made by the real `HostFactory`, so the measured path is the one a
//! recovery takes. The raw-copy baseline is timed in JS, in the same worker,
//! on the same bytes (www/bench/task-mirror.js).

use crate::mirror::{Mirror, Source};
use crate::php::host::HostFactory;
use crate::php::{PhpError, PhpRuntime, RuntimeFactory, RuntimeOptions};
use crate::profile::Profile;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn to_js(error: PhpError) -> JsValue {
    js_sys::Error::new(&error.to_string()).into()
}

/// Writes `bytes` as the Moodle profile's DB file into a fresh runtime, then
/// `repetitions` times snapshots the profile's DB sources (DB, journal, WAL,
/// SHM: the absent ones cost a `stat` each, as in a recovery) and restores
/// the snapshot onto the same runtime. Each sample is the mean of a batch of
/// operations (`batch_size`). Resolves to
/// `{ bytes, batch, snapshotMs: number[], restoreMs: number[] }` (ms per operation).
#[wasm_bindgen(js_name = benchMirror)]
pub async fn bench_mirror(host: JsValue, bytes: Uint8Array, repetitions: u32) -> Result<JsValue, JsValue> {
    let factory = HostFactory::new(host.unchecked_into());
    let profile = Profile::by_name("moodle").expect("the moodle profile exists");
    let options = RuntimeOptions {
        document_root: profile.webroot.into(),
        site_url: "http://localhost/site".into(),
        php_ini: vec![],
        extensions: vec![],
        opcache: None,
    };
    let runtime = factory.create(&options).await.map_err(to_js)?;
    let result = time_mirror(&factory, &runtime, &profile, &bytes, repetitions);
    runtime.destroy();
    result
}

/// Operations per timed sample: small DBs are timed in batches of up to 16 MiB,
/// since timers in a (not cross-origin isolated) worker tick every 0.1 ms.
pub fn batch_size(length: u64) -> u64 {
    ((16u64 << 20) / length.max(1)).clamp(1, 64)
}

fn time_mirror(
    factory: &HostFactory,
    runtime: &impl PhpRuntime,
    profile: &Profile,
    bytes: &Uint8Array,
    repetitions: u32,
) -> Result<JsValue, JsValue> {
    let length = bytes.length() as u64;
    runtime.mkdir_tree(profile.dataroot).map_err(to_js)?;
    runtime.write_file(&profile.db_file, &bytes.to_vec()).map_err(to_js)?;
    let sources: Vec<Source> = profile.db_files().into_iter().map(Source::File).collect();
    let batch = batch_size(length);
    let (snapshot_ms, restore_ms) = (Array::new(), Array::new());
    for _ in 0..repetitions {
        let started = factory.now_ms();
        let mirrors =
            (0..batch).map(|_| Mirror::snapshot(runtime, &sources)).collect::<Result<Vec<_>, _>>().map_err(to_js)?;
        let snapshotted = factory.now_ms();
        for mirror in &mirrors {
            let (files, restored) = mirror.restore(runtime).map_err(to_js)?;
            if (files, restored) != (1, length) {
                let message = format!("restored {files} files / {restored} bytes, expected 1 / {length}");
                return Err(js_sys::Error::new(&message).into());
            }
        }
        let done = factory.now_ms();
        snapshot_ms.push(&((snapshotted - started) / batch as f64).into());
        restore_ms.push(&((done - snapshotted) / batch as f64).into());
    }
    // The timings only count if the bytes survived the round trips intact.
    let after = runtime.read_file(&profile.db_file).map_err(to_js)?;
    if after != bytes.to_vec() {
        return Err(js_sys::Error::new("the restored DB differs from the bytes written").into());
    }
    let result = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&result, &key.into(), value).map(|_| ());
    set("bytes", &(length as f64).into())?;
    set("batch", &(batch as f64).into())?;
    set("snapshotMs", &snapshot_ms)?;
    set("restoreMs", &restore_ms)?;
    Ok(result.into())
}
