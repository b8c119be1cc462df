// Bench-only middle point for figure 3: the product's PHP host
// (www/php-host.js: its php.ini, its prepend file, its MEMFS tracking, the
// OPcache the page configures) called from plain JS, without the Rust layer. Rust worker vs this
// is the Rust layer's own cost; this vs direct-worker.js is what the host adds.
import { createPhpHost } from '../php-host.js';
import { runBaselineWorker, WEBROOT } from './baseline-worker.js';

async function boot({ siteUrl, bundleUrl, opcache = null }) {
  const host = createPhpHost();
  await host.loadBundle(bundleUrl);
  const runtime = await host.createRuntime({ documentRoot: WEBROOT, siteUrl, opcache });
  runtime.writeBundle(WEBROOT, '.playground/');
  return runtime;
}

async function serve(runtime, request) {
  const response = await runtime.request({
    method: request.method ?? 'GET',
    url: request.url,
    headers: request.headers ?? {},
    body: request.body ? new Uint8Array(request.body) : new Uint8Array(0),
  });
  return { status: response.status, headers: response.headers, bytes: response.body };
}

runBaselineWorker(boot, serve);
