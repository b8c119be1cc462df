// Figures 1 and 4 on the REAL playground page (dist/index.html), through its
// window.playground.client, in fresh browser contexts.
import { attachWorkerProbe } from './worker-probe.js';
import { rendererRssBytes, startPeakSampler } from './process-memory.js';

// On the site: the page's requests go to `${window.playground.sitePath}${path}`.
const FRONT_PAGE = '/index.php';

/**
 * Opens the playground in a fresh context (empty HTTP cache, no Service
 * Worker yet) and waits until the front page shows in the iframe.
 * coldBootMs: from page.goto to the front page's <h1>, measured by node;
 * pageMs: the same end point on the page's own clock (from navigation start).
 */
export async function openFresh(browser, url, query, { probe = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const workerProbe = probe ? await attachWorkerProbe(context, page) : null;
  const started = Date.now();
  await page.goto(url + query);
  const served = await page.waitForFunction(
    () => (window.playground?.ready && document.getElementById('site')?.contentDocument?.querySelector('h1') ? performance.now() : 0),
    null,
    { timeout: 90_000, polling: 10 },
  ).catch((error) => {
    throw new Error(`the playground did not show the front page: ${error.message}; page errors: ${errors.join(' | ')}`);
  });
  const coldBootMs = Date.now() - started;
  const pageMs = await served.jsonValue();
  const workerBootMs = await page.evaluate(() => window.playground.ready.bootMs);
  return { context, page, probe: workerProbe, coldBootMs, pageMs, workerBootMs };
}

/**
 * inject-fault memory, then a GET: its answer is the replay on the fresh
 * runtime. Each recovery asks for a different URL: a request that crashed the
 * runtime twice is quarantined (src/policy.rs), and here the crash is ours.
 */
function recoverOnce(page, nth) {
  return page.evaluate(async (path) => {
    const { client } = window.playground;
    let recovered = null;
    const stop = client.on('recovered', (event) => { recovered = event; });
    try {
      const started = performance.now();
      client.injectFault('memory');
      const response = await client.handleRequest({ url: `${window.playground.sitePath}${path}` });
      await response.arrayBuffer();
      const pageMs = performance.now() - started;
      // `recovered` is posted before the replayed answer.
      if (response.status !== 200 || !recovered?.replayed) {
        throw new Error(`GET ${path} after inject-fault answered ${response.status}; recovered: ${JSON.stringify(recovered)}`);
      }
      return { pageMs, workerMs: recovered.ms };
    } finally {
      stop();
    }
  }, `${FRONT_PAGE}?recovery=${nth}`);
}

/** GETs `path` (the front page) until one request rotated the runtime (needs ?rotate=N). */
export function rotateOnce(page, path = FRONT_PAGE) {
  return page.evaluate(async (path) => {
    const { client } = window.playground;
    let rotated = null;
    const stop = client.on('rotated', (event) => { rotated = event; });
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const started = performance.now();
        const response = await client.handleRequest({ url: `${window.playground.sitePath}${path}` });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        if (rotated) return { workerMs: rotated.ms, pageMs: performance.now() - started };
      }
      throw new Error('no rotation in 20 requests');
    } finally {
      stop();
    }
  }, path);
}

/**
 * Figure 1. Per round: a fresh context for cold boot + recoveries
 * (rotation off, so no rotation can pre-empt an injected fault), and
 * another for rotations (?rotate=2).
 */
export async function bootRecoveryRotation(browser, url, { rounds, perPage, log }) {
  const samples = { coldBootMs: [], coldBootPageMs: [], workerBootMs: [], recoveryPageMs: [], recoveryWorkerMs: [], rotationWorkerMs: [], rotatingRequestPageMs: [] };
  for (let round = 0; round < rounds; round++) {
    const booted = await openFresh(browser, url, '?rotate=0&maxRestarts=1000&standby=0');
    samples.coldBootMs.push(booted.coldBootMs);
    samples.coldBootPageMs.push(booted.pageMs);
    samples.workerBootMs.push(booted.workerBootMs);
    for (let i = 0; i < perPage; i++) {
      const { pageMs, workerMs } = await recoverOnce(booted.page, i);
      samples.recoveryPageMs.push(pageMs);
      samples.recoveryWorkerMs.push(workerMs);
    }
    await booted.context.close();

    const rotating = await openFresh(browser, url, '?rotate=2&maxRestarts=1000&standby=0');
    for (let i = 0; i < perPage; i++) {
      const { pageMs, workerMs } = await rotateOnce(rotating.page);
      samples.rotationWorkerMs.push(workerMs);
      samples.rotatingRequestPageMs.push(pageMs);
    }
    await rotating.context.close();
    log(`figure 1: round ${round + 1}/${rounds}: cold boot ${booted.coldBootMs} ms`);
  }
  return samples;
}

/** JS heap + wasm memory + renderer RSS, now. */
async function memorySample(probe, browserSession) {
  const [wasm, heap, rss] = await Promise.all([probe.wasmMemories(), probe.jsHeapBytes(), rendererRssBytes(browserSession)]);
  return { wasmCount: wasm.count, wasmBytes: wasm.bytes, workerHeapBytes: heap.worker, pageHeapBytes: heap.page, jsPlusWasmBytes: heap.worker + heap.page + wasm.bytes, rssBytes: rss };
}

/**
 * Figure 4a. `count` recoveries (or rotations, with ?rotate=1) without forcing
 * GC, sampling the peak; then a forced GC and the settled state, compared with
 * the state after first boot (also after a forced GC).
 */
export async function memoryChurn(browser, browserSession, url, { kind, count, log }) {
  const query = kind === 'recoveries' ? '?rotate=0&maxRestarts=1000&standby=0' : '?rotate=1&maxRestarts=1000&standby=0';
  const { context, page, probe } = await openFresh(browser, url, query, { probe: true });
  try {
    await probe.collectGarbage();
    const firstBoot = await memorySample(probe, browserSession);
    const sampler = startPeakSampler(browserSession);
    let peakWasm = { count: 0, bytes: 0 };
    for (let i = 0; i < count; i++) {
      await (kind === 'recoveries' ? recoverOnce(page, i) : rotateOnce(page));
      const wasm = await probe.wasmMemories();
      if (wasm.bytes > peakWasm.bytes) peakWasm = wasm;
    }
    const peakRssBytes = await sampler.stop();
    const beforeGc = await memorySample(probe, browserSession);
    await probe.collectGarbage();
    const afterGc = await memorySample(probe, browserSession);
    log(`figure 4: ${count} ${kind}: wasm memories alive ${beforeGc.wasmCount} before GC, ${afterGc.wasmCount} after`);
    return { kind, count, firstBoot, beforeGc, afterGc, peakWithoutGc: { rssBytes: peakRssBytes, wasmCount: peakWasm.count, wasmBytes: peakWasm.bytes } };
  } finally {
    await context.close();
  }
}

/**
 * Figure 4b. The leaking page (www/bench/php/leak.php, in the bench bundle)
 * served `requests` times by the real page, without rotation and with it.
 */
export async function leakWithAndWithoutRotation(browser, browserSession, url, { requests, rotateEvery, sampleEvery, log }) {
  const bundle = encodeURIComponent(new URL('bench/bench-site.zip', url).href);
  const runs = {};
  for (const [name, rotate] of [['withoutRotation', 0], ['withRotation', rotateEvery]]) {
    const { context, page, probe } = await openFresh(browser, url, `?rotate=${rotate}&maxRestarts=1000&standby=0&bundle=${bundle}`, { probe: true });
    try {
      await probe.collectGarbage();
      const start = await memorySample(probe, browserSession);
      const series = [];
      for (let served = 0; served < requests; served += sampleEvery) {
        await page.evaluate(async (count) => {
          for (let i = 0; i < count; i++) {
            const text = await (await window.playground.client.handleRequest({ url: `${window.playground.sitePath}/bench/leak.php` })).text();
            if (text !== 'leaked') throw new Error(`leak.php answered ${JSON.stringify(text.slice(0, 300))}`);
          }
        }, sampleEvery);
        series.push({ requests: served + sampleEvery, ...(await probe.wasmMemories()) });
      }
      const beforeGc = await memorySample(probe, browserSession);
      await probe.collectGarbage();
      const afterGc = await memorySample(probe, browserSession);
      runs[name] = { rotateAfterRequests: rotate, start, series, beforeGc, afterGc, peakWasmBytes: Math.max(...series.map((s) => s.bytes)) };
      log(`figure 4: leak.php x${requests}, rotate=${rotate}: wasm ${mib(start.wasmBytes)} → ${mib(afterGc.wasmBytes)} MiB`);
    } finally {
      await context.close();
    }
  }
  return runs;
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
