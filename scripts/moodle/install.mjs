// Installs Moodle ONCE on PHP 8.3 wasm in node and keeps the install snapshot:
// the DB and the data directory with warm caches (the compiled Boost CSS, the
// JS, the strings), as the worker's `moodle` profile will find them at boot.
//
//   node install.mjs --webroot DIR --seed-files DIR --tools DIR --raw-out DIR --seed-out DIR [--reuse-raw]
//
// 1. install: admin/cli/install_database.php through php.cli() on a throwaway
//    instance (php.cli leaves an instance unusable), opcache off, the code tree in
//    MEMFS at /www/moodle, the data in MEMFS at /persist/moodledata, the project's
//    seed files at their absolute paths (the preload files, install-check.php,
//    openssl.cnf). The raw result goes to --raw-out (--reuse-raw skips this stage
//    when it is there: the install is 2.5 min of CPU).
// 2. warm: a FRESH instance gets the tree + the raw result and serves the pages
//    a visitor meets first, as a browser would (front page, login, dashboard, a
//    course list, the theme CSS and the JS they link); then the sessions made by
//    warming are deleted and the DB checked.
// 3. the seed: /persist/moodledata as it is then, to --seed-out/persist/moodledata.
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN, BUILD_SITE, DATAROOT, DB_FILE, DOCROOT, Client, configPhp, freshPhp, loadTools,
  readFsTree, readHostTree, snippet, titleOf, writeFsTree,
} from './harness.mjs';

const opts = parseArgs(process.argv.slice(2));
const tools = await loadTools(path.resolve(opts.tools));
const ms = (t) => Math.round(performance.now() - t);
const log = (s) => console.log(`[install] ${s}`);
const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

let t = performance.now();
const code = readHostTree(path.resolve(opts.webroot));
const seedFiles = readHostTree(path.resolve(opts['seed-files'])); // [absolute path without '/', bytes]
log(`read the web root: ${code.length} files (${MiB(code.reduce((n, [, b]) => n + b.length, 0))}) in ${ms(t)} ms; ${seedFiles.length} project seed files`);

async function instance() {
  const it = await freshPhp(tools);
  const t0 = performance.now();
  writeFsTree(it.FS, DOCROOT, code);
  writeFsTree(it.FS, '', seedFiles);
  it.FS.writeFile(`${DOCROOT}/config.php`, configPhp(BUILD_SITE));
  it.FS.mkdirTree(DATAROOT);
  it.FS.mkdirTree('/tmp');
  it.treeMs = ms(t0);
  return it;
}

// ------------------------------------------------------------------ 1. install
const rawOut = path.resolve(opts['raw-out']);
let raw;
if (opts['reuse-raw'] && fs.existsSync(path.join(rawOut, 'done'))) {
  raw = readHostTree(path.join(rawOut, 'moodledata'));
  log(`install: reusing ${rawOut} (${raw.length} files)`);
} else {
  t = performance.now();
  const I = await instance();
  log(`install: instance ready in ${I.bootMs} ms + ${I.treeMs} ms to write the tree`);
  const argv = ['php', `${DOCROOT}/admin/cli/install_database.php`, '--agree-license', '--lang=en',
    `--adminuser=${ADMIN.username}`, `--adminpass=${ADMIN.password}`, `--adminemail=${ADMIN.email}`,
    '--fullname=Moodle Playground', '--shortname=Playground', '--summary=A Moodle 4.5 site running in your browser.'];
  const heartbeat = setInterval(() => log(`  … ${Math.round(ms(t) / 1000)} s, PHP linear memory ${MiB(I.php[tools.__private__dont__use].HEAPU8.length)}`), 30_000);
  let response;
  try {
    response = await I.php.cli(argv);
  } finally { clearInterval(heartbeat); }
  const [stdout, stderr, exitCode] = await Promise.all([response.stdoutText, response.stderrText, response.exitCode]);
  const tail = stdout.trim().split('\n');
  fs.mkdirSync(rawOut, { recursive: true });
  fs.writeFileSync(path.join(rawOut, 'install-output.txt'), `${stdout}\n--- stderr\n${stderr}\n--- exit ${exitCode}\n`);
  if (exitCode !== 0 || !/Installation completed successfully/.test(stdout)) {
    console.error(`[install] install_database.php failed (exit ${exitCode}) after ${ms(t)} ms; last lines:\n${tail.slice(-40).join('\n')}\n--- stderr\n${stderr.slice(-4000)}`);
    console.error(`[install] full output: ${path.join(rawOut, 'install-output.txt')}`);
    process.exit(1);
  }
  const warnings = stdout.split('\n').filter((l) => /warning|notice|debugging|error/i.test(l));
  raw = readFsTree(I.FS, DATAROOT);
  log(`install: install_database.php OK in ${ms(t)} ms; ${tail.length} lines of output, ${warnings.length} with warning/notice/error${warnings.length ? ` (first: ${warnings.slice(0, 3).join(' | ').slice(0, 400)})` : ''}`);
  log(`install: PHP linear memory after it ${MiB(I.php[tools.__private__dont__use].HEAPU8.length)}; ${DATAROOT}: ${raw.length} files, ${MiB(raw.reduce((n, [, b]) => n + b.length, 0))}`);
  fs.rmSync(path.join(rawOut, 'moodledata'), { recursive: true, force: true });
  for (const [name, bytes] of raw) {
    fs.mkdirSync(path.dirname(path.join(rawOut, 'moodledata', name)), { recursive: true });
    fs.writeFileSync(path.join(rawOut, 'moodledata', name), bytes);
  }
  fs.writeFileSync(path.join(rawOut, 'done'), `${new Date().toISOString()}\n`);
}

// ------------------------------------------------------------------ 2. warm
t = performance.now();
const W = await instance();
writeFsTree(W.FS, DATAROOT, raw);
const browser = new Client(tools, W.php, { site: BUILD_SITE, label: 'warm' });
const timings = [];
async function visit(label, url, options) {
  const r = await browser.fetch(url, options);
  timings.push(`${label} ${r.status} ${r.ms} ms`);
  log(`  warm: ${label} → ${r.status} in ${r.ms} ms`);
  if (r.status >= 400) throw new Error(`warm-up ${label} (${url}): status ${r.status}: ${snippet(r.text)} ${r.errors ?? ''}`);
  return r;
}
let r = await visit('front page (first after install)', '');
if (!/Moodle Playground/.test(r.text)) throw new Error(`the front page is not the site's: ${titleOf(r.text)} ${snippet(r.text)}`);
const assets = (html) => [...new Set([...html.matchAll(/(?:href|src)="([^"]*\/(?:theme\/styles\.php|lib\/requirejs\.php|lib\/javascript\.php|theme\/yui_combo\.php|theme\/font\.php|theme\/image\.php)[^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&')))];
async function warmAssets(html, label) {
  for (const url of assets(html)) {
    const a = await visit(`${label}: ${url.replace(BUILD_SITE, '').slice(0, 70)}`, url, { timeoutMs: 600_000 });
    if (/styles\.php/.test(url)) log(`  CSS ${url.replace(BUILD_SITE, '')}: ${a.bytes.length} bytes in ${a.ms} ms`);
  }
}
await warmAssets(r.text, 'front page');
r = await visit('front page again', '');
const login = await browser.login(ADMIN.username, ADMIN.password);
timings.push(`login POST ${login.status} ${login.postMs} ms (→ ${login.url.replace(BUILD_SITE, '')})`);
if (!browser.jar.has('MoodleSession') || /login\/index\.php/.test(login.url)) throw new Error(`admin login failed: ended at ${login.url}: ${snippet(login.text)}`);
r = await visit('after login', login.url);
await warmAssets(r.text, 'dashboard');
for (const [label, url] of [['dashboard', 'my/'], ['my courses', 'my/courses.php'], ['course index', 'course/index.php'],
  ['front page (admin)', '?redirect=0'], ['site administration', 'admin/search.php'], ['new course form', 'course/edit.php?category=1'],
  ['user profile', 'user/profile.php'], ['calendar', 'calendar/view.php?view=month']]) {
  r = await visit(label, url);
  await warmAssets(r.text, label);
}
log(`warm: ${ms(t)} ms on a fresh instance (boot ${W.bootMs} ms, tree ${W.treeMs} ms): ${timings.join('; ')}`);

// The ad-hoc tasks the install queued (build_installed_themes_task alone
// takes ~15 s), run here once through Moodle's own task runner: otherwise
// every new site would run them in its first idle cron slice, and a request
// arriving then would wait for them.
const tasksStarted = performance.now();
r = await W.php.run({ code: `<?php
  define('CLI_SCRIPT', true);
  require '${DOCROOT}/config.php';
  \\core\\cron::setup_user();
  $ran = [];
  ob_start();
  while (count($ran) < 50 && ($task = \\core\\task\\manager::get_next_adhoc_task(time()))) {
      $ran[] = get_class($task);
      \\core\\cron::run_inner_adhoc_task($task);
  }
  ob_end_clean();
  echo 'ran: ', implode(', ', $ran) ?: 'none', '; still queued: ', $DB->count_records('task_adhoc');` });
log(`ad-hoc tasks of the install: ${r.text}${r.errors ? ` ${r.errors}` : ''} in ${ms(tasksStarted)} ms`);
if (!/still queued: 0/.test(r.text)) { console.error('[install] the install\'s ad-hoc tasks did not all run'); process.exit(1); }

// The warm-up's sessions are not part of the snapshot; the DB must be sound.
r = await W.php.run({ code: `<?php
  $db = new PDO('sqlite:${DB_FILE}');
  $db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
  $sessions = $db->exec('DELETE FROM mdl_sessions');
  $tables = $db->query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'mdl_%'")->fetchColumn();
  $mode = $db->query('PRAGMA journal_mode')->fetchColumn();
  $ok = $db->query('PRAGMA integrity_check')->fetchColumn();
  $db->exec('VACUUM');
  $db = null;
  echo "sessions deleted: $sessions; tables: $tables; journal_mode: $mode; integrity: $ok";` });
log(`db: ${r.text}${r.errors ? ` ${r.errors}` : ''}`);
if (!/integrity: ok/.test(r.text)) { console.error('[install] the DB is not sound'); process.exit(1); }

// ------------------------------------------------------------------ 3. the seed
const placeholder = new TextEncoder().encode(new URL(BUILD_SITE).pathname);
const holdsBuildPath = (bytes) => Buffer.from(bytes).includes(placeholder);
// Left out: the warm-up's sessions, and MUC cache entries that hold the build
// path (Moodle rebuilds a missing entry with the site's real URL; the theme CSS,
// which is slow to rebuild, is rewritten by install-check.php instead).
const dropped = [];
const data = readFsTree(W.FS, DATAROOT).filter(([name, bytes]) => {
  const drop = /^sessions\//.test(name) || (/^cache\//.test(name) && holdsBuildPath(bytes));
  if (drop) dropped.push(name);
  return !drop;
});
const leftovers = data.filter(([name]) => /-(journal|wal|shm)$/.test(name)).map(([n]) => n);
if (leftovers.length) { console.error(`[install] journal files left in ${DATAROOT}: ${leftovers.join(', ')}`); process.exit(1); }
const holding = data.filter(([, bytes]) => holdsBuildPath(bytes)).map(([n]) => n);
log(`seed: left out ${dropped.length} files: ${dropped.join(', ').slice(0, 600)}`);
const seedOut = path.resolve(opts['seed-out']);
fs.rmSync(path.join(seedOut, DATAROOT.slice(1)), { recursive: true, force: true });
for (const [name, bytes] of data) {
  const file = path.join(seedOut, DATAROOT.slice(1), name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}
const byTop = {};
for (const [name, bytes] of data) { const top = name.split('/')[0]; byTop[top] = (byTop[top] ?? 0) + bytes.length; }
log(`seed: ${data.length} files, ${MiB(data.reduce((n, [, b]) => n + b.length, 0))} under ${DATAROOT}: ${Object.entries(byTop).map(([k, v]) => `${k} ${MiB(v)}`).join(', ')}`);
log(`seed: files holding the build path ${new URL(BUILD_SITE).pathname}: ${holding.length}: ${holding.slice(0, 12).join(', ')}${holding.length > 12 ? ' …' : ''}`);
fs.writeFileSync(path.join(path.dirname(rawOut), 'placeholder-files.txt'), holding.join('\n') + '\n');
process.exit(0);

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    if (!list[i].startsWith('--')) throw new Error(`unexpected argument ${list[i]}`);
    const key = list[i].slice(2);
    if (key === 'reuse-raw') out[key] = true;
    else out[key] = list[++i];
  }
  for (const key of ['webroot', 'seed-files', 'tools', 'raw-out', 'seed-out']) {
    if (!out[key]) { console.error(`install.mjs: --${key} is required`); process.exit(2); }
  }
  return out;
}
