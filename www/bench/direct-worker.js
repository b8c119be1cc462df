// Bench-only baseline for figure 3: a worker that serves the page's
// `http-request` messages by calling @php-wasm directly
// (PHPRequestHandler.request). It loads the same site bundle into the same
// webroot as the Rust worker.
import { unpackZip } from '../zip.js';
import { loadPhpWasm, createPhp } from './direct-php.js';
import { runBaselineWorker, WEBROOT } from './baseline-worker.js';

async function boot({ siteUrl, bundleUrl }) {
  const { loader, module } = await loadPhpWasm();
  const { php, handler } = await createPhp(loader, module, { documentRoot: WEBROOT, siteUrl });
  const response = await fetch(bundleUrl);
  for (const { path, bytes } of unpackZip(new Uint8Array(await response.arrayBuffer()))) {
    const full = `${WEBROOT}/${path}`;
    php.mkdir(full.slice(0, full.lastIndexOf('/')));
    php.writeFile(full, bytes);
  }
  return handler;
}

async function serve(handler, request) {
  const response = await handler.request({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body ? new Uint8Array(request.body) : undefined,
  });
  return { status: response.httpStatusCode, headers: response.headers, bytes: response.bytes };
}

runBaselineWorker(boot, serve);
