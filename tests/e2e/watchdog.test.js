// End to end: a PHP page with an endless loop. The client's watchdog
// (www/client.js, www/watchdog/) answers it 504 past the deadline, replaces
// the worker with a fresh one that restores the site's last save, serves
// what was queued behind it, and quarantines the loop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { createCourse, installPlugin, launch, openPlayground, waitUntilSaved } from './browser.js';

const DEADLINE_S = 5;

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

/** A stand-in plugin whose page never ends (PHP's max_execution_time does not fire in php-wasm). */
function spinPluginZip() {
  return Buffer.from(zipSync({
    'spin/version.php': strToU8("<?php\n$plugin->component = 'local_spin';\n$plugin->version = 2026120500;\n"),
    'spin/index.php': strToU8("<?php\n// Never answers.\nfor (;;) {}\n"),
  }));
}

test('an endless loop: 504 past the deadline, the queued GET and POST served by a fresh worker, the site restored, the loop quarantined', { timeout: 180_000 }, async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url, { query: `?deadline=${DEADLINE_S}` });
  await createCourse(frame, 'Course before the loop', 'C-BEFORE');
  await installPlugin(page, frame, 'local_spin', spinPluginZip());
  await waitUntilSaved(page);

  const outcome = await page.evaluate(async () => {
    const { client, sitePath } = window.playground;
    const respawns = [];
    client.on('respawned', (event) => respawns.push(event));
    const form = await (await client.handleRequest({ url: `${sitePath}/course/edit.php` })).text();
    const sesskey = form.match(/name="sesskey" value="([^"]+)"/)[1];
    const answer = async (promise) => {
      const response = await promise;
      return { status: response.status, text: await response.text(), atMs: performance.now() };
    };
    const post = (fullname, shortname) => client.handleRequest({
      method: 'POST', url: `${sitePath}/course/edit.php`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sesskey, fullname, shortname }).toString(),
    });
    // Answered right before the loop, with no wait for its save: the worker
    // hands that save to the page before it starts the loop, so it lands.
    const rightBefore = answer(post('Course right before the loop', 'C-RIGHT-BEFORE'));
    const sentAt = performance.now();
    // The loop next; the two behind it are queued in the worker, not started.
    const loop = answer(client.handleRequest({ url: `${sitePath}/local/spin/index.php` }));
    const queuedGet = answer(client.handleRequest({ url: `${sitePath}/` }));
    const queuedPost = answer(post('Course queued behind the loop', 'C-QUEUED'));
    const answers = { rightBefore: await rightBefore, loop: await loop, queuedGet: await queuedGet, queuedPost: await queuedPost };
    const again = await answer(client.handleRequest({ url: `${sitePath}/local/spin/index.php` }));
    const front = await answer(client.handleRequest({ url: `${sitePath}/` }));
    const plugins = await answer(client.handleRequest({ url: `${sitePath}/admin/plugins.php` }));
    return { ...answers, again, front, plugins, sentAt, respawns, quarantined: client.quarantined() };
  });

  assert.equal(outcome.loop.status, 504);
  assert.match(outcome.loop.text, /GET \/site\/[^ ]+\/local\/spin\/index\.php ran for \d+ s without an answer/);
  assert.match(outcome.loop.text, /restored from its last save \(\d\d:\d\d:\d\d, after request #\d+\)/, 'the answer says the data is safe as of the last save');
  assert.ok(outcome.loop.atMs - outcome.sentAt >= DEADLINE_S * 1000, 'not answered before its deadline');
  assert.equal(outcome.respawns.length, 1, 'one fresh worker');
  assert.match(outcome.respawns[0].request, /local\/spin\/index\.php$/);

  assert.equal(outcome.queuedGet.status, 200, 'the GET queued behind the loop is served');
  assert.match(outcome.queuedGet.text, /Course before the loop/, 'by a worker that restored the save');
  assert.ok([200, 303].includes(outcome.queuedPost.status), `the queued POST is served once: ${outcome.queuedPost.status}`);
  const listed = (name) => outcome.front.text.split(name).length - 1;
  assert.equal(listed('Course before the loop'), 1);
  assert.equal(listed('Course queued behind the loop'), 1, 'the queued POST made its course exactly once');
  assert.ok([200, 303].includes(outcome.rightBefore.status), `the write before the loop: ${outcome.rightBefore.status}`);
  assert.equal(listed('Course right before the loop'), 1, 'the write answered right before the loop outlived the worker');
  assert.match(outcome.plugins.text, /<td>local_spin<\/td><td>2026120500<\/td><td>2026120500<\/td><td>OK<\/td>/, 'the plugin is still registered');

  assert.equal(outcome.again.status, 503, 'the loop asked again is refused at once');
  assert.match(outcome.again.text, /quarantined as a poison request/);
  assert.deepEqual(outcome.quarantined.map((e) => e.key.replace(/\/site\/[^/]+/, '/site/*')), ['GET /site/*/local/spin/index.php']);

  // The page lists it with a way to try it again.
  const item = page.locator('#quarantine-list li');
  await item.first().waitFor();
  assert.match(await item.first().innerText(), /local\/spin\/index\.php/);
  await item.getByRole('button', { name: 'Try again' }).click();
  await page.locator('#quarantine-section').waitFor({ state: 'hidden' });
  assert.deepEqual(await page.evaluate(() => window.playground.client.quarantined()), []);
  assert.equal(await page.locator('#failed-banner').isHidden(), true, 'the fresh worker is ready: no banner');
  assert.deepEqual(problems, []);
  await context.close();
});
