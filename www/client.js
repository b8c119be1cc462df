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

/**
 * Wraps a Worker running www/worker.js.
 * @param {Worker} worker
 * @returns {WorkerClient}
 */
export function createWorkerClient(worker) {
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });

  function emit(event) {
    for (const key of [event.type, '*']) {
      for (const listener of listeners.get(key) ?? []) listener(event);
    }
  }

  worker.addEventListener('message', ({ data }) => {
    if (data?.type === FromWorker.httpResponse) {
      const waiter = pending.get(data.id);
      if (!waiter) return;
      pending.delete(data.id);
      waiter.resolve(toResponse(data.response));
      return;
    }
    if (data?.type === FromWorker.error && data.id !== undefined && pending.has(data.id)) {
      const waiter = pending.get(data.id);
      pending.delete(data.id);
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
      const id = nextId++;
      const body = toTransferableBody(request.body);
      const message = {
        type: ToWorker.httpRequest,
        id,
        request: { method: request.method ?? 'GET', url: request.url, headers: request.headers ?? {}, body },
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
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
