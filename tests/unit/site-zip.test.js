// The site zip (www/store/site-zip.js): what is exported reads back byte for
// byte, and a zip that is damaged anywhere, cut short anywhere, of another
// site or format, or that does not match its manifest is refused with a
// SiteZipError — never read as different data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { readSiteZip, siteZip, sha256Hex, SiteZipError, siteZipName } from '../../www/store/site-zip.js';
import { SAVE_CHUNK_BYTES, SAVE_FORMAT } from '../../www/protocol.js';

/** Deterministic bytes that do not compress to nothing (an LCG). */
function bytesOf(length, seed) {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

async function manifestOf(files, overrides = {}) {
  const entries = [];
  for (const [path, bytes] of files) {
    const chunks = [];
    for (let at = 0; at < bytes.length; at += SAVE_CHUNK_BYTES) chunks.push(await sha256Hex(bytes.subarray(at, at + SAVE_CHUNK_BYTES)));
    entries.push({ path, size: bytes.length, chunks, mtimeMs: 0 });
  }
  return {
    format: SAVE_FORMAT, profile: 'moodle', seq: 7, savedAtMs: Date.UTC(2026, 11, 7, 14, 2), request: 37,
    bytes: files.reduce((sum, [, b]) => sum + b.length, 0), files: entries, dirs: ['/persist/moodledata/filedir'],
    cookies: { MoodleSession: 'abc' }, plugins: [], ...overrides,
  };
}

// A DB over two chunks (its last one short), an upload, an empty file.
const FILES = [
  ['/persist/moodledata/moodle.sq3.php', bytesOf(2 * SAVE_CHUNK_BYTES + 1234, 1)],
  ['/persist/moodledata/filedir/ab/photo.png', bytesOf(5000, 2)],
  ['/persist/moodledata/filedir/empty.txt', new Uint8Array(0)],
];

async function exportOf(files = FILES, overrides = {}) {
  return siteZip(JSON.stringify(await manifestOf(files, overrides)), files);
}

async function refusal(bytes, profile = 'moodle') {
  try {
    await readSiteZip(bytes, { profile });
  } catch (error) {
    assert.ok(error instanceof SiteZipError, `a SiteZipError, not ${error?.stack}`);
    assert.match(error.message, /nothing was changed$/);
    return error.message;
  }
  return null;
}

test('an exported site reads back byte for byte, every chunk by its hash', async () => {
  const read = await readSiteZip(await exportOf(), { profile: 'moodle' });
  assert.deepEqual(read.files.map(([path]) => path), FILES.map(([path]) => path));
  read.files.forEach(([, bytes], i) => assert.ok(Buffer.from(bytes).equals(Buffer.from(FILES[i][1])), FILES[i][0]));
  assert.equal(read.chunks.size, 4, 'two DB chunks and one upload chunk; the empty file has none');
  for (const [hash, bytes] of read.chunks) assert.equal(await sha256Hex(bytes), hash);
  assert.equal(read.manifest.request, 37);
});

test('a byte changed anywhere in the zip is refused or changes nothing read', async () => {
  const good = await exportOf();
  let refused = 0;
  for (let at = 0; at < good.length; at += 61) {
    const bad = good.slice();
    bad[at] ^= 0x5a;
    const message = await refusal(bad);
    if (message) {
      refused += 1;
      continue;
    }
    // Not refused: the byte was one no content depends on (a timestamp, a header's "made by").
    const read = await readSiteZip(bad, { profile: 'moodle' });
    read.files.forEach(([, bytes], i) => assert.ok(Buffer.from(bytes).equals(Buffer.from(FILES[i][1])), `flip at ${at} changed ${FILES[i][0]}`));
  }
  assert.ok(refused > good.length / 61 / 2, `most flips land in data and are refused (${refused})`);
});

test('a zip cut short anywhere is refused', async () => {
  const good = await exportOf();
  for (let length = 0; length < good.length; length += 173) {
    assert.ok(await refusal(good.subarray(0, length)), `cut at ${length} of ${good.length}`);
  }
});

test('refusals name what is wrong: another site, a newer format, a missing, resized, extra or misplaced file, no manifest', async () => {
  const cases = [
    [await exportOf(FILES, { profile: 'mediawiki' }), /holds a "mediawiki" site, and this playground runs "moodle"/],
    [await exportOf(FILES, { format: SAVE_FORMAT + 1 }), /exported by a newer playground/],
    [siteZip(JSON.stringify(await manifestOf(FILES)), FILES.slice(1)), /lacks \/persist\/moodledata\/moodle\.sq3\.php/],
    [siteZip(JSON.stringify(await manifestOf(FILES)), [...FILES, ['/persist/moodledata/filedir/extra', bytesOf(10, 3)]]), /holds files\/persist\/moodledata\/filedir\/extra, which its manifest does not list/],
    [siteZip(JSON.stringify(await manifestOf(FILES)), [[FILES[0][0], FILES[0][1]], [FILES[1][0], bytesOf(5000, 9)], FILES[2]]), /photo\.png in the zip does not match its manifest/],
    [siteZip(JSON.stringify(await manifestOf(FILES)), [[FILES[0][0], FILES[0][1].subarray(1)], FILES[1], FILES[2]]), /has \d+ bytes, its manifest says/],
    [siteZip(JSON.stringify(await manifestOf([['/persist/../etc/passwd', bytesOf(3, 4)]])), [['/persist/../etc/passwd', bytesOf(3, 4)]]), /malformed file entry/],
    [zipSync({ 'readme.txt': strToU8('hello') }), /not a site export/],
    [zipSync({ 'manifest.json': strToU8('{"format":') }), /manifest\.json cannot be read/],
    [strToU8('this is not a zip at all'), /not a readable zip/],
  ];
  for (const [bytes, expected] of cases) assert.match(await refusal(bytes), expected);
});

test('the download name says the site and when it was saved', () => {
  assert.match(siteZipName('moodle', new Date(2026, 11, 7, 9, 5).getTime()), /^moodle-site-2026-12-07-0905\.zip$/);
});
