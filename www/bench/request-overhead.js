// Figure 3 (page side): the same hello-world page served through the REAL
// worker (www/worker.js, Rust) as a page configures it by default, the same
// with OPcache off (`opcache: false`), the product's PHP host called from
// plain JS with the same OPcache (host-worker.js: the Rust layer's own cost is
// the difference), and a worker that calls @php-wasm directly, as it ships
// (direct-worker.js). All answer the same protocol, so the same client.js
// drives all four.
//
// Every round starts the four workers afresh: @php-wasm 3.1.55 leaks two FS
// streams per request (/request/stdout and /request/stderr), and the 2045th
// request on one instance aborts it, so one instance cannot take all rounds.
import { createWorkerClient } from '../client.js';

const WARM_UP_REQUESTS = 50;

// Requests a worker serves before the next one takes its turn (divides
// `requests`); a profiler wants one long turn each (`batch: requests`).
const BATCH = 25;

// The stand-in profile's OPcache (src/profile/moodle.rs), given to the host alike.
const STAND_IN_OPCACHE = { megabytes: 8, files: 500 };

export async function requestOverhead({ siteUrl, bundleUrl, requests, repetitions, batch = BATCH }) {
  const perRequestMs = { rust: [], rustWithoutOpcache: [], host: [], direct: [] };
  const eventsPerRequest = {};
  for (let round = 0; round < repetitions; round++) {
    const { clients, rustStandby, stop } = await startBoth(siteUrl, bundleUrl);
    try {
      // The Rust worker builds its warm standby while idle; measured before it
      // is ready, that build would run beside whichever worker is timed.
      await rustStandby;
      const url = `${siteUrl}/bench/hello.php`;
      for (const [name, client] of Object.entries(clients)) {
        const text = await (await client.handleRequest({ url, headers: { cookie: 'MoodleSession=bench' } })).text();
        if (text !== 'Hello, world!') throw new Error(`the ${name} worker answered ${JSON.stringify(text.slice(0, 200))}`);
        await serveMany(client, url, WARM_UP_REQUESTS);
      }
      // Messages other than the answers that the Rust worker posts while serving.
      const stopCounting = clients.rust.on('*', (event) => { eventsPerRequest[event.type] = (eventsPerRequest[event.type] ?? 0) + 1 / (requests * repetitions); });
      // The workers take turns in short batches, in an order that rotates, so
      // that a slow spell of the machine (another process, a GC) falls on all
      // of them alike rather than on whichever was being timed.
      const names = Object.keys(perRequestMs);
      const tookMs = Object.fromEntries(names.map((name) => [name, 0]));
      for (let turn = 0; turn < requests / batch; turn++) {
        const first = (round + turn) % names.length;
        for (const name of [...names.slice(first), ...names.slice(0, first)]) {
          tookMs[name] += await serveMany(clients[name], url, batch);
        }
      }
      for (const name of names) perRequestMs[name].push(tookMs[name] / requests);
      stopCounting();
    } finally {
      stop();
    }
  }
  return { requests, perRequestMs, rustEventsPerRequest: eventsPerRequest };
}

async function startBoth(siteUrl, bundleUrl) {
  const workers = {
    rust: new Worker(new URL('../worker.js', import.meta.url), { type: 'module' }),
    rustWithoutOpcache: new Worker(new URL('../worker.js', import.meta.url), { type: 'module' }),
    host: new Worker(new URL('./host-worker.js', import.meta.url), { type: 'module' }),
    direct: new Worker(new URL('./direct-worker.js', import.meta.url), { type: 'module' }),
  };
  const clients = Object.fromEntries(Object.entries(workers).map(([name, worker]) => [name, createWorkerClient(worker)]));
  // Listening before the worker is configured, so no status is missed.
  const rustStandby = Promise.all([standbyReady(clients.rust), standbyReady(clients.rustWithoutOpcache)]);
  // Rotation is off here: its cost is figure 1's, not a per-request cost.
  clients.rust.configure({ siteUrl, bundleUrl, rotateAfterRequests: 0 });
  clients.rustWithoutOpcache.configure({ siteUrl, bundleUrl, rotateAfterRequests: 0, opcache: false });
  clients.host.configure({ siteUrl, bundleUrl, opcache: STAND_IN_OPCACHE });
  clients.direct.configure({ siteUrl, bundleUrl });
  const failed = (name) => new Promise((_, reject) => {
    clients[name].on('failed', (event) => reject(new Error(`the ${name} worker failed: ${event.reason}`)));
  });
  const names = Object.keys(clients);
  await Promise.race([Promise.all(names.map((name) => clients[name].ready)), ...names.map(failed)]);
  return { clients, rustStandby, stop: () => Object.values(workers).forEach((worker) => worker.terminate()) };
}

/** Resolves when the worker's status says its standby is ready; fails if it never can be. */
function standbyReady(client) {
  return new Promise((resolve, reject) => {
    const stop = client.on('status', (status) => {
      if (status.standby === 'ready' || status.standby === 'off') {
        stop();
        resolve();
      } else if (status.standby === 'unavailable') {
        stop();
        reject(new Error('the Rust worker could not build its standby'));
      }
    });
  });
}

/** Sends `count` requests one after the other (as the worker serves them); returns the ms taken. */
async function serveMany(client, url, count) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await (await client.handleRequest({ url, headers: { cookie: 'MoodleSession=bench' } })).arrayBuffer();
  return performance.now() - started;
}
