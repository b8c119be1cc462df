// End to end: the site outlives the tab. Saved in the browser (OPFS) after
// every change, restored on the next load with its login, reset on request;
// one tab at a time owns a site's save.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCourse, launch, openPlayground, waitUntilSaved } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

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

test('two tabs: the second takes the site over; the owner stops its worker and says so; the save carries on in the new owner', async () => {
  const { context, page: first, frame } = await openPlayground(env.browser, env.url);
  const name = 'Course made before the take-over';
  await createCourse(frame, name, 'C-TAKEN');
  await waitUntilSaved(first);
  const second = await context.newPage();
  await second.goto(env.url);
  await second.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  assert.equal(await second.evaluate(() => window.playground.owner), false);

  await Promise.all([second.waitForEvent('load'), second.locator('#take-over').click()]);
  await second.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  assert.equal(await second.evaluate(() => window.playground.owner), true, 'the tab that took over owns the site');
  assert.match(await second.locator('#site-notice-text').innerText(), /Restored your site as saved/);
  const front = await second.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(front, new RegExp(name), 'with the course the first tab saved');

  assert.match(await first.locator('#site-notice-text').innerText(), /took it over: this tab stopped its PHP worker/);
  assert.equal(await first.locator('#take-over').isVisible(), true, 'the first tab offers to take it back');
  const stopped = await first.evaluate(async () => {
    const response = await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` });
    return { status: response.status, text: await response.text() };
  });
  assert.equal(stopped.status, 503, 'the first tab no longer runs PHP on the site');
  assert.match(stopped.text, /taken over by another tab/);

  // The save goes on in the new owner: a change there survives its reload.
  await createCourse(second.frameLocator('#site'), 'Course of the new owner', 'C-NEWOWNER');
  await waitUntilSaved(second);
  await reloadPlayground(second);
  const after = await second.evaluate(async () => (await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` })).text());
  assert.match(after, /Course of the new owner/);
  await context.close();
});
