// The Web Worker's entry: loads the Rust worker and hands it the PHP host and
// the page's messages. All logic lives in Rust (src/worker.rs); this file
// only wires things up, and makes sure the page hears of it if the Rust side
// ever fails: a wasm module that threw or panicked is never fed again (its
// state cannot be trusted), and every later message is answered here.
import init, { startWorker } from '../pkg/resilient_php_worker.js';
import { createPhpHost } from './php-host.js';
import { createSiteStore } from './store/site-store.js';

function main() {
  // Messages that arrive while the Rust module loads are kept and replayed.
  const early = [];
  let deliver = (message) => early.push(message);
  self.onmessage = (event) => deliver(event.data);
  init().then(() => {
    const guard = createGuard();
    const app = startWorker(createPhpHost(), guard.fatal, createSiteStore());
    deliver = guard.wrap((message) => app.receive(message));
    for (const message of early.splice(0)) deliver(message);
  }, (error) => {
    self.postMessage({ type: 'failed', reason: `the worker could not load its wasm: ${error}`, fatal: true });
  });
}

/** Stops feeding the Rust module after its first uncaught failure. */
function createGuard() {
  let deadReason = null;
  const fatal = (reason) => {
    if (deadReason) return;
    deadReason = String(reason);
    self.postMessage({ type: 'failed', reason: deadReason, fatal: true });
  };
  const answerDead = (message) => {
    const id = typeof message?.id === 'number' ? message.id : undefined;
    self.postMessage({ type: 'error', id, message: `the worker stopped: ${deadReason}` });
  };
  return {
    fatal,
    wrap: (receive) => (message) => {
      if (deadReason) return answerDead(message);
      try {
        receive(message);
      } catch (error) {
        fatal(`the worker's Rust code threw while reading a message: ${error?.stack ?? error}`);
        answerDead(message);
      }
    },
  };
}

main();
