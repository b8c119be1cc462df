// The playground page: starts the PHP worker, connects the Service Worker and
// shows the site in the iframe once it is ready.
import { createWorkerClient } from './client.js';
import { connectServiceWorker } from './sw-bridge.js';

async function main() {
  const progress = document.getElementById('boot-progress');
  const stage = document.getElementById('boot-stage');
  const frame = document.getElementById('site');
  const bootPanel = document.getElementById('boot');

  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const client = createWorkerClient(worker);
  client.on('progress', (event) => {
    progress.value = event.fraction;
    stage.textContent = event.detail;
  });
  client.on('failed', (event) => {
    bootPanel.classList.add('failed');
    stage.textContent = `The PHP runtime failed: ${event.reason}`;
  });
  const started = performance.now();
  client.configure({
    siteUrl: new URL('site', document.baseURI).href,
    bundleUrl: new URL('demo-site.zip', document.baseURI).href,
    debug: new URLSearchParams(location.search).get('debug') !== '0',
  });
  await connectServiceWorker(client, new URL('sw.js', document.baseURI).href);
  const ready = await client.ready;
  progress.value = 1;
  stage.textContent = `PHP ${ready.phpVersion} ready in ${Math.round(performance.now() - started)} ms`;
  frame.src = 'site/';
  frame.hidden = false;
  // For tests and the curious: the client is reachable from the console.
  window.playground = { client, ready, bootMs: performance.now() - started };
}

main();
