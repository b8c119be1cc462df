// Figure 2: snapshot + restore through the REAL mirror code (src/bench.rs →
// Mirror::snapshot / Mirror::restore on a real runtime) against a raw
// Uint8Array copy of the same bytes, timed in this same worker.
import init, { benchMirror } from '../../pkg/resilient_php_worker.js';
import { createPhpHost } from '../php-host.js';
import { collectGarbage } from './direct-php.js';

export async function mirrorThroughput({ sizesMiB, repetitions }) {
  await init();
  const host = createPhpHost();
  const results = [];
  for (const mib of sizesMiB) {
    const bytes = pseudoRandomBytes(mib << 20);
    // Small sizes are timed in batches, as src/bench.rs does (timers tick every 0.1 ms here).
    const batch = Math.min(64, Math.max(1, Math.floor((16 << 20) / bytes.length)));
    const rawBefore = timeRawCopies(bytes, repetitions, batch);
    // One extra round trip first: it grows the Rust heap, which later ones reuse.
    const mirror = await benchMirror(host, bytes, repetitions + 1);
    const rawAfter = timeRawCopies(bytes, repetitions, batch);
    if (mirror.batch !== batch) throw new Error(`batch sizes differ: Rust ${mirror.batch}, JS ${batch}`);
    results.push({
      mib,
      bytes: bytes.length,
      batch,
      rawCopyMs: [...rawBefore, ...rawAfter],
      snapshotMs: mirror.snapshotMs.slice(1),
      restoreMs: mirror.restoreMs.slice(1),
    });
    collectGarbage();
  }
  return results;
}

/** `repetitions` samples (after one untimed warm-up), each the mean of `batch` copies. */
function timeRawCopies(bytes, repetitions, batch) {
  const times = [];
  for (let i = 0; i <= repetitions; i++) {
    const started = performance.now();
    const copies = [];
    for (let j = 0; j < batch; j++) copies.push(bytes.slice());
    const ms = (performance.now() - started) / batch;
    // The copies are read, so they cannot be optimised away.
    if (copies.some((copy) => copy[copy.length - 1] !== bytes[bytes.length - 1])) throw new Error('raw copy check failed');
    if (i > 0) times.push(ms);
  }
  return times;
}

/** Incompressible bytes (xorshift32), so no layer can take a shortcut on zeros. */
function pseudoRandomBytes(length) {
  const words = new Uint32Array(length / 4);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer);
}
