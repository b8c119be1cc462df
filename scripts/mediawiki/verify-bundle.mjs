// Verifies target/mediawiki/mediawiki-bundle.zip exactly as the worker's
// `mediawiki` profile will boot it, on FRESH PHP 8.3 wasm instances (node):
// unzip (fflate), web root -> /www/mediawiki, each .playground/seed/<path> -> /<path>,
// LocalSettings.playground.php, disable_functions + intl, a PHPRequestHandler with
// cookieStore: false and our own cookie jar. Then: main page, login, edit, upload,
// popen, timings; the code tree handed to more instances WITHOUT copying
// (MEMFS canOwn); and ways to run maintenance/update.php.
//
//   node scripts/mediawiki/verify-bundle.mjs [--bundle FILE] [--tools DIR] [--skip-extra]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const bundlePath = path.resolve(option('bundle', path.join(repo, 'target/mediawiki/mediawiki-bundle.zip')));
const tools = path.resolve(option('tools', path.join(repo, 'target/mediawiki/tools')));
const skipExtra = args.includes('--skip-extra');

const { unzipSync } = createRequire(import.meta.url)('fflate'); // the project's node_modules
const { loadNodeRuntime } = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/node/index.js')).href);
const { PHP, PHPRequestHandler, setPhpIniEntries, __private__dont__use } =
  await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/universal/index.js')).href);

const DOCROOT = '/www/mediawiki';
const SITE = 'http://localhost/site';
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
for (const [name, bytes] of Object.entries(entries)) {
  if (name.endsWith('/')) continue;
  if (name.startsWith('.playground/seed/')) seedFiles.push([name.slice('.playground/seed'.length), bytes]);
  else if (!name.startsWith('.playground/')) codeFiles.push([name, bytes]);
}
const codeBytes = codeFiles.reduce((n, [, b]) => n + b.length, 0);
info(`bundle ${path.relative(repo, bundlePath)}: ${zipBytes.length} bytes; read ${readMs} ms; fflate unzipSync ${unzipMs} ms; ` +
  `${codeFiles.length} web-root files (${(codeBytes / 1048576).toFixed(1)} MiB), ${seedFiles.length} seed files: ${seedFiles.map(([p, b]) => `${p} (${b.length} B)`).join(', ')}`);

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
  const dirs = new Map();
  const dirNode = (dir) => {
    let node = dirs.get(dir);
    if (!node) {
      FS.mkdirTree(dir);
      node = FS.lookupPath(dir).node;
      dirs.set(dir, node);
    }
    return node;
  };
  for (const [name, bytes] of codeFiles) {
    const full = `${DOCROOT}/${name}`;
    const slash = full.lastIndexOf('/');
    const parent = dirNode(full.slice(0, slash));
    if (mode === 'nodes') {
      const node = parent.node_ops.mknod(parent, full.slice(slash + 1), 0o100444, 0);
      node.contents = bytes;
      node.usedBytes = bytes.length;
    } else {
      FS.writeFile(full, bytes, mode === 'canOwn' ? { canOwn: true } : undefined);
    }
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

function withTimeout(promise, label) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${label}: no answer after ${REQUEST_TIMEOUT_MS / 1000} s (hang)`)), REQUEST_TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

// A browser in miniature: its own cookie jar (cookieStore: false in the handler), redirects followed by hand.
class Client {
  constructor(php, label) {
    this.label = label;
    this.handler = new PHPRequestHandler({ php, documentRoot: DOCROOT, absoluteUrl: SITE, cookieStore: false });
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
      const next = await this.fetch(new URL(location, `${SITE}/`).href, { follow });
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

const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function attrsOf(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1].toLowerCase()] = decode(m[3] ?? m[4]);
  return out;
}
/** The form containing `marker` (an input name): its action and every hidden input. */
function parseForm(html, marker) {
  for (const m of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    if (!m[0].includes(`name="${marker}"`)) continue;
    const form = attrsOf(m[0].match(/<form\b[^>]*>/)[0]);
    const hidden = {};
    for (const input of m[0].matchAll(/<input\b[^>]*>/g)) {
      const a = attrsOf(input[0]);
      if (a.type === 'hidden' && a.name) hidden[a.name] = a.value ?? '';
    }
    return { action: form.action, hidden };
  }
  return null;
}
const urlencoded = (fields) => new TextEncoder().encode(new URLSearchParams(fields).toString());
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
writeSeedAndSettings(A.FS);
info(`A: boot ${A.bootMs} ms; copy ${codeFiles.length} files into MEMFS ${copyMs} ms (+ unzip ${unzipMs} ms once per bundle)`);
const before = watch(A.FS);
const a = new Client(A.php, 'A');

// 1. The main page.
// MediaWiki answers a bare index.php with a 301 to the canonical article URL
// (/site/index.php/Main_Page, $wgArticlePath with PATH_INFO), as on any wiki.
let r = await a.fetch('/site/index.php');
const firstMs = r.ms;
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
let form = parseForm(r.text, 'wpLoginToken');
if (!form) fail('login form', `no form with wpLoginToken (status ${r.status})`);
else {
  r = await a.fetch(new URL(form.action, SITE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpName: ADMIN.name, wpPassword: ADMIN.password, wploginattempt: 'Log in' }),
  });
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
form = parseForm(r.text, 'wpEditToken');
if (!form || !form.hidden.wpEditToken || form.hidden.wpEditToken === '+\\') fail('edit form', `no logged-in edit token (status ${r.status})`);
else {
  r = await a.fetch(new URL(form.action, SITE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencoded({ ...form.hidden, wpTextbox1: pageText, wpSummary: 'verify-bundle', wpSave: 'Save page' }),
  });
  check(r.redirectedFrom?.status === 302 && r.status === 200 && r.text.includes('ParserFunctions work'), 'save an edit through the edit form',
    `POST → ${r.redirectedFrom?.status} (${r.redirectedFrom?.ms} ms), page ${r.status} (${r.ms - (r.redirectedFrom?.ms ?? 0)} ms)`);
  r = await a.fetch('/site/index.php?title=Playground_test&action=raw');
  check(r.status === 200 && r.text === pageText, 'read the saved wikitext back (action=raw)', `${r.text.length} chars`);
}

// 4. Upload a PNG through Special:Upload, fetch it back byte for byte.
const png = makePng(16, 16);
r = await a.fetch('/site/index.php?title=Special:Upload');
form = parseForm(r.text, 'wpUploadFile');
if (!form) fail('upload form', `no upload form (status ${r.status}): ${r.text.match(/<h1[^>]*>[\s\S]*?<\/h1>/)?.[0] ?? ''}`);
else {
  const { body, contentType } = multipart({
    ...form.hidden, wpSourceType: 'file', wpDestFile: 'Playground_test.png',
    wpUploadDescription: 'A 16×16 test image from verify-bundle.mjs', wpLicense: '', wpIgnoreWarning: '1', wpUpload: 'Upload file',
  }, { field: 'wpUploadFile', name: 'Playground_test.png', type: 'image/png', bytes: png });
  r = await a.fetch(new URL(form.action, SITE).href, { method: 'POST', headers: { 'content-type': contentType }, body });
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
  // (a) In the live web-SAPI instance A: bootstrap MediaWiki and run the updater directly.
  t = performance.now();
  const updaterCode = fs.readFileSync(path.join(repo, 'scripts/mediawiki/run-updater.php'), 'utf8');
  let run = await withTimeout(A.php.run({ code: updaterCode }), 'A update');
  const inPlaceMs = ms(t);
  r = await a.fetch('/site/index.php?title=Playground_test');
  const applied = run.text.split('\n').filter((l) => /^(Modifying|Adding|Renaming|Dropping|Creating)/.test(l));
  check(run.text.includes('UPDATE-DONE') && r.status === 200 && r.text.includes('ParserFunctions work') && r.text.includes('"wgUserName":"Admin"'),
    'updater in the LIVE web-SAPI instance A (php.run of scripts/mediawiki/run-updater.php), which then still serves, still logged in',
    `${inPlaceMs} ms, exit ${run.exitCode}, ${applied.length} patches applied, last line "${run.text.trim().split('\n').pop()}"${run.errors ? ` stderr: ${run.errors.slice(0, 300)}` : ''}; next page ${r.status} in ${r.ms} ms`);
  t = performance.now();
  run = await withTimeout(A.php.run({ code: updaterCode }), 'A update again');
  info(`updater again on A: ${ms(t)} ms, ${run.text.includes('UPDATE-DONE') ? 'UPDATE-DONE' : run.text.slice(0, 200)}`);
  // (b) The real maintenance/update.php via php.run on an instance whose SAPI is set to "cli".
  const D = await freshRuntime({ sapiName: 'cli' });
  writeCodeTree(D.FS, 'nodes');
  const liveData = Object.entries(listTree(A.FS, '/persist')).map(([p]) => [p, A.FS.readFile(p)]);
  writeSeedAndSettings(D.FS, liveData);
  t = performance.now();
  run = await withTimeout(D.php.run({ code: `<?php
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
