// The JS twin of src/protocol.rs: every message kind on the wire.
// A native test (protocol::tests::js_twin_lists_the_same_kinds) keeps them in step.

/** Page → worker. */
export const ToWorker = Object.freeze({
  configure: 'configure',
  httpRequest: 'http-request',
  injectFault: 'inject-fault',
  restart: 'restart',
  /** The page wrote a save the worker handed it: `{ seq, error, writeMs, names }` (names: its `new-<i>` chunks' sha-256, one after another). */
  saveLanded: 'save-landed',
});

/** Worker → page. */
export const FromWorker = Object.freeze({
  progress: 'progress',
  ready: 'ready',
  httpResponse: 'http-response',
  error: 'error',
  crash: 'crash',
  recovered: 'recovered',
  failed: 'failed',
  rotating: 'rotating',
  rotated: 'rotated',
  trace: 'trace',
  status: 'status',
  /** A save for the page to write: `{ site, seq, manifestJson, chunks: [[sha256 or new-<i>, ArrayBuffer]] }`. */
  save: 'save',
});

/** The site save's manifest format this playground writes and reads (src/site_store.rs FORMAT). */
export const SAVE_FORMAT = 1;
/** The size of a save's chunks (src/site_store.rs CHUNK). */
export const SAVE_CHUNK_BYTES = 65536;
