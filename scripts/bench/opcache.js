// Figure 14: one warm page of each application served with OPcache (the
// default) and with `?opcache=off`, each in a fresh page (the two opened one
// after the other, in an order that alternates per round), and what the cache
// costs in PHP linear memory.
import { openFresh } from './real-page.js';

/** The stand-in's front page, measured as APPS (real-app.js) measures the real applications. */
export const STAND_IN_PAGE = Object.freeze({ query: '?profile=moodle', path: '/index.php', marker: 'Available courses' });

/**
 * @param {{ query: string, path: string, marker: string }} app where to measure
 * @param {{ rounds: number, warmUp: number, requests: number }} counts
 * @returns {{ on: Sample[], off: Sample[] }} Sample: { pageMs: number[], memoryBytes }
 */
export async function opcacheOnOff(browser, url, app, { rounds, warmUp, requests, log, name }) {
  const result = { on: [], off: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const side of order) {
      const booted = await openFresh(browser, url, `${app.query}&standby=0&rotate=0&opcache=${side}`);
      try {
        result[side].push(await servePage(booted.page, app, { warmUp, requests }));
      } finally {
        await booted.context.close();
      }
    }
    log(`figure 14 (${name}): round ${round + 1}/${rounds}`);
  }
  return result;
}

/**
 * Serves `path` warmUp times untimed, then `requests` times timed; the memory
 * is the worker's status that followed the last request (the worker posts its
 * counters at most 250 ms after a burst's last request).
 */
function servePage(page, { path, marker }, counts) {
  return page.evaluate(async ([p, text, { warmUp, requests }]) => {
    const { client, sitePath } = window.playground;
    const statuses = [];
    let statusArrived = () => {};
    const stop = client.on('status', (status) => {
      statuses.push({ status, at: performance.now() });
      statusArrived();
    });
    const get = async () => {
      const started = performance.now();
      const response = await client.handleRequest({ url: `${sitePath}${p}` });
      const body = await response.text();
      if (response.status !== 200 || !body.includes(text)) throw new Error(`GET ${p} answered ${response.status}: ${body.slice(0, 300)}`);
      return performance.now() - started;
    };
    try {
      for (let i = 0; i < warmUp; i++) await get();
      const pageMs = [];
      let lastSentAt = 0;
      for (let i = 0; i < requests; i++) {
        lastSentAt = performance.now();
        pageMs.push(await get());
      }
      const after = () => statuses.find((s) => s.at >= lastSentAt);
      if (!after()) {
        await new Promise((resolve, reject) => {
          statusArrived = () => after() && resolve();
          setTimeout(() => reject(new Error('no status from the worker within 5 s of the last request')), 5000);
        });
      }
      return { pageMs, memoryBytes: after().status.memoryBytes };
    } finally {
      stop();
    }
  }, [path, marker, counts]);
}
