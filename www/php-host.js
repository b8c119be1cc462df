// The PHP host adapter: the ONLY file that touches @php-wasm/*.
//
// It fetches and compiles the PHP 8.3 wasm once, keeps the compiled
// WebAssembly.Module, and makes fresh PHP instances from it through
// Emscripten's `instantiateWasm` hook, so a restart after a crash costs an
// instantiate (tens of ms), not a download and compile. Rust drives it through
// src/php/host.rs. File operations go straight to Emscripten's FS object:
// MEMFS is plain JS memory, so they still work after the wasm instance trapped.

import {
  loadPHPRuntime, PHP, PHPRequestHandler, __private__dont__use, setPhpIniEntries,
  resolvePHPExtension, withResolvedPHPExtensions,
} from '@php-wasm/universal';
import { getPHPLoaderModule, getIntlExtensionPath } from '@php-wasm/web-8-3';
import { unpackZip } from './zip.js';
import { closeRequestOutputStreams, shareTree, trackRequestChanges, trackWrites, trapOnWrite } from './host/memfs.js';
import { DISABLED_FUNCTIONS, replacementDefinitions, watchMailNotes } from './host/unavailable.js';
import { installPrepend } from './host/prepend.js';
import { OPCACHE_SAPI, opcacheIni } from './host/opcache.js';

const ENOENT = 44; // Emscripten's errno for "no such file or directory"
const ENOTDIR = 54; // "not a directory": a file stands where the path needs a folder

// How many paths' nodes a runtime remembers for statInto (see nodeAt).
const RECENT_NODES = 8;

// Debug only: a PHP write to this path traps the instance (fault `write-trigger`).
const TRIGGER_PATH = '/tmp/inject-fault';

// The intl extension looks for its ICU data under this hard-coded name; a
// bundle that needs intl ships it as `.playground/icudt74l.dat`.
const ICU_DIR = '/internal/shared';
const ICU_FILE = 'icudt74l.dat';
const BUNDLE_ICU_PATH = `.playground/${ICU_FILE}`;

// Deep nesting exhausts the engine's stack when PHP frees the structure
// (RangeError in Chromium, InternalError "too much recursion" in Firefox).
// memory_limit is lifted so PHP's own (handled) out-of-memory error cannot come first.
const DEEP_NESTING_CODE = '<?php ini_set("memory_limit", "-1"); $a = []; for ($i = 0; $i < 2000000; $i++) { $a = [$a]; } unset($a); echo "survived";';

/**
 * Creates a host. All state (the compiled module) lives in this closure.
 * @param {{ wasmUrl?: string }} [options] wasmUrl overrides where the PHP wasm is fetched from.
 */
export function createPhpHost(options = {}) {
  let compiling = null;
  // Asked of the first instance only: every instance runs the same module.
  let phpVersion = null;
  // The site bundle, unzipped ONCE and kept for the worker's lifetime: every
  // instance gets the same arrays (see shareTree), no copy per instance.
  let bundle = new Map();
  // The bundle's files' mtime in every instance (see shareTree and loadBundle).
  let bundleTimeMs = Date.now();
  let intlSo = null;

  function compileOnce() {
    compiling ??= (async () => {
      const loaderModule = await getPHPLoaderModule();
      const url = options.wasmUrl ?? loaderModule.dependencyFilename;
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`could not download the PHP wasm from ${url}: HTTP ${response.status}`);
      const module = await WebAssembly.compile(await response.arrayBuffer());
      return { loaderModule, module };
    })();
    // A failed download may succeed later: do not cache the failure.
    compiling.catch(() => { compiling = null; });
    return compiling;
  }

  return {
    /**
     * Compiles (first call only) and instantiates a fresh PHP runtime.
     * `opcache`: { megabytes, files } caches compiled scripts in memory
     * (www/host/opcache.js); null compiles every script on every include.
     */
    async createRuntime({ documentRoot, siteUrl, phpIni = {}, extensions = [], opcache = null }) {
      const { loaderModule, module } = await compileOnce();
      const resolvedExtensions = await Promise.all(extensions.map(resolveExtension));
      const wasm = {};
      let failInstantiate;
      const instantiateFailed = new Promise((_, reject) => { failInstantiate = reject; });
      const runtimeId = await Promise.race([
        loadPHPRuntime(loaderModule, withResolvedPHPExtensions({
          // Top-level option: @php-wasm/universal passes it to Emscripten as is.
          instantiateWasm(imports, receiveInstance) {
            WebAssembly.instantiate(module, imports).then((instance) => {
              wasm.memory = instance.exports.memory ?? imports.env?.memory;
              wasm.table = instance.exports.__indirect_function_table ?? imports.env?.__indirect_function_table;
              receiveInstance(instance, module);
            }, failInstantiate);
            return {};
          },
        }, resolvedExtensions)),
        instantiateFailed,
      ]);
      const php = new PHP(runtimeId);
      // Only possible before the instance's first run.
      if (opcache) await php.setSapiName(OPCACHE_SAPI);
      // Process-spawning functions hang or fail in a browser and there is no
      // mailer: never offer them, whatever phpIni says; replacements that say
      // why take their names (www/host/unavailable.js), defined by the host's
      // prepend file, which runs a prepend file phpIni names after its own.
      const prepend = installPrepend(php[__private__dont__use].FS, {
        definitions: replacementDefinitions(),
        chained: phpIni.auto_prepend_file,
      });
      const disabled = [phpIni.disable_functions, DISABLED_FUNCTIONS].filter(Boolean).join(',');
      const cache = opcache ? opcacheIni(opcache) : {};
      await setPhpIniEntries(php, { ...cache, ...phpIni, ...prepend, disable_functions: disabled });
      const handler = new PHPRequestHandler({ php, documentRoot, absoluteUrl: siteUrl, cookieStore: false });
      phpVersion ??= (await php.run({ code: '<?php echo PHP_VERSION;' })).text;
      return wrapRuntime(php, handler, wasm, phpVersion, () => ({ files: bundle, timeMs: bundleTimeMs }));
    },

    /** Downloads and unzips a site bundle (once); returns its file paths. */
    async loadBundle(url) {
      const response = await fetch(url);
      if (!response.ok) {
        // Which builder makes which bundle is the page's and the README's to say, not the host's.
        throw new Error(`HTTP ${response.status} for ${url}${response.status === 404 ? ': no site bundle at that address (is it built?)' : ''}`);
      }
      bundle = new Map(unpackZip(new Uint8Array(await response.arrayBuffer())).map(({ path, bytes }) => [path, bytes]));
      // Its files are as old as the bundle the server holds (when it was
      // built), or else as the download: a server's files are older than its
      // first request, and OPcache caches only files a few seconds old.
      const builtMs = Date.parse(response.headers.get('last-modified') ?? '');
      bundleTimeMs = Number.isFinite(builtMs) && builtMs <= Date.now() ? builtMs : Date.now();
      return [...bundle.keys()];
    },

    /** Downloads one file (a blueprint's plugin zip), as bytes; an HTTP error throws, named. */
    async fetchBytes(url) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for ${url}`);
      return new Uint8Array(await response.arrayBuffer());
    },

    /** A copy of one bundle file (seeds: they change at run time), or null. */
    bundleFile: (path) => bundle.get(path)?.slice() ?? null,
  };

  /** PHP extensions the profile asks for; only the bundled `intl` is known. */
  async function resolveExtension(name) {
    if (name !== 'intl') throw new Error(`unknown PHP extension ${JSON.stringify(name)}; known: intl`);
    const icu = bundle.get(BUNDLE_ICU_PATH);
    if (!icu) throw new Error(`the intl extension needs its ICU data in the bundle at ${BUNDLE_ICU_PATH}`);
    intlSo ??= fetch(await getIntlExtensionPath()).then((r) => {
      if (!r.ok) throw new Error(`could not download intl.so: HTTP ${r.status}`);
      return r.arrayBuffer();
    });
    intlSo.catch(() => { intlSo = null; });
    return resolvePHPExtension({
      phpVersion: '8.3',
      source: { format: 'so', name: 'intl', bytes: new Uint8Array(await intlSo) },
      env: { ICU_DATA: ICU_DIR },
      extraFiles: { files: { [`${ICU_DIR}/${ICU_FILE}`]: icu } },
    });
  }
}

function wrapRuntime(php, handler, wasm, phpVersion, currentBundle) {
  // Captured now: after a crash @php-wasm replaces the PHP object's methods
  // with throwing stubs, but the Emscripten module and its FS stay readable.
  let emscripten = php[__private__dont__use];
  const FS = emscripten.FS;
  let pendingFault = null;
  // Set once the instance trapped (or a debug fault was put into it).
  let trapped = false;
  const writes = trackWrites(FS);
  const mailCalled = watchMailNotes(FS);
  let changes = null;
  // The nodes of the few paths asked again and again (the checkpoint's DB and
  // its journal, after every request), kept while each is still the node at
  // its path: FS.lookupPath resolves and walks the whole path every time.
  const recentNodes = new Map(); // path -> { node, names }

  function nodeAt(path) {
    const known = recentNodes.get(path);
    if (known !== undefined && stillAt(known.node, known.names)) return known.node;
    let node;
    try {
      node = FS.lookupPath(path, { follow: true }).node;
    } catch (error) {
      // Nothing is at the path, or a file stands where it needs a folder.
      if (error?.errno === ENOENT || error?.errno === ENOTDIR) return null;
      throw error;
    }
    if (recentNodes.size >= RECENT_NODES) recentNodes.clear();
    // A path through a symbolic link never passes stillAt (its node's own
    // folders have other names): it is simply looked up again next time.
    recentNodes.set(path, { node, names: path.split('/').filter((name) => name !== '') });
    return node;
  }

  /**
   * Whether `node` is still at the path made of `names`: each folder from the
   * root down holds the next under that name (MEMFS updates a node's name and
   * parent when it is renamed, and its folder forgets it when it is removed).
   */
  function stillAt(node, names) {
    let current = node;
    for (let i = names.length - 1; i >= 0; i--) {
      const parent = current.parent;
      if (current.name !== names[i] || parent === current || parent.contents?.[names[i]] !== current) return false;
      current = parent;
    }
    return current === FS.root;
  }

  return {
    phpVersion,

    async request({ method, url, headers, body }) {
      // Only when a debug fault waits (one await less on the per-request path).
      if (pendingFault) await noticeTraps(runPendingFault());
      changes?.begin();
      const response = await noticeTraps(handler.request({ method, url, headers, body }));
      changes?.end();
      return { status: response.httpStatusCode, headers: response.headers, body: response.bytes };
    },

    /** Keep an undo log of each request's changes under `roots` (see trackRequestChanges). */
    watchRequestChanges(roots, commitJournal, sqliteFiles) {
      changes ??= trackRequestChanges(FS, { roots, commitJournal, sqliteFiles });
    },
    /** After a crash: undo what the request changed since its last commit; returns the paths put back. */
    discardUncommittedChanges: () => changes?.discard() ?? [],

    /** What the last request did that the page should hear of: 'mail' (mail() was called), or null. */
    takeNotice: () => (mailCalled() ? 'mail' : null),

    async runCode(code) {
      return runOutput(await noticeTraps(php.run({ code })));
    },

    async runScript(scriptPath) {
      return runOutput(await noticeTraps(php.run({ scriptPath })));
    },

    /** The bundle's files (except those under `skipPrefix`) under `root`, shared, not copied. */
    writeBundle(root, skipPrefix) {
      const { files, timeMs } = currentBundle();
      const kept = [...files].filter(([path]) => !path.startsWith(skipPrefix));
      return shareTree(FS, root, kept, timeMs);
    },
    readFile: (path) => FS.readFile(path),
    /** Bytes [start, end) of a file, read straight from its MEMFS node. */
    readRange(path, start, end) {
      const node = FS.lookupPath(path).node;
      return node.contents.slice(start, Math.min(end, node.usedBytes));
    },
    /** Start recording which byte ranges of `path` get written (incremental checkpoints). */
    trackWrites: (path) => writes.track(path),
    /** The ranges written since the last call, merged, as [start0, end0, start1, end1, …]. */
    takeDirtyRanges: (path) => writes.take(path),
    writeFile(path, bytes) {
      // A bundle file is a shared read-only node: replace it, never write into it.
      const existing = FS.analyzePath(path);
      if (existing.exists && !(existing.object.mode & 0o200)) FS.unlink(path);
      FS.writeFile(path, bytes);
    },
    readDir: (path) => FS.readdir(path),
    // FS.mkdirTree throws (and catches) an EEXIST for every folder that exists:
    // costly when the seed and the restore ask for the same folders hundreds of times.
    mkdirTree: (path) => { if (!FS.analyzePath(path).exists) FS.mkdirTree(path); },
    unlink: (path) => FS.unlink(path),
    rmdir: (path) => FS.rmdir(path),

    /**
     * What `path` is, written into `out` as [kind, size, mtimeMs], kind 0 when
     * nothing is there, 2 for a directory, 1 for anything else. One call and
     * no record made: the checkpoint asks it of the DB after every request.
     */
    statInto(path, out) {
      const node = nodeAt(path);
      if (node === null) {
        out[0] = 0;
        return;
      }
      // A MEMFS file's size and mtime are read off its node, without FS.stat's
      // full record (three Date objects); anything else goes through FS.stat.
      if (FS.isFile(node.mode) && typeof node.usedBytes === 'number' && typeof node.mtime === 'number') {
        out[0] = 1;
        out[1] = node.usedBytes;
        out[2] = node.mtime;
        return;
      }
      const stat = FS.stat(path);
      out[0] = FS.isDir(stat.mode) ? 2 : 1;
      out[1] = stat.size;
      out[2] = +stat.mtime;
    },

    /**
     * Debug only (the Rust worker refuses it unless configured with debug):
     * makes this instance fail FOR REAL.
     *  - memory:  corrupt linear memory; the next request traps (out of bounds).
     *  - table:   null the indirect function table; the next call through it traps.
     *  - stack:   the next request first runs deeply nested PHP that exhausts the engine stack.
     *  - write-trigger[:path]: when PHP writes to /tmp/inject-fault (or `path`), linear
     *    memory is corrupted synchronously, so PHP traps right there, e.g. inside a
     *    DB transaction or commit.
     * (`boot` and `replay` are armed by the Rust supervisor for the next runtime.)
     */
    injectFault(kind) {
      // Whatever the kind, this instance's own code is not to be trusted again (see destroy).
      trapped = true;
      switch (kind) {
        case 'memory':
          new Uint8Array(wasm.memory.buffer).fill(0xaa, 1024);
          return;
        case 'table':
          for (let i = 0; i < wasm.table.length; i++) wasm.table.set(i, null);
          return;
        case 'stack':
          pendingFault = 'stack';
          return;
        case 'write-trigger':
          trapOnWrite(FS, wasm.memory, TRIGGER_PATH);
          return;
        default:
          if (kind.startsWith('write-trigger:')) {
            trapOnWrite(FS, wasm.memory, kind.slice('write-trigger:'.length));
            return;
          }
          throw new Error(`unknown fault kind ${JSON.stringify(kind)}; known: memory, table, stack, write-trigger`);
      }
    },

    memoryBytes: () => wasm.memory?.buffer.byteLength ?? 0,

    destroy() {
      // php.exit() runs the instance's own shutdown code (atexit handlers) in
      // wasm: on a trapped instance that traps again, and Emscripten reports
      // it as an uncaught error in the page's console although the crash was
      // handled. A trapped instance is simply dropped (GC reclaims it).
      if (!trapped) {
        try {
          php.exit();
        } catch {
          // An instance that fails to exit is dropped all the same.
        }
      }
      emscripten = null;
    },
  };

  /** Passes `promise` through, remembering whether this instance trapped. */
  async function noticeTraps(promise) {
    try {
      return await promise;
    } catch (error) {
      if (isTrap(error)) trapped = true;
      throw error;
    } finally {
      if (!trapped) closeRequestOutputStreams(FS);
    }
  }

  async function runPendingFault() {
    if (pendingFault !== 'stack') return;
    pendingFault = null;
    await php.run({ code: DEEP_NESTING_CODE });
  }
}

/** A wasm trap, an engine stack exhaustion or an Emscripten abort, anywhere in the cause chain. */
function isTrap(error) {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e instanceof WebAssembly.RuntimeError || ['RangeError', 'InternalError'].includes(e.name)) return true;
    if (typeof e.message === 'string' && /Aborted\(|unreachable|out of bounds/.test(e.message)) return true;
  }
  return false;
}

function runOutput(response) {
  return { exitCode: response.exitCode, stdout: response.text, stderr: response.errors };
}
