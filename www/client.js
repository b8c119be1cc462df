// The page's side of the protocol: talk to the worker as if it were a server,
// and keep it answering (www/watchdog/: the deadline, poison requests, the
// pages the client answers with when the worker cannot).
import { ToWorker, FromWorker } from './protocol.js';
import { createSilenceWatchdog } from './watchdog/deadline.js';
import { createQuarantine, requestKey } from './watchdog/quarantine.js';
import { diedText, explainResponse, hungText, quarantinedText } from './watchdog/answers.js';

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
 * @property {() => { key: string, reason: string, atMs: number }[]} quarantined Requests not sent again (poison requests).
 * @property {(key: string) => void} release Lets a quarantined request be sent again.
 * @property {(reason?: string) => void} terminate Stops the worker for good (no fresh one); later requests get a 503.
 * @property {() => Promise<void>} savesLanded Resolves once every save the worker handed over has been written (or failed).
 * @property {Promise<object>} ready Resolves with the first `ready` event.
 */

/** Default for `requestTimeoutMs`: longer than Moodle's slowest admin pages in wasm (20–30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** A booting worker may be silent this long (a cold Moodle boot unpacks and installs for a while). */
export const BOOT_SILENCE_MS = 120_000;
/** Fresh workers started in a row with no request answered between: past this the worker is dead. */
export const DEFAULT_MAX_RESPAWNS = 3;

/** Events the client itself emits (the worker's own are FromWorker). */
export const ClientEvent = Object.freeze({
  /** The worker was replaced by a fresh one: `{ reason, request }` (the request blamed, or null). */
  respawned: 'respawned',
  /** The quarantine changed: `{ requests: [{ key, reason, atMs }] }`. */
  quarantine: 'quarantine',
});

/**
 * Wraps a Worker running www/worker.js.
 *
 * The client never leaves a request hanging. Every request has a deadline:
 * the worker may be silent for `requestTimeoutMs` while requests wait (a
 * booting worker for at least `bootSilenceMs`). With `respawn` (a function
 * that starts a new Worker), a worker past its deadline, or dead (its
 * `error` event, or it reports its own code failed), is terminated and
 * replaced: the fresh one is configured as the old one was (so it restores
 * the site's save), the request it was serving is answered 504 / 503 with a
 * page that says what happened and what became of the data, and is
 * quarantined (not sent again until released); the requests queued behind it
 * were never started and are sent to the fresh worker, bodies and all.
 * Without `respawn`, or after `maxRespawns` fresh workers in a row that
 * answered nothing, every waiting request is answered with a page that says
 * why, later ones at once, and a `failed` event with `fatal: true` (dead) or
 * `unresponsive: true` tells the page; a worker that speaks again is
 * trusted again.
 *
 * With `saveWriter` (createSaveWriter() of www/store/save-writer.js), the
 * saves the worker hands over (`save`) are written here and each is answered
 * with `save-landed`; a fresh worker is configured only once they have all
 * landed, so it restores the newest. Without one, a save is answered as not
 * written.
 * @param {Worker} firstWorker
 * @param {{ requestTimeoutMs?: number, bootSilenceMs?: number, respawn?: (() => Worker) | null, maxRespawns?: number,
 *   saveWriter?: { write: (save: object) => Promise<{ writeMs: number, names: string[] }>, settled: () => Promise<void> } | null }} [options]
 * @returns {WorkerClient}
 */
export function createWorkerClient(firstWorker, {
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, bootSilenceMs = BOOT_SILENCE_MS, respawn = null, maxRespawns = DEFAULT_MAX_RESPAWNS,
  saveWriter = null,
} = {}) {
  let nextId = 1;
  // In sending order, which is the order the worker serves them in: the
  // first is the one it is serving, the rest have not started.
  const pending = new Map();
  const listeners = new Map();
  const quarantine = createQuarantine();
  let resolveReady;
  const ready = new Promise((resolve) => { resolveReady = resolve; });
  const health = { deadReason: null, unresponsiveSince: null };
  // What a fresh worker needs, and what the answers say: the config it was
  // given, the last status it sent (its last save), whether it has booted.
  const worker = { current: null, detach: () => {}, config: null, lastStatus: null, booted: false, respawnsInARow: 0 };

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

  const limitMs = () => (worker.booted ? requestTimeoutMs : Math.max(requestTimeoutMs, bootSilenceMs));
  const watchdog = createSilenceWatchdog(limitMs, () => pending.size > 0, (silentMs) => {
    if (canRespawn()) {
      replaceWorker(`the worker did not answer for ${Math.round(silentMs / 1000)} s`, (waiter) => {
        quarantine.add(waiter.key, `ran for ${Math.round(silentMs / 1000)} s without an answer`);
        return explainResponse(504, 'The request did not finish', hungText(waiter.label, silentMs, worker.lastStatus));
      });
      return;
    }
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
    if (canRespawn()) {
      replaceWorker(reason, (waiter) => {
        quarantine.add(waiter.key, `was being served when the worker died (${reason})`);
        return explainResponse(503, 'The PHP worker stopped', diedText(waiter.label, reason, worker.lastStatus));
      });
      return;
    }
    health.deadReason = reason;
    watchdog.stop();
    worker.current?.terminate?.();
    giveUp(503, 'The PHP worker stopped', reason, { fatal: true });
  }

  const canRespawn = () => Boolean(respawn) && worker.respawnsInARow < maxRespawns;

  /**
   * Terminates the worker and starts a fresh one. The request it was
   * serving (if it had booted: a boot serves none) gets `answerServed`'s page;
   * the rest go to the fresh worker.
   */
  function replaceWorker(reason, answerServed) {
    worker.respawnsInARow += 1;
    watchdog.stop();
    worker.detach();
    worker.current.terminate();
    const [served] = worker.booted ? pending.values() : [];
    if (served) {
      pending.delete(served.id);
      served.resolve(answerServed(served));
      emit({ type: ClientEvent.quarantine, requests: quarantine.list() });
    }
    emit({ type: ClientEvent.respawned, reason, request: served?.label ?? null });
    const fresh = respawn();
    attach(fresh);
    // The fresh worker restores the newest save: the ones the old worker
    // handed over land first. Until then it waits unconfigured, with the
    // requests queued in it (the watchdog's boot allowance covers the wait).
    savesLanded().then(() => {
      if (worker.current !== fresh) return;
      if (worker.config) fresh.postMessage({ type: ToWorker.configure, config: worker.config });
      for (const waiter of pending.values()) fresh.postMessage(waiter.message);
    });
    if (pending.size > 0) watchdog.start(true);
  }

  const savesLanded = () => saveWriter?.settled() ?? Promise.resolve();

  /** Writes a save the worker handed over, and tells that worker how it went. */
  function writeSave(save, from) {
    const written = saveWriter ? saveWriter.write(save) : Promise.reject(new Error('this page keeps no saves'));
    written.then(
      // The names of its `new-<i>` chunks, one after another (64 hex digits each).
      ({ writeMs, names }) => ({ seq: save.seq, error: null, writeMs, names: names.join('') }),
      (error) => ({ seq: save.seq, error: String(error?.message ?? error), writeMs: 0, names: '' }),
    ).then((landed) => {
      // A replaced worker hears nothing: its successor restores what landed.
      if (worker.current === from) from.postMessage({ type: ToWorker.saveLanded, ...landed });
    });
  }

  function receive({ data }) {
    watchdog.heard();
    if (health.unresponsiveSince !== null) {
      health.unresponsiveSince = null;
      emit({ type: FromWorker.trace, message: 'the worker answers again' });
    }
    if (data?.type === FromWorker.failed && data.fatal) {
      dead(data.reason);
      return;
    }
    if (data?.type === FromWorker.save) {
      writeSave(data, worker.current);
      return;
    }
    if (data?.type === FromWorker.httpResponse) {
      const waiter = pending.get(data.id);
      if (!waiter) return;
      worker.respawnsInARow = 0;
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
    if (data?.type === FromWorker.ready) {
      worker.booted = true;
      resolveReady(data);
    }
    if (data?.type === FromWorker.status) worker.lastStatus = data;
    emit(data);
  }

  function attach(next) {
    const onError = (event) => dead(`the worker failed: ${event.message || 'an uncaught error in the worker'}`);
    const onMessageError = () => emit({ type: FromWorker.trace, message: 'a message from the worker could not be read (messageerror)' });
    next.addEventListener('error', onError);
    next.addEventListener('messageerror', onMessageError);
    next.addEventListener('message', receive);
    worker.current = next;
    worker.booted = false;
    worker.detach = () => {
      next.removeEventListener('error', onError);
      next.removeEventListener('messageerror', onMessageError);
      next.removeEventListener('message', receive);
    };
  }
  attach(firstWorker);

  return {
    ready,
    configure(config) {
      worker.config = config;
      worker.current.postMessage({ type: ToWorker.configure, config });
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
      const key = requestKey(method, request.url);
      const poisoned = quarantine.get(key);
      if (poisoned) return Promise.resolve(explainResponse(503, 'The request is quarantined', quarantinedText(label, poisoned)));
      const id = nextId++;
      // Not transferred: the body is kept, to send it again to a fresh
      // worker if this one is replaced before it starts on this request.
      const message = {
        type: ToWorker.httpRequest,
        id,
        request: { method, url: request.url, headers: request.headers ?? {}, body: toBodyBuffer(request.body) },
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { id, resolve, reject, label, key, message });
        watchdog.start(pending.size === 1);
        worker.current.postMessage(message);
      });
    },
    on(type, listener) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(listener);
      return () => listeners.get(type).delete(listener);
    },
    injectFault(fault) {
      worker.current.postMessage({ type: ToWorker.injectFault, fault });
    },
    restart() {
      worker.current.postMessage({ type: ToWorker.restart });
    },
    quarantined: () => quarantine.list(),
    release(key) {
      if (quarantine.release(key)) emit({ type: ClientEvent.quarantine, requests: quarantine.list() });
    },
    terminate(reason = 'the page stopped the worker') {
      respawn = null;
      dead(reason);
    },
    savesLanded,
  };
}

function toBodyBuffer(body) {
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
