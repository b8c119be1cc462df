// A small static server for the built playground (dist/) and, under
// /test-host/, the PHP host bundle the wasm-pack browser tests import.
// Usage: node scripts/serve.js [--port 8080] [--quiet]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_MOUNTS = [
  ['/test-host/', path.join(root, 'target/test-host')],
  // Site bundles the end-to-end tests build (the bundle loader's tests).
  ['/fixtures/', path.join(root, 'target/e2e-fixtures')],
  // The MediaWiki bundle (scripts/mediawiki/build-bundle.sh).
  ['/mediawiki/', path.join(root, 'target/mediawiki')],
  // The real-Moodle bundle, built from the user's release (scripts/moodle/build-bundle.sh).
  ['/moodle/', path.join(root, 'target/moodle')],
  ['/', path.join(root, 'dist')],
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.zip': 'application/zip', '.json': 'application/json',
};

/** Serves `mounts` ([urlPrefix, directory] pairs, first match wins) on loopback. */
export function startServer({ port = 8080, host = '127.0.0.1', mounts = DEFAULT_MOUNTS } = {}) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://localhost');
    const [prefix, dir] = mounts.find(([p]) => url.pathname.startsWith(p)) ?? [];
    if (!dir) return send(response, 404, `not found: ${url.pathname}`);
    let file = path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file.startsWith(dir)) return send(response, 403, 'forbidden');
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return send(response, 404, `not found: ${url.pathname}`);
    response.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      // The wasm-pack tests import the host from this origin into theirs.
      'access-control-allow-origin': '*',
      'cache-control': 'no-cache',
      // As any static server: the PHP host dates a bundle's files by it.
      'last-modified': fs.statSync(file).mtime.toUTCString(),
    });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function send(response, status, text) {
  response.writeHead(status, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
  response.end(text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.PORT ?? 8080);
  const server = await startServer({ port });
  const { port: actual } = server.address();
  console.log(`Playground: http://127.0.0.1:${actual}/   (Ctrl-C stops it)`);
}
