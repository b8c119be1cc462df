// End to end: real Moodle 4.5 (the `moodle45` profile; the bundle
// scripts/moodle/build-bundle.sh builds from the user's own release) in the
// playground page, in headless Chromium, used as a teacher would: the
// dashboard, a course made through Moodle's own form; then real PHP crashes —
// on a page view (replayed), on the form's POST (not repeated) and inside the
// course's database commit — and what the site looks like afterwards.
//
// Moodle is never in this repository: without MOODLE_SOURCE (a Moodle 4.5
// release tree or zip) these tests are skipped, and scripts/test.sh says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { zipSync } from 'fflate';
import { launch, waitUntilSaved } from './browser.js';
import {
  PAGE_MS, assertLastNavigation, assertSameBytes, buildBundle, fetchBytes, fetchThroughWorker, frameOf, goTo,
  holdOtherRequestsUntilCrash, inNewDocument, makePng, withApp,
} from './app-driver.js';

const SOURCE = process.env.MOODLE_SOURCE;
const skip = SOURCE ? false : 'MOODLE_SOURCE is not set (a Moodle 4.5 release tree or zip): real-Moodle tests skipped';
const QUERY = '?profile=moodle45&bundle=/moodle/moodle-bundle.zip';
// The bundle from scratch: ≈ 4 min of install + 1 min of warm-up and zips; up to date: ≈ 1 s.
const BUILD_MS = 15 * 60_000;
const BOOT_MS = 180_000;        // download 77 MB, unpack 23 000 files, instantiate, bootstrap
const RECOVERY_MS = 180_000;    // crash → fresh runtime → restore → re-registration → answer
const TEST_MS = 10 * 60_000;

let env;
before(async () => {
  if (skip) return;
  await buildBundle('scripts/moodle/build-bundle.sh', 'target/moodle/moodle-bundle.zip', { timeoutMs: BUILD_MS, env: { MOODLE_SOURCE: SOURCE } });
  env = await launch();
}, { timeout: BUILD_MS + 60_000 });
after(async () => { await env?.close(); });

const withMoodle = (name, body) => withApp(env,
  { query: QUERY, name: `moodle-${name}`, readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, body);

// ---------------------------------------------------------------- the tests

test('the dashboard is served, the admin logged in, the theme styled', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('dashboard', async ({ page }) => {
    await frameOf(page).locator('h1').getByText(/Hi, Admin/).waitFor({ timeout: PAGE_MS });
    const dashboard = await fetchThroughWorker(page, '/my/');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.text, /<title>Dashboard \| Playground<\/title>/);
    // The compiled Boost CSS came with the bundle: its URL answers at once, pointed at this site.
    const css = dashboard.text.match(/href="[^"]*?(\/theme\/styles\.php\/[^"]+)"/)?.[1];
    assert.ok(css, 'the dashboard links the theme CSS');
    const styles = await fetchThroughWorker(page, css);
    assert.equal(styles.status, 200);
    assert.ok(styles.text.length > 100_000, `the theme CSS is ${styles.text.length} bytes`);
    const sitePath = await page.evaluate(() => window.playground.sitePath);
    assert.ok(!styles.text.includes('__moodle_playground_build__'), 'no URL of the build is left in the CSS');
    assert.ok(styles.text.includes(`url(${sitePath}/theme/`) || !styles.text.includes('url(/'), 'the CSS URLs are under this site');
  });
});

test('a course made through Moodle\'s form; "Crash PHP now" (memory) on its page: replayed, the course still listed, still logged in', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('crash-button', async ({ page, site, events }) => {
    const course = newCourse('Before the crash');
    await createCourse(page, site, course);
    await assertCourseListed(page, course);

    // The button's reload of the course page is the request that meets the fault.
    const { recovered, seen } = await crashOnReload(page, site, events);
    assert.equal(recovered.replayed, true, `the course page view was replayed: ${JSON.stringify(recovered)}`);
    assert.ok((await events.since(seen)).some((e) => e.type === 'crash'), 'a crash event came before the recovery');

    await frameOf(page).locator('h1').getByText(course.fullname).waitFor({ timeout: PAGE_MS });
    await assertCourseListed(page, course);
    await assertLoggedInAsAdmin(page);
  });
});

test('a non-admin user made through Moodle\'s form logs in and stays logged in across a replayed crash', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('user-session', async ({ page, site, events }) => {
    const user = { username: `student${Date.now().toString(36)}`, password: 'Student-pass-1', firstname: 'Sam', lastname: `Student${Date.now().toString(36)}` };
    await goTo(page, site, '/user/editadvanced.php?id=-1', '#id_username');
    const frame = frameOf(page);
    await frame.locator('#id_username').fill(user.username);
    // Moodle's password field stays hidden behind a "click to enter" link; the
    // hidden input is what the form posts.
    await frame.locator('#id_newpassword').evaluate((input, value) => { input.value = value; }, user.password);
    await frame.locator('#id_firstname').fill(user.firstname);
    await frame.locator('#id_lastname').fill(user.lastname);
    await frame.locator('#id_email').fill(`${user.username}@example.com`);
    await inNewDocument(site, 'the page after creating the user', () => frame.locator('#id_submitbutton').click());
    const listed = await fetchThroughWorker(page, `/admin/user.php`);
    assert.ok(listed.text.includes(user.lastname) || (await site.evaluate(() => document.body.innerText)).includes(user.lastname),
      'the new user is listed');

    // The login page asks the logged-in admin to log out first; then it is the login form.
    await goTo(page, site, '/login/index.php', 'button:has-text("Log out")');
    await inNewDocument(site, 'the page after logging out', () => frameOf(page).locator('button:has-text("Log out")').first().click());
    // Moodle's password toggle (core/togglesensitive) replaces the password
    // input with a copy of its HTML once its template arrived, which drops a
    // value typed before: wait for the replaced input inside its wrapper.
    await goTo(page, site, '/login/index.php', '.toggle-sensitive-wrapper #password');
    await frameOf(page).locator('#username').fill(user.username);
    await frameOf(page).locator('#password').fill(user.password);
    await inNewDocument(site, 'the page after logging in', () => frameOf(page).locator('#loginbtn').click());
    await assertLoggedInAs(page, `${user.firstname} ${user.lastname}`);

    await goTo(page, site, '/user/profile.php', '#page-wrapper');
    const { recovered } = await crashOnReload(page, site, events);
    assert.equal(recovered.replayed, true, JSON.stringify(recovered));
    await assertLoggedInAs(page, `${user.firstname} ${user.lastname}`);
  });
});

test('a file uploaded into a course through the file picker downloads back byte for byte, before and after a replayed crash', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('upload', async ({ page, site, events }) => {
    const course = newCourse('With a file');
    await createCourse(page, site, course);
    const courseId = new URL(site.url()).searchParams.get('id');
    const png = makePng(24, 20);
    const fileUrl = await addFileResource(page, site, courseId, 'playground-upload.png', png);
    assertSameBytes(await fetchBytes(page, fileUrl), png, 'the uploaded file, downloaded before the crash');

    const { recovered } = await crashOnReload(page, site, events);
    assert.equal(recovered.replayed, true, JSON.stringify(recovered));
    assertSameBytes(await fetchBytes(page, fileUrl), png, 'the uploaded file after the crash');
    await assertCourseListed(page, course);
  });
});

test('a plugin zip installed through admin/tool/installaddon (file picker, validation, upgrade) survives a replayed crash, registered with its version', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('plugin', async ({ page, site, events }) => {
    const plugin = demoPlugin();
    await installPluginZip(page, site, plugin);
    let shown = await fetchThroughWorker(page, plugin.path);
    assert.equal(shown.status, 200);
    assert.ok(shown.text.includes(plugin.greeting), `${plugin.path} shows the plugin's page: ${shown.text.slice(0, 200)}`);

    await goTo(page, site, plugin.path, '#page-wrapper');
    const { recovered, seen } = await crashOnReload(page, site, events);
    assert.equal(recovered.replayed, true, JSON.stringify(recovered));
    await frameOf(page).getByText(plugin.greeting).first().waitFor({ timeout: PAGE_MS });
    // Re-registered through Moodle's upgrade runner: the worker traces each plugin's version.
    const traces = (await events.since(seen)).filter((e) => e.type === 'trace').map((e) => e.message).join(' | ');
    assert.match(traces, new RegExp(`plugin ${plugin.component} re-registered, version ${plugin.version}`), `the worker's traces: ${traces}`);
    shown = await fetchThroughWorker(page, '/admin/plugins.php?contribonly=1');
    assert.ok(shown.text.includes(plugin.component) || shown.text.includes(plugin.name), 'the plugin overview lists the plugin');
    await assertLoggedInAsAdmin(page);
  });
});

test('rotation every 5 requests carries the course and the login through several fresh runtimes', { skip, timeout: TEST_MS }, async () => {
  await withApp(env, { query: `${QUERY}&rotate=5`, name: 'moodle-rotation', readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, async ({ page, site, events }) => {
    const course = newCourse('Rotated');
    await createCourse(page, site, course);
    const seen = await events.count();
    for (let i = 0; i < 12; i++) {
      const answer = await fetchThroughWorker(page, `/course/index.php?round=${i}`);
      assert.equal(answer.status, 200, `request ${i} during rotations`);
    }
    const rotations = (await events.since(0)).filter((e) => e.type === 'rotated');
    assert.ok(rotations.length >= 2, `at least two rotations (saw ${rotations.length})`);
    assert.ok((await events.since(seen)).some((e) => e.type === 'rotated'), 'a rotation after the course was made');
    await assertCourseListed(page, course);
    await assertLoggedInAsAdmin(page);
  });
});

for (const fault of ['memory', 'db-write']) {
  test(`a crash (${fault}) on the new-course form's POST: a 503 that says it was NOT repeated; the earlier course intact, the new one not half-made`, { skip, timeout: TEST_MS }, async () => {
    await withMoodle(`crash-post-${fault}`, async ({ page, site, events, navigations }) => {
      const kept = newCourse('Kept');
      await createCourse(page, site, kept);

      const lost = newCourse('Crashed');
      await openCourseForm(page, site, lost);
      await holdOtherRequestsUntilCrash(page, /\/course\/edit\.php/);
      const seen = await events.count();
      await page.evaluate((kind) => window.playground.client.injectFault(kind), fault);
      await inNewDocument(site, `the answer to the POST that meets the ${fault} fault`, () => frameOf(page).locator('#id_saveanddisplay').click(), RECOVERY_MS);
      const answer = await site.evaluate(() => document.body.innerText);
      assert.match(answer, /not repeated/i, `the iframe shows: ${answer.slice(0, 500)}`);
      assertLastNavigation(navigations, 503, /\/course\/edit\.php/);
      const crash = await events.waitFor('crash', seen, RECOVERY_MS);
      assert.equal(crash.method, 'POST', JSON.stringify(crash));
      const recovered = await events.waitFor('recovered', seen, RECOVERY_MS);
      assert.equal(recovered.replayed, false, JSON.stringify(recovered));
      assert.equal(recovered.dataLoss ?? null, null, `nothing committed was lost: ${JSON.stringify(recovered)}`);

      await assertCourseListed(page, kept);
      // The course whose POST crashed is either wholly there or not at all (a
      // db-write trap may come after its commit): its page and its listing agree.
      const search = await fetchThroughWorker(page, `/course/search.php?search=${encodeURIComponent(lost.shortname)}`);
      assert.equal(search.status, 200);
      if (fault === 'memory') assert.ok(!search.text.includes(lost.fullname), 'the crashed POST created no course');
      await assertLoggedInAsAdmin(page);
    });
  });
}

test('the site outlives the tab: after a reload (a new site path) the course, the login and the theme are back, nothing names the old path', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('reload', async ({ page, site }) => {
    const course = newCourse('Across a reload');
    await createCourse(page, site, course);
    await waitUntilSaved(page);
    const oldPath = await page.evaluate(() => window.playground.sitePath);
    await page.reload();
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: BOOT_MS });
    await frameOf(page).locator('#page-wrapper').first().waitFor({ timeout: PAGE_MS });
    assert.match(await page.locator('#site-notice-text').innerText(), /Restored your site as saved at \d\d:\d\d after request #\d+\./);
    const newPath = await page.evaluate(() => window.playground.sitePath);
    assert.notEqual(newPath, oldPath, 'a reloaded page is a new Service Worker client: a new site path');
    await assertCourseListed(page, course);
    await assertLoggedInAsAdmin(page);
    const dashboard = await fetchThroughWorker(page, '/my/');
    assert.equal(dashboard.status, 200);
    assert.ok(!dashboard.text.includes(oldPath), 'the dashboard names no URL of the old page');
    const css = dashboard.text.match(/href="[^"]*?(\/theme\/styles\.php\/[^"]+)"/)?.[1];
    const styles = await fetchThroughWorker(page, css);
    assert.equal(styles.status, 200);
    assert.ok(!styles.text.includes(oldPath), 'the theme CSS names no URL of the old page');
  });
});

test('a plugin page in an endless loop: 504 past the deadline, a fresh worker restores the save, the request queued behind it is served, the course intact', { skip, timeout: TEST_MS }, async () => {
  const deadlineS = 45; // above every real Moodle page here, the plugin install's included
  await withApp(env, { query: `${QUERY}&deadline=${deadlineS}`, name: 'moodle-watchdog', readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, async ({ page, site }) => {
    const course = newCourse('Before the endless loop');
    await createCourse(page, site, course);
    const plugin = demoPlugin({ endless: true });
    await installPluginZip(page, site, plugin);
    await waitUntilSaved(page);
    const outcome = await page.evaluate(async (path) => {
      const { client, sitePath } = window.playground;
      const answer = async (promise) => { const r = await promise; return { status: r.status, text: await r.text() }; };
      const loop = answer(client.handleRequest({ url: `${sitePath}${path}` }));
      const queued = answer(client.handleRequest({ url: `${sitePath}/my/` }));
      return { loop: await loop, queued: await queued };
    }, plugin.path);
    assert.equal(outcome.loop.status, 504);
    assert.match(outcome.loop.text, /ran for \d+ s without an answer/);
    assert.match(outcome.loop.text, /restored from its last save/);
    assert.equal(outcome.queued.status, 200, 'the dashboard queued behind the loop is served by the fresh worker');
    assert.match(outcome.queued.text, /<title>Dashboard \| Playground<\/title>/);
    await assertCourseListed(page, course);
    await assertLoggedInAsAdmin(page);
    const again = await fetchThroughWorker(page, plugin.path);
    assert.equal(again.status, 503, 'the loop is quarantined');
  });
});

test('export, reset, import: the course and the login come back into a fresh real Moodle', { skip, timeout: TEST_MS }, async () => {
  await withMoodle('export-import', async ({ page, site }) => {
    const course = newCourse('Carried in a zip');
    await createCourse(page, site, course);
    await waitUntilSaved(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-site').click()]);
    const zip = await fs.readFile(await download.path());
    assert.match(download.suggestedFilename(), /^moodle45-site-/);

    page.once('dialog', (dialog) => dialog.accept());
    await Promise.all([page.waitForEvent('load'), page.locator('#reset-site').click()]);
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: BOOT_MS });
    const search = await fetchThroughWorker(page, `/course/search.php?search=${encodeURIComponent(course.shortname)}`);
    assert.ok(!search.text.includes(course.fullname), 'the reset site does not have the course');

    page.once('dialog', (dialog) => dialog.accept());
    await Promise.all([page.waitForEvent('load'), page.setInputFiles('#import-file', { name: download.suggestedFilename(), mimeType: 'application/zip', buffer: zip })]);
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: BOOT_MS });
    assert.match(await page.locator('#site-notice-text').innerText(), /Restored your site as saved/);
    await assertCourseListed(page, course);
    await assertLoggedInAsAdmin(page);
  });
});

test('the gallery demo-course blueprint sets up real Moodle through its own APIs (category, course, sections, page, label, users, enrolments) and lands on the course; a crash keeps it', { skip, timeout: TEST_MS }, async () => {
  await withApp(env, { query: `${QUERY}&blueprint-url=blueprints/demo-course.json`, name: 'moodle-blueprint', readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, async ({ page, site, events }) => {
    const report = await page.evaluate(() => window.playground.ready.blueprint);
    assert.equal(report.state, 'done', JSON.stringify(report));
    await frameOf(page).locator('h1').getByText('Introduction to Astronomy').waitFor({ timeout: PAGE_MS });
    const check = async (when) => {
      const course = await fetchThroughWorker(page, '/course/view.php?name=ASTRO101');
      assert.equal(course.status, 200, when);
      for (const text of ['Week 1: the night sky', 'Week 2: the planets', 'How to find the Pole Star', 'Jupiter']) {
        assert.ok(course.text.includes(text), `${when}: the course page shows ${text}`);
      }
      const participants = await fetchThroughWorker(page, `/user/index.php?id=${course.text.match(/course-(\d+)/)?.[1] ?? ''}&perpage=50`);
      for (const name of ['Tess Teacher', 'Sam Student', 'Sky Student']) assert.ok(participants.text.includes(name), `${when}: ${name} is enrolled`);
      assert.ok(/Teacher/.test(participants.text) && /Student/.test(participants.text), `${when}: with their roles`);
    };
    await check('after the blueprint');
    const { recovered } = await crashOnReload(page, site, events);
    assert.equal(recovered.replayed, true, JSON.stringify(recovered));
    await check('after a crash');
  });
});

test('the gallery plugin-preview blueprint installs local_hello through the plugin installation of Moodle and lands on its page', { skip, timeout: TEST_MS }, async () => {
  await withApp(env, { query: `${QUERY}&blueprint-url=blueprints/plugin-preview.json`, name: 'moodle-plugin-preview', readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, async ({ page }) => {
    const report = await page.evaluate(() => window.playground.ready.blueprint);
    assert.equal(report.state, 'done', JSON.stringify(report));
    await frameOf(page).getByText('Hello from local_hello, Admin User!').waitFor({ timeout: PAGE_MS });
    const plugins = await fetchThroughWorker(page, '/admin/plugins.php?contribonly=1');
    assert.ok(plugins.text.includes('local_hello') || plugins.text.includes('Hello'), 'local_hello is listed as installed');
  });
});

test('cron while idle: the scheduled tasks of Moodle run in the live instance, one per slice, and the status says what ran', { skip, timeout: TEST_MS }, async () => {
  await withApp(env, { query: `${QUERY}&cron=1`, name: 'moodle-cron', readyTimeoutMs: BOOT_MS, firstSelector: '#page-wrapper' }, async ({ page }) => {
    // The install's ad-hoc tasks ran when the bundle was built; the scheduled ones are due.
    const status = await page.evaluate(() => new Promise((resolve) => {
      const off = window.playground.client.on('status', (s) => { if (s.cron?.lastDid.some((d) => d.startsWith('scheduled '))) { off(); resolve(s); } });
    }));
    assert.equal(status.cron.error, null, JSON.stringify(status.cron));
    assert.ok(status.cron.lastRunAtMs > 0);
    const dashboard = await fetchThroughWorker(page, '/my/');
    assert.equal(dashboard.status, 200, 'the site serves between slices');
    const log = (await page.locator('#log li').allInnerTexts()).join('\n');
    assert.match(log, /cron ran scheduled [a-z_]+\\/, 'a scheduled task of Moodle ran');
    await page.locator('[data-field="Cron"]').filter({ hasText: /last ran/ }).waitFor();
  });
});

// ---------------------------------------------------------------- Moodle, as a teacher

/**
 * "Crash PHP now" (Corrupt memory): the button's reload of the iframe's page
 * is the request that meets the fault (every other request is held until the
 * crash). Returns the `recovered` event and the event index before the click.
 */
async function crashOnReload(page, site, events) {
  await holdOtherRequestsUntilCrash(page, new RegExp(`^${escapeRegExp(site.url().split('#')[0])}$`));
  const seen = await events.count();
  await inNewDocument(site, 'the iframe reload after "Crash PHP now"', () => page.locator('button[data-fault="memory"]').click(), RECOVERY_MS);
  const recovered = await events.waitFor('recovered', seen, RECOVERY_MS);
  return { recovered, seen };
}

/** Puts `bytes` into the course as a File resource (the file picker's "Upload a file"); returns the file's URL path. */
async function addFileResource(page, site, courseId, name, bytes) {
  const frame = frameOf(page);
  await goTo(page, site, `/course/modedit.php?add=resource&course=${courseId}&section=0&return=0`, '#id_name');
  await frame.locator('#id_name').fill(`File ${name}`);
  await frame.locator('.fp-btn-add').first().click();
  await uploadThroughFilePicker(frame, name, 'image/png', bytes);
  await frame.locator('.fp-filename').getByText(name).first().waitFor({ timeout: PAGE_MS });
  await inNewDocument(site, `the page after saving the resource ${name}`, () => frame.locator('#id_submitbutton').click());
  const link = frame.locator(`a[href*="pluginfile.php"][href*="${name}"], img[src*="pluginfile.php"][src*="${name}"], object[data*="pluginfile.php"]`).first();
  await link.waitFor({ state: 'attached', timeout: PAGE_MS }).catch(async (error) => {
    const shown = await site.evaluate(() => document.body.innerText).catch(() => '?');
    throw new Error(`no link to ${name} after saving the resource: ${shown.slice(0, 400)}: ${error.message}`);
  });
  const href = (await link.getAttribute('href')) ?? (await link.getAttribute('src')) ?? (await link.getAttribute('data'));
  return new URL(href, site.url()).pathname;
}

/** In an open file picker: the "Upload a file" repository, the file, "Upload this file". */
async function uploadThroughFilePicker(frame, name, mimeType, bytes) {
  await frame.locator('.fp-repo-name').getByText('Upload a file').first().click();
  await frame.locator('input[type="file"][name="repo_upload_file"]').setInputFiles({ name, mimeType, buffer: Buffer.from(bytes) });
  await frame.locator('.fp-upload-btn').first().click();
}

/** A small local plugin, zipped as moodle.org's plugins are (one top folder named after it). */
function demoPlugin({ endless = false } = {}) {
  const stamp = Date.now().toString(36);
  const plugin = { component: 'local_pgdemo', name: 'Playground demo plugin', version: '2024120200', greeting: `Hello from the playground demo plugin ${stamp}`, path: '/local/pgdemo/index.php' };
  const files = {
    'pgdemo/version.php': `<?php\ndefined('MOODLE_INTERNAL') || die();\n$plugin->component = 'local_pgdemo';\n$plugin->version = ${plugin.version};\n$plugin->requires = 2024100700;\n$plugin->maturity = MATURITY_STABLE;\n$plugin->release = '1.0';\n`,
    'pgdemo/lang/en/local_pgdemo.php': `<?php\n$string['pluginname'] = '${plugin.name}';\n`,
    'pgdemo/index.php': `<?php\nrequire(__DIR__ . '/../../config.php');\nrequire_login();\n$PAGE->set_url('/local/pgdemo/index.php');\n$PAGE->set_context(context_system::instance());\n$PAGE->set_title('Demo plugin');\n${endless ? '// Never answers: an endless loop in a plugin (max_execution_time does not fire in php-wasm).\nfor (;;) {\n}\n' : ''}echo $OUTPUT->header();\necho html_writer::tag('p', ${JSON.stringify(plugin.greeting).replace(/"/g, "'")});\necho $OUTPUT->footer();\n`,
  };
  plugin.zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, new TextEncoder().encode(text)])));
  return plugin;
}

/**
 * Installs `plugin.zip` as an admin would: the add-on installer's file picker
 * ("Upload a file"), "Install plugin from the ZIP file", the validation page,
 * then Moodle's plugin check and database upgrade, each by its button.
 */
async function installPluginZip(page, site, plugin) {
  const frame = frameOf(page);
  await goTo(page, site, '/admin/tool/installaddon/index.php', '.fp-btn-choose, input[name="filepicker"], .filepicker-filelist');
  await frame.locator('.fp-btn-choose').first().click();
  await uploadThroughFilePicker(frame, 'local_pgdemo.zip', 'application/zip', plugin.zip);
  await frame.locator('.filepicker-filename').getByText('local_pgdemo.zip').waitFor({ timeout: PAGE_MS });
  await inNewDocument(site, 'the validation page', () => frame.locator('#id_submitbutton').click());
  // Validation → plugin check → upgrade → done: one button per page.
  const steps = [];
  for (let step = 0; step < 6; step++) {
    const text = await site.evaluate(() => document.body.innerText);
    if (/Upgrading to new version|Success/.test(text) && /local_pgdemo|Playground demo plugin/.test(text) && !/Upgrade Moodle database now/.test(text)) break;
    const button = frame.locator('button, input[type="submit"]').filter({ hasText: /^(Continue|Install plugin!|Upgrade Moodle database now)$/ })
      .or(frame.locator('input[type="submit"][value="Continue"], input[type="submit"][value="Install plugin!"], input[type="submit"][value="Upgrade Moodle database now"]'));
    if (await button.count() === 0) throw new Error(`installing ${plugin.component}: no button to go on after ${steps.join(' → ') || 'the upload'}: ${text.slice(0, 400)}`);
    const label = (await button.first().innerText().catch(() => '')) || (await button.first().getAttribute('value'));
    steps.push(label);
    await inNewDocument(site, `the page after "${label}"`, () => button.first().click(), 120_000);
  }
  const version = await fetchThroughWorker(page, '/admin/plugins.php?contribonly=1');
  assert.ok(version.text.includes(plugin.version) || version.text.includes(plugin.name), `${plugin.component} is installed (steps: ${steps.join(' → ')})`);
}

function newCourse(label) {
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return { fullname: `${label} ${stamp}`, shortname: `pg-${stamp}` };
}

async function openCourseForm(page, site, course) {
  await goTo(page, site, '/course/edit.php?category=1', '#id_fullname');
  const frame = frameOf(page);
  await frame.locator('#id_fullname').fill(course.fullname);
  await frame.locator('#id_shortname').fill(course.shortname);
}

/** Creates `course` through course/edit.php and waits for its page. */
async function createCourse(page, site, course) {
  await openCourseForm(page, site, course);
  await inNewDocument(site, `the page after saving ${course.shortname}`, () => frameOf(page).locator('#id_saveanddisplay').click());
  await frameOf(page).locator('h1').getByText(course.fullname).waitFor({ timeout: PAGE_MS })
    .catch(async (error) => {
      const shown = await site.evaluate(() => document.body.innerText).catch(() => '?');
      throw new Error(`no course page for ${course.fullname} after saving the form: ${shown.slice(0, 400)}: ${error.message}`);
    });
}

async function assertCourseListed(page, course) {
  const search = await fetchThroughWorker(page, `/course/search.php?search=${encodeURIComponent(course.shortname)}`);
  assert.equal(search.status, 200);
  assert.ok(search.text.includes(course.fullname), `course/search.php lists ${course.fullname}`);
}

const assertLoggedInAsAdmin = (page) => assertLoggedInAs(page, 'Admin User');

/** user/profile.php (the logged-in user's own profile) names `fullname`. */
async function assertLoggedInAs(page, fullname) {
  const profile = await fetchThroughWorker(page, '/user/profile.php');
  assert.equal(profile.status, 200);
  assert.ok(profile.text.includes(`<h1 class="h2">${fullname}</h1>`) || new RegExp(`<h1[^>]*>\\s*${escapeRegExp(fullname)}`).test(profile.text),
    `logged in as ${fullname}: user/profile.php shows ${(profile.text.match(/<h1[^>]*>[\s\S]{0,80}/) ?? ['no <h1>'])[0]}`);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
