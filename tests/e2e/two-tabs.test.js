// End to end: the playground open in two tabs of one browser (one context, so
// one Service Worker for both). Each tab runs its own PHP worker, so its own
// site: a request from a tab's iframe must be served by that tab's worker
// (www/sw.js routes by the /site/<client id>/ scope in the URL), and a request
// to the scope of a tab that is gone gets a 503 that says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCourse, launch } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

/** Opens the playground in a new tab of `context` and waits for the site in its iframe. */
async function openTab(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(env.url);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 }).catch((error) => {
    throw new Error(`the playground did not become ready: ${error.message}; page errors: ${problems.join(' | ')}`);
  });
  const frame = page.frameLocator('#site');
  await frame.getByText('Moodle Playground').first().waitFor({ timeout: 30_000 });
  const sitePath = await page.evaluate(() => window.playground.sitePath);
  return { page, frame, sitePath, problems };
}

/**
 * Opens the front page in the tab's iframe (a navigation through the Service
 * Worker, from the Home button) and returns the names of the courses it lists.
 */
async function frontPageCourses(tab) {
  // Mark the document shown now, so only the new one can answer.
  await tab.page.evaluate(() => { document.getElementById('site').contentWindow.__previousDocument = true; });
  await tab.page.locator('#nav-home').click();
  await tab.page.waitForFunction(() => {
    const frame = document.getElementById('site').contentWindow;
    return !frame.__previousDocument && frame.document.readyState === 'complete'
      && frame.document.querySelector('h2')?.textContent === 'Available courses';
  }, null, { timeout: 30_000 });
  return tab.frame.locator('ul.courses a').allInnerTexts();
}

test('two tabs: each iframe is served by its own tab\'s worker; a closed tab\'s scope answers 503', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const a = await openTab(context);
    const b = await openTab(context);
    assert.notEqual(a.sitePath, b.sitePath, 'each tab has its own site scope');
    for (const tab of [a, b]) {
      assert.equal(await tab.page.evaluate(() => document.getElementById('site').contentWindow.location.pathname.replace(/index\.php$/, '')), `${tab.sitePath}/`);
    }

    await createCourse(a.frame, 'Course of tab A', 'TABA');
    // The address bar shows the path on the site, without the tab's scope.
    await a.page.waitForFunction(() => /^\/course\/view\.php\?id=\d+$/.test(document.getElementById('address').value));
    await createCourse(b.frame, 'Course of tab B', 'TABB');

    const aCourses = await frontPageCourses(a);
    const bCourses = await frontPageCourses(b);
    assert.ok(aCourses.includes('Course of tab A'), `tab A lists its course: ${aCourses.join(', ')}`);
    assert.ok(!aCourses.includes('Course of tab B'), `tab A does not list tab B's course: ${aCourses.join(', ')}`);
    assert.ok(bCourses.includes('Course of tab B'), `tab B lists its course: ${bCourses.join(', ')}`);
    assert.ok(!bCourses.includes('Course of tab A'), `tab B does not list tab A's course: ${bCourses.join(', ')}`);

    // Tab A goes away; tab B keeps serving its own site, even through a
    // Service Worker the browser stopped and started again (it keeps no state).
    await a.page.close();
    const cdp = await context.newCDPSession(b.page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const afterClose = await frontPageCourses(b);
    assert.ok(afterClose.includes('Course of tab B') && !afterClose.includes('Course of tab A'), `tab B after A closed: ${afterClose.join(', ')}`);
    await b.frame.getByRole('link', { name: 'Course of tab B' }).click();
    await b.frame.getByRole('heading', { name: 'Course of tab B' }).first().waitFor();

    // A request under the closed tab's scope: the Service Worker says why it cannot be served.
    const gone = await b.page.evaluate(async (path) => {
      const response = await fetch(`${path}/index.php`);
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    }, a.sitePath);
    assert.equal(gone.status, 503);
    assert.match(gone.type, /text\/html/);
    assert.match(gone.text, /playground tab that owned this page was closed or reloaded/);
    assert.match(gone.text, /Open the playground again/);

    // The same as a navigation, in a new tab opened on the dead scope.
    const orphan = await context.newPage();
    const response = await orphan.goto(`${new URL(a.sitePath, env.url).href}/course/view.php?id=2`);
    assert.equal(response.status(), 503);
    await orphan.getByText(/closed or reloaded/).waitFor();
    await orphan.close();

    assert.deepEqual(b.problems, [], 'no uncaught errors in tab B');
  } finally {
    await context.close();
  }
});
