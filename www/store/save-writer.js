// The page's side of saving: the worker plans each save and hands it over
// (a `save` message); this writes them to the store one after another, in
// the order they came. Writing here, not in the worker, is what lets the
// worker go on to its next request at once and still lose nothing: the page
// outlives the worker, so a save handed over lands even if the request after
// it hangs and the worker is replaced. The DB chunks a save hands over are
// named `new-<i>`: they are hashed here, natively (crypto.subtle), which on a
// small write is most of what a save costs.
import { NEW_CHUNK_PREFIX, withChunkNames } from './manifests.js';
import { sha256Hex } from './site-zip.js';

/** A save the browser has not finished writing in this long is given up (said, not waited for). */
export const SAVE_TIMEOUT_MS = 60_000;

/**
 * @param {{ save: (site: string, manifestJson: string, chunks: [string, Uint8Array][]) => Promise<void>,
 *   tidy?: (site: string, seq: number) => Promise<void> }} store
 *   createSiteStore() of www/store/site-store.js (or any store with its save() and tidy())
 * @param {{ now?: () => number, timeoutMs?: number }} [options]
 */
export function createSaveWriter(store, { now = () => performance.now(), timeoutMs = SAVE_TIMEOUT_MS } = {}) {
  // The last write in line; each next one starts when it has settled.
  let line = Promise.resolve();
  return {
    /**
     * Writes one save after those handed over before it.
     * @param {{ site: string, seq: number, manifestJson: string, chunks: [string, ArrayBuffer][] }} save
     * @returns {Promise<{ writeMs: number, names: string[] }>} the names given to its
     *   `new-<i>` chunks, in order; rejects with why it could not be written
     */
    write({ site, seq, manifestJson, chunks }) {
      const written = line.then(async () => {
        const started = now();
        const named = await nameNewChunks(chunks);
        const manifest = withChunkNames(JSON.parse(manifestJson), named.names);
        // The worker waits for word of a save before it plans the next one:
        // a write the browser never finishes must not stop all saving. (If it
        // lands late, it is an older save under its own number: the worker
        // never plans a number twice, and loading takes the newest.)
        await withTimeout(store.save(site, JSON.stringify(manifest), named.chunks), timeoutMs,
          `the browser did not finish writing the save in ${Math.round(timeoutMs / 1000)} s`);
        return { writeMs: now() - started, names: named.names };
      });
      // The next save waits for the tidying after this one (it removes older
      // files), but word of this one does not.
      line = written.then(() => store.tidy?.(site, seq)).catch(() => {});
      return written;
    },
    /** Resolves once every save handed over so far has landed or failed. */
    settled: () => line,
  };
}

function withTimeout(promise, ms, message) {
  let timer;
  const timedOut = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}

/** Every chunk by its sha-256 name; `names[i]` is the name of `new-<i>`. */
async function nameNewChunks(chunks) {
  const names = [];
  const named = await Promise.all(chunks.map(async ([name, buffer]) => {
    const bytes = new Uint8Array(buffer);
    if (!name.startsWith(NEW_CHUNK_PREFIX)) return [name, bytes];
    const hash = await sha256Hex(bytes);
    names[Number(name.slice(NEW_CHUNK_PREFIX.length))] = hash;
    return [hash, bytes];
  }));
  if (names.length !== names.filter(Boolean).length) throw new Error('the save skipped a number among its new chunks');
  return { chunks: named, names };
}
