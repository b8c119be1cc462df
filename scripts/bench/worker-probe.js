// Reaches the playground's dedicated worker through the Chrome DevTools
// protocol, for figure 4 (memory). playwright has no CDP session for workers,
// so this uses the page session's non-flat auto-attach and
// Target.sendMessageToTarget. Before the worker runs any script, it installs
// a WeakRef to every WebAssembly.Memory the worker instantiates: the PHP
// host keeps them in closures, and Runtime.queryObjects (which would find them
// without a hook) crashed the worker with PHP loaded when tried.

// Runs in the worker before its own code; only observes, changes nothing.
const RECORD_WASM_MEMORIES = `(() => {
  const refs = [];
  const seen = new WeakSet();
  const record = (value) => {
    if (value instanceof WebAssembly.Memory && !seen.has(value)) { seen.add(value); refs.push(new WeakRef(value)); }
  };
  // Never enumerates the imports: a side module's (intl.so) are Emscripten's
  // symbol-resolving Proxies, and reading every key through them broke its
  // loading. An imported memory is read only as a plain own property.
  const recordAll = (imports, result) => {
    try {
      const imported = imports?.env && Object.getOwnPropertyDescriptor(imports.env, 'memory');
      if (imported && 'value' in imported) record(imported.value);
      const instance = result instanceof WebAssembly.Instance ? result : result.instance;
      for (const value of Object.values(instance.exports)) record(value);
    } catch {
      // Observing must never change what the worker gets.
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (source, imports) {
      return original.apply(this, arguments).then((result) => recordAll(imports, result));
    };
  }
  globalThis.__benchWasmMemories = () => {
    const sizes = refs.map((ref) => ref.deref()).filter(Boolean).map((memory) => memory.buffer.byteLength);
    return { count: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
  };
})()`;

/** Call before page.goto. Resolves `probe.worker` once the playground's worker started. */
export async function attachWorkerProbe(context, page) {
  const session = await context.newCDPSession(page);
  const replies = new Map();
  let nextId = 1;
  // The PHP worker's CDP session: the newest worker (the client replaces a
  // hung or dead worker with a fresh one, which the probe then follows).
  let resolveWorker;
  let workerSession = new Promise((resolve) => { resolveWorker = resolve; });
  let workersSeen = 0;

  session.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    if (reply.id && replies.has(reply.id)) {
      replies.get(reply.id)(reply);
      replies.delete(reply.id);
    }
  });
  const sendTo = (sessionId, method, params = {}) => new Promise((resolve, reject) => {
    const id = nextId++;
    replies.set(id, (reply) => (reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result)));
    session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
  });
  session.on('Target.attachedToTarget', async ({ sessionId, targetInfo, waitingForDebugger }) => {
    if (targetInfo.type === 'worker') {
      workersSeen += 1;
      if (workersSeen > 1) workerSession = Promise.resolve(sessionId);
      await sendTo(sessionId, 'Runtime.evaluate', { expression: RECORD_WASM_MEMORIES });
      resolveWorker(sessionId);
    }
    // Everything auto-attached here waits for us (the Service Worker too): let it run.
    if (waitingForDebugger) await sendTo(sessionId, 'Runtime.runIfWaitingForDebugger');
  });
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });

  async function evaluateInWorker(expression) {
    const { result, exceptionDetails } = await sendTo(await workerSession, 'Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`in the worker: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }
  const heap = ({ usedSize, embedderHeapUsedSize = 0, backingStorageSize = 0 }) => usedSize + embedderHeapUsedSize + backingStorageSize;

  return {
    /** Full GC in the worker and the page (needs --js-flags=--expose-gc). */
    async collectGarbage() {
      await evaluateInWorker('gc()');
      await page.evaluate(() => globalThis.gc());
    },
    /** Live WebAssembly memories of the worker (PHP instances and the Rust module): { count, bytes }. */
    wasmMemories: () => evaluateInWorker('__benchWasmMemories()'),
    /** Memory as it is, no GC forced: what the tab holds at that moment (for peaks). */
    async currentMemory() {
      const [heap, wasm] = await Promise.all([this.jsHeapBytes(), this.wasmMemories()]);
      return { heap: heap.worker + heap.page, wasm: wasm.bytes, memories: wasm.count, total: heap.worker + heap.page + wasm.bytes };
    },
    /**
     * Memory after GC, settled: V8 frees ArrayBuffer backing stores and clears
     * WeakRefs to dropped wasm memories after the collection that found them
     * dead, so one gc() can still count a runtime dropped moments ago. Collect
     * and read again until a reading no longer drops (at most `rounds`); the
     * lowest reading is what the site really holds.
     */
    async settledMemory(rounds = 6) {
      let best = null;
      for (let round = 0; round < rounds; round++) {
        await this.collectGarbage();
        const [heap, wasm] = await Promise.all([this.jsHeapBytes(), this.wasmMemories()]);
        const reading = { heap: heap.worker + heap.page, wasm: wasm.bytes, memories: wasm.count, total: heap.worker + heap.page + wasm.bytes };
        const dropped = best && reading.total < best.total * 0.99;
        if (!best || reading.total < best.total) best = reading;
        if (round > 0 && !dropped) break;
      }
      return best;
    },
    /** JS heap of the worker and of the page, ArrayBuffer backing stores (MEMFS files) included. */
    async jsHeapBytes() {
      const worker = heap(await sendTo(await workerSession, 'Runtime.getHeapUsage'));
      const pageHeap = heap(await session.send('Runtime.getHeapUsage'));
      return { worker, page: pageHeap };
    },
  };
}
