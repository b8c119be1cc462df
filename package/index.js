// resilient-php-worker: the public entry of the package built from this repo
// (scripts/package.sh assembles it into target/package/).
export { createWorkerClient, ClientEvent } from './client.js';
export { connectServiceWorker } from './sw-bridge.js';
export { ToWorker, FromWorker } from './protocol.js';
export { createSiteStore } from './store/site-store.js';
export { createSaveWriter } from './store/save-writer.js';
export { readSiteZip, SiteZipError } from './store/site-zip.js';

/** Starts the PHP worker (PHP 8.3 wasm driven by the Rust crate) in a module Web Worker. */
export function createPlaygroundWorker() {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

/** URL of the Moodle-shaped demo site bundle shipped with the package. */
export const demoSiteBundleUrl = new URL('./demo-site.zip', import.meta.url).href;
