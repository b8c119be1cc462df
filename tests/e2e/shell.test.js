// End to end: the playground shell as a visitor uses it — address bar, the
// "Crash PHP now" controls with each real fault, the progress bar, the Failed
// banner and its restart. Screenshots land in test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createCourse, launch, openPlayground } from './browser.js';

const ARTIFACTS = new URL('../../test-results/', import.meta.url);
fs.mkdirSync(ARTIFACTS, { recursive: true });

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

/** Marks the document the iframe shows now, so waitForNewFrameDocument can tell the next one. */
async function markFrameDocument(page) {
  await page.evaluate(() => { document.getElementById('site').contentWindow.__previousDocument = true; });
}

/** Waits until the iframe shows a document loaded after markFrameDocument. */
async function waitForNewFrameDocument(page) {
  await page.waitForFunction(() => {
    try {
      const frame = document.getElementById('site').contentWindow;
      return !frame.__previousDocument && frame.document.readyState === 'complete';
    } catch {
      return false; // between documents
    }
  }, null, { timeout: 30_000 });
}

test('the address bar shows the current path and navigates on Enter', async () => {
  const { context, page, frame } = await openPlayground(env.browser, env.url);
  const address = page.locator('#address');
  await address.fill('/admin/plugins.php');
  await address.press('Enter');
  await frame.getByRole('heading', { name: /plugins/i }).first().waitFor();
  await page.waitForFunction(() => document.getElementById('address').value === '/admin/plugins.php');
  await page.locator('#nav-back').click();
  await page.waitForFunction(() => document.getElementById('address').value.replace('index.php', '') === '/');
  await page.locator('#nav-forward').click();
  await page.waitForFunction(() => document.getElementById('address').value === '/admin/plugins.php');
  await page.locator('#nav-home').click();
  await page.waitForFunction(() => document.getElementById('address').value.replace('index.php', '') === '/');
  await waitForStatus(page, /OPcache\s+on \(up to 8 MiB of each PHP instance's memory\)/);
  await context.close();
});

test('?opcache=off: the status panel says so and the site serves as before', async () => {
  const { context, page, frame } = await openPlayground(env.browser, env.url, { query: '?opcache=off&standby=0' });
  await waitForStatus(page, /OPcache\s+off/);
  await createCourse(frame, 'Course without OPcache', 'C-NO-OPCACHE');
  await context.close();
});

/** Waits until the status panel's text matches `pattern` (it is updated after each job: never raced). */
async function waitForStatus(page, pattern, timeout = 30_000) {
  await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('status').innerText), pattern.source, { timeout })
    .catch(async (error) => { throw new Error(`status never matched ${pattern}: ${await page.locator('#status').innerText()}: ${error.message}`); });
}

/** Waits until the status panel says the warm standby is ready (after boot, or after the last swap). */
async function waitForStandbyReady(page) {
  await waitForStatus(page, /Warm standby\s+ready/, 60_000);
}

// The cold path: no standby, so every recovery bootstraps a fresh runtime while the user waits.
for (const fault of ['memory', 'table', 'stack']) {
  test(`"Crash PHP now" (${fault}): the page comes back with the course`, async () => {
    const { context, page, frame, problems } = await openPlayground(env.browser, env.url, { query: '?standby=0' });
    const consoleErrors = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    const name = `Course before a ${fault} crash`;
    await createCourse(frame, name, `C-${fault}`);
    await markFrameDocument(page);
    await page.locator(`button[data-fault="${fault}"]`).click();
    // The progress bar tells the story, then the same page is back (a new document: the replayed answer).
    await page.waitForFunction(() => /Recovered in \d+ ms/.test(document.getElementById('progress-text').textContent), null, { timeout: 30_000 });
    await waitForNewFrameDocument(page);
    await frame.getByRole('heading', { name }).first().waitFor();
    const log = await page.locator('#log').innerText();
    assert.match(log, /crash .*"kind":"(memory-out-of-bounds|bad-indirect-call|stack-exhausted)"/);
    // The status panel is updated after the job (after the answer): wait for it, do not race it.
    await waitForStatus(page, /Crash restarts\s+1/);
    // A crash the worker handled is an event in the log, not an error in the console.
    assert.deepEqual(problems, [], 'no uncaught error in the page or the worker');
    assert.deepEqual(consoleErrors, [], 'no console error');
    await page.screenshot({ path: new URL(`crash-${fault}.png`, ARTIFACTS).pathname });
    await context.close();
  });
}

test('with the warm standby ready, two crashes in a row each recover onto a standby: no bootstrap, the course kept', async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url);
  const name = 'Course before two crashes';
  await createCourse(frame, name, 'C-STANDBY');
  await page.evaluate(() => {
    window.__recovery = [];
    window.playground.client.on('*', (event) => {
      if (['crash', 'progress', 'recovered', 'trace'].includes(event.type)) window.__recovery.push(event);
    });
  });
  for (const round of [1, 2]) {
    await waitForStandbyReady(page);
    await page.evaluate(() => { window.__recovery.length = 0; });
    await markFrameDocument(page);
    await page.locator('button[data-fault="memory"]').click();
    await page.waitForFunction(() => window.__recovery.some((e) => e.type === 'recovered'), null, { timeout: 30_000 });
    await waitForNewFrameDocument(page);
    await frame.getByRole('heading', { name }).first().waitFor();
    const events = await page.evaluate(() => window.__recovery);
    const stages = events.filter((e) => e.type === 'progress').map((e) => e.stage);
    assert.ok(events.some((e) => e.type === 'trace' && /warm standby/.test(e.message)), `round ${round}: ${JSON.stringify(events).slice(0, 600)}`);
    assert.ok(!stages.includes('instantiating') && !stages.includes('bootstrapping'), `round ${round}: no bootstrap while the user waits, saw ${stages}`);
    const recovered = events.find((e) => e.type === 'recovered');
    assert.equal(recovered.replayed, true);
    assert.equal(recovered.dataLoss, null);
  }
  assert.deepEqual(problems, [], 'no uncaught error in the page or the worker');
  await context.close();
});

test('after too many crashes the Failed banner explains, and Restart brings the data back', async () => {
  const { context, page, frame } = await openPlayground(env.browser, env.url, { query: '?maxRestarts=1' });
  await createCourse(frame, 'Survives a restart', 'SAR');
  await page.evaluate(() => {
    window.__recoveries = 0;
    window.playground.client.on('recovered', () => { window.__recoveries++; });
  });
  // The first crash is handled (one restart, within maxRestarts=1) before the
  // second fault is armed: it then meets the fresh runtime and is one too many.
  await markFrameDocument(page);
  await page.locator('button[data-fault="memory"]').click();
  await page.waitForFunction(() => window.__recoveries === 1, null, { timeout: 30_000 });
  // The replayed page is shown: the worker is done with the first crash's request.
  await waitForNewFrameDocument(page);
  await frame.getByRole('heading', { name: 'Survives a restart' }).first().waitFor();
  await page.locator('button[data-fault="table"]').click();
  const banner = page.locator('#failed-banner');
  await banner.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await banner.innerText(), /crashed more than 1 times/);
  await page.screenshot({ path: new URL('failed-banner.png', ARTIFACTS).pathname });
  await page.locator('#restart-runtime').click();
  await banner.waitFor({ state: 'hidden', timeout: 30_000 });
  await page.locator('#nav-home').click();
  await frame.getByRole('link', { name: 'Survives a restart' }).waitFor();
  await context.close();
});

test('readable on a narrow window, controls reachable by keyboard', async () => {
  const { context, page } = await openPlayground(env.browser, env.url);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone-width window`);
  await page.screenshot({ path: new URL('narrow.png', ARTIFACTS).pathname, fullPage: true });
  // Tab order reaches the navigation buttons and the address bar.
  await page.locator('body').focus();
  const reached = new Set();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.id));
  }
  for (const id of ['nav-back', 'nav-home', 'address']) assert.ok(reached.has(id), `${id} is not reachable with Tab`);
  await context.close();
});
