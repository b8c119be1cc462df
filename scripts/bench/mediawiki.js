// Figure 9 (issue 7): MediaWiki 1.39 — cold boot vs recovery (crash →
// replayed GET answered), side by side. Needs the bundle built by
// scripts/mediawiki/build-bundle.sh (served by scripts/serve.js at /mediawiki/).
import { openFresh } from './real-page.js';

// On the site: requested as `${window.playground.sitePath}${path}`.
const MAIN_PAGE = '/index.php/Main_Page';

export async function mediawikiBootVersusRecovery(browser, url, { rounds, perPage, log }) {
  const samples = { coldBootMs: [], workerBootMs: [], recoveryPageMs: [], recoveryWorkerMs: [] };
  for (let round = 0; round < rounds; round++) {
    const booted = await openFresh(browser, url, '?profile=mediawiki&rotate=0&maxRestarts=1000');
    samples.coldBootMs.push(booted.coldBootMs);
    samples.workerBootMs.push(booted.workerBootMs);
    for (let i = 0; i < perPage; i++) {
      const { pageMs, workerMs } = await booted.page.evaluate(async (path) => {
        const { client } = window.playground;
        let recovered = null;
        let crashedAt = null;
        const stopRecovered = client.on('recovered', (event) => { recovered = event; });
        const stopCrash = client.on('crash', () => { crashedAt = performance.now(); });
        const stop = () => { stopRecovered(); stopCrash(); };
        try {
          client.injectFault('memory');
          const response = await client.handleRequest({ url: `${window.playground.sitePath}${path}` });
          const text = await response.text();
          if (response.status !== 200 || !recovered?.replayed || !text.includes('Playground Wiki')) {
            throw new Error(`GET ${path} after inject-fault answered ${response.status}; recovered: ${JSON.stringify(recovered)}`);
          }
          // From the crash reaching the page, not from the injection: filling a
          // large linear memory and running PHP up to the trap is the fault's own cost.
          return { pageMs: performance.now() - crashedAt, workerMs: recovered.ms };
        } finally {
          stop();
        }
      }, `${MAIN_PAGE}?recovery=${i}`);
      samples.recoveryPageMs.push(pageMs);
      samples.recoveryWorkerMs.push(workerMs);
    }
    await booted.context.close();
    log(`figure 9: round ${round + 1}/${rounds}: cold boot ${booted.coldBootMs} ms`);
  }
  return samples;
}
