// Bench-only page for `npm run bench` (scripts/bench.js drives it with
// playwright): exposes window.bench to run one measurement at a time.
import { requestOverhead } from './request-overhead.js';

function main() {
  const siteUrl = new URL('../site', document.baseURI).href;
  const bundleUrl = new URL('bench-site.zip', document.baseURI).href;
  const lab = rpc(new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' }));
  window.bench = {
    /** Runs a task of bench-worker.js (mirror, instances, rotation). */
    task: (name, args = {}) => lab(name, { siteUrl, bundleUrl, ...args }),
    requestOverhead: (args) => requestOverhead({ siteUrl, bundleUrl, ...args }),
  };
}

/** Request/response over postMessage with the bench worker. */
function rpc(worker) {
  let nextId = 1;
  const pending = new Map();
  worker.onmessage = ({ data: { id, result, error } }) => {
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    if (error) reject(new Error(error));
    else resolve(result);
  };
  return (task, args) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, task, args });
  });
}

main();
