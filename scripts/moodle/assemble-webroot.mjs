// Assembles the playground's Moodle web root from the user's Moodle 4.5 tree.
//
//   node assemble-webroot.mjs <moodle tree> <webroot> --project DIR
//
// 1. Refuses anything that is not a Moodle 4.5 release, naming every part that is
//    missing (version.php's $branch must be '405'; the files the playground's
//    SQLite layer builds on; the third-party vendor/ folders a release ships but a
//    git checkout that ignores vendor/ lacks).
// 2. Copies it into <webroot>, leaving out what a browser never needs: folders
//    named tests, amd/src, yui/src, *.map, *.feature, *.md, the developer dot
//    folders at the top (.github, .grunt…), and any config.php / config-*.php but
//    config-dist.php (the profile writes config.php at every boot; another one may
//    hold someone's credentials and would be served). Folders named behat stay
//    (admin/tool/behat is a real plugin Moodle cannot run without).
// 3. Adds the project's own files (<project>/, e.g. lib/dml/sqlite3_playground_moodle_database.php).
// 4. Applies the programmatic edits of edits.mjs (each explained there).
import fs from 'node:fs';
import path from 'node:path';
import { applyEdits } from './edits.mjs';

const args = process.argv.slice(2);
const positional = [];
let projectDir = null;
// --check-only: the release check alone (the builder runs it before it drops a good earlier build).
let checkOnly = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--project') projectDir = args[++i];
  else if (args[i] === '--check-only') checkOnly = true;
  else positional.push(args[i]);
}
const [sourceArg, webrootArg] = positional;
if (!sourceArg || !webrootArg || !projectDir) {
  console.error('usage: assemble-webroot.mjs <moodle tree> <webroot> --project DIR [--check-only]');
  process.exit(2);
}

/** The folder holding version.php: the tree itself or its single `moodle/` folder (moodle.org's zips). */
export function findMoodleRoot(dir) {
  if (fs.existsSync(path.join(dir, 'version.php'))) return dir;
  const inner = path.join(dir, 'moodle');
  if (fs.existsSync(path.join(inner, 'version.php'))) return inner;
  return null;
}

// What the playground needs of a Moodle 4.5 release, besides version.php.
const REQUIRED = [
  ['lib/setup.php', "Moodle's bootstrap"],
  ['lib/components.json', "Moodle's plugin types and subsystems"],
  ['admin/cli/install_database.php', 'the CLI installer the builder runs'],
  ['admin/environment.xml', 'the environment data the installer checks'],
  ['lib/dml/pdo_moodle_database.php', 'the PDO driver the playground driver builds on'],
  ['lib/dml/sqlite3_pdo_moodle_database.php', "Moodle's experimental SQLite driver the playground driver extends"],
  ['lib/ddl/sqlite_sql_generator.php', "Moodle's SQLite DDL generator"],
  ['theme/boost/scss/moodle.scss', 'the Boost theme sources (its CSS is compiled at install)'],
];
// Third-party folders that a release zip ships and a git checkout with vendor/ in .gitignore lacks.
const VENDOR = [
  ['auth/cas/CAS/vendor/autoload.php', 'auth/cas/CAS/vendor/ (phpCAS, required by auth_cas)'],
  ['lib/phpspreadsheet/vendor/autoload.php', 'lib/phpspreadsheet/vendor/ (PhpSpreadsheet autoloader: spreadsheet exports)'],
  ['theme/boost/scss/bootstrap/vendor/_rfs.scss', 'theme/boost/scss/bootstrap/vendor/ (Bootstrap RFS: the Boost theme SCSS does not compile without it)'],
];

function checkRelease(root) {
  const problems = [];
  const versionFile = path.join(root, 'version.php');
  const text = fs.readFileSync(versionFile, 'utf8');
  const release = text.match(/^\s*\$release\s*=\s*'([^']*)'/m)?.[1];
  const branch = text.match(/^\s*\$branch\s*=\s*'([^']*)'/m)?.[1];
  const version = text.match(/^\s*\$version\s*=\s*([0-9.]+)/m)?.[1];
  const maturity = text.match(/^\s*\$maturity\s*=\s*(MATURITY_\w+)/m)?.[1];
  if (branch !== '405' || !release?.startsWith('4.5')) {
    problems.push(`version.php says release ${release ?? '(none)'}, branch ${branch ?? '(none)'}: this builder knows Moodle 4.5 (branch '405') only`);
  }
  if (maturity && maturity !== 'MATURITY_STABLE') problems.push(`version.php says ${maturity}: not a Moodle release (MATURITY_STABLE)`);
  for (const [file, what] of REQUIRED) {
    if (!fs.existsSync(path.join(root, file))) problems.push(`${file} is missing (${what})`);
  }
  const vendorMissing = VENDOR.filter(([file]) => !fs.existsSync(path.join(root, file)));
  for (const [, what] of vendorMissing) problems.push(`vendor folder missing: ${what}`);
  if (vendorMissing.length) {
    problems.push('(a git checkout whose .gitignore leaves out vendor/ lacks these; use the release zip from moodle.org, ' +
      'or copy those vendor/ folders from the same release)');
  }
  return { release, branch, version, maturity, problems };
}

const source = path.resolve(sourceArg);
const webroot = path.resolve(webrootArg);
const root = findMoodleRoot(source);
if (!root) {
  console.error(`[assemble] ${source} is not a Moodle tree: no version.php in it or in its moodle/ folder`);
  process.exit(3);
}
const check = checkRelease(root);
if (check.problems.length) {
  console.error(`[assemble] ${root} is not a Moodle 4.5 release the playground can use:\n  - ${check.problems.join('\n  - ')}`);
  process.exit(3);
}
console.log(`[assemble] Moodle ${check.release} (branch ${check.branch}, version ${check.version}) at ${root}`);
if (checkOnly) process.exit(0);

const stats = { files: 0, bytes: 0, prunedFiles: 0, prunedBytes: 0, prunedDirs: 0, leftOut: [] };
const PRUNED_FILE = /\.(map|feature|md)$/i;

function isPrunedDir(rel, name) {
  if (name === 'tests') return true;
  if (name === 'src' && (rel.endsWith('/amd/src') || rel === 'amd/src' || rel.endsWith('/yui/src') || rel === 'yui/src')) return true;
  if (!rel.includes('/') && name.startsWith('.')) return true; // .github, .grunt, .upgradenotes, .phpstorm.meta.php
  if (name === 'node_modules') return true;
  return false;
}

function sizeOf(dir) {
  let files = 0; let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) { const s = sizeOf(full); files += s.files; bytes += s.bytes; } else if (entry.isFile()) { files++; bytes += fs.statSync(full).size; }
  }
  return { files, bytes };
}

function copyTree(from, to, rel) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const name = entry.name;
    const childRel = rel ? `${rel}/${name}` : name;
    const src = path.join(from, name);
    if (entry.isSymbolicLink()) { stats.leftOut.push(`${childRel} (a symlink)`); continue; }
    if (entry.isDirectory()) {
      if (isPrunedDir(childRel, name)) {
        const s = sizeOf(src);
        stats.prunedDirs++; stats.prunedFiles += s.files; stats.prunedBytes += s.bytes;
        continue;
      }
      copyTree(src, path.join(to, name), childRel);
    } else if (entry.isFile()) {
      const stat = fs.statSync(src);
      if (PRUNED_FILE.test(name) || (!rel && name.startsWith('.'))) { stats.prunedFiles++; stats.prunedBytes += stat.size; continue; }
      if (!rel && /^config.*\.php$/.test(name) && name !== 'config-dist.php') { stats.leftOut.push(`${childRel} (the profile writes config.php; another config file may hold credentials)`); continue; }
      const dest = path.join(to, name);
      fs.copyFileSync(src, dest);
      fs.utimesSync(dest, stat.atime, stat.mtime);
      stats.files++; stats.bytes += stat.size;
    }
  }
}

let t = performance.now();
fs.rmSync(webroot, { recursive: true, force: true });
copyTree(root, webroot, '');
console.log(`[assemble] copied ${stats.files} files (${(stats.bytes / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - t)} ms; ` +
  `pruned ${stats.prunedFiles} files (${(stats.prunedBytes / 1048576).toFixed(1)} MiB) incl. ${stats.prunedDirs} folders (tests, amd/src, yui/src, top-level dot folders), *.map, *.feature, *.md`);
for (const item of stats.leftOut) console.log(`[assemble] left out: ${item}`);

// The project's own files, placed into the web root.
const project = path.resolve(projectDir);
const added = [];
(function addTree(dir, rel) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) { addTree(path.join(dir, entry.name), childRel); continue; }
    const dest = path.join(webroot, childRel);
    if (fs.existsSync(dest)) throw new Error(`the project's ${childRel} would overwrite Moodle's file of that name`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(dir, entry.name), dest);
    added.push(childRel);
  }
})(project, '');
console.log(`[assemble] added the project's files: ${added.join(', ')}`);

try {
  for (const line of applyEdits(fs, path, webroot)) console.log(`[assemble] edited ${line}`);
} catch (error) {
  console.error(`[assemble] ${error.message}`);
  process.exit(4);
}
fs.writeFileSync(path.join(path.dirname(webroot), 'moodle-release.txt'), `${check.release}\n`);
