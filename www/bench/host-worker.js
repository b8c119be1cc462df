// Bench-only middle point for figure 3: the product's PHP host
// (www/php-host.js: its php.ini, its preloaded replacements, its MEMFS
// tracking) called from plain JS, without the Rust layer. Rust worker vs this
// is the Rust layer's own cost; this vs direct-worker.js is what the host adds.
// It answers the same protocol, so the same www/client.js drives it.
import { FromWorker, ToWorker } from '../protocol.js';
import { createPhpHost } from '../php-host.js';

const WEBROOT = '/www/moodle'; // the Moodle profile's webroot (src/profile/moodle.rs)

function main() {
  let booted = null; // Promise of the runtime, once configured
  let serving = Promise.resolve(); // one request at a time, in arrival order, like the Rust worker
  self.onmessage = ({ data }) => {
    if (data?.type === ToWorker.configure && !booted) {
      booted = boot(data.config);
      booted.then(
        () => self.postMessage({ type: FromWorker.ready, phpVersion: '', bootMs: 0, restart: false }),
        (error) => self.postMessage({ type: FromWorker.failed, reason: String(error?.stack ?? error) }),
      );
    } else if (data?.type === ToWorker.httpRequest) {
      serving = serving.then(() => serve(booted, data)).catch((error) => {
        self.postMessage({ type: FromWorker.error, id: data.id, message: String(error?.message ?? error) });
      });
    }
  };
}

async function boot({ siteUrl, bundleUrl }) {
  const host = createPhpHost();
  await host.loadBundle(bundleUrl);
  const runtime = await host.createRuntime({ documentRoot: WEBROOT, siteUrl });
  runtime.writeBundle(WEBROOT, '.playground/');
  return runtime;
}

async function serve(booted, { id, request }) {
  const runtime = await booted;
  const response = await runtime.request({
    method: request.method ?? 'GET',
    url: request.url,
    headers: request.headers ?? {},
    body: request.body ? new Uint8Array(request.body) : new Uint8Array(0),
  });
  const bytes = response.body;
  const body = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  self.postMessage(
    { type: FromWorker.httpResponse, id, response: { status: response.status, statusText: '', headers: response.headers, body } },
    [body],
  );
}

main();
