// Verifies target/mediawiki/mediawiki-bundle.zip exactly as the worker's
// `mediawiki` profile will boot it, on FRESH PHP 8.3 wasm instances (node):
// unzip (fflate), web root -> /www/mediawiki, each .playground/seed/<path> -> /<path>,
// LocalSettings.playground.php, disable_functions + intl, a PHPRequestHandler with
// cookieStore: false and our own cookie jar. Then: main page, login, edit, upload,
// popen, timings; the code tree handed to more instances WITHOUT copying
// (MEMFS canOwn); and ways to run maintenance/update.php.
// The profile's seed scripts are run as the worker runs them:
// /playground/mediawiki/install-check.php (the boot's installer step, php.run
// scriptPath) and /playground/mediawiki/run-updater.php (re-registration:
// php.run code `require` in the live instance, `extension:<Name>=…` lines).
//
//   node scripts/mediawiki/verify-bundle.mjs [--bundle FILE] [--tools DIR] [--skip-extra] [--dump-html DIR]
//   (--dump-html: the HTML of the pages the e2e test drives, saved for reading)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shareTree } from '../../www/host/memfs.js';
import { decode, parseForm, urlencoded } from '../lib/html-form.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const bundlePath = path.resolve(option('bundle', path.join(repo, 'target/mediawiki/mediawiki-bundle.zip')));
const tools = path.resolve(option('tools', path.join(repo, 'target/mediawiki/tools')));
const skipExtra = args.includes('--skip-extra');
const dumpDir = option('dump-html', null);
if (dumpDir) fs.mkdirSync(dumpDir, { recursive: true });
const dump = (name, text) => { if (dumpDir) fs.writeFileSync(path.join(dumpDir, `${name}.html`), text); };

const { unzipSync } = createRequire(import.meta.url)('fflate'); // the project's node_modules
const { loadNodeRuntime } = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/node/index.js')).href);
const { PHP, PHPRequestHandler, setPhpIniEntries, __private__dont__use } =
  await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/universal/index.js')).href);

const DOCROOT = '/www/mediawiki';
const SITE = 'http://localhost/site';
const INSTALL_CHECK = '/playground/mediawiki/install-check.php';
const UPDATER_CODE = "<?php require '/playground/mediawiki/run-updater.php';"; // what the worker runs
// The extensions install.mjs enables: each must come back as an `extension:<Name>=…` line.
const EXTENSIONS = [
  'CategoryTree', 'Cite', 'CiteThisPage', 'CodeEditor', 'Gadgets', 'ImageMap', 'InputBox',
  'Interwiki', 'MultimediaViewer', 'Nuke', 'PageImages', 'ParserFunctions', 'Poem',
  'Renameuser', 'ReplaceText', 'SecureLinkFixer', 'TemplateData', 'TextExtracts', 'WikiEditor',
];
const INI = { disable_functions: 'proc_open,popen,exec,shell_exec,system,passthru' };
const ADMIN = { name: 'Admin', password: 'playground-admin-1' };
const REQUEST_TIMEOUT_MS = 60_000;

let failures = 0;
const pass = (name, detail = '') => console.log(`PASS ${name}${detail ? ` — ${detail}` : ''}`);
const fail = (name, detail = '') => { failures++; console.log(`FAIL ${name}${detail ? ` — ${detail}` : ''}`); };
const check = (ok, name, detail) => (ok ? pass(name, detail) : fail(name, detail));
const info = (text) => console.log(`INFO ${text}`);
const ms = (t) => Math.round(performance.now() - t);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- the bundle
let t = performance.now();
const zipBytes = new Uint8Array(fs.readFileSync(bundlePath));
const readMs = ms(t);
t = performance.now();
const entries = unzipSync(zipBytes);
const unzipMs = ms(t);
const codeFiles = []; // [path under the web root, bytes]
const seedFiles = []; // [absolute path, bytes]
const metaFiles = {}; // .playground/<name> (not seeds): { name: bytes }
for (const [name, bytes] of Object.entries(entries)) {
  if (name.endsWith('/')) continue;
  if (name.startsWith('.playground/seed/')) seedFiles.push([name.slice('.playground/seed'.length), bytes]);
  else if (name.startsWith('.playground/')) metaFiles[name.slice('.playground/'.length)] = bytes;
  else codeFiles.push([name, bytes]);
}
const codeBytes = codeFiles.reduce((n, [, b]) => n + b.length, 0);
info(`bundle ${path.relative(repo, bundlePath)}: ${zipBytes.length} bytes; read ${readMs} ms; fflate unzipSync ${unzipMs} ms; ` +
  `${codeFiles.length} web-root files (${(codeBytes / 1048576).toFixed(1)} MiB), ${seedFiles.length} seed files: ${seedFiles.map(([p, b]) => `${p} (${b.length} B)`).join(', ')}; ` +
  `other .playground/ files: ${Object.entries(metaFiles).map(([n, b]) => `${n} (${b.length} B)`).join(', ')}`);

// The ICU data for intl: the host installs it as /internal/shared/icudt74l.dat. In
// node, @php-wasm/node installs its own shared/icu.dat: the same bytes means the
// intl checks below exercise exactly the data the browser will get.
const icu = metaFiles['icudt74l.dat'];
const nodeIcuPath = path.join(tools, 'node_modules/@php-wasm/node/shared/icu.dat');
const sha1 = (bytes) => crypto.createHash('sha1').update(bytes).digest('hex');
const nodeIcuSha1 = fs.existsSync(nodeIcuPath) ? sha1(fs.readFileSync(nodeIcuPath)) : 'missing';
check(!!icu && icu.length > 1_000_000 && sha1(icu) === nodeIcuSha1 && Buffer.from(icu).includes('icudt74l'),
  '.playground/icudt74l.dat is ICU 74 data, byte for byte the icu.dat the node runtime loads intl with',
  icu ? `${icu.length} B, sha1 ${sha1(icu)} (node's ${nodeIcuSha1})` : 'not in the bundle');
const seedPaths = seedFiles.map(([p]) => p);
check(seedPaths.includes(INSTALL_CHECK) && seedPaths.includes('/playground/mediawiki/run-updater.php'),
  'the profile\'s scripts are seeds (/playground/mediawiki/install-check.php, run-updater.php)', seedPaths.filter((p) => p.startsWith('/playground/')).join(', '));
const localSettings = new TextDecoder().decode(codeFiles.find(([n]) => n === 'LocalSettings.php')?.[1] ?? new Uint8Array());
const hookAt = localSettings.lastIndexOf("\nif (is_file(__DIR__ . '/LocalSettings.playground.php')) {");
const hook = hookAt > 0 ? localSettings.slice(hookAt + 1).trimEnd() : '';
const topLevel = hook.split('\n').filter((line) => /^\S/.test(line) && !line.startsWith('#'));
check(hook.includes("\trequire __DIR__ . '/LocalSettings.playground.php';") && topLevel.length === 2 && topLevel[1] === '}',
  'LocalSettings.php ends by requiring LocalSettings.playground.php if present', `its last statement, ${hook.split('\n').length} lines: ${topLevel.join(' … ')}`);

// ---------------------------------------------------------------- runtimes
let nextProcessId = 1;
async function freshRuntime({ sapiName } = {}) {
  const t0 = performance.now();
  const php = new PHP(await loadNodeRuntime('8.3', { extensions: ['intl'], emscriptenOptions: { processId: nextProcessId++ } }));
  if (sapiName) await php.setSapiName(sapiName);
  await setPhpIniEntries(php, INI); // before the first request: popen() hangs forever otherwise
  return { php, FS: php[__private__dont__use].FS, bootMs: ms(t0) };
}

/**
 * Writes the code tree into MEMFS.
 *  - 'copy':   FS.writeFile(path, bytes) — MEMFS copies the bytes (what the worker does today).
 *  - 'canOwn': FS.writeFile(path, bytes, { canOwn: true }) — MEMFS keeps a view of the SAME buffer.
 *  - 'nodes':  MEMFS nodes created directly under cached parent nodes, `contents` = the shared array
 *              (no path resolution per file, no copy), READ-ONLY (0444): PHP's fopen('r+') and
 *              file_put_contents() are then refused, so no instance can write into a shared array.
 * Shared arrays are safe only for files nobody writes in place (code); MEMFS
 * truncates (O_TRUNC) by dropping the array, but an in-place write would land
 * in every instance: never share the DBs, uploads or LocalSettings.playground.php.
 */
function writeCodeTree(FS, mode) {
  const t0 = performance.now();
  if (mode === 'nodes') {
    // What the worker's host does (www/host/memfs.js).
    shareTree(FS, DOCROOT, codeFiles);
    return ms(t0);
  }
  const made = new Set();
  for (const [name, bytes] of codeFiles) {
    const full = `${DOCROOT}/${name}`;
    const dir = full.slice(0, full.lastIndexOf('/'));
    if (!made.has(dir)) {
      FS.mkdirTree(dir);
      made.add(dir);
    }
    FS.writeFile(full, bytes, mode === 'canOwn' ? { canOwn: true } : undefined);
  }
  return ms(t0);
}

/** Seeds (copied: they change), unless present, and the per-boot settings file. */
function writeSeedAndSettings(FS, seeds = seedFiles) {
  for (const [abs, bytes] of seeds) {
    if (FS.analyzePath(abs).exists) continue;
    FS.mkdirTree(abs.slice(0, abs.lastIndexOf('/')));
    FS.writeFile(abs, bytes.slice());
  }
  FS.writeFile(`${DOCROOT}/LocalSettings.playground.php`, "<?php\n$wgServer = 'http://localhost';\n");
}

/** php.run, with a non-zero exit (which php.run throws as an error carrying the response) returned like any other. */
async function runPhp(php, request, label) {
  const t0 = performance.now();
  let res;
  try {
    res = await withTimeout(php.run(request), label);
  } catch (error) {
    if (!error.response) throw error;
    res = error.response;
  }
  return { exitCode: res.exitCode, text: res.text, errors: res.errors, ms: ms(t0) };
}

function withTimeout(promise, label) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${label}: no answer after ${REQUEST_TIMEOUT_MS / 1000} s (hang)`)), REQUEST_TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

// A browser in miniature: its own cookie jar (cookieStore: false in the handler), redirects followed by hand.
class Client {
  constructor(php, label, { site = SITE } = {}) {
    this.label = label;
    this.site = site;
    this.handler = new PHPRequestHandler({ php, documentRoot: DOCROOT, absoluteUrl: site, cookieStore: false });
    this.jar = new Map();
    this.setCookieNames = new Set();
    this.setCookieLines = [];
  }

  async fetch(url, { method = 'GET', headers = {}, body, follow = true } = {}) {
    const t0 = performance.now();
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await withTimeout(this.handler.request({
      method, url, body,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    }), `${this.label} ${method} ${url}`);
    const elapsed = ms(t0);
    for (const line of response.headers['set-cookie'] ?? []) this.#storeCookie(line);
    const location = response.headers.location?.[0];
    if (follow && location && response.httpStatusCode >= 300 && response.httpStatusCode < 400) {
      const next = await this.fetch(new URL(location, `${this.site}/`).href, { follow });
      return { ...next, redirectedFrom: { status: response.httpStatusCode, location, ms: elapsed }, ms: elapsed + next.ms };
    }
    return { status: response.httpStatusCode, headers: response.headers, bytes: response.bytes, text: response.text, errors: response.errors, ms: elapsed, location };
  }

  #storeCookie(line) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    this.setCookieNames.add(name);
    this.setCookieLines.push(line);
    const expired = attrs.some((a) => {
      const [k, v = ''] = a.split('=').map((s) => s.trim());
      if (/^max-age$/i.test(k)) return Number(v) <= 0;
      if (/^expires$/i.test(k)) return Date.parse(v) < Date.now();
      return false;
    });
    if (expired || value === 'deleted') this.jar.delete(name);
    else this.jar.set(name, value);
  }
}

function multipart(fields, file) {
  const boundary = `----playground${crypto.randomBytes(8).toString('hex')}`;
  const chunks = [];
  for (const [k, v] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
  chunks.push(Buffer.from(file.bytes), Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Saves `text` to `title` through the edit form (logged-in client); returns the page after the redirect. */
async function editPage(client, title, text) {
  const page = await client.fetch(`/site/index.php?title=${encodeURIComponent(title)}&action=edit`);
  const edit = parseForm(page.text, 'wpEditToken');
  if (!edit) return page;
  return client.fetch(new URL(edit.action, SITE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...edit.hidden, wpTextbox1: text, wpSummary: 'verify-bundle', wpSave: 'Save page' }),
  });
}

function makePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const o = y * (width * 3 + 1) + 1 + x * 3; raw[o] = x * 16; raw[o + 1] = y * 16; raw[o + 2] = 200;
  }
  return new Uint8Array(Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

/** { path: "size mtime" } for every file under `dir` (to see what changes at run time). */
function listTree(FS, dir, out = {}) {
  if (!FS.analyzePath(dir).exists) return out;
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const st = FS.stat(full);
    if (FS.isDir(st.mode)) listTree(FS, full, out);
    else out[full] = `${st.size} ${new Date(st.mtime).getTime()}`;
  }
  return out;
}
const WATCHED = [DOCROOT, '/persist', '/tmp', '/var'];
const watch = (FS) => Object.assign({}, ...WATCHED.map((d) => listTree(FS, d)));

// ---------------------------------------------------------------- instance A: the code copied (today's path)
console.log('--- instance A: fresh runtime, code tree COPIED into MEMFS');
const A = await freshRuntime();
const copyMs = writeCodeTree(A.FS, 'copy');
// 0. The boot's installer step, /playground/mediawiki/install-check.php, as the
//    worker runs it (php.run scriptPath): first with no DB, then an empty one,
//    then with the whole seed.
writeSeedAndSettings(A.FS, seedFiles.filter(([p]) => p.startsWith('/playground/')));
const noDb = await runPhp(A.php, { scriptPath: INSTALL_CHECK }, 'install-check (no DB)');
A.FS.mkdirTree('/persist/data');
A.FS.writeFile('/persist/data/my_wiki.sqlite', new Uint8Array(0));
const emptyDb = await runPhp(A.php, { scriptPath: INSTALL_CHECK }, 'install-check (empty DB)');
A.FS.unlink('/persist/data/my_wiki.sqlite');
check(noDb.exitCode === 1 && !noDb.text.includes('OK') && emptyDb.exitCode === 1 && !emptyDb.text.includes('OK'),
  'install-check.php with no DB, then an empty one: an error, exit code 1', `${JSON.stringify(noDb.text.trim())}; ${JSON.stringify(emptyDb.text.trim())}`);
writeSeedAndSettings(A.FS);
const installCheck = await runPhp(A.php, { scriptPath: INSTALL_CHECK }, 'install-check');
check(installCheck.exitCode === 0 && installCheck.text === 'OK', 'install-check.php on the seeded runtime prints exactly "OK"',
  `${installCheck.ms} ms, exit ${installCheck.exitCode}, printed ${JSON.stringify(installCheck.text)}${installCheck.errors ? `, stderr ${installCheck.errors.slice(0, 200)}` : ''}`);
// intl with ICU 74's data: what MediaWiki uses it for (normalisation, collation, dates).
const intl = await runPhp(A.php, { code: `<?php
  echo extension_loaded('intl') ? 'intl ICU ' . INTL_ICU_VERSION . ' data ' . INTL_ICU_DATA_VERSION : 'no intl', ' | ',
    Normalizer::normalize("e\u{301}", Normalizer::FORM_C) === "\u{e9}" ? 'NFC ok' : 'NFC wrong', ' | ',
    (new Collator('de_DE'))->compare('ä', 'b') < 0 ? 'collation ok' : 'collation wrong', ' | ',
    (new IntlDateFormatter('fr_FR', IntlDateFormatter::LONG, IntlDateFormatter::NONE, 'UTC'))->format(0);` }, 'intl');
check(/^intl ICU 74\.\d+ data 74\.\S+ \| NFC ok \| collation ok \| 1 janvier 1970$/.test(intl.text), 'intl works with ICU 74 data (normaliser, collator, French date format)',
  `${intl.text}${intl.errors ? ` ${intl.errors.slice(0, 200)}` : ''}`);
info(`A: boot ${A.bootMs} ms; copy ${codeFiles.length} files into MEMFS ${copyMs} ms (+ unzip ${unzipMs} ms once per bundle)`);
const before = watch(A.FS);
const a = new Client(A.php, 'A');

// 1. The main page.
// MediaWiki answers a bare index.php with a 301 to the canonical article URL
// (/site/index.php/Main_Page, $wgArticlePath with PATH_INFO), as on any wiki.
let r = await a.fetch('/site/index.php');
const firstMs = r.ms;
dump('main-page', r.text);
check(r.status === 200 && r.text.includes('Playground Wiki') && r.redirectedFrom?.status === 301, 'GET /site/index.php → 301 → 200 with "Playground Wiki"',
  `${r.redirectedFrom?.status} to ${r.redirectedFrom?.location} (${r.redirectedFrom?.ms} ms, the instance's first request), then ${r.status}, ${r.bytes.length} B, ${r.ms - (r.redirectedFrom?.ms ?? 0)} ms${r.status !== 200 ? `: ${r.text.slice(0, 300)} ${r.errors}` : ''}`);
const later = [];
for (let i = 0; i < 5; i++) later.push((await a.fetch('/site/index.php/Main_Page', { follow: false })).ms);
const laterBare = [];
for (let i = 0; i < 3; i++) laterBare.push((await a.fetch('/site/index.php', { follow: false })).ms);
info(`main page: first request ${firstMs} ms (301 + page); later GET /site/index.php/Main_Page ${later.join(', ')} ms (median ${median(later)}); bare index.php (301 only) ${laterBare.join(', ')} ms`);
const cssUrl = '/site/load.php?lang=en&modules=skins.vector.styles.legacy&only=styles&skin=vector';
const css1 = await a.fetch(cssUrl);
const css2 = await a.fetch(cssUrl);
check(css1.status === 200 && /\{/.test(css1.text), 'GET load.php (skin CSS) → 200', `${css1.bytes.length} B, first ${css1.ms} ms, then ${css2.ms} ms`);
const js1 = await a.fetch('/site/load.php?lang=en&modules=startup&only=scripts&raw=1&skin=vector');
check(js1.status === 200 && js1.text.includes('mw.loader'), 'GET load.php (startup JS) → 200', `${js1.bytes.length} B, ${js1.ms} ms`);
const logo = await a.fetch('/site/resources/assets/change-your-logo.svg');
check(logo.status === 200 && logo.text.includes('<svg'), 'GET a static file (logo SVG) → 200', `${logo.ms} ms`);

// 2. Log in through Special:UserLogin.
r = await a.fetch('/site/index.php?title=Special:UserLogin&returnto=Main_Page');
dump('login-form', r.text);
{
  // The playground shows the wiki in a same-origin iframe: DENY would blank these pages there.
  const framing = { login: r.headers['x-frame-options']?.join(',') ?? 'none' };
  framing.edit = (await a.fetch('/site/index.php?title=Frame_test&action=edit')).headers['x-frame-options']?.join(',') ?? 'none';
  framing.api = (await a.fetch('/site/api.php')).headers['x-frame-options']?.join(',') ?? 'none';
  check(Object.values(framing).every((v) => v === 'SAMEORIGIN' || v === 'none'), 'login, edit and api.php pages may be framed by the playground (X-Frame-Options SAMEORIGIN, not DENY)',
    Object.entries(framing).map(([k, v]) => `${k}: ${v}`).join(', '));
}
let form = parseForm(r.text, 'wpLoginToken');
if (!form) fail('login form', `no form with wpLoginToken (status ${r.status})`);
else {
  r = await a.fetch(new URL(form.action, SITE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpName: ADMIN.name, wpPassword: ADMIN.password, wploginattempt: 'Log in' }),
  });
  dump('after-login', r.text);
  const loggedIn = r.text.includes('"wgUserName":"Admin"');
  check(loggedIn && r.redirectedFrom?.status === 302, 'log in as Admin through Special:UserLogin',
    `POST → ${r.redirectedFrom?.status} ${r.redirectedFrom?.location} (${r.redirectedFrom?.ms} ms), then ${r.status}; cookies set: ${[...a.setCookieNames].join(', ')}; jar: ${[...a.jar.keys()].join(', ')}`);
  info(`Set-Cookie lines so far:\n  ${a.setCookieLines.join('\n  ')}`);
  r = await a.fetch('/site/index.php?title=Special:Preferences');
  check(r.status === 200 && r.text.includes('"wgUserName":"Admin"') && !r.text.includes('wpLoginToken'), 'next page (Special:Preferences) still logged in', `${r.ms} ms`);
}

// 3. Edit a page through the edit form, read the text back.
const pageText = `Hello from the '''PHP 8.3 wasm''' playground, ${new Date().toISOString()}.\n\n== Section ==\n[[Main Page]] {{#if: x | ParserFunctions work | no }}`;
r = await a.fetch('/site/index.php?title=Playground_test&action=edit');
dump('edit-form', r.text);
form = parseForm(r.text, 'wpEditToken');
if (!form || !form.hidden.wpEditToken || form.hidden.wpEditToken === '+\\') fail('edit form', `no logged-in edit token (status ${r.status})`);
else {
  r = await a.fetch(new URL(form.action, SITE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpTextbox1: pageText, wpSummary: 'verify-bundle', wpSave: 'Save page' }),
  });
  dump('after-save', r.text);
  check(r.redirectedFrom?.status === 302 && r.status === 200 && r.text.includes('ParserFunctions work'), 'save an edit through the edit form',
    `POST → ${r.redirectedFrom?.status} (${r.redirectedFrom?.ms} ms), page ${r.status} (${r.ms - (r.redirectedFrom?.ms ?? 0)} ms)`);
  r = await a.fetch('/site/index.php?title=Playground_test&action=raw');
  check(r.status === 200 && r.text === pageText, 'read the saved wikitext back (action=raw)', `${r.text.length} chars`);
}

// 4. Upload a PNG through Special:Upload, fetch it back byte for byte.
const png = makePng(16, 16);
r = await a.fetch('/site/index.php?title=Special:Upload');
dump('upload-form', r.text);
form = parseForm(r.text, 'wpUploadFile');
if (!form) fail('upload form', `no upload form (status ${r.status}): ${r.text.match(/<h1[^>]*>[\s\S]*?<\/h1>/)?.[0] ?? ''}`);
else {
  const { body, contentType } = multipart({
    ...form.hidden, wpSourceType: 'file', wpDestFile: 'Playground_test.png',
    wpUploadDescription: 'A 16×16 test image from verify-bundle.mjs', wpLicense: '', wpIgnoreWarning: '1', wpUpload: 'Upload file',
  }, { field: 'wpUploadFile', name: 'Playground_test.png', type: 'image/png', bytes: png });
  r = await a.fetch(new URL(form.action, SITE).href, { method: 'POST', headers: { 'content-type': contentType }, body });
  dump('after-upload', r.text);
  const href = r.text.match(/href="([^"]*\/images\/[0-9a-f]\/[0-9a-f]{2}\/Playground_test\.png)"/)?.[1];
  check(r.redirectedFrom?.status === 302 && !!href, 'upload a PNG through Special:Upload',
    `POST → ${r.redirectedFrom?.status} ${r.redirectedFrom?.location} (${r.redirectedFrom?.ms} ms); file URL ${href}${!href ? `; page: ${r.text.match(/<div class="error[\s\S]{0,400}/)?.[0] ?? r.text.slice(0, 300)}` : ''}`);
  if (href) {
    const img = await a.fetch(decode(href));
    check(img.status === 200 && Buffer.from(img.bytes).equals(Buffer.from(png)), 'fetch the uploaded PNG back byte for byte', `${img.bytes.length} B, ${img.ms} ms, content-type ${img.headers['content-type']}`);
    // A thumbnail, made by GD while the page is parsed ($wgUseImageMagick = false).
    r = await editPage(a, 'Thumb_test', '[[File:Playground_test.png|8px]]');
    const thumb = r.text.match(/src="([^"]*\/images\/thumb\/[^"]*8px-Playground_test\.png)"/)?.[1];
    const tr = thumb ? await a.fetch(decode(thumb)) : null;
    const size = tr?.bytes.length > 24 ? `${Buffer.from(tr.bytes).readUInt32BE(16)}×${Buffer.from(tr.bytes).readUInt32BE(20)}` : '?';
    check(tr?.status === 200 && size === '8×8', 'a page using [[File:…|8px]] gets a GD-made 8px thumbnail', `${thumb} → ${tr?.status}, ${tr?.bytes.length} B, ${size} PNG`);
  }
}

// 5. popen() must fail, not hang (disable_functions).
A.FS.writeFile(`${DOCROOT}/popen-test.php`, "<?php $h = popen('echo hi', 'r'); echo 'popen returned'; var_dump($h);");
try {
  r = await a.fetch('/site/popen-test.php');
  check(!r.text.includes('popen returned') && r.ms < 10_000, 'a page calling popen() fails fast (disable_functions)',
    `status ${r.status} in ${r.ms} ms: ${(r.text + r.errors).match(/Call to undefined function[^\n<]*/)?.[0] ?? r.text.slice(0, 120)}`);
} catch (error) {
  fail('a page calling popen() fails fast (disable_functions)', error.message);
}
A.FS.unlink(`${DOCROOT}/popen-test.php`);

// 6. What changed at run time.
r = await a.fetch('/site/index.php?title=Playground_test');
const after = watch(A.FS);
const changed = Object.keys(after).filter((p) => before[p] !== after[p] && p !== `${DOCROOT}/popen-test.php`);
info(`files created or changed at run time on A (${changed.length}):\n  ${changed.map((p) => `${before[p] ? 'changed' : 'new'} ${p} (${after[p].split(' ')[0]} B)`).join('\n  ')}`);
const gone = Object.keys(before).filter((p) => !(p in after));
if (gone.length) info(`files removed at run time: ${gone.join(', ')}`);

// 7. Re-registration as the worker does it: php.run of the seed run-updater.php in the LIVE instance.
console.log(`--- re-registration: php.run({ code: ${JSON.stringify(UPDATER_CODE)} }) in the live instance A`);
const extensionLines = (text) => Object.fromEntries(text.split('\n').map((l) => l.match(/^(extension|skin):([^=]+)=(.*)$/)).filter(Boolean).map((m) => [`${m[1]}:${m[2]}`, m[3]]));
const missingExtensions = (lines) => EXTENSIONS.filter((name) => !lines[`extension:${name}`]?.trim());
const summaryOf = (text) => text.split('\n').find((l) => l.startsWith('updater: ')) ?? text.trim().slice(0, 300);
async function runUpdater(label, code = UPDATER_CODE) {
  const run = await runPhp(A.php, { code }, `A ${label}`);
  const lines = extensionLines(run.text);
  const page = await a.fetch('/site/index.php?title=Playground_test');
  const served = page.status === 200 && page.text.includes('ParserFunctions work') && page.text.includes('"wgUserName":"Admin"');
  return { ...run, lines, missing: missingExtensions(lines), summary: summaryOf(run.text), page, served };
}
let up = await runUpdater('updater');
check(up.exitCode === 0 && up.text.startsWith('UPDATE-DONE') && /nothing to update/.test(up.summary) && up.missing.length === 0 && up.served,
  'run-updater.php in the live instance: nothing to update (the seed DB has this code\'s fingerprint), one extension:<Name>= line per extension, and the instance still serves, still logged in',
  `${up.ms} ms, exit ${up.exitCode}; ${up.summary}; ${Object.keys(up.lines).length} lines (${Object.entries(up.lines).slice(0, 3).map(([k, v]) => `${k}=${v}`).join(', ')}, …)` +
  `${up.missing.length ? `; MISSING: ${up.missing.join(', ')}` : ''}${up.errors ? `; stderr ${up.errors.slice(0, 300)}` : ''}; next page ${up.page.status} in ${up.page.ms} ms`);
const fastMs = [up.ms];
for (let i = 0; i < 2; i++) fastMs.push((await runPhp(A.php, { code: UPDATER_CODE }, 'A updater (again)')).ms);
info(`run-updater.php with nothing to update: ${fastMs.join(', ')} ms`);
up = await runUpdater('updater (forced)', "<?php $playgroundUpdaterForce = true; require '/playground/mediawiki/run-updater.php';");
const applied = up.text.split('\n').filter((l) => /^(Modifying|Adding|Renaming|Dropping|Creating)/.test(l));
check(up.exitCode === 0 && up.text.startsWith('UPDATE-DONE') && /updates run \(forced\)/.test(up.summary) && up.missing.length === 0 && up.served,
  'run-updater.php forced ($playgroundUpdaterForce): the updater and the cache purge run, then the instance still serves, still logged in',
  `${up.ms} ms, exit ${up.exitCode}; ${up.summary}; ${applied.length} patches applied${up.errors ? `; stderr ${up.errors.slice(0, 300)}` : ''}; next page ${up.page.status} in ${up.page.ms} ms`);
// An extension added to the running site (here AbuseFilter, which has tables of
// its own): the fingerprint changes, the updater creates its tables, its line appears.
A.FS.writeFile(`${DOCROOT}/LocalSettings.playground.php`, "<?php\n$wgServer = 'http://localhost';\nwfLoadExtension( 'AbuseFilter' );\n");
up = await runUpdater('updater (AbuseFilter added)');
const tables = await runPhp(A.php, { code: "<?php $db = new PDO('sqlite:/persist/data/my_wiki.sqlite'); echo implode(',', $db->query(\"SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'abuse_filter%' ORDER BY name\")->fetchAll(PDO::FETCH_COLUMN));" }, 'tables');
const afPage = await a.fetch('/site/index.php?title=Special:AbuseFilter');
check(up.exitCode === 0 && /updates run/.test(up.summary) && !!up.lines['extension:AbuseFilter'] && tables.text.includes('abuse_filter,') && up.served && afPage.status === 200,
  'an extension added at run time (wfLoadExtension AbuseFilter): the fingerprint changes, the updater creates its tables, extension:AbuseFilter is listed, Special:AbuseFilter answers',
  `${up.ms} ms; ${up.summary}; extension:AbuseFilter=${up.lines['extension:AbuseFilter']}; tables ${tables.text}; Special:AbuseFilter ${afPage.status} in ${afPage.ms} ms, ` +
  `h1 ${JSON.stringify(afPage.text.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1]?.replace(/<[^>]+>/g, '').trim())}`);
if (afPage.text.includes('⧼abusefilter⧽')) {
  info('Special:AbuseFilter shows ⧼abusefilter⧽: an extension added at run time has no messages, because the localisation cache was built at bundle time ' +
    '(cache/l10n, English, manualRecache) for the extensions enabled then, and the code tree is read-only at run time');
}
up = await runUpdater('updater (AbuseFilter, again)');
check(/nothing to update/.test(up.summary) && !!up.lines['extension:AbuseFilter'], 'and the next run finds nothing to update', `${up.ms} ms; ${up.summary}`);
writeSeedAndSettings(A.FS, []); // back to the plain settings file

// 8. Another site path: LocalSettings.playground.php sets $wgScriptPath (the worker
//    does when the site is not under /site); LocalSettings.php's hook moves
//    $wgResourceBasePath (unless the file set it) and the logos with it,
//    MediaWiki derives the rest. Two site paths, two forms of the file: the bare
//    minimum, and the worker's (src/profile/mediawiki.rs, which also sets
//    $wgResourceBasePath). Each path is new to the parser cache.
const urls = (html) => [...html.matchAll(/(?:href|src)="(\/[^"]*)"/g)].map((m) => decode(m[1]));
for (const [sitePath, settings] of [
  ['/wiki', "$wgScriptPath = '/wiki';"],
  ['/x/site', "$wgScriptPath = '/x/site';\n$wgResourceBasePath = $wgScriptPath;"],
]) {
  console.log(`--- the site served under ${sitePath}: LocalSettings.playground.php with ${settings.replace(/\n/g, ' ')}`);
  A.FS.writeFile(`${DOCROOT}/LocalSettings.playground.php`, `<?php\n$wgServer = 'http://localhost';\n${settings}\n`);
  const w = new Client(A.php, `A ${sitePath}`, { site: `http://localhost${sitePath}` });
  const wMain = await w.fetch(`${sitePath}/index.php`);
  const wSpecial = await w.fetch(`${sitePath}/index.php?title=Special:SpecialPages`);
  const wLogo = await w.fetch(`${sitePath}/resources/assets/change-your-logo.svg`);
  // Vector's logo is a CSS background from the skin's styles module.
  const wCss = await w.fetch(cssUrl.replace('/site/', `${sitePath}/`));
  const logoUrls = [...wCss.text.matchAll(/url\(([^)]*change-your-logo[^)]*)\)/g)].map((m) => m[1].replace(/["']/g, ''));
  const wUrls = [...urls(wMain.text), ...urls(wSpecial.text)];
  // ($wgFavicon's default is the origin's /favicon.ico, on any wiki.)
  const stray = wUrls.filter((u) => !u.startsWith(`${sitePath}/`) && u !== '/favicon.ico');
  const siteLeft = (text) => text.split('"/site/').length - 1;
  check(wMain.status === 200 && wMain.redirectedFrom?.location?.includes(`${sitePath}/index.php/Main_Page`) && wSpecial.status === 200 && wLogo.status === 200 &&
    wMain.text.includes(`${sitePath}/load.php?`) && logoUrls.length > 0 && logoUrls.every((u) => u.startsWith(`${sitePath}/resources/assets/`)) && stray.length === 0 &&
    siteLeft(wMain.text) + siteLeft(wSpecial.text) === 0,
    `under ${sitePath}: the redirect, links, load.php, the logo all under ${sitePath}/`,
    `main page ${wMain.status} (from ${wMain.redirectedFrom?.location}), Special:SpecialPages ${wSpecial.status}, logo ${wLogo.status}; ${wUrls.length} root-relative URLs, not under ${sitePath}/: ${stray.slice(0, 5).join(' ') || 'none'}; ` +
    `logo in the skin CSS: ${logoUrls.join(' ') || 'none'}; "/site/ in the pages: ${siteLeft(wMain.text) + siteLeft(wSpecial.text)}`);
}
writeSeedAndSettings(A.FS, []);

if (!skipExtra) {
  // ---------------------------------------------------------------- B and C: the SAME code arrays, no copy
  console.log('--- instances B and C: the SAME unzipped Uint8Arrays handed to both MEMFS without copying (B: FS.writeFile canOwn, C: nodes created directly)');
  const digest = () => { const h = crypto.createHash('sha1'); for (const [, b] of codeFiles) h.update(b); return h.digest('hex'); };
  const t0 = performance.now();
  const digestBefore = digest();
  const digestMs = ms(t0);
  const B = await freshRuntime();
  const shareB = writeCodeTree(B.FS, 'canOwn');
  writeSeedAndSettings(B.FS);
  const C = await freshRuntime();
  const shareC = writeCodeTree(C.FS, 'nodes');
  writeSeedAndSettings(C.FS);
  const probe = `${DOCROOT}/includes/Setup.php`;
  const unzipped = codeFiles.find(([n]) => n === 'includes/Setup.php')[1];
  const nodeB = B.FS.lookupPath(probe).node.contents;
  const nodeC = C.FS.lookupPath(probe).node.contents;
  const sameMemory = nodeB.buffer === unzipped.buffer && nodeC.buffer === unzipped.buffer && nodeB.byteOffset === unzipped.byteOffset;
  info(`B: boot ${B.bootMs} ms, hand over ${codeFiles.length} files with FS.writeFile canOwn ${shareB} ms; C: boot ${C.bootMs} ms, hand over by creating MEMFS nodes ${shareC} ms (copying with FS.writeFile took ${copyMs} ms on A)`);
  check(sameMemory, 'B and C MEMFS nodes are views of the very same unzipped ArrayBuffer (no copy)', `B ${nodeB === unzipped ? 'the same object' : 'a subarray view'}, C ${nodeC === unzipped ? 'the same object' : 'a view'}`);
  const b = new Client(B.php, 'B');
  const c = new Client(C.php, 'C');
  const rb = await b.fetch('/site/index.php/Main_Page', { follow: false });
  const rc = await c.fetch('/site/index.php/Main_Page', { follow: false });
  check(rb.status === 200 && rb.text.includes('Playground Wiki') && rc.status === 200 && rc.text.includes('Playground Wiki'),
    'main page on B and on C (shared code arrays)', `first request B ${rb.ms} ms, C ${rc.ms} ms`);
  // Log in and edit on C, then use B, then C again.
  r = await c.fetch('/site/index.php?title=Special:UserLogin');
  form = parseForm(r.text, 'wpLoginToken');
  r = await c.fetch(new URL(form.action, SITE).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpName: ADMIN.name, wpPassword: ADMIN.password, wploginattempt: 'Log in' }) });
  const cText = 'Edited on instance C, whose code arrays are shared with B.';
  r = await c.fetch('/site/index.php?title=Shared_test&action=edit');
  form = parseForm(r.text, 'wpEditToken');
  r = await c.fetch(new URL(form.action, SITE).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpTextbox1: cText, wpSummary: 'shared', wpSave: 'Save page' }) });
  const cRaw = await c.fetch('/site/index.php?title=Shared_test&action=raw');
  const bRaw = await b.fetch('/site/index.php?title=Shared_test&action=raw');
  const bMain = await b.fetch('/site/index.php?title=Main_Page', { follow: false });
  check(cRaw.text === cText && bRaw.status === 404 && bMain.status === 200, 'C logs in and edits; B keeps serving its own data',
    `C raw ${cRaw.status}, B raw ${bRaw.status} (B's DB is separate), B main page ${bMain.status} in ${bMain.ms} ms`);
  const laterB = []; const laterC = [];
  for (let i = 0; i < 3; i++) { laterB.push((await b.fetch('/site/index.php/Main_Page', { follow: false })).ms); laterC.push((await c.fetch('/site/index.php/Main_Page', { follow: false })).ms); }
  info(`later main page requests: B ${laterB.join(', ')} ms, C ${laterC.join(', ')} ms (A: ${later.join(', ')} ms)`);
  const writeTry = await C.php.run({ code: `<?php echo var_export(@file_put_contents('${DOCROOT}/index.php', 'x'), true), ' ', var_export(@fopen('${DOCROOT}/includes/Setup.php', 'r+'), true);` });
  check(writeTry.text === 'false false', 'PHP on C cannot write into a shared (read-only) code file', `file_put_contents, fopen r+ → ${writeTry.text}`);
  const t1 = performance.now();
  const digestAfter = digest();
  check(digestAfter === digestBefore, 'the shared code arrays are unchanged after requests and edits on B and C',
    `sha1 of all ${codeFiles.length} arrays ${digestAfter.slice(0, 12)}…, ${digestMs}+${ms(t1)} ms to hash`);
  const mem = process.memoryUsage();
  info(`node process now: rss ${(mem.rss / 1048576).toFixed(0)} MiB, arrayBuffers ${(mem.arrayBuffers / 1048576).toFixed(0)} MiB (A holds a private copy of the code, B and C share the unzipped arrays)`);

  // ---------------------------------------------------------------- a restart: A's data on a fresh instance
  console.log('--- instance F: a "restart" — fresh runtime, shared code, /persist/data + images/ copied from A, the same cookie jar');
  const F = await freshRuntime();
  const tf = performance.now();
  writeCodeTree(F.FS, 'nodes');
  const aData = [...Object.keys(listTree(A.FS, '/persist')), ...Object.keys(listTree(A.FS, `${DOCROOT}/images`))]
    .map((p) => [p, A.FS.readFile(p)]);
  writeSeedAndSettings(F.FS, aData);
  const restoreMs = ms(tf);
  const f = new Client(F.php, 'F');
  f.jar = new Map(a.jar);
  r = await f.fetch('/site/index.php?title=Playground_test');
  const fImg = await f.fetch('/site/images/4/47/Playground_test.png');
  check(r.status === 200 && r.text.includes('"wgUserName":"Admin"') && r.text.includes('ParserFunctions work') && Buffer.from(fImg.bytes).equals(Buffer.from(png)),
    'after a "restart" the user is still logged in, the edit and the upload are there',
    `code + ${aData.length} data files in ${restoreMs} ms (${aData.map(([p]) => p).join(', ')}); first request ${r.ms} ms`);

  // ---------------------------------------------------------------- update.php
  console.log('--- maintenance/update.php without php.cli()');
  // (a) In the live web-SAPI instance: run-updater.php, checked above (section 7).
  // (b) The real maintenance/update.php via php.run on an instance whose SAPI is set to "cli".
  const D = await freshRuntime({ sapiName: 'cli' });
  writeCodeTree(D.FS, 'nodes');
  const liveData = Object.entries(listTree(A.FS, '/persist')).map(([p]) => [p, A.FS.readFile(p)]);
  writeSeedAndSettings(D.FS, liveData);
  t = performance.now();
  let run = await withTimeout(D.php.run({ code: `<?php
    $argv = $_SERVER['argv'] = ['${DOCROOT}/maintenance/update.php', '--quick'];
    $argc = $_SERVER['argc'] = count($argv);
    require '${DOCROOT}/maintenance/update.php';
  ` }), 'D update.php');
  const dMs = ms(t);
  check(run.exitCode === 0 && /Done in/.test(run.text), 'maintenance/update.php via php.run({code}) with setSapiName("cli") and $argv',
    `${dMs} ms, exit ${run.exitCode}; tail: ${run.text.trim().split('\n').slice(-2).join(' | ')}${run.errors ? ` stderr: ${run.errors.slice(0, 300)}` : ''}`);
  const again = await D.php.run({ code: '<?php echo "still usable ", PHP_SAPI;' });
  info(`D after update.php: php.run → "${again.text}" (exit ${again.exitCode})`);
  try {
    const d = new Client(D.php, 'D');
    r = await d.fetch('/site/index.php/Main_Page', { follow: false });
    info(`D (SAPI "cli") serving a web request: status ${r.status}, ${r.ms} ms, ${r.text.includes('Playground Wiki') ? 'the wiki page' : r.text.slice(0, 200).replace(/\s+/g, ' ')}`);
  } catch (error) { info(`D (SAPI "cli") serving a web request: ${error.message}`); }
  // (c) php.run of update.php on a plain web-SAPI instance, for the record.
  const E = await freshRuntime();
  writeCodeTree(E.FS, 'nodes');
  writeSeedAndSettings(E.FS);
  try {
    run = await withTimeout(E.php.run({ code: `<?php $argv = $_SERVER['argv'] = ['update.php', '--quick']; $argc = 2; require '${DOCROOT}/maintenance/update.php';` }), 'E update.php');
  } catch (error) { run = error.response ?? { exitCode: '?', text: error.message, errors: '' }; }
  info(`update.php via php.run on a web-SAPI (PHP_SAPI "wasm") instance: exit ${run.exitCode}, ${(run.text + run.errors).trim().slice(0, 160).replace(/\s+/g, ' ')}`);

  // ---------------------------------------------------------------- mail()
  console.log('--- mail() (C-level popen of sendmail, not covered by disable_functions)');
  A.FS.writeFile(`${DOCROOT}/mail-test.php`, "<?php var_dump(mail('nobody@example.com', 'test', 'body'));");
  try {
    r = await Promise.race([a.fetch('/site/mail-test.php'), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer after 10 s')), 10_000))]);
    info(`mail() with the default sendmail_path: status ${r.status} in ${r.ms} ms: ${(r.text + r.errors).trim().slice(0, 160).replace(/\s+/g, ' ')}`);
  } catch (error) {
    info(`mail() with the default sendmail_path: ${error.message} — it HANGS (hence $wgEnableEmail = false)`);
  }
}

console.log(failures ? `FAILED: ${failures} check(s)` : 'ALL PASS');
process.exit(failures ? 1 : 0);
