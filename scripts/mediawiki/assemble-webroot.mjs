// Assembles MediaWiki's web root from the unpacked Debian packages, with no symlinks.
//
//   node assemble-webroot.mjs <root> <webroot> [--exclude-extension NAME]...
//
// <root> is where `dpkg -x` unpacked mediawiki and mediawiki-classes. Debian's
// symlinks are ABSOLUTE (`extensions/X -> /usr/share/mediawiki/extensions-core/X`,
// `LocalSettings.php -> /var/lib/mediawiki/LocalSettings.php -> /etc/...`): each one
// is resolved INSIDE <root> (a link to /A/B means <root>/A/B), never on the host,
// and what it points to is copied as real files. Dangling links (Debian's
// LocalSettings.php, written by its web installer) are skipped and listed.
// `extensions-core/` is left out: every extension in it is reachable, copied,
// through `extensions/`. Excluded extensions are left out of `extensions/`.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const excluded = new Set();
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--exclude-extension') excluded.add(args[++i]);
  else positional.push(args[i]);
}
const [rootArg, webrootArg] = positional;
if (!rootArg || !webrootArg) {
  console.error('usage: assemble-webroot.mjs <root> <webroot> [--exclude-extension NAME]...');
  process.exit(2);
}
const root = path.resolve(rootArg);
const webroot = path.resolve(webrootArg);
const source = path.join(root, 'usr/share/mediawiki');

/** Resolves `p` (a path inside root) following every symlink inside root. Returns null if dangling. */
function resolveInRoot(p, depth = 0) {
  if (depth > 40) throw new Error(`symlink loop at ${p}`);
  // Resolve component by component so a symlinked parent directory is followed too.
  const rel = path.relative(root, p);
  if (rel.startsWith('..')) throw new Error(`${p} is outside ${root}`);
  let current = root;
  for (const part of rel.split(path.sep).filter(Boolean)) {
    const next = path.join(current, part);
    let stat;
    try { stat = fs.lstatSync(next); } catch { return null; }
    if (stat.isSymbolicLink()) {
      const target = fs.readlinkSync(next);
      const mapped = path.isAbsolute(target) ? path.join(root, target) : path.resolve(current, target);
      const resolved = resolveInRoot(mapped, depth + 1);
      if (resolved === null) return null;
      current = resolved;
    } else {
      current = next;
    }
  }
  return current;
}

const stats = { files: 0, bytes: 0, dirs: 0, linksResolved: 0, dangling: [], excluded: [] };

function copyTree(from, to, webPath) {
  fs.mkdirSync(to, { recursive: true });
  stats.dirs++;
  for (const name of fs.readdirSync(from)) {
    const childWeb = webPath ? `${webPath}/${name}` : name;
    if (childWeb === 'extensions-core') continue;
    if (webPath === 'extensions' && excluded.has(name)) { stats.excluded.push(childWeb); continue; }
    let real = path.join(from, name);
    const lstat = fs.lstatSync(real);
    if (lstat.isSymbolicLink()) {
      const resolved = resolveInRoot(real);
      if (resolved === null) { stats.dangling.push(`${childWeb} -> ${fs.readlinkSync(real)}`); continue; }
      stats.linksResolved++;
      real = resolved;
    }
    const stat = fs.statSync(real);
    const dest = path.join(to, name);
    if (stat.isDirectory()) {
      copyTree(real, dest, childWeb);
    } else if (stat.isFile()) {
      fs.copyFileSync(real, dest);
      fs.utimesSync(dest, stat.atime, stat.mtime);
      stats.files++;
      stats.bytes += stat.size;
    }
  }
}

fs.rmSync(webroot, { recursive: true, force: true });
copyTree(source, webroot, '');
console.log(`[assemble] ${stats.files} files, ${(stats.bytes / 1048576).toFixed(1)} MiB, ${stats.dirs} dirs; ` +
  `${stats.linksResolved} absolute symlinks resolved inside the unpacked tree`);
if (stats.excluded.length) console.log(`[assemble] left out (they spawn processes): ${stats.excluded.join(', ')}`);
for (const d of stats.dangling) console.log(`[assemble] skipped dangling link: ${d}`);
