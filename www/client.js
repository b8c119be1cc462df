// The page's side of the protocol: talk to the worker as if it were a server.
import { ToWorker, FromWorker } from './protocol.js';

/**
 * @typedef {object} PlaygroundRequest
 * @property {string} [method] HTTP method, default GET.
 * @property {string} url Absolute URL or path under the site URL, e.g. "/site/index.php".
 * @property {Record<string, string>} [headers]
 * @property {ArrayBuffer | ArrayBufferView | string | null} [body]
 */

/**
 * @typedef {object} WorkerConfig
 * @property {string} [profile] Application profile, default "moodle".
 * @property {string} [siteUrl] Absolute URL the site is served under, default "http://localhost/site".
 * @property {string} [bundleUrl] URL of the site bundle (a zip of the webroot).
 * @property {boolean} [debug] Honour inject-fault, default false.
 * @property {Record<string, string>} [phpIni] Extra php.ini entries.
 */

/**
 * @typedef {object} WorkerClient
 * @property {(request: PlaygroundRequest) => Promise<Response>} handleRequest
 * @property {(config: WorkerConfig) => void} configure
 * @property {(type: string, listener: (event: object) => void) => () => void} on Subscribe to an event type ("*" for all); returns an unsubscribe function.
 * @property {(fault: 'memory' | 'table' | 'stack') => void} injectFault Debug only.
 * @property {() => void} restart
 * @property {Promise<object>} ready Resolves with the first `ready` event.
 */

/** Default for `requestTimeoutMs`: longer than Moodle's slowest admin pages in wasm (20–30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/**
 * Wraps a Worker running www/worker.js.
 *
 * The client never leaves a request hanging: if the worker dies (its `error`
 * event, or the worker reports its own code failed) or says nothing for
 * `requestTimeoutMs` while requests wait, every waiting request is answered
 * with a page that says why (503 / 504), later ones are answered at once,
 * and a `failed` event with `fatal: true` (dead) or `unresponsive: true`
 * tells the page. A worker that speaks again is trusted again.
 * @param {Worker} worker
 * @param {{ requestTimeoutMs?: number }} [options]
 * @returns {WorkerClient}
 */
export function createWorkerClient(worker, { requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = {}) {
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });
  const health = createHealth();

  function emit(event) {
    for (const key of [event.type, '*']) {
      for (const listener of listeners.get(key) ?? []) listener(event);
    }
  }

  /** Answers every waiting request, and reports the worker's state once. */
  function giveUp(status, title, reason, flags) {
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.resolve(explainResponse(status, title, `${waiter.label}: ${reason}`));
    }
    emit({ type: FromWorker.failed, reason, ...flags });
  }

  const watchdog = createSilenceWatchdog(requestTimeoutMs, () => pending.size > 0, (silentMs) => {
    health.unresponsiveSince ??= Date.now();
    giveUp(504, 'The PHP worker stopped answering',
      `the worker has not answered for ${Math.round(silentMs / 1000)} s (PHP may be in an endless loop). `
      + 'Requests are answered at once until it answers again; your data stays in the worker.',
      { unresponsive: true });
  });

  /** A request got its answer; with none left waiting there is nothing to watch. */
  function settle(id) {
    pending.delete(id);
    if (pending.size === 0) watchdog.stop();
  }

  function dead(reason) {
    if (health.deadReason) return;
    health.deadReason = reason;
    watchdog.stop();
    giveUp(503, 'The PHP worker stopped', reason, { fatal: true });
  }

  worker.addEventListener('error', (event) => {
    dead(`the worker failed: ${event.message || 'an uncaught error in the worker'}`);
  });
  worker.addEventListener('messageerror', () => {
    emit({ type: FromWorker.trace, message: 'a message from the worker could not be read (messageerror)' });
  });

  worker.addEventListener('message', ({ data }) => {
    watchdog.heard();
    if (health.unresponsiveSince !== null) {
      health.unresponsiveSince = null;
      emit({ type: FromWorker.trace, message: 'the worker answers again' });
    }
    if (data?.type === FromWorker.failed && data.fatal) {
      dead(data.reason);
      return;
    }
    if (data?.type === FromWorker.httpResponse) {
      const waiter = pending.get(data.id);
      if (!waiter) return;
      settle(data.id);
      waiter.resolve(toResponse(data.response));
      return;
    }
    if (data?.type === FromWorker.error && data.id !== undefined && pending.has(data.id)) {
      const waiter = pending.get(data.id);
      settle(data.id);
      waiter.reject(new Error(data.message));
      return;
    }
    if (data?.type === FromWorker.ready) resolveReady(data);
    emit(data);
  });

  return {
    ready,
    configure(config) {
      worker.postMessage({ type: ToWorker.configure, config });
    },
    handleRequest(request) {
      const method = request.method ?? 'GET';
      const label = `${method} ${request.url}`;
      if (health.deadReason) {
        return Promise.resolve(explainResponse(503, 'The PHP worker stopped', `${label}: ${health.deadReason}`));
      }
      if (health.unresponsiveSince !== null) {
        const since = Math.round((Date.now() - health.unresponsiveSince) / 1000);
        return Promise.resolve(explainResponse(503, 'The PHP worker is not answering',
          `${label} was not sent: the worker has not answered for ${since} s.`));
      }
      const id = nextId++;
      const body = toTransferableBody(request.body);
      const message = {
        type: ToWorker.httpRequest,
        id,
        request: { method, url: request.url, headers: request.headers ?? {}, body },
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, label });
        watchdog.start(pending.size === 1);
        worker.postMessage(message, body instanceof ArrayBuffer ? [body] : []);
      });
    },
    on(type, listener) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(listener);
      return () => listeners.get(type).delete(listener);
    },
    injectFault(fault) {
      worker.postMessage({ type: ToWorker.injectFault, fault });
    },
    restart() {
      worker.postMessage({ type: ToWorker.restart });
    },
  };
}

/** Whether the worker is dead (for good) or unresponsive (until it speaks). */
function createHealth() {
  return { deadReason: null, unresponsiveSince: null };
}

/**
 * Calls `onSilence(ms)` when the worker has said nothing for `timeoutMs`
 * while `waiting()` holds. Measured from the worker's LAST message, not from
 * when a request was sent: requests queued behind a slow one are not blamed
 * for it while answers keep coming.
 */
function createSilenceWatchdog(timeoutMs, waiting, onSilence) {
  let lastHeard = Date.now();
  let timer = null;
  const check = () => {
    timer = null;
    if (!waiting()) return;
    const silent = Date.now() - lastHeard;
    if (silent >= timeoutMs) onSilence(silent);
    else arm(timeoutMs - silent);
  };
  const arm = (ms) => { timer ??= setTimeout(check, ms); };
  return {
    heard() { lastHeard = Date.now(); },
    /** A request was sent; `firstWaiting` when none was waiting before (silence counts from now). */
    start(firstWaiting) {
      if (firstWaiting) lastHeard = Date.now();
      arm(timeoutMs);
    },
    stop() {
      clearTimeout(timer);
      timer = null;
    },
  };
}

/** A small HTML page that says what happened, as a fetch Response. */
function explainResponse(status, title, text) {
  const escape = (value) => String(value).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

function toTransferableBody(body) {
  if (body == null) return null;
  if (typeof body === 'string') return new TextEncoder().encode(body).buffer;
  if (body instanceof ArrayBuffer) return body;
  if (ArrayBuffer.isView(body)) return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  throw new TypeError('request.body must be an ArrayBuffer, a typed array, a string or null');
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function toResponse({ status, statusText, headers, body }) {
  const responseHeaders = new Headers();
  for (const [name, values] of Object.entries(headers ?? {})) {
    for (const value of values) responseHeaders.append(name, value);
  }
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, statusText, headers: responseHeaders });
}
