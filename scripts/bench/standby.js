// Figure 11 (issue 13): the warm standby, side by side with the cold path in
// one run, on the stand-in, MediaWiki and (where its bundle exists) real
// Moodle: recovery (crash → replayed GET answered) and rotation with a ready
// standby vs without one, next to a cold boot; memory (JS heap + wasm, after
// GC) with and without the standby, its peak (no forced GC) over the same
// recoveries each way, and after many recoveries with it.
import { openFresh, rotateOnce } from './real-page.js';
import { APPS } from './real-app.js';

export const STANDBY_APPS = Object.freeze({
  moodle: { query: '?profile=moodle', path: '/', marker: 'Moodle Playground' },
  ...APPS,
});

/** Waits until the status panel says the standby is ready (a new one after every swap). */
async function standbyReady(page) {
  await page.waitForFunction(() => /Warm standby\s+ready/.test(document.getElementById('status')?.innerText ?? ''), null, { timeout: 180_000 })
    .catch(async (error) => {
      throw new Error(`no ready standby: ${await page.locator('#status').innerText().catch(() => '?')}: ${error.message}`);
    });
}

/** inject-fault memory, then a GET of `path` (replayed on the new runtime). */
function recoverOnce(page, path, marker) {
  return page.evaluate(async ([p, text]) => {
    const { client } = window.playground;
    let recovered = null;
    let crashedAt = null;
    const stops = [client.on('recovered', (event) => { recovered = event; }), client.on('crash', () => { crashedAt = performance.now(); })];
    try {
      client.injectFault('memory');
      const response = await client.handleRequest({ url: `${window.playground.sitePath}${p}` });
      const body = await response.text();
      if (response.status !== 200 || !recovered?.replayed || !body.includes(text)) {
        throw new Error(`GET ${p} after inject-fault answered ${response.status}: ${body.slice(0, 600)}; recovered: ${JSON.stringify(recovered)}`);
      }
      return { pageMs: performance.now() - crashedAt, workerMs: recovered.ms };
    } finally {
      stops.forEach((stop) => stop());
    }
  }, [path, marker]);
}

export async function standbyFigure(browser, url, app, { recoveries, churn, log }) {
  const { query, path, marker } = STANDBY_APPS[app];
  const separator = path.includes('?') ? '&' : '?';
  const result = { app, recoveries, churn, cold: { recoveryPageMs: [], recoveryWorkerMs: [] }, standby: { recoveryPageMs: [], recoveryWorkerMs: [] } };

  // The highest reading (no forced GC) after boot and after each recovery.
  const peakOf = async (probe, peak) => {
    const now = await probe.currentMemory();
    return !peak || now.total > peak.total ? now : peak;
  };
  const cold = await openFresh(browser, url, `${query}&rotate=0&maxRestarts=1000&standby=0`, { probe: true });
  try {
    result.coldBootMs = cold.coldBootMs;
    result.peakWithout = await peakOf(cold.probe, null);
    result.memoryWithout = await cold.probe.settledMemory();
    for (let i = 0; i < recoveries; i++) {
      const { pageMs, workerMs } = await recoverOnce(cold.page, `${path}${separator}cold=${i}`, marker);
      result.cold.recoveryPageMs.push(pageMs);
      result.cold.recoveryWorkerMs.push(workerMs);
      result.peakWithout = await peakOf(cold.probe, result.peakWithout);
    }
  } finally {
    await cold.context.close();
  }

  const warm = await openFresh(browser, url, `${query}&rotate=0&maxRestarts=1000000`, { probe: true });
  try {
    await standbyReady(warm.page);
    result.peakWith = await peakOf(warm.probe, null);
    result.memoryWith = await warm.probe.settledMemory();
    for (let i = 0; i < churn; i++) {
      await standbyReady(warm.page);
      const { pageMs, workerMs } = await recoverOnce(warm.page, `${path}${separator}warm=${i}`, marker);
      if (i < recoveries) {
        result.standby.recoveryPageMs.push(pageMs);
        result.standby.recoveryWorkerMs.push(workerMs);
        // Read once the next standby is up again: the most both runtimes hold.
        await standbyReady(warm.page);
        result.peakWith = await peakOf(warm.probe, result.peakWith);
      }
      if (i === 0) {
        await standbyReady(warm.page);
        result.memoryAfterFirst = await warm.probe.settledMemory();
      }
    }
    await standbyReady(warm.page);
    result.memoryAfterChurn = await warm.probe.settledMemory();
  } finally {
    await warm.context.close();
  }

  for (const [name, withStandby] of [['rotationColdMs', false], ['rotationStandbyMs', true]]) {
    const rotating = await openFresh(browser, url, `${query}&rotate=2&maxRestarts=1000${withStandby ? '' : '&standby=0'}`);
    try {
      if (withStandby) await standbyReady(rotating.page);
      result[name] = (await rotateOnce(rotating.page, path)).workerMs;
    } finally {
      await rotating.context.close();
    }
  }
  log(`figure 11 (${app}): recovery ${Math.round(result.standby.recoveryPageMs[0])} ms with standby, ${Math.round(result.cold.recoveryPageMs[0])} ms without; cold boot ${result.coldBootMs} ms`);
  return result;
}
