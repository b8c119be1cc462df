// The JS twin of src/protocol.rs: every message kind on the wire.
// A native test (protocol::tests::js_twin_lists_the_same_kinds) keeps them in step.

/** Page → worker. */
export const ToWorker = Object.freeze({
  configure: 'configure',
  httpRequest: 'http-request',
  injectFault: 'inject-fault',
  restart: 'restart',
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
});

/** The site save's manifest format this playground writes and reads (src/site_store.rs FORMAT). */
export const SAVE_FORMAT = 1;
/** The size of a save's chunks (src/site_store.rs CHUNK). */
export const SAVE_CHUNK_BYTES = 65536;
