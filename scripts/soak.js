// The soak: thousands of requests in headless Chromium against the built
// playground (the Moodle-shaped stand-in), mixing reads, writes, uploads and
// plugin pages, with about 1 % REAL faults injected at seeded random points
// and a rotation every 200 requests. A ledger kept here, outside the worker,
// records every write and upload the site acknowledged (2xx); at the end the
// site must hold every acknowledged one exactly once, nothing unacknowledged
// half-done, pass integrity_check, hold every upload byte for byte, have
// answered every request, and use no more memory after GC than 1.2 × what it
// used after the first part of the run.
//
// Usage (after scripts/build.sh): npm run soak -- [--requests 10000] [--seed N]
//   [--rotate 200] [--fault-rate 0.01] [--baseline-at 1000]
// scripts/test.sh runs a bounded form (--requests 1500 --baseline-at 500).
import crypto from 'node:crypto';
import { zipSync } from 'fflate';
import { launch } from '../tests/e2e/browser.js';
import { attachWorkerProbe } from './bench/worker-probe.js';
import { SOAK_PLUGIN } from './soak/plugin.js';
import { judge } from './soak/verdict.js';

const FAULTS = ['memory', 'table', 'stack', 'write-trigger', 'db-write'];
const READS = ['/', '/mod/soak/read.php', '/admin/plugins.php'];
const MEMORY_GOAL = 1.2;

function options(argv) {
  const value = (name, fallback) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const requests = value('requests', 10_000);
  return {
    requests,
    seed: value('seed', 20261202),
    rotate: value('rotate', 200),
    faultRate: value('fault-rate', 0.01),
    baselineAt: value('baseline-at', Math.min(1000, Math.floor(requests / 3))),
  };
}

/** A seeded generator: the same run every time for the same seed. */
function seeded(seed) {
  let state = seed >>> 0;
  const next = () => { state = (state * 1664525 + 1013904223) >>> 0; return state / 4294967296; };
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

async function main() {
  const run = options(process.argv.slice(2));
  const started = Date.now();
  const env = await launch({ args: ['--js-flags=--expose-gc'] });
  try {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const probe = await attachWorkerProbe(context, page);
    await page.goto(`${env.url}?debug=1&rotate=${run.rotate}&maxRestarts=1000000&path=/`);
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: 120_000 });
    await page.evaluate(() => {
      const seen = { crash: 0, recovered: 0, rotated: 0, failed: [], dataLoss: [], respawned: [], tail: [] };
      window.playground.client.on('*', (event) => {
        if (event.type in seen && typeof seen[event.type] === 'number') seen[event.type]++;
        if (event.type === 'failed') seen.failed.push(event.reason);
        // The client replaced a hung or dead worker: the worker itself must never die.
        if (event.type === 'respawned') seen.respawned.push(`${event.reason} (serving ${event.request ?? 'nothing'}); before it: ${seen.tail.join(' → ')}`);
        // What the worker said last (not its statuses), for a problem's report.
        if (event.type !== 'status' && event.type !== 'respawned') seen.tail = [...seen.tail, `${event.type} ${event.detail ?? event.message ?? event.kind ?? ''}`.slice(0, 140)].slice(-12);
        if (event.type === 'recovered' && event.dataLoss) seen.dataLoss.push(event.dataLoss);
      });
      window.soakEvents = seen;
    });
    const site = createSiteDriver(page);
    await site.installPlugin();

    const random = seeded(run.seed);
    const ledger = { writes: new Map(), uploads: new Map() };
    const tally = { reads: 0, writes: 0, uploads: 0, faults: 0, acknowledged: 0, refused: 0, unanswered: [] };
    let baseline = null;
    for (let step = 1; step <= run.requests; step++) {
      if (random.next() < run.faultRate) {
        await site.injectFault(random.pick(FAULTS));
        tally.faults++;
      }
      const roll = random.next();
      let answer;
      if (roll < 0.45) {
        tally.reads++;
        answer = await site.request('GET', random.pick(READS));
      } else if (roll < 0.9) {
        const key = `w${step}`;
        const rows = 1 + random.int(4);
        tally.writes++;
        answer = await site.request('POST', `/mod/soak/write.php?k=${key}&n=${rows}`);
        ledger.writes.set(key, { rows, acknowledged: isAcknowledged(answer) });
      } else {
        const key = `u${step}`;
        const bytes = crypto.randomBytes(256 + random.int(4096)); // content is random; its hash is in the ledger
        tally.uploads++;
        answer = await site.request('POST', `/mod/soak/upload.php?k=${key}`, bytes);
        ledger.uploads.set(key, { sha256: sha256(bytes), acknowledged: isAcknowledged(answer) });
      }
      if (answer.status === 504 || answer.status === 0) tally.unanswered.push(`#${step}: ${answer.text.slice(0, 200)}`);
      else if (isAcknowledged(answer)) tally.acknowledged++;
      else tally.refused++;
      if (step === run.baselineAt) baseline = await probe.settledMemory();
      if (step % 1000 === 0) console.log(`[soak] ${step}/${run.requests} requests, ${tally.faults} faults, ${Math.round((Date.now() - started) / 1000)} s`);
    }
    const end = await probe.settledMemory();
    const verify = await site.request('GET', '/mod/soak/verify.php');
    const state = JSON.parse(verify.text);
    const events = await page.evaluate(() => window.soakEvents);
    const problems = judge(ledger, state);
    if (tally.unanswered.length) problems.push(`${tally.unanswered.length} requests unanswered: ${tally.unanswered.slice(0, 3).join(' | ')}`);
    if (events.failed.length) problems.push(`the worker reported failed: ${events.failed.join(' | ')}`);
    if (events.respawned.length) problems.push(`the worker was replaced by a fresh one: ${events.respawned.join(' | ')}`);
    if (events.dataLoss.length) problems.push(`recoveries reported data loss: ${events.dataLoss.join(' | ')}`);
    const ratio = baseline ? end.total / baseline.total : NaN;
    if (!(ratio <= MEMORY_GOAL)) problems.push(`memory after GC grew ${ratio.toFixed(3)}× (goal ≤ ${MEMORY_GOAL})`);

    const acknowledgedUploads = [...ledger.uploads.values()].filter((u) => u.acknowledged).length;
    const acknowledgedWrites = [...ledger.writes.values()].filter((w) => w.acknowledged).length;
    const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    const memoryDetail = (m) => `JS heap ${mib(m?.heap ?? 0)} + wasm ${mib(m?.wasm ?? 0)} in ${m?.memories ?? 0} memories`;
    console.log(`[soak] seed ${run.seed}, ${run.requests} requests in ${Math.round((Date.now() - started) / 1000)} s`);
    console.table({
      requests: { value: run.requests, detail: `${tally.reads} reads, ${tally.writes} writes, ${tally.uploads} uploads` },
      'faults injected (real)': { value: tally.faults, detail: `${events.crash} crashes, ${events.recovered} recoveries` },
      rotations: { value: events.rotated, detail: `every ${run.rotate} requests` },
      'answered 2xx / refused': { value: tally.acknowledged, detail: `${tally.refused} refused (503 after a crash on a POST)` },
      unanswered: { value: tally.unanswered.length, detail: 'goal 0' },
      'acknowledged writes present exactly once': { value: acknowledgedWrites, detail: problems.some((p) => p.includes('write')) ? 'NO' : 'yes' },
      'acknowledged uploads byte-identical': { value: acknowledgedUploads, detail: problems.some((p) => p.includes('upload')) ? 'NO' : 'yes' },
      integrity_check: { value: state.integrity, detail: 'goal ok' },
      [`memory after GC at #${run.baselineAt}`]: { value: mib(baseline?.total ?? 0), detail: memoryDetail(baseline) },
      'memory after GC at the end': { value: mib(end.total), detail: `${ratio.toFixed(3)}× (goal ≤ ${MEMORY_GOAL}); ${memoryDetail(end)}` },
    });
    for (const problem of problems.slice(0, 20)) console.log(`[soak] PROBLEM: ${problem}`);
    console.log(problems.length ? `[soak] FAILED with ${problems.length} problems` : '[soak] PASSED');
    process.exitCode = problems.length ? 1 : 0;
  } finally {
    await env.close();
  }
}

const isAcknowledged = (answer) => answer.status >= 200 && answer.status < 300;
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Requests through the page's worker client, the way the iframe's would go. */
function createSiteDriver(page) {
  async function request(method, path, bytes = null, headers = {}) {
    return page.evaluate(async ({ method, path, body, headers }) => {
      const site = window.playground.sitePath ?? '/site';
      const url = path.startsWith(site) ? path : site + path;
      const decoded = body === null ? null : Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      const response = await window.playground.client.handleRequest({ method, url, headers, body: decoded });
      return { status: response.status, text: await response.text(), location: response.headers.get('location') };
    }, { method, path, body: bytes === null ? null : Buffer.from(bytes).toString('base64'), headers });
  }
  return {
    request,
    injectFault: (kind) => page.evaluate((fault) => window.playground.client.injectFault(fault), kind),
    async installPlugin() {
      const form = await request('GET', '/course/edit.php');
      const sesskey = /name="sesskey" value="([^"]+)"/.exec(form.text)?.[1];
      if (!sesskey) throw new Error(`no sesskey in the course form: ${form.text.slice(0, 300)}`);
      const zip = zipSync(Object.fromEntries(Object.entries(SOAK_PLUGIN).map(([name, text]) => [name, new TextEncoder().encode(text)])));
      const installed = await page.evaluate(async ({ sesskey, zip }) => {
        const form = new FormData();
        form.append('sesskey', sesskey);
        form.append('zipfile', new File([Uint8Array.from(atob(zip), (c) => c.charCodeAt(0))], 'mod_soak.zip', { type: 'application/zip' }));
        const encoded = new Request('http://localhost/', { method: 'POST', body: form });
        const site = window.playground.sitePath ?? '/site';
        const response = await window.playground.client.handleRequest({
          method: 'POST', url: `${site}/admin/tool/installaddon/index.php`,
          headers: { 'content-type': encoded.headers.get('content-type') }, body: await encoded.arrayBuffer(),
        });
        return { status: response.status, location: response.headers.get('location') };
      }, { sesskey, zip: Buffer.from(zip).toString('base64') });
      if (installed.status !== 303 || !installed.location) throw new Error(`the plugin install answered ${installed.status}`);
      const target = new URL(installed.location, 'http://localhost');
      await request('GET', target.pathname + target.search);
      const setup = await request('GET', '/mod/soak/setup.php');
      if (setup.text !== 'ready') throw new Error(`the soak plugin did not set up: ${setup.text.slice(0, 300)}`);
    },
  };
}

main().catch((error) => {
  console.error(`[soak] ${error.stack ?? error}`);
  process.exitCode = 1;
});
