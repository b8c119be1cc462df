// The Web Worker's entry: loads the Rust worker and hands it the PHP host.
// All logic lives in Rust (src/worker.rs); this file only wires things up.
import init, { startWorker } from '../pkg/resilient_php_worker.js';
import { createPhpHost } from './php-host.js';

function main() {
  // Messages that arrive while the Rust module loads are kept and replayed.
  const early = [];
  self.onmessage = (event) => early.push(event.data);
  init().then(() => {
    const app = startWorker(createPhpHost());
    for (const message of early) app.receive(message);
  }, (error) => {
    self.postMessage({ type: 'failed', reason: `the worker could not load its wasm: ${error}` });
  });
}

main();
