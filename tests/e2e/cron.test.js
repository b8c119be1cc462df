// End to end: the application's cron while the site is idle (the stand-in's
// ad-hoc tasks; ?cron=1: after 1 s without a request). Deleting a course
// through its page only queues the deletion, as in Moodle; cron does it, the
// status panel says what ran; a request that arrives while tasks are still
// due is served before the next slice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground } from './browser.js';
import { fetchThroughWorker } from './app-driver.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const COURSES = 10;
const blueprint = {
  version: 1,
  steps: Array.from({ length: COURSES }, (_, i) => ({ step: 'createCourse', fullname: `Old course ${i}`, shortname: `OLD${i}` })),
};
const query = `?cron=1&blueprint=${encodeURIComponent(Buffer.from(JSON.stringify(blueprint)).toString('base64'))}`;

/** Resolves with the first status the worker sends that `matches`. */
function nextStatus(page, matches) {
  return page.evaluate((source) => new Promise((resolve) => {
    const test = new Function('s', `return (${source})(s);`);
    const off = window.playground.client.on('status', (status) => { if (test(status)) { off(); resolve(status); } });
  }), matches.toString());
}

test('a course deleted through its page is deleted by cron while idle; the status panel says so; a request during the task queue is served between slices', { timeout: 180_000 }, async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url, { query });
  // "Delete course" on a course page: a real POST from the iframe, which only queues the task.
  await page.evaluate(() => { document.getElementById('site').src = `${window.playground.sitePath}/course/view.php?name=OLD0`; });
  await frame.getByRole('heading', { name: 'Old course 0' }).waitFor();
  await frame.getByRole('button', { name: 'Delete course' }).click();
  await frame.getByText('scheduled for deletion').waitFor();
  const ran = await nextStatus(page, (s) => s.cron?.lastDid.some((d) => d.includes('deleted course OLD0')));
  assert.equal(ran.cron.error, null);
  assert.equal((await fetchThroughWorker(page, '/course/view.php?name=OLD0')).status, 404, 'cron deleted the course');
  await page.locator('[data-field="Cron"]').filter({ hasText: /last ran .*deleted course OLD0/ }).waitFor();

  // Queue the other deletions at once; when the first has run, ask for a page.
  const sesskey = (await fetchThroughWorker(page, '/course/edit.php')).text.match(/name="sesskey" value="([^"]+)"/)[1];
  await page.evaluate(async ({ sesskey, courses }) => {
    const { client, sitePath } = window.playground;
    for (let i = 1; i < courses; i++) {
      const id = (await (await client.handleRequest({ url: `${sitePath}/course/view.php?name=OLD${i}` })).text()).match(/name="id" value="(\d+)"/)[1];
      await client.handleRequest({ method: 'POST', url: `${sitePath}/course/delete.php`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `sesskey=${sesskey}&id=${id}` });
    }
  }, { sesskey, courses: COURSES });
  const first = await nextStatus(page, (s) => s.cron?.lastDid.some((d) => d.includes('deleted course')) && s.cron.pending > 0);
  const during = await page.evaluate(async () => {
    const statuses = [];
    const off = window.playground.client.on('status', (s) => statuses.push(s.cron));
    const response = await window.playground.client.handleRequest({ url: `${window.playground.sitePath}/` });
    off();
    return { status: response.status, text: await response.text(), slicesBefore: statuses.length };
  });
  assert.equal(during.status, 200);
  assert.ok(first.cron.pending > 0);
  const all = await nextStatus(page, (s) => s.cron?.pending === 0 && s.cron.lastDid.length === 0);
  assert.ok(all.cron.slices >= COURSES, `one task per slice: ${all.cron.slices} slices`);
  const front = (await fetchThroughWorker(page, '/')).text;
  assert.doesNotMatch(front, /Old course/, 'every queued deletion ran');
  // The page answered while tasks were still due: it was served between slices, not after the queue.
  assert.ok(during.slicesBefore < COURSES - 1, `the request waited for ${during.slicesBefore} slices at most`);
  assert.deepEqual(problems, []);
  await context.close();
});
