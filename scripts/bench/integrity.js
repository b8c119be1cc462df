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
    const { context, page } = await openFresh(browser, url, `?${BENCH_BUNDLE}&rotate=0&checkpoint=${mode}`);
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
