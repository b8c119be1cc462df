// Runs MediaWiki's CLI installer ONCE on a throwaway PHP 8.3 wasm instance and
// keeps what it produced: LocalSettings.php (installer's text + the playground
// additions + the hook for LocalSettings.playground.php) and the install
// snapshot of /persist/data (WAL checkpointed into each DB, so the seed is
// self-contained).
//
//   node install.mjs --webroot DIR --additions FILE --updater FILE --seed-out DIR --tools DIR
//
// The web root is mounted (NODEFS) at /www/mediawiki, the data dir is MEMFS at
// /persist/data — the paths the worker's `mediawiki` profile uses.
// `php.cli()` leaves an instance unusable, so the installer gets a throwaway
// instance; the other maintenance scripts run with php.run() on a second one
// whose SAPI name is "cli" (MediaWiki's maintenance runner insists on it).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const opts = parseArgs(process.argv.slice(2));
const webroot = path.resolve(opts.webroot);
const seedOut = path.resolve(opts['seed-out']);
const tools = path.resolve(opts.tools);
const { loadNodeRuntime, createNodeFsMountHandler } = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/node/index.js')).href);
const { PHP, setPhpIniEntries, __private__dont__use } = await import(pathToFileURL(path.join(tools, 'node_modules/@php-wasm/universal/index.js')).href);

const DOCROOT = '/www/mediawiki';
const DATA = '/persist/data';
const CONF = '/tmp/mw-conf';
const INI = { disable_functions: 'proc_open,popen,exec,shell_exec,system,passthru' };
// Extensions enabled by the installer: the ones that work offline with no
// external program. In the tree but NOT enabled (wfLoadExtension them to try):
// VisualEditor (needs Parsoid/REST setup), Math (calls an external rendering
// service), SpamBlacklist (fetches a list from meta.wikimedia.org),
// AbuseFilter, ConfirmEdit, OATHAuth, TitleBlacklist (they get in the way of a playground).
const EXTENSIONS = [
  'CategoryTree', 'Cite', 'CiteThisPage', 'CodeEditor', 'Gadgets', 'ImageMap', 'InputBox',
  'Interwiki', 'MultimediaViewer', 'Nuke', 'PageImages', 'ParserFunctions', 'Poem',
  'Renameuser', 'ReplaceText', 'SecureLinkFixer', 'TemplateData', 'TextExtracts', 'WikiEditor',
];

const ms = (t) => `${Math.round(performance.now() - t)} ms`;

async function freshPhp({ sapiName } = {}) {
  const php = new PHP(await loadNodeRuntime('8.3', { extensions: ['intl'], emscriptenOptions: { processId: 1 } }));
  if (sapiName) await php.setSapiName(sapiName); // only possible before the first request
  await setPhpIniEntries(php, INI); // before the first request: popen() would hang forever
  php.mkdir(DOCROOT);
  await php.mount(DOCROOT, createNodeFsMountHandler(webroot));
  php.mkdir(DATA);
  php.mkdir('/tmp');
  return php;
}

// 1. The installer, on a throwaway instance.
let t = performance.now();
const installer = await freshPhp();
installer.mkdir(CONF);
const argv = [
  'php', `${DOCROOT}/maintenance/install.php`,
  '--dbtype=sqlite', `--dbpath=${DATA}`, '--dbname=my_wiki',
  '--server=http://localhost', '--scriptpath=/site', '--lang=en',
  '--pass=playground-admin-1', `--confpath=${CONF}`,
  `--extensions=${EXTENSIONS.join(',')}`,
  'Playground Wiki', 'Admin',
];
const response = await installer.cli(argv);
const [stdout, stderr, exitCode] = await Promise.all([response.stdoutText, response.stderrText, response.exitCode]);
process.stdout.write(prefixLines('[install.php] ', stdout) + prefixLines('[install.php stderr] ', stderr));
const FS = installer[__private__dont__use].FS;
if (exitCode !== 0 || !FS.analyzePath(`${CONF}/LocalSettings.php`).exists) {
  console.error(`[install] install.php failed (exit code ${exitCode})`);
  process.exit(1);
}
const installerSettings = FS.readFile(`${CONF}/LocalSettings.php`, { encoding: 'utf8' });
const dataFiles = readTree(FS, DATA);
console.log(`[install] install.php: ${ms(t)}; /persist/data after it: ${describe(dataFiles)}`);

// 2. LocalSettings.php = the installer's + the playground's additions + the per-boot hook.
//    The hook is LocalSettings.php's last statement, so the worker's file wins.
//    The installer wrote `$wgResourceBasePath = $wgScriptPath;` and `$wgLogos`
//    from it near the top: when the worker's file moves the site elsewhere
//    ($wgScriptPath other than /site), those follow, so the worker only has to
//    write $wgServer and $wgScriptPath (everything else — $wgScript,
//    $wgArticlePath, $wgStylePath, $wgUploadPath… — MediaWiki derives later).
const PLAYGROUND_HOOK = `# Written by the worker at every boot: $wgServer (the page's origin) and, when the
# site is not served under /site, $wgScriptPath. What the installer derived from
# $wgScriptPath above ($wgResourceBasePath, the logos) follows it, unless set there.
if (is_file(__DIR__ . '/LocalSettings.playground.php')) {
	$playgroundInstalledScriptPath = $wgScriptPath;
	require __DIR__ . '/LocalSettings.playground.php';
	if ($wgScriptPath !== $playgroundInstalledScriptPath) {
		if ($wgResourceBasePath === $playgroundInstalledScriptPath) {
			$wgResourceBasePath = $wgScriptPath;
		}
		foreach (is_array($wgLogos) ? $wgLogos : [] as $playgroundLogo => $playgroundLogoUrl) {
			if (is_string($playgroundLogoUrl) && str_starts_with($playgroundLogoUrl, "$playgroundInstalledScriptPath/")) {
				$wgLogos[$playgroundLogo] = $wgResourceBasePath . substr($playgroundLogoUrl, strlen($playgroundInstalledScriptPath));
			}
		}
	}
}
`;
const settings = installerSettings.trimEnd() + '\n\n' +
  fs.readFileSync(opts.additions, 'utf8').replace(/^<\?php\s*/, '').trimEnd() + '\n\n' +
  PLAYGROUND_HOOK;
fs.writeFileSync(path.join(webroot, 'LocalSettings.php'), settings);

// 3. One more throwaway instance, its SAPI set to "cli" before its first
//    request, for the maintenance scripts: with php.run() (not php.cli()) the
//    instance stays usable between them.
//    a. update.php: on a fresh SQLite install it still applies ~40 field/index
//       patches (1.5 s); done here, a later run in the worker is a no-op (~0.2 s).
//    b. the localisation cache, into the web root ($IP/cache/l10n, read only at
//       run time: manualRecache, so no mtime checks against files whose mtimes
//       change at every unpack). English only: other interface languages fall
//       back to English.
//    c. every WAL checkpointed into its DB, so the seed is just the DB files.
const maint = await freshPhp({ sapiName: 'cli' });
const MFS = maint[__private__dont__use].FS;
writeTree(MFS, DATA, dataFiles);
const runScript = async (label, script, scriptArgs) => {
  const t0 = performance.now();
  const argvPhp = JSON.stringify([script, ...scriptArgs]);
  let res;
  try {
    res = await maint.run({ code: `<?php $argv = $_SERVER['argv'] = json_decode('${argvPhp}'); $argc = $_SERVER['argc'] = count($argv); require '${script}';` });
  } catch (error) {
    res = error.response ?? { exitCode: -1, text: String(error), errors: '' };
  }
  const text = res.text.replace(/^#!.*\n/, ''); // require() echoes the script's shebang line
  if (res.exitCode !== 0) {
    console.error(`${label}: exit code ${res.exitCode}\n${text}\n${res.errors}`);
    process.exit(1);
  }
  return { text, ms: ms(t0) };
};

const update = await runScript('update.php', `${DOCROOT}/maintenance/update.php`, ['--quick']);
const patches = update.text.split('\n').filter((l) => /^(Modifying|Adding|Renaming|Dropping|Creating)/.test(l));
console.log(`[install] update.php: ${update.ms}; ${patches.length} patches applied; ${update.text.trim().split('\n').pop()}`);

fs.rmSync(path.join(webroot, 'cache'), { recursive: true, force: true });
fs.mkdirSync(path.join(webroot, 'cache/l10n'), { recursive: true });
const rebuild = await runScript('rebuildLocalisationCache.php', `${DOCROOT}/maintenance/rebuildLocalisationCache.php`, ['--lang=en', '--force']);
process.stdout.write(prefixLines('[l10n] ', rebuild.text));
const l10nFiles = fs.readdirSync(path.join(webroot, 'cache/l10n'));
if (!l10nFiles.includes('en.l10n.php')) {
  console.error(`[install] rebuildLocalisationCache.php wrote no en.l10n.php; files: ${l10nFiles.join(', ')}`);
  process.exit(1);
}
console.log(`[install] localisation cache: ${rebuild.ms}; ${l10nFiles.map((f) => `cache/l10n/${f} (${fs.statSync(path.join(webroot, 'cache/l10n', f)).size} B)`).join(', ')}`);

// d. the playground's updater (the seed script /playground/mediawiki/run-updater.php,
//    the worker's re-registration step) once: it records the fingerprint of this
//    code in the DB's updatelog, so the worker's first run finds nothing to update.
t = performance.now();
MFS.mkdirTree('/playground/mediawiki');
MFS.writeFile('/playground/mediawiki/run-updater.php', fs.readFileSync(opts.updater));
const updater = await maint.run({ code: "<?php require '/playground/mediawiki/run-updater.php';" }).catch((error) => error.response ?? { exitCode: -1, text: String(error), errors: '' });
if (updater.exitCode !== 0 || !updater.text.includes('UPDATE-DONE')) {
  console.error(`[install] run-updater.php: exit code ${updater.exitCode}\n${updater.text}\n${updater.errors}`);
  process.exit(1);
}
console.log(`[install] run-updater.php: ${ms(t)}; ${updater.text.split('\n').find((l) => l.startsWith('updater: '))}`);

t = performance.now();
const result = await maint.run({ code: `<?php
  foreach (glob('${DATA}/*.sqlite') as $file) {
    $db = new PDO('sqlite:' . $file);
    $mode = $db->query('PRAGMA journal_mode')->fetchColumn();
    $ck = $db->query('PRAGMA wal_checkpoint(TRUNCATE)')->fetch(PDO::FETCH_NUM);
    $ok = $db->query('PRAGMA integrity_check')->fetchColumn();
    $db = null; // the last connection closing removes -wal and -shm
    echo basename($file), ": journal_mode=$mode checkpoint(busy/log/checkpointed)=", implode('/', $ck), " integrity=$ok\\n";
  }` });
if (result.exitCode !== 0) { console.error(result.text, result.errors); process.exit(1); }
process.stdout.write(prefixLines('[checkpoint] ', result.text));
fs.rmSync(seedOut, { recursive: true, force: true });
const seedDir = path.join(seedOut, DATA);
fs.mkdirSync(seedDir, { recursive: true });
const seeded = readTree(MFS, DATA);
for (const [name, bytes] of Object.entries(seeded)) {
  fs.mkdirSync(path.dirname(path.join(seedDir, name)), { recursive: true });
  fs.writeFileSync(path.join(seedDir, name), bytes);
}
const leftovers = Object.keys(seeded).filter((n) => /-(wal|shm|journal)$/.test(n));
if (leftovers.length) console.log(`[install] WARNING: journal files left in the seed: ${leftovers.join(', ')}`);
console.log(`[install] checkpoint: ${ms(t)}; seed (${DATA}): ${describe(seeded)}`);
process.exit(0);

function prefixLines(prefix, text) {
  return text.trim() ? text.trimEnd().replace(/^/gm, prefix) + '\n' : '';
}

/** Every file under `dir` in an Emscripten FS, as { relative path: bytes }. */
function readTree(FS, dir, prefix = '', out = {}) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = `${dir}/${name}`;
    if (FS.isDir(FS.stat(full).mode)) readTree(FS, full, `${prefix}${name}/`, out);
    else out[prefix + name] = FS.readFile(full);
  }
  return out;
}

function writeTree(FS, dir, files) {
  for (const [name, bytes] of Object.entries(files)) {
    FS.mkdirTree(path.posix.dirname(`${dir}/${name}`));
    FS.writeFile(`${dir}/${name}`, bytes);
  }
}

function describe(files) {
  return Object.entries(files).map(([n, b]) => `${n} (${b.length} B)`).join(', ');
}

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i += 2) {
    if (!list[i].startsWith('--')) throw new Error(`unexpected argument ${list[i]}`);
    out[list[i].slice(2)] = list[i + 1];
  }
  for (const key of ['webroot', 'additions', 'updater', 'seed-out', 'tools']) {
    if (!out[key]) { console.error(`install.mjs: --${key} is required`); process.exit(2); }
  }
  return out;
}
