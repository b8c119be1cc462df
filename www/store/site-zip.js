// A site as one zip, to download and to load into another playground:
//   manifest.json      the save's manifest (format, profile, when, after which
//                      request, the cookie jar, the plugins, every file with
//                      the sha-256 of each 64 KiB chunk)
//   files/<path>       each saved file, by its path in the site (the DB, the
//                      uploads, the plugin folders)
// Reading one checks everything before anything is written: a zip that is
// damaged, of another site, of a newer format, or whose files do not match
// their manifest is refused with a message that says which.
import { zipSync, unzipSync, strToU8, strFromU8 } from 'fflate';
import { SAVE_CHUNK_BYTES, SAVE_FORMAT } from '../protocol.js';

const MANIFEST = 'manifest.json';
const FILES = 'files';

/** A refusal to read a site zip; `message` says why, in the user's words. */
export class SiteZipError extends Error {}

/**
 * The zip of one save.
 * @param {string} manifestJson
 * @param {[string, Uint8Array][]} files each saved file's path and bytes
 * @returns {Uint8Array}
 */
export function siteZip(manifestJson, files) {
  const entries = { [MANIFEST]: strToU8(manifestJson) };
  // Already compressed or small: level 1 keeps an export of a 16 MiB DB fast.
  for (const [path, bytes] of files) entries[`${FILES}${path}`] = [bytes, { level: 1 }];
  return zipSync(entries);
}

/** The file name a download of the site gets: "moodle-site-2026-12-07-1502.zip". */
export function siteZipName(profile, savedAtMs) {
  const at = new Date(savedAtMs);
  const two = (n) => String(n).padStart(2, '0');
  return `${profile}-site-${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}.zip`;
}

/**
 * Reads and checks a site zip for `profile`.
 * @param {Uint8Array} bytes
 * @param {{ profile: string }} expected
 * @returns {Promise<{ manifest: object, files: [string, Uint8Array][], chunks: Map<string, Uint8Array> }>}
 *   the manifest, each file's bytes, and every chunk the files are made of (by hash)
 * @throws {SiteZipError}
 */
export async function readSiteZip(bytes, { profile }) {
  let entries;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new SiteZipError(`this file is not a readable zip (${error.message}): nothing was changed`);
  }
  if (!entries[MANIFEST]) throw new SiteZipError(`this zip is not a site export (it has no ${MANIFEST}): nothing was changed`);
  let manifest;
  try {
    manifest = JSON.parse(strFromU8(entries[MANIFEST]));
  } catch (error) {
    throw new SiteZipError(`the zip's ${MANIFEST} cannot be read (${error.message}): nothing was changed`);
  }
  checkManifest(manifest, profile);
  const files = [];
  const chunks = new Map();
  for (const file of manifest.files) {
    const data = entries[`${FILES}${file.path}`];
    if (!data) throw new SiteZipError(`the zip lacks ${file.path}, which its manifest lists: nothing was changed`);
    if (data.length !== file.size) {
      throw new SiteZipError(`${file.path} in the zip has ${data.length} bytes, its manifest says ${file.size}: the zip is damaged; nothing was changed`);
    }
    const pieces = chunkPieces(data);
    const hashes = await Promise.all(pieces.map(sha256Hex));
    const same = hashes.length === file.chunks.length && hashes.every((hash, i) => hash === file.chunks[i]);
    if (!same) throw new SiteZipError(`${file.path} in the zip does not match its manifest (a changed byte): the zip is damaged; nothing was changed`);
    hashes.forEach((hash, i) => chunks.set(hash, pieces[i]));
    files.push([file.path, data]);
  }
  const listed = new Set(manifest.files.map((file) => `${FILES}${file.path}`));
  const stray = Object.keys(entries).find((name) => name !== MANIFEST && !name.endsWith('/') && !listed.has(name));
  if (stray) throw new SiteZipError(`the zip holds ${stray}, which its manifest does not list: nothing was changed`);
  return { manifest, files, chunks };
}

/** The manifest's own checks: its shape, its format, its site. */
export function checkManifest(manifest, profile) {
  const fail = (why) => { throw new SiteZipError(`${why}: nothing was changed`); };
  if (typeof manifest !== 'object' || manifest === null) fail('the zip\'s manifest is not an object');
  if (!Number.isSafeInteger(manifest.format) || manifest.format < 1) fail('the zip\'s manifest has no format version');
  if (manifest.format > SAVE_FORMAT) {
    fail(`this site was exported by a newer playground (format ${manifest.format}; this one reads up to ${SAVE_FORMAT}); open it there`);
  }
  if (manifest.profile !== profile) fail(`this zip holds a ${JSON.stringify(manifest.profile)} site, and this playground runs ${JSON.stringify(profile)}; switch the site first`);
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) fail('the zip\'s manifest lists no files');
  for (const file of manifest.files) {
    const shaped = typeof file?.path === 'string' && file.path.startsWith('/') && !file.path.split('/').includes('..')
      && Number.isSafeInteger(file.size) && file.size >= 0 && Array.isArray(file.chunks)
      && file.chunks.every((hash) => typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash));
    if (!shaped) fail(`the zip's manifest has a malformed file entry (${JSON.stringify(file?.path ?? file)})`);
  }
}

function chunkPieces(bytes) {
  const pieces = [];
  for (let offset = 0; offset < bytes.length; offset += SAVE_CHUNK_BYTES) pieces.push(bytes.subarray(offset, offset + SAVE_CHUNK_BYTES));
  return pieces;
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
