// End to end: blueprints on the stand-in. A blueprint sets a fresh site up
// step by step (each named in the progress log) and the page lands where it
// says; its results are ordinary site state (a crash, a reload keep them);
// a bad step stops it, named, nothing after it ran; an invalid one runs
// nothing; the gallery's recipes work from their links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground } from './browser.js';
import { fetchThroughWorker } from './app-driver.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const inline = (blueprint) => `?blueprint=${encodeURIComponent(Buffer.from(JSON.stringify(blueprint)).toString('base64'))}`;

const COURSE_BLUEPRINT = {
  version: 1,
  title: 'Physics course',
  constants: { C: 'PHYS1' },
  landingPage: '/course/view.php?name={{C}}',
  steps: [
    { step: 'createCategory', name: 'Sciences', idnumber: 'SCI' },
    { step: 'createCourse', fullname: 'Physics for everyone', shortname: '{{C}}', category: 'SCI' },
    { step: 'createSection', course: '{{C}}', name: 'Forces' },
    { step: 'addModule', course: '{{C}}', section: 1, module: 'page', name: 'Newton in one page', content: 'F = m a' },
    { step: 'createUsers', users: [
      { username: 'tina', password: 'Pw-1', firstname: 'Tina', lastname: 'Teacher' },
      { username: 'stan', password: 'Pw-1', firstname: 'Stan', lastname: 'Student' },
    ] },
    { step: 'enrolUsers', enrolments: [
      { username: 'tina', course: '{{C}}', role: 'editingteacher' },
      { username: 'stan', course: '{{C}}', role: 'student' },
    ] },
    { step: 'installPlugin', url: 'blueprints/plugins/local_hello.zip' },
  ],
};

async function assertPhysicsSite(page, when) {
  const course = await fetchThroughWorker(page, '/course/view.php?name=PHYS1');
  assert.equal(course.status, 200, when);
  assert.match(course.text, /<h1>Physics for everyone<\/h1>/, when);
  assert.match(course.text, /<h2>Forces<\/h2>[\s\S]*Newton in one page/, `${when}: the section and its page`);
  assert.match(course.text, /<td>tina<\/td><td>editingteacher<\/td>/, `${when}: the teacher`);
  assert.match(course.text, /<td>stan<\/td><td>student<\/td>/, `${when}: the student`);
  assert.match((await fetchThroughWorker(page, '/admin/plugins.php')).text, /<td>local_hello<\/td><td>2026120700<\/td><td>2026120700<\/td><td>OK<\/td>/, `${when}: the plugin registered`);
  assert.match((await fetchThroughWorker(page, '/local/hello/index.php')).text, /Hello from local_hello, Admin User!/, `${when}: the plugin runs`);
}

test('a blueprint sets up a category, a course with a section and a page, a teacher and a student, a plugin, and lands on the course; a crash and a reload keep all of it', { timeout: 180_000 }, async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url, { query: `${inline(COURSE_BLUEPRINT)}&standby=0` });
  const ready = await page.evaluate(() => window.playground.ready.blueprint);
  assert.equal(ready.state, 'done', JSON.stringify(ready));
  assert.equal(ready.stepsRun, 7);
  await frame.getByRole('heading', { name: 'Physics for everyone' }).waitFor();
  await page.waitForFunction(() => document.getElementById('address').value === '/course/view.php?name=PHYS1');
  assert.match(await page.locator('#site-notice-text').innerText(), /The blueprint “Physics course” set this site up \(7 steps in [\d.]+ s\)/);
  const log = (await page.locator('#log li').allInnerTexts()).join('\n');
  for (const [i, name] of ['createCategory', 'createCourse', 'createSection', 'addModule', 'createUsers', 'enrolUsers', 'installPlugin'].entries()) {
    assert.ok(log.includes(`blueprint step ${i + 1} of 7 (${name})`), `the progress named step ${i + 1} (${name})`);
  }
  await assertPhysicsSite(page, 'after the blueprint');

  await page.evaluate(() => window.playground.client.injectFault('memory'));
  await assertPhysicsSite(page, 'after a crash');
  const recovered = await page.evaluate(() => [...document.querySelectorAll('#log li')].some((li) => li.textContent.includes('recovered')));
  assert.ok(recovered, 'the crash was recovered');

  await page.evaluate(() => new Promise((resolve) => {
    window.playground.client.on('status', (s) => { if (s.store === 'saved' && s.lastSave?.request === s.requestsServed) resolve(); });
    window.playground.client.handleRequest({ url: `${window.playground.sitePath}/` });
  }));
  await page.reload();
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => window.playground.ready.blueprint.state), 'not-run', 'a reload restores the save, the blueprint is not run again');
  await assertPhysicsSite(page, 'after a reload');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a blueprint with a bad step stops there: the banner names the step and why, nothing after it ran, the site is not saved', async () => {
  const blueprint = {
    version: 1,
    title: 'Broken',
    steps: [
      { step: 'createCourse', fullname: 'Course before the bad step', shortname: 'BEFORE' },
      { step: 'createUser', username: 'real' },
      { step: 'enrolUser', username: 'ghost', course: 'BEFORE', role: 'student' },
      { step: 'createCourse', fullname: 'Course after the bad step', shortname: 'AFTER' },
    ],
  };
  const { context, page } = await openPlayground(env.browser, env.url, { query: inline(blueprint) });
  const banner = page.locator('#blueprint-banner');
  await banner.waitFor();
  const said = await banner.innerText();
  assert.match(said, /stopped at step 3 of 4 \(enrolUser\): There is no user "ghost"/);
  assert.match(said, /The 1 steps after it did not run/);
  const front = (await fetchThroughWorker(page, '/')).text;
  assert.match(front, /Course before the bad step/);
  assert.doesNotMatch(front, /Course after the bad step/, 'the step after the bad one did not run');
  const status = await page.evaluate(() => new Promise((resolve) => {
    window.playground.client.on('status', resolve);
    window.playground.client.handleRequest({ url: `${window.playground.sitePath}/` });
  }));
  assert.equal(status.store, 'refused');
  assert.match(status.storeError, /half-set-up site is not saved/);
  await context.close();
});

test('an invalid blueprint is refused before anything ran, and the page says why', async () => {
  const blueprint = {
    version: 1,
    steps: [
      { step: 'createCourse', fullname: 'Never made', shortname: 'NEVER' },
      { step: 'createCourse', fullname: 'No short name' },
    ],
  };
  const { context, page } = await openPlayground(env.browser, env.url, { query: inline(blueprint) });
  await page.locator('#blueprint-banner').waitFor();
  assert.match(await page.locator('#blueprint-banner').innerText(), /was refused, nothing of it ran: step 2 \(createCourse\): the field "shortname" is required/);
  assert.doesNotMatch((await fetchThroughWorker(page, '/')).text, /Never made/);
  await context.close();

  const notJson = await openPlayground(env.browser, env.url, { query: '?blueprint=%7Bnot%20json' });
  await notJson.page.locator('#blueprint-banner').waitFor();
  assert.match(await notJson.page.locator('#blueprint-banner').innerText(), /The blueprint was not run: the blueprint from \?blueprint= is not JSON/);
  await notJson.context.close();
});

test('the gallery: its links open sites set up by their blueprints', { timeout: 120_000 }, async () => {
  const { context, page } = await openPlayground(env.browser, env.url);
  await page.locator('#blueprint-gallery summary').click();
  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: /demo course with a teacher/ }).click()]);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => window.playground.ready.blueprint?.state), 'done');
  await page.frameLocator('#site').getByRole('heading', { name: 'Introduction to Astronomy' }).waitFor();
  const course = (await fetchThroughWorker(page, '/course/view.php?name=ASTRO101')).text;
  assert.match(course, /Week 2: the planets[\s\S]*Bring binoculars/);
  assert.equal((course.match(/<td>student<\/td>/g) ?? []).length, 2);

  await page.goto(`${env.url}?blueprint-url=blueprints/plugin-preview.json`);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  await page.frameLocator('#site').getByText('Hello from local_hello').waitFor();
  await context.close();
});
