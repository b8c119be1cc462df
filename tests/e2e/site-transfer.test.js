// End to end: the site as one zip. Export downloads the last save; Reset
// starts fresh; Import of that zip brings back the course, the upload byte
// for byte, the plugin and the login. A damaged zip, one of another site, of
// a newer format or no zip at all is refused with a message, and nothing of
// the site changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { zipSync, unzipSync, strToU8, strFromU8 } from 'fflate';
import { createCourse, installPlugin, launch, openPlayground, waitUntilSaved } from './browser.js';
import { assertSameBytes, fetchBytes, fetchThroughWorker, makePng } from './app-driver.js';
import { readSiteZip } from '../../www/store/site-zip.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

function notesPluginZip() {
  return Buffer.from(zipSync({
    'notes/version.php': strToU8("<?php\n$plugin->component = 'local_notes';\n$plugin->version = 2026120700;\n"),
    'notes/index.php': strToU8("<?php\necho 'notes';\n"),
  }));
}

async function uploadFile(page, frame, name, bytes) {
  await page.evaluate(() => { document.getElementById('site').src = `${window.playground.sitePath}/files/index.php`; });
  await frame.locator('input[name="repo_upload_file"]').setInputFiles({ name, mimeType: 'image/png', buffer: Buffer.from(bytes) });
  await frame.locator('form [type="submit"]').first().click();
  await frame.getByRole('link', { name }).first().waitFor();
}

async function exportSite(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-site').click()]);
  return { name: download.suggestedFilename(), bytes: new Uint8Array(await fs.readFile(await download.path())) };
}

/** The link to `name` on the files page, fetched through the worker. */
async function uploadedBytes(page, name) {
  const { text } = await fetchThroughWorker(page, '/files/index.php');
  const href = new RegExp(`href="([^"]+)">${name}<`).exec(text)?.[1];
  assert.ok(href, `${name} is listed on the files page`);
  return fetchBytes(page, new URL(href.replaceAll('&amp;', '&'), 'http://x').pathname);
}

async function readyAfterReload(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
}

test('export, reset, import: the course, the upload byte for byte, the plugin and the login come back', { timeout: 180_000 }, async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url);
  const course = 'Course carried in a zip';
  const png = makePng(31, 17);
  await createCourse(frame, course, 'C-ZIP');
  await uploadFile(page, frame, 'carried.png', png);
  await installPlugin(page, frame, 'local_notes', notesPluginZip());
  await waitUntilSaved(page);

  const exported = await exportSite(page);
  assert.match(exported.name, /^moodle-site-\d{4}-\d\d-\d\d-\d{4}\.zip$/);
  assert.match(await page.locator('#site-notice-text').innerText(), /Exported moodle-site-.*saved at \d\d:\d\d after request #\d+/);
  const read = await readSiteZip(exported.bytes, { profile: 'moodle' });
  const zippedUpload = read.files.find(([path, bytes]) => path.includes('/filedir/') && Buffer.from(bytes).equals(Buffer.from(png)));
  assert.ok(zippedUpload, 'the zip holds the upload byte for byte');
  assert.deepEqual(read.manifest.plugins.map((p) => p.component), ['local_notes']);

  page.once('dialog', (dialog) => dialog.accept());
  await readyAfterReload(page, () => page.locator('#reset-site').click());
  assert.doesNotMatch((await fetchThroughWorker(page, '/')).text, new RegExp(course), 'the reset site is fresh');

  page.once('dialog', (dialog) => dialog.accept());
  await readyAfterReload(page, () => page.setInputFiles('#import-file', { name: exported.name, mimeType: 'application/zip', buffer: Buffer.from(exported.bytes) }));
  assert.match(await page.locator('#site-notice-text').innerText(), /Restored your site as saved at \d\d:\d\d after request #\d+\./);
  const front = (await fetchThroughWorker(page, '/')).text;
  assert.match(front, new RegExp(course), 'the course is back');
  assert.match(front, /You are logged in as/, 'the login is back');
  assertSameBytes(await uploadedBytes(page, 'carried.png'), png, 'the upload after the import');
  assert.match((await fetchThroughWorker(page, '/admin/plugins.php')).text, /<td>local_notes<\/td><td>2026120700<\/td><td>2026120700<\/td><td>OK<\/td>/, 'the plugin is registered');
  assert.equal((await fetchThroughWorker(page, '/local/notes/index.php')).text, 'notes');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a damaged zip, one of another site, of a newer format, or no zip: refused, said, nothing changed', { timeout: 120_000 }, async () => {
  const { context, page, frame, problems } = await openPlayground(env.browser, env.url);
  const course = 'Course that a bad zip must not touch';
  await createCourse(frame, course, 'C-KEEP');
  await waitUntilSaved(page);
  const good = (await exportSite(page)).bytes;
  const withManifest = (change) => {
    const entries = unzipSync(good);
    entries['manifest.json'] = strToU8(JSON.stringify(change(JSON.parse(strFromU8(entries['manifest.json'])))));
    return zipSync(entries);
  };
  const damaged = good.slice();
  // A byte in the middle of the zip: inside the DB's compressed data.
  damaged[Math.floor(damaged.length / 2)] ^= 0xff;
  const cases = [
    ['damaged.zip', damaged, /damaged\.zip was not imported: .*(damaged|not a readable zip)/],
    ['wiki.zip', withManifest((m) => ({ ...m, profile: 'mediawiki' })), /wiki\.zip was not imported: this zip holds a "mediawiki" site/],
    ['future.zip', withManifest((m) => ({ ...m, format: m.format + 1 })), /future\.zip was not imported: this site was exported by a newer playground/],
    ['notes.zip', strToU8('not a zip'), /notes\.zip was not imported: this file is not a readable zip/],
  ];
  page.on('dialog', (dialog) => { problems.push(`a dialog asked: ${dialog.message()}`); dialog.dismiss(); });
  await page.evaluate(() => { window.__samePage = true; });
  for (const [name, bytes, says] of cases) {
    await page.setInputFiles('#import-file', { name, mimeType: 'application/zip', buffer: Buffer.from(bytes) });
    await page.waitForFunction((n) => document.getElementById('site-notice-text').textContent.startsWith(`${n} was not`), name);
    assert.match(await page.locator('#site-notice-text').innerText(), says);
  }
  assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was not reloaded');
  assert.match((await fetchThroughWorker(page, '/')).text, new RegExp(course), 'the site still serves its course');
  const again = await readSiteZip((await exportSite(page)).bytes, { profile: 'moodle' });
  assert.equal(again.manifest.profile, 'moodle', 'the save is still the site\'s own');
  assert.deepEqual(problems, []);
  await context.close();
});
