// Used by install.mjs: PHP 8.3 wasm instances in node
// laid out as the worker's `moodle45` profile lays them out, and a small browser
// (cookie jar, redirects, forms) to drive Moodle through its request handler.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { decode, parseForm, urlencoded } from '../lib/html-form.mjs';

export { parseForm, urlencoded };

export const DOCROOT = '/www/moodle';
export const DATAROOT = '/persist/moodledata';
export const DB_FILE = `${DATAROOT}/moodle_playground_php83.sq3.php`;
// The site path Moodle is installed under at build time: a placeholder found
// nowhere else, so what the caches keep of it can be found (install-check.php
// rewrites it in the compiled theme CSS at every boot).
export const BUILD_SITE = 'http://localhost/__moodle_playground_build__';
export const ADMIN = { username: 'admin', password: 'Playground-admin-1', email: 'admin@example.com' };
// What the profile must set for Moodle (besides the paths in config.php): the
// same at build time and in the worker.
export const INI = {
  disable_functions: 'proc_open,popen,exec,shell_exec,system,passthru',
  max_input_vars: '5000',          // Moodle's environment check fails at the default 1000
  'opcache.enable_cli': '0',       // the CLI installer dies at 384 MB of PHP memory with opcache on
  memory_limit: '512M',
  post_max_size: '64M',
  upload_max_filesize: '64M',
};

/**
 * config.php exactly as the worker's `moodle45` profile writes it at every boot:
 * the template both read (src/profile/moodle45-config.php) with this site's URL.
 */
export function configPhp(wwwroot) {
  const template = fs.readFileSync(new URL('../../src/profile/moodle45-config.php', import.meta.url), 'utf8');
  const values = { wwwroot: wwwroot.replace(/\/+$/, ''), dataroot: DATAROOT, db_file: DB_FILE };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`moodle45-config.php: unknown placeholder {{${key}}}`);
    return phpString(values[key]);
  });
}

export const phpString = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function loadTools(tools) {
  const node = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/node/index.js')).href);
  const universal = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/universal/index.js')).href);
  return { ...node, ...universal };
}

let nextProcessId = 1;
export async function freshPhp(tools, { ini = INI } = {}) {
  const t0 = performance.now();
  const php = new tools.PHP(await tools.loadNodeRuntime('8.3', { extensions: ['intl'], emscriptenOptions: { processId: nextProcessId++ } }));
  await tools.setPhpIniEntries(php, ini); // before the first request: popen() would hang forever
  return { php, FS: php[tools.__private__dont__use].FS, bootMs: Math.round(performance.now() - t0) };
}

/** Every file under a host folder: [[relative path, bytes]]. */
export function readHostTree(dir, prefix = '', out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) readHostTree(full, `${prefix}${entry.name}/`, out);
    else if (entry.isFile()) out.push([prefix + entry.name, new Uint8Array(fs.readFileSync(full))]);
  }
  return out;
}

/** Every file under `dir` in an Emscripten FS: [[relative path, bytes]]. */
export function readFsTree(FS, dir, prefix = '', out = []) {
  if (!FS.analyzePath(dir).exists) return out;
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = `${dir}/${name}`;
    if (FS.isDir(FS.stat(full).mode)) readFsTree(FS, full, `${prefix}${name}/`, out);
    else out.push([prefix + name, FS.readFile(full)]);
  }
  return out;
}

/** Writes [[relative path, bytes]] under `dir`; `onlyMissing` keeps files that exist (the worker's seed rule). */
export function writeFsTree(FS, dir, files, { onlyMissing = false } = {}) {
  const made = new Set();
  for (const [name, bytes] of files) {
    const full = `${dir}/${name}`.replace(/\/+/g, '/');
    const parent = full.slice(0, full.lastIndexOf('/'));
    if (!made.has(parent)) { FS.mkdirTree(parent); made.add(parent); }
    if (onlyMissing && FS.analyzePath(full).exists) continue;
    FS.writeFile(full, bytes);
  }
}

export function withTimeout(promise, label, ms = 300_000) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${label}: no answer after ${ms / 1000} s (hang)`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** A browser in miniature: its own cookie jar, redirects followed by hand. */
export class Client {
  constructor(tools, php, { site, label = 'client' }) {
    this.site = site.replace(/\/+$/, '');
    this.label = label;
    this.handler = new tools.PHPRequestHandler({ php, documentRoot: DOCROOT, absoluteUrl: this.site, cookieStore: false });
    this.jar = new Map();
  }

  url(u) { return new URL(u, `${this.site}/`).href; }

  async fetch(u, { method = 'GET', headers = {}, body, follow = true, timeoutMs = 300_000 } = {}) {
    const t0 = performance.now();
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const url = this.url(u);
    const response = await withTimeout(this.handler.request({ method, url, body, headers: { ...(cookie ? { cookie } : {}), ...headers } }),
      `${this.label} ${method} ${url}`, timeoutMs);
    const ms = Math.round(performance.now() - t0);
    for (const line of response.headers['set-cookie'] ?? []) this.storeCookie(line);
    const location = response.headers.location?.[0];
    if (follow && location && response.httpStatusCode >= 300 && response.httpStatusCode < 400) {
      const next = await this.fetch(location, { follow, timeoutMs });
      return { ...next, redirects: [{ status: response.httpStatusCode, location, ms }, ...(next.redirects ?? [])], ms: ms + next.ms, firstMs: ms };
    }
    return { status: response.httpStatusCode, headers: response.headers, bytes: response.bytes, text: response.text, errors: response.errors, ms, url, location };
  }

  storeCookie(line) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v = ''] = a.split('=').map((s) => s.trim());
      if (/^max-age$/i.test(k)) return Number(v) <= 0;
      if (/^expires$/i.test(k)) return Date.parse(v) < Date.now();
      return false;
    });
    if (expired || value === 'deleted' || value === '') this.jar.delete(name);
    else this.jar.set(name, value);
  }

  /** Logs in through login/index.php (the real form with its logintoken). */
  async login(username, password) {
    const page = await this.fetch('login/index.php');
    const form = parseForm(page.text, 'logintoken');
    if (!form) throw new Error(`${this.label}: no login form (status ${page.status}): ${snippet(page.text)}`);
    const t0 = performance.now();
    const r = await this.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: urlencoded({ ...form.fields, username, password }) });
    return { ...r, postMs: r.firstMs ?? r.ms, totalMs: Math.round(performance.now() - t0), formMs: page.ms };
  }
}

export const snippet = (text, n = 300) => (text ?? '').replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, n);
export const titleOf = (html) => decode(html.match(/<title>([\s\S]*?)<\/title>/)?.[1]?.trim() ?? '');
