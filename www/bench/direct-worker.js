// Bench-only baseline for figure 3: a worker that serves the page's
// `http-request` messages by calling @php-wasm directly
// (PHPRequestHandler.request) and posts the answers back the way the Rust
// worker does, so the same www/client.js drives both and only the Rust layer
// differs. It loads the same site bundle into the same webroot.
import { FromWorker, ToWorker } from '../protocol.js';
import { unpackZip } from '../zip.js';
import { loadPhpWasm, createPhp } from './direct-php.js';

const WEBROOT = '/www/moodle'; // the Moodle profile's webroot (src/profile/moodle.rs)

function main() {
  let booted = null; // Promise of the request handler, once configured
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

async function serve(booted, { id, request }) {
  const handler = await booted;
  const response = await handler.request({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body ? new Uint8Array(request.body) : undefined,
  });
  const bytes = response.bytes;
  // Transfer a buffer of exactly the body, as the Rust worker does.
  const body = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  self.postMessage(
    { type: FromWorker.httpResponse, id, response: { status: response.httpStatusCode, statusText: '', headers: response.headers, body } },
    [body],
  );
}

main();
