// End to end: MediaWiki 1.39 (the `mediawiki` profile, the bundle built by
// scripts/mediawiki/build-bundle.sh) in the playground page, in headless
// Chromium, used as a person would: log in, edit, upload; then real PHP crashes
// — on a page view (replayed), on a form POST (not repeated) and inside an
// edit's database commit — and what the wiki looks like afterwards.
//
// MediaWiki is slow in wasm (0.3–1 s per PHP request, and every page also
// loads its CSS/JS from load.php through the same single PHP worker), so every
// wait is explicit and bounded, and a hang fails with what was being waited for
// and the worker's last events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch } from './browser.js';
import {
  PAGE_MS, assertLastNavigation, assertSameBytes, buildBundle, fetchBytes, fetchThroughWorker, frameOf, goTo,
  holdOtherRequestsUntilCrash, inNewDocument, makePng, withApp,
} from './app-driver.js';

const ARTIFACTS = new URL('../../test-results/', import.meta.url);
fs.mkdirSync(ARTIFACTS, { recursive: true });

const QUERY = '?profile=mediawiki&bundle=/mediawiki/mediawiki-bundle.zip';
const ADMIN = { name: 'Admin', password: 'playground-admin-1' };
const TITLE = 'Crash_Test';
const BUILD_MS = 10 * 60_000;   // the bundle from scratch ≈ 40 s; a second run ≈ 0.5 s
const RECOVERY_MS = 120_000;    // crash → fresh runtime → restore → re-registration → answer
const TEST_MS = 8 * 60_000;

let env;
before(async () => {
  await buildBundle('scripts/mediawiki/build-bundle.sh', 'target/mediawiki/mediawiki-bundle.zip', { timeoutMs: BUILD_MS });
  env = await launch();
}, { timeout: BUILD_MS + 60_000 });
after(async () => { await env?.close(); });

const withWiki = (name, body) => withApp(env, { query: QUERY, name: `mediawiki-${name}` }, body);
const rawUrl = (title) => `/index.php?title=${title}&action=raw`;

// ---------------------------------------------------------------- the tests

test('a blueprint sets MediaWiki up through its own services: a user in a group, a page, an uploaded image, a login; the page lands there; a crash keeps it', { timeout: TEST_MS }, async () => {
  const png = makePng(12, 9);
  const blueprint = {
    version: 1,
    title: 'A wiki with a page',
    landingPage: '/index.php/Blueprint_page',
    steps: [
      { step: 'createUser', username: 'Alice', password: 'alice-password-1', groups: 'sysop' },
      { step: 'createPage', title: 'Blueprint page', content: "Made by '''a blueprint'''.\n\n[[File:Blueprint.png]]" },
      { step: 'uploadFile', filename: 'Blueprint.png', url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` },
      { step: 'login', username: 'Alice' },
    ],
  };
  const query = `${QUERY}&blueprint=${encodeURIComponent(Buffer.from(JSON.stringify(blueprint)).toString('base64'))}`;
  await withApp(env, { query, name: 'mediawiki-blueprint' }, async ({ page, events }) => {
    const report = await page.evaluate(() => window.playground.ready.blueprint);
    assert.equal(report.state, 'done', JSON.stringify(report));
    await frameOf(page).locator('#firstHeading').getByText('Blueprint page').waitFor({ timeout: PAGE_MS });
    const check = async (when) => {
      const shown = await fetchThroughWorker(page, '/index.php/Blueprint_page');
      assert.match(shown.text, /Made by <b>a blueprint<\/b>/, `${when}: the page`);
      assert.match(shown.text, /id="pt-userpage"[\s\S]{0,300}Alice/, `${when}: logged in as Alice`);
      const file = await fetchThroughWorker(page, '/index.php/File:Blueprint.png');
      const href = file.text.match(/class="fullImageLink"[^>]*><a href="([^"]+)"/)?.[1];
      assert.ok(href, `${when}: the file page links the image`);
      assertSameBytes(await fetchBytes(page, new URL(href, 'http://x').pathname), png, `${when}: the uploaded image`);
      const sysops = await fetchThroughWorker(page, '/index.php?title=Special:ListUsers&group=sysop');
      assert.match(sysops.text, /Alice/, `${when}: Alice is in the sysop group`);
    };
    await check('after the blueprint');
    const seen = await events.count();
    await page.evaluate(() => window.playground.client.injectFault('memory'));
    await fetchThroughWorker(page, '/index.php/Main_Page');
    const recovered = await events.waitFor('recovered', seen, RECOVERY_MS);
    assert.equal(recovered.dataLoss ?? null, null, JSON.stringify(recovered));
    await check('after a crash');
  });
});

test('the main page is served: 200, "Playground Wiki"', { timeout: TEST_MS }, async () => {
  await withWiki('main-page', async ({ page, site }) => {
    assert.equal(await site.title(), 'Playground Wiki');
    await frameOf(page).locator('#firstHeading').getByText('Main Page').waitFor({ timeout: PAGE_MS });
    const main = await fetchThroughWorker(page, '/index.php/Main_Page');
    assert.equal(main.status, 200);
    assert.match(main.text, /<title>Playground Wiki<\/title>/);
  });
});

test('log in, edit, upload; "Crash PHP now" (memory): the page comes back, still logged in, the edit and the image intact', { timeout: TEST_MS }, async () => {
  await withWiki('crash-button', async ({ page, site, events }) => {
    await logIn(page, site);
    const text = `Written before the crash, ${Date.now()}.`;
    await saveEdit(page, site, TITLE, text);
    const png = makePng(16, 16);
    const imageUrl = await uploadPng(page, site, 'Crash_test.png', png);
    assertSameBytes(await fetchBytes(page, imageUrl), png, 'the uploaded image, fetched back before the crash');

    await goTo(page, site, `/index.php/${TITLE}`, '#mw-content-text');
    // The button's reload of this page (its URL as the iframe shows it) is the request that meets the fault.
    await holdOtherRequestsUntilCrash(page, new RegExp(`^${site.url().split('#')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const seen = await events.count();
    await inNewDocument(site, 'the iframe reload after "Crash PHP now"', () => page.locator('button[data-fault="memory"]').click(), RECOVERY_MS);
    await page.waitForFunction(() => /Recovered in \d+ ms/.test(document.getElementById('progress-text').textContent), null, { timeout: RECOVERY_MS })
      .catch((error) => { throw new Error(`no "Recovered in N ms" in the progress bar: ${error.message}`); });
    const recovered = await events.waitFor('recovered', seen, RECOVERY_MS);
    assert.equal(recovered.replayed, true, `the reloaded page view was replayed: ${JSON.stringify(recovered)}`);
    assert.ok((await events.since(seen)).some((e) => e.type === 'crash'), 'a crash event came before the recovery');

    // The replayed page: still logged in, the edit there; then the image, byte for byte.
    await frameOf(page).locator('#mw-content-text').getByText(text).waitFor({ timeout: PAGE_MS });
    await assertLoggedIn(page);
    assert.equal((await fetchThroughWorker(page, rawUrl(TITLE))).text, text);
    assertSameBytes(await fetchBytes(page, imageUrl), png, 'the uploaded image after the crash');
    assert.match(await page.locator('#log').innerText(), /crash .*"kind":"memory-out-of-bounds"/);
    await page.screenshot({ path: new URL('mediawiki-recovered.png', ARTIFACTS).pathname });
  });
});

test('a crash on an edit\'s POST: a 503 that says it was NOT repeated; the previous edit intact, the new one not saved', { timeout: TEST_MS }, async () => {
  await withWiki('crash-post', async ({ page, site, events, navigations }) => {
    await logIn(page, site);
    const before = `The text before the POST that crashes, ${Date.now()}.`;
    await saveEdit(page, site, TITLE, before);

    const lost = `This text must NOT be saved, ${Date.now()}.`;
    const { recovered } = await saveEditThatCrashes({ page, site, events, navigations }, lost, 'memory');
    assert.equal(recovered.replayed, false, JSON.stringify(recovered));

    // The wiki serves again: the earlier edit is there, the crashed one is not.
    await goTo(page, site, `/index.php/${TITLE}`, '#mw-content-text');
    await frameOf(page).locator('#mw-content-text').getByText(before).waitFor({ timeout: PAGE_MS });
    assert.equal(await frameOf(page).locator('#mw-content-text').getByText(lost).count(), 0, 'the crashed edit is not on the page');
    assert.equal((await fetchThroughWorker(page, rawUrl(TITLE))).text, before);
    await assertLoggedIn(page);
  });
});

test('a trap inside an edit\'s commit (db-write): a 503, then the commit rolled back by the journal that travelled with the DB', { timeout: TEST_MS }, async (t) => {
  await withWiki('crash-commit', async ({ page, site, events, navigations }) => {
    await logIn(page, site);
    const oldText = `The old revision, ${Date.now()}.`;
    await saveEdit(page, site, TITLE, oldText);

    const newText = `The new revision, whose commit traps, ${Date.now()}.`;
    // The host traps PHP right after its first write to the wiki's SQLite
    // file: inside the commit that saves the revision.
    const { crash, recovered, seen } = await saveEditThatCrashes({ page, site, events, navigations }, newText, 'db-write');
    // The trap came after the commit's first write to the DB file: the journal
    // travelled with the DB and SQLite rolled the half-written commit back.
    assert.equal(recovered.dataSource, 'snapshot', `the post-crash snapshot is used, with its journal: ${JSON.stringify(recovered)}`);

    // Consistent: the page shows one revision, fully; the API answers valid JSON with the same text.
    await goTo(page, site, `/index.php/${TITLE}`, '#mw-content-text');
    const shown = await frameOf(page).locator('#mw-content-text').innerText({ timeout: PAGE_MS });
    const showsOld = shown.includes(oldText);
    const showsNew = shown.includes(newText);
    assert.ok(showsOld && !showsNew, `the interrupted commit is rolled back: the old revision, whole (old ${showsOld}, new ${showsNew}): ${shown.slice(0, 300)}`);
    const raw = (await fetchThroughWorker(page, rawUrl(TITLE))).text;
    assert.equal(raw, showsOld ? oldText : newText);
    const api = await fetchThroughWorker(page,
      `/api.php?action=query&prop=revisions&titles=${TITLE}&rvprop=content&format=json&formatversion=2`);
    assert.equal(api.status, 200);
    let json;
    assert.doesNotThrow(() => { json = JSON.parse(api.text); }, `api.php answered JSON: ${api.text.slice(0, 300)}`);
    assert.equal(json.query?.pages?.[0]?.revisions?.[0]?.content, raw, `the API's revision is the page's: ${api.text.slice(0, 500)}`);
    const traces = (await events.since(seen)).filter((e) => e.type === 'trace').map((e) => e.message);
    assert.ok(traces.some((message) => /journal came along and SQLite rolled it back/.test(message)), `traces: ${traces.join(' | ')}`);
    t.diagnostic(`db-write trap (${crash.kind}): recovered from ${recovered.dataSource} (data loss: ${recovered.dataLoss ?? 'none'}); ` +
      `the wiki shows the ${showsOld ? 'old' : 'new'} revision; the worker's traces: ${traces.join(' | ') || 'none'}`);
  });
});

/**
 * Saves `text` as an edit of TITLE with `fault` armed: the POST crashes PHP,
 * the iframe gets the worker's 503 saying the action was not repeated.
 * Returns the crash and recovered events and the event index before the save.
 */
async function saveEditThatCrashes({ page, site, events, navigations }, text, fault) {
  await openEditForm(page, site, TITLE);
  await setTextbox(page, text);
  // The form's POST is the request that meets the fault.
  await holdOtherRequestsUntilCrash(page, /action=submit/);
  const seen = await events.count();
  await page.evaluate((kind) => window.playground.client.injectFault(kind), fault);
  await inNewDocument(site, `the answer to the POST that meets the ${fault} fault`, () => frameOf(page).locator('#wpSave').click(), RECOVERY_MS);
  const answer = await site.evaluate(() => document.body.innerText);
  assert.match(answer, /not repeated/i, `the iframe shows: ${answer.slice(0, 500)}`);
  assertLastNavigation(navigations, 503, /action=submit/);
  const crash = await events.waitFor('crash', seen, RECOVERY_MS);
  assert.equal(crash.method, 'POST', JSON.stringify(crash));
  const recovered = await events.waitFor('recovered', seen, RECOVERY_MS);
  return { crash, recovered, seen };
}

// ---------------------------------------------------------------- MediaWiki, as a visitor

async function logIn(page, site) {
  await goTo(page, site, '/index.php?title=Special:UserLogin&returnto=Main_Page', '#wpName1');
  const frame = frameOf(page);
  await frame.locator('#wpName1').fill(ADMIN.name);
  await frame.locator('#wpPassword1').fill(ADMIN.password);
  await inNewDocument(site, 'the page after logging in', () => frame.locator('#wpLoginAttempt').click());
  await assertLoggedIn(page);
}

async function assertLoggedIn(page) {
  await frameOf(page).locator('#pt-userpage').getByText(ADMIN.name, { exact: true }).waitFor({ timeout: PAGE_MS })
    .catch((error) => { throw new Error(`not logged in as ${ADMIN.name} (no #pt-userpage with the name): ${error.message}`); });
}

async function openEditForm(page, site, title) {
  await goTo(page, site, `/index.php?title=${title}&action=edit`, '#wpTextbox1');
}

/**
 * Sets the edit box without key or change events: MediaWiki's edit stashing
 * (a background api.php POST on change) then stays quiet, so the form's POST
 * is the only request when a fault is armed.
 */
async function setTextbox(page, text) {
  await frameOf(page).locator('#wpTextbox1').evaluate((box, value) => { box.value = value; }, text);
}

/** Saves `text` as `title` through the edit form and waits for the saved page to show it. */
async function saveEdit(page, site, title, text) {
  await openEditForm(page, site, title);
  await setTextbox(page, text);
  await inNewDocument(site, `the page after saving ${title}`, () => frameOf(page).locator('#wpSave').click());
  await frameOf(page).locator('#mw-content-text').getByText(text).waitFor({ timeout: PAGE_MS });
}

/** Uploads `bytes` through Special:Upload; returns the file's URL path (/site/<id>/images/…). */
async function uploadPng(page, site, name, bytes) {
  await goTo(page, site, '/index.php?title=Special:Upload', '#wpUploadFile');
  const frame = frameOf(page);
  await frame.locator('#wpUploadFile').setInputFiles({ name, mimeType: 'image/png', buffer: Buffer.from(bytes) });
  await frame.locator('#wpDestFile').fill(name);
  await frame.locator('#wpUploadDescription').fill('A test image from tests/e2e/mediawiki.test.js');
  await frame.locator('#wpIgnoreWarning').check();
  await inNewDocument(site, `the page after uploading ${name}`, () => frame.locator('input[name="wpUpload"]').click());
  const link = frame.locator('.fullImageLink a').first();
  await link.waitFor({ timeout: PAGE_MS }).catch(async (error) => {
    const shown = await site.evaluate(() => document.querySelector('.error, .warningbox, #mw-content-text')?.innerText ?? '').catch(() => '');
    throw new Error(`no file page after the upload: ${shown.slice(0, 300)}: ${error.message}`);
  });
  const href = new URL(await link.getAttribute('href'), site.url()).pathname;
  const sitePath = await page.evaluate(() => window.playground.sitePath);
  assert.ok(href.startsWith(`${sitePath}/images/`), `${href} is under ${sitePath}/images/`);
  assert.match(href.slice(sitePath.length), /^\/images\/[0-9a-f]\/[0-9a-f]{2}\//);
  return href;
}

