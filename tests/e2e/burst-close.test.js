// End to end: the browser closed in the middle of a burst of writes, then
// opened again on the same profile directory — several times, at different
// points of the burst: right after a write was answered (the worker is then
// saving it) and right after a save landed (the worker is then serving the
// next write). Each time the site opens from its save, SQLite's
// integrity_check says ok, every write acknowledged before the last save the
// page heard of is there, and no write is there in part (each is one
// transaction of several rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { zipSync, strToU8 } from 'fflate';
import { CHROMIUM_ARGS, installPlugin } from './browser.js';
import { fetchThroughWorker } from './app-driver.js';
import { startServer } from '../../scripts/serve.js';
import { SOAK_PLUGIN } from '../../scripts/soak/plugin.js';

const ROWS_PER_WRITE = 20;
// Where each round closes the browser: on the nth answered write, or on the nth landed save.
const CLOSE_POINTS = [{ on: 'ack', nth: 5 }, { on: 'save', nth: 4 }, { on: 'ack', nth: 9 }, { on: 'save', nth: 7 }];

async function openOnProfile(dir, url) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  return { context, page };
}

/**
 * Runs a burst of writes (keys `${round}-w<i>`) until `closeAt` is reached,
 * then closes the browser at once. Returns what the page had heard by then:
 * the writes acknowledged, and how many of them the last save it heard of
 * covers. The worker hands a save to the page after a job and goes on
 * serving while the page writes it, so when word comes that it landed the
 * page may have had answers the save does not hold: as many as the requests
 * served since (`requestsServed - lastSave.request`, both in that status,
 * which comes after every answer to a request served before it).
 */
async function burstUntilClosed(context, page, round, closeAt) {
  let heard = { acked: [], covered: 0, saves: 0 };
  let closeNow;
  const reached = new Promise((resolve) => { closeNow = resolve; });
  await page.exposeFunction('__burstProgress', (progress) => {
    heard = progress;
    // Not before a save holding a write of this burst was heard of (else the round would check nothing).
    const due = (closeAt.on === 'ack' ? progress.acked.length : progress.saves) >= closeAt.nth;
    if (due && progress.covered > 0) closeNow();
  });
  await page.evaluate(({ rows, round }) => {
    const { client, sitePath } = window.playground;
    const state = { acked: [], covered: 0, saves: 0, lastSeq: null };
    const report = () => window.__burstProgress({ acked: state.acked.slice(), covered: state.covered, saves: state.saves });
    // A status naming a save that landed since the last one heard of (while
    // writes keep coming, another save is always due: the store says `saving`).
    client.on('status', ({ lastSave, requestsServed }) => {
      const seq = lastSave && `${lastSave.savedAtMs}/${lastSave.request}`;
      if (!seq || seq === state.lastSeq) return;
      state.lastSeq = seq;
      state.saves += 1;
      state.covered = Math.max(0, state.acked.length - (requestsServed - lastSave.request));
      report();
    });
    // Not awaited: the burst runs until the browser goes away.
    (async () => {
      for (let i = 0; ; i += 1) {
        const key = `r${round}-w${i}`;
        const response = await client.handleRequest({ url: `${sitePath}/mod/soak/write.php?k=${key}&n=${rows}` });
        if (response.status !== 200) throw new Error(`write ${key} answered ${response.status}`);
        state.acked.push(key);
        report();
      }
    })();
  }, { rows: ROWS_PER_WRITE, round });
  await reached;
  const atClose = heard;
  await context.close(); // the worker dies wherever it is: in a write, or in a save
  return atClose;
}

test('closed at several points of a burst of writes and reopened each time: integrity ok, every write acknowledged before the last save there, none in part', { timeout: 420_000 }, async (t) => {
  const server = await startServer({ port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rpw-profile-'));
  try {
    let { context, page } = await openOnProfile(dir, url);
    const zip = Buffer.from(zipSync(Object.fromEntries(Object.entries(SOAK_PLUGIN).map(([name, text]) => [name, strToU8(text)]))));
    await installPlugin(page, page.frameLocator('#site'), 'mod_soak', zip);
    assert.equal((await fetchThroughWorker(page, '/mod/soak/setup.php')).text, 'ready');
    const mustBeThere = [];
    for (const [round, closeAt] of CLOSE_POINTS.entries()) {
      const atClose = await burstUntilClosed(context, page, round, closeAt);
      assert.ok(atClose.covered > 0 && atClose.acked.length >= atClose.covered, JSON.stringify(atClose));
      mustBeThere.push(...atClose.acked.slice(0, atClose.covered));

      ({ context, page } = await openOnProfile(dir, url));
      assert.match(await page.locator('#site-notice-text').innerText(), /Restored your site as saved at/);
      const verified = JSON.parse((await fetchThroughWorker(page, '/mod/soak/verify.php')).text);
      assert.equal(verified.integrity, 'ok', `round ${round}`);
      for (const key of mustBeThere) {
        assert.equal(verified.writes[key], ROWS_PER_WRITE, `${key}, acknowledged before a save the page heard of, is there whole`);
      }
      for (const [key, rows] of Object.entries(verified.writes)) {
        assert.equal(rows, ROWS_PER_WRITE, `${key} is there whole or not at all`);
      }
      t.diagnostic(`round ${round}, closed on ${closeAt.on} #${closeAt.nth}: ${atClose.acked.length} writes acknowledged, `
        + `${atClose.covered} in the last save heard of; after reopening ${Object.keys(verified.writes).filter((k) => k.startsWith(`r${round}-`)).length} there`);
    }
    await context.close();
  } finally {
    server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
