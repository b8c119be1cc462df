// Bench-only: the REAL Rust worker (WorkerApp from pkg/, the same code that
// www/worker.js starts) run inside the bench worker, with the real PHP host
// wrapped so the bench can reach the runtime the worker is serving with.
// Figure 6 needs that: @php-wasm's hot swap must start from the very same files.

/**
 * Wraps a host from createPhpHost(); `current()` is the live runtime that
 * served the last request (not a warm standby being prepared beside it).
 */
export function trackRuntimes(host) {
  const live = new Set();
  let serving = null;
  return {
    host: {
      loadBundle: (url) => host.loadBundle(url),
      bundleFile: (path) => host.bundleFile(path),
      async createRuntime(options) {
        const runtime = await host.createRuntime(options);
        const destroy = runtime.destroy;
        runtime.destroy = () => {
          live.delete(runtime);
          destroy();
        };
        const request = runtime.request;
        runtime.request = (...args) => {
          serving = runtime;
          return request(...args);
        };
        live.add(runtime);
        return runtime;
      },
    },
    current: () => (live.has(serving) ? serving : [...live][0]),
  };
}

/**
 * Starts a WorkerApp whose messages stay in this worker.
 * Returns { ready, configure, request, on }.
 */
export function startInProcessWorker(WorkerApp, host) {
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  let resolveReady, rejectReady;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  const app = new WorkerApp(host, (message) => {
    if (message.type === 'http-response') {
      pending.get(message.id)?.(message.response);
      pending.delete(message.id);
      return;
    }
    if (message.type === 'ready') resolveReady(message);
    if (message.type === 'failed') rejectReady(new Error(`the worker failed: ${message.reason}`));
    for (const listener of listeners) listener(message);
  });
  return {
    ready,
    configure: (config) => app.receive({ type: 'configure', config }),
    /** Resolves with { status, headers, body: ArrayBuffer }. */
    request(method, url) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        app.receive({ type: 'http-request', id, request: { method, url, headers: {}, body: null } });
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
