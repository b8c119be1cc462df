// End to end: the site outlives the tab. Saved in the browser (OPFS) after
// every change, restored on the next load with its login, reset on request;
// one tab at a time owns a site's save.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCourse, launch, openPlayground } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

/** Waits until the worker says every request it served is in the save that landed. */
async function waitUntilSaved(page) {
  await page.evaluate(() => {
    window.__saves ??= [];
    window.playground.client.on('status', (status) => window.__saves.push(status));
  });
  // Ask for one more status, so the wait does not depend on which one came last.
  await page.evaluate(() => window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` }));
  await page.waitForFunction(() => window.__saves.some((s) => s.store === 'saved' && s.lastSave
    && s.lastSave.request === s.requestsServed), null, { timeout: 30_000 })
    .catch(async (error) => { throw new Error(`never saved: ${JSON.stringify(await page.evaluate(() => window.__saves.at(-1)))}: ${error.message}`); });
}

async function reloadPlayground(page) {
  await page.reload();
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  await page.frameLocator('#site').locator('h1').first().waitFor({ timeout: 30_000 });
}

test('reload the page: the course and the logout are back, the page says what was restored; Reset site starts fresh', async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url);
  const name = 'Course that outlives the tab';
  await createCourse(frame, name, 'C-RELOAD');
  // Logged out before the reload: a restored site must keep the user's own
  // session state, not log the admin in again.
  const loggedOut = await page.evaluate(async () => {
    const get = async (url) => (await window.playground.client.handleRequest({ method: 'GET', url })).text();
    const front = await get(`${window.playground.sitePath}/`);
    const logout = new DOMParser().parseFromString(front, 'text/html').querySelector('a[href*="logout.php"]').getAttribute('href');
    const target = new URL(logout, `${location.origin}${window.playground.sitePath}/`);
    await get(target.pathname + target.search);
    return get(`${window.playground.sitePath}/`);
  });
  assert.match(loggedOut, /You are not logged in/);
  await waitUntilSaved(page);

  await reloadPlayground(page);
  const notice = await page.locator('#site-notice-text').innerText();
  assert.match(notice, /Restored your site as saved at \d\d:\d\d after request #\d+\./);
  const front = await page.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(front, new RegExp(name), 'the course made before the reload is listed');
  assert.match(front, /You are not logged in/, 'still logged out: the restored session, no auto-login');
  assert.equal(await page.locator('[data-field="Saved"]').count(), 1);

  page.once('dialog', (dialog) => dialog.accept());
  await page.locator('#reset-site').click();
  await page.waitForEvent('load');
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  const fresh = await page.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.doesNotMatch(fresh, new RegExp(name), 'the reset site starts fresh');
  assert.match(fresh, /You are logged in as/, 'a fresh site logs the admin in');
  assert.doesNotMatch(await page.locator('#site-notice-text').innerText(), /Restored/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a crash, then a reload: what was saved after the recovery is what comes back', async () => {
  const { context, page, frame } = await openPlayground(env.browser, env.url, { query: '?standby=0' });
  const name = 'Course across a crash and a reload';
  await createCourse(frame, name, 'C-CRASHRELOAD');
  await page.evaluate(() => window.playground.client.injectFault('memory'));
  const afterCrash = await page.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(afterCrash, new RegExp(name));
  await waitUntilSaved(page);
  await reloadPlayground(page);
  const front = await page.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(front, new RegExp(name));
  await context.close();
});

test('two tabs of one site: one owns the save, the other says so and runs an unsaved copy; closing the owner hands the site over', async () => {
  const { context, page: owner, frame } = await openPlayground(env.browser, env.url);
  const name = 'Course of the owner tab';
  await createCourse(frame, name, 'C-OWNER');
  await waitUntilSaved(owner);
  const second = await context.newPage();
  await second.goto(env.url);
  await second.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  assert.equal(await second.evaluate(() => window.playground.owner), false);
  assert.match(await second.locator('#site-notice-text').innerText(), /open in another tab/);
  await owner.close();
  await reloadPlayground(second);
  assert.equal(await second.evaluate(() => window.playground.owner), true, 'the closed tab handed the site over');
  const front = await second.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(front, new RegExp(name));
  await context.close();
});
