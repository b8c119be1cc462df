// Figures 7 and 8 (issue 5): what keeping the database trustworthy costs.
// 7: a small write on a 16 MiB DB with checkpoints off / full copy / incremental;
// 8: SQLite's journal in MEMFS (DELETE, which can roll a torn transaction
//    back after a crash) against journal_mode=MEMORY (which cannot).
import { openFresh } from './real-page.js';

const BENCH_BUNDLE = 'bundle=bench/bench-site.zip';

/** Per-write milliseconds with each checkpoint mode, on the same grown DB. */
export async function checkpointCost(browser, url, { dbMiB, writes, repetitions }) {
  const perWriteMs = {};
  for (const mode of ['off', 'full', 'incremental']) {
    const { context, page } = await openFresh(browser, url, `?${BENCH_BUNDLE}&rotate=0&checkpoint=${mode}&store=0`);
    try {
      const measured = await page.evaluate(async ({ dbMiB, writes, repetitions }) => {
        const { client, sitePath } = window.playground;
        const grown = await client.handleRequest({ url: `${sitePath}/bench/grow.php?dbmib=${dbMiB}` });
        if (grown.status !== 200) throw new Error(`grow.php answered ${grown.status}`);
        await grown.arrayBuffer();
        const samples = [];
        for (let round = 0; round < repetitions; round++) {
          const started = performance.now();
          for (let i = 0; i < writes; i++) await (await client.handleRequest({ url: `${sitePath}/bench/write-one.php` })).arrayBuffer();
          samples.push((performance.now() - started) / writes);
        }
        return samples;
      }, { dbMiB, writes, repetitions });
      perWriteMs[mode] = measured;
    } finally {
      await context.close();
    }
  }
  return { dbMiB, writes, perWriteMs };
}

/** Milliseconds for `transactions` single-row write transactions per journal mode. */
export async function journalCost(browser, url, { transactions, repetitions }) {
  const { context, page } = await openFresh(browser, url, `?${BENCH_BUNDLE}&rotate=0`);
  try {
    return await page.evaluate(async ({ transactions, repetitions }) => {
      const { client, sitePath } = window.playground;
      const ms = { delete: [], memory: [] };
      for (let round = 0; round < repetitions; round++) {
        for (const mode of round % 2 ? ['memory', 'delete'] : ['delete', 'memory']) {
          const response = await client.handleRequest({ url: `${sitePath}/bench/journal.php?mode=${mode}&n=${transactions}` });
          const text = await response.text();
          if (response.status !== 200) throw new Error(`journal.php answered ${response.status}: ${text.slice(0, 200)}`);
          ms[mode].push(JSON.parse(text).ms / transactions);
        }
      }
      return { transactions, perTransactionMs: ms };
    }, { transactions, repetitions });
  } finally {
    await context.close();
  }
}

/**
 * Figure 12: the site's save. Per write on a grown DB: the request with the
 * store off, and with it on the request and its save until it landed (the
 * worker's status naming that request); then reloads that restore the save,
 * each next to a cold first load of the same page (fresh contexts, same
 * run); then the watchdog: a page that never ends, with a request queued
 * behind it, on a short deadline — from the hung request's 504 to the queued
 * request answered by the fresh worker that restored the save.
 */
export async function siteStoreCost(browser, url, { dbMiB, writes, boots, deadlineS }) {
  const result = {
    dbMiB, writes, offMs: [], onRequestMs: [], onSavedMs: [], coldBootMs: [], restoreBootMs: [], savedBytes: null,
    watchdog: [],
  };
  for (const store of ['0', '1']) {
    const query = `?${BENCH_BUNDLE}&rotate=0&standby=0&store=${store}&site=bench-${Date.now()}&deadline=${deadlineS}`;
    const { context, page, coldBootMs } = await openFresh(browser, url, query);
    try {
      const measured = await page.evaluate(async ({ dbMiB, writes }) => {
        const { client, sitePath } = window.playground;
        const statuses = [];
        let onStatus = null;
        client.on('status', (status) => { statuses.push(status); onStatus?.(); });
        // The status the worker posts when a save landed names the request count it holds.
        const nextSaveLanded = (seen) => new Promise((resolve) => {
          const check = () => {
            const landed = statuses.slice(seen).find((s) => s.store === 'saved' && s.lastSave?.request === s.requestsServed);
            if (landed) { onStatus = null; resolve(landed); } else onStatus = check;
          };
          check();
        });
        await (await client.handleRequest({ url: `${sitePath}/bench/grow.php?dbmib=${dbMiB}` })).arrayBuffer();
        const requestMs = [];
        const savedMs = [];
        const workerSaveMs = [];
        const pageWriteMs = [];
        let last = null;
        for (let i = 0; i < writes; i++) {
          if (window.playground.owner) await nextSaveLanded(0); // start from a saved state
          const seen = statuses.length;
          const started = performance.now();
          await (await client.handleRequest({ url: `${sitePath}/bench/write-one.php` })).arrayBuffer();
          const answered = performance.now();
          requestMs.push(answered - started);
          if (window.playground.owner) {
            last = await nextSaveLanded(seen);
            savedMs.push(performance.now() - answered);
            workerSaveMs.push(last.lastSaveMs);
            pageWriteMs.push(last.lastSaveWriteMs);
          }
        }
        // A burst: each write sent when the last is answered, saves or not
        // (a save due while the page still writes the last one holds the next job).
        if (window.playground.owner) await nextSaveLanded(0);
        const burstStarted = performance.now();
        for (let i = 0; i < writes; i++) await (await client.handleRequest({ url: `${sitePath}/bench/write-one.php` })).arrayBuffer();
        const burstMsPerWrite = (performance.now() - burstStarted) / writes;
        return { requestMs, savedMs, workerSaveMs, pageWriteMs, burstMsPerWrite, savedBytes: last?.lastSave?.bytes ?? null };
      }, { dbMiB, writes });
      if (store === '0') {
        result.offMs = measured.requestMs;
        result.burstOffMs = measured.burstMsPerWrite;
        continue;
      }
      result.burstOnMs = measured.burstMsPerWrite;
      result.onRequestMs = measured.requestMs;
      result.onSavedMs = measured.savedMs;
      result.workerSaveMs = measured.workerSaveMs;
      result.pageWriteMs = measured.pageWriteMs;
      result.savedBytes = measured.savedBytes;
      result.coldBootMs.push(coldBootMs);
      for (let boot = 0; boot < boots; boot++) {
        const started = Date.now();
        await page.reload();
        await page.waitForFunction(() => window.playground?.ready && document.getElementById('site')?.contentDocument?.querySelector('h1'), null, { timeout: 90_000, polling: 10 });
        result.restoreBootMs.push(Date.now() - started);
        result.restored = await page.evaluate(() => window.playground.ready.restored);
      }
      for (let round = 0; round < boots; round++) result.watchdog.push(await hungThenNext(page, round));
    } finally {
      await context.close();
    }
  }
  // More cold boots of the same page, each in a fresh context (nothing saved there).
  for (let boot = 1; boot < boots; boot++) {
    const { context, coldBootMs } = await openFresh(browser, url, `?${BENCH_BUNDLE}&rotate=0&standby=0&site=bench-cold-${Date.now()}`);
    result.coldBootMs.push(coldBootMs);
    await context.close();
  }
  return result;
}

/** A page that never ends with a GET queued behind it: when each is answered. */
async function hungThenNext(page, round) {
  return page.evaluate(async (n) => {
    const { client, sitePath } = window.playground;
    const sent = performance.now();
    const hung = client.handleRequest({ url: `${sitePath}/bench/spin.php?round=${n}` }).then(async (r) => ({ status: r.status, atMs: performance.now(), text: await r.text() }));
    const next = client.handleRequest({ url: `${sitePath}/bench/write-one.php` }).then(async (r) => ({ status: r.status, atMs: performance.now() }));
    const [h, q] = await Promise.all([hung, next]);
    if (h.status !== 504 || q.status !== 200) throw new Error(`the hung request answered ${h.status}, the next ${q.status}: ${h.text.slice(0, 300)}`);
    return { hungAnsweredMs: h.atMs - sent, hungToNextMs: q.atMs - h.atMs };
  }, round);
}
