// Figures 9 (MediaWiki 1.39) and 10 (real Moodle 4.5): a real application's
// cold boot vs recovery (crash → replayed GET answered) vs rotation, side by
// side. Each needs its bundle (scripts/mediawiki/build-bundle.sh,
// scripts/moodle/build-bundle.sh with MOODLE_SOURCE), served by scripts/serve.js.
import { openFresh, rotateOnce } from './real-page.js';

/** What each application is measured on: its query, a page and a text that page shows. */
export const APPS = Object.freeze({
  mediawiki: { query: '?profile=mediawiki', path: '/index.php/Main_Page', marker: 'Playground Wiki', bundle: 'target/mediawiki/mediawiki-bundle.zip' },
  moodle45: { query: '?profile=moodle45', path: '/my/', marker: 'Dashboard', bundle: 'target/moodle/moodle-bundle.zip' },
});

export async function appBootRecoveryRotation(browser, url, app, { rounds, perPage, log, figure }) {
  const { query, path, marker } = APPS[app];
  const samples = { coldBootMs: [], workerBootMs: [], recoveryPageMs: [], recoveryWorkerMs: [], rotationWorkerMs: [], rotatingRequestPageMs: [] };
  for (let round = 0; round < rounds; round++) {
    // Rotation off, so no rotation can pre-empt an injected fault.
    const booted = await openFresh(browser, url, `${query}&rotate=0&maxRestarts=1000&standby=0`);
    samples.coldBootMs.push(booted.coldBootMs);
    samples.workerBootMs.push(booted.workerBootMs);
    for (let i = 0; i < perPage; i++) {
      const { pageMs, workerMs } = await recoverOnce(booted.page, `${path}?recovery=${round}-${i}`, marker);
      samples.recoveryPageMs.push(pageMs);
      samples.recoveryWorkerMs.push(workerMs);
    }
    await booted.context.close();
    const rotating = await openFresh(browser, url, `${query}&rotate=2&maxRestarts=1000&standby=0`);
    const rotation = await rotateOnce(rotating.page, path);
    samples.rotationWorkerMs.push(rotation.workerMs);
    samples.rotatingRequestPageMs.push(rotation.pageMs);
    await rotating.context.close();
    log(`figure ${figure}: round ${round + 1}/${rounds}: cold boot ${booted.coldBootMs} ms, rotation ${Math.round(rotation.workerMs)} ms`);
  }
  return samples;
}

/** inject-fault memory, then a GET of `path`: its answer is the replay on the fresh runtime. */
function recoverOnce(page, path, marker) {
  return page.evaluate(async ([p, text]) => {
    const { client } = window.playground;
    let recovered = null;
    let crashedAt = null;
    const stopRecovered = client.on('recovered', (event) => { recovered = event; });
    const stopCrash = client.on('crash', () => { crashedAt = performance.now(); });
    try {
      client.injectFault('memory');
      const response = await client.handleRequest({ url: `${window.playground.sitePath}${p}` });
      const body = await response.text();
      if (response.status !== 200 || !recovered?.replayed || !body.includes(text)) {
        throw new Error(`GET ${p} after inject-fault answered ${response.status}; recovered: ${JSON.stringify(recovered)}`);
      }
      // From the crash reaching the page, not from the injection: filling a
      // large linear memory and running PHP up to the trap is the fault's own cost.
      return { pageMs: performance.now() - crashedAt, workerMs: recovered.ms };
    } finally {
      stopRecovered();
      stopCrash();
    }
  }, [path, marker]);
}
