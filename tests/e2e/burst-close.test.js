// End to end: the browser closed in the middle of a burst of writes, then
// opened again on the same profile directory. The site opens from its save,
// SQLite's integrity_check says ok, every write acknowledged before the last
// save the page heard of is there, and no write is there in part (each is
// one transaction of several rows).
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
// The browser is closed once this many saves landed during the burst.
const SAVES_BEFORE_CLOSE = 8;

async function openOnProfile(dir, url) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  return { context, page };
}

test('closed in the middle of a burst of writes and reopened: integrity ok, every write acknowledged before the last save there, none in part', { timeout: 240_000 }, async (t) => {
  const server = await startServer({ port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rpw-profile-'));
  try {
    let { context, page } = await openOnProfile(dir, url);
    const zip = Buffer.from(zipSync(Object.fromEntries(Object.entries(SOAK_PLUGIN).map(([name, text]) => [name, strToU8(text)]))));
    await installPlugin(page, page.frameLocator('#site'), 'mod_soak', zip);
    assert.equal((await fetchThroughWorker(page, '/mod/soak/setup.php')).text, 'ready');

    // What the page heard, reported as it happens: the writes acknowledged
    // so far, and how many of them the last save it heard of covers (the
    // worker saves after a job and reports before the next one starts, so a
    // save it reports holds every answer posted before that report).
    let heard = { acked: [], covered: 0, saves: 0 };
    let closeNow;
    const enoughSaves = new Promise((resolve) => { closeNow = resolve; });
    await page.exposeFunction('__burstProgress', (progress) => {
      heard = progress;
      if (progress.saves >= SAVES_BEFORE_CLOSE) closeNow();
    });
    await page.evaluate(({ rows }) => {
      const { client, sitePath } = window.playground;
      const state = { acked: [], covered: 0, saves: 0, lastSeq: null };
      const report = () => window.__burstProgress({ acked: state.acked.slice(), covered: state.covered, saves: state.saves });
      client.on('status', ({ lastSave, store }) => {
        const seq = lastSave && `${lastSave.savedAtMs}/${lastSave.request}`;
        if (store !== 'saved' || !seq || seq === state.lastSeq) return;
        state.lastSeq = seq;
        state.saves += 1;
        state.covered = state.acked.length;
        report();
      });
      // Not awaited: the burst runs until the browser goes away.
      (async () => {
        for (let i = 0; ; i += 1) {
          const key = `w${i}`;
          const response = await client.handleRequest({ url: `${sitePath}/mod/soak/write.php?k=${key}&n=${rows}` });
          if (response.status !== 200) throw new Error(`write ${key} answered ${response.status}`);
          state.acked.push(key);
          report();
        }
      })();
    }, { rows: ROWS_PER_WRITE });
    await enoughSaves;
    const atClose = heard;
    await context.close(); // the worker dies wherever it is: in a write, or in a save

    assert.ok(atClose.covered > 0 && atClose.acked.length >= atClose.covered);
    ({ context, page } = await openOnProfile(dir, url));
    assert.match(await page.locator('#site-notice-text').innerText(), /Restored your site as saved at/);
    const verified = JSON.parse((await fetchThroughWorker(page, '/mod/soak/verify.php')).text);
    assert.equal(verified.integrity, 'ok');
    const present = Object.keys(verified.writes).length;
    t.diagnostic(`at the close: ${atClose.acked.length} writes acknowledged, ${atClose.covered} in the last save heard of; after reopening: ${present} there`);
    for (const key of atClose.acked.slice(0, atClose.covered)) {
      assert.equal(verified.writes[key], ROWS_PER_WRITE, `${key}, acknowledged before the save the page heard of, is there whole`);
    }
    for (const [key, rows] of Object.entries(verified.writes)) {
      assert.equal(rows, ROWS_PER_WRITE, `${key} is there whole or not at all`);
    }
    await context.close();
  } finally {
    server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
