// MEMFS helpers of the PHP host: plain Emscripten FS, no @php-wasm API.

/**
 * Puts a bundle's files under `root` WITHOUT copying them: each file becomes a
 * MEMFS node whose contents are the bundle's own (shared) array, created
 * directly under a cached parent node. Nodes are read-only (0444), so PHP
 * cannot write into an array another instance shares; MEMFS replaces (never
 * writes in place) the contents of a file that is recreated.
 *
 * Every file is dated `timeMs` (the bundle's own date), not the moment this
 * instance was made: OPcache caches only files older than a few seconds
 * (www/host/opcache.js), and a standby warms up right after it is made.
 * @param {object} FS Emscripten's FS
 * @param {string} root absolute directory
 * @param {Iterable<[string, Uint8Array]>} files relative path → bytes
 * @param {number} timeMs the files' mtime (ms since the epoch)
 */
export function shareTree(FS, root, files, timeMs) {
  const dirs = new Map();
  // Each folder is made once, under its (cached) parent: FS.mkdirTree per
  // folder would try every ancestor again, and each EEXIST it meets is a
  // thrown error (real Moodle has ~4 000 folders: that was 0.7 s per boot).
  const dirNode = (dir) => {
    let node = dirs.get(dir);
    if (node) return node;
    const slash = dir.lastIndexOf('/');
    if (dir === root || slash <= 0) {
      FS.mkdirTree(dir);
      node = FS.lookupPath(dir).node;
    } else {
      const parent = dirNode(dir.slice(0, slash));
      node = parent.contents?.[dir.slice(slash + 1)] ?? FS.mkdir(dir);
    }
    dirs.set(dir, node);
    return node;
  };
  let count = 0;
  for (const [path, bytes] of files) {
    const full = `${root}/${path}`;
    const slash = full.lastIndexOf('/');
    const parent = dirNode(full.slice(0, slash));
    const name = full.slice(slash + 1);
    if (parent.contents?.[name]) FS.unlink(full);
    const node = parent.node_ops.mknod(parent, name, 0o100444, 0);
    node.contents = bytes;
    node.usedBytes = bytes.length;
    node.atime = node.mtime = node.ctime = timeMs;
    count++;
  }
  return count;
}

/**
 * Records the byte ranges written to chosen files, by wrapping FS.write (every
 * write(2)/pwrite(2) SQLite makes in MEMFS goes through it). The cost per
 * write is one Set lookup for untracked files.
 */
export function trackWrites(FS) {
  const tracked = new Map(); // path -> [[start, end], …]
  const write = FS.write;
  FS.write = (stream, buffer, offset, length, position, canOwn) => {
    const ranges = tracked.get(stream?.path);
    if (ranges && length > 0) {
      const start = position ?? stream.position;
      ranges.push([start, start + length]);
    }
    return write(stream, buffer, offset, length, position, canOwn);
  };
  return {
    track(path) {
      if (!tracked.has(path)) tracked.set(path, []);
    },
    take(path) {
      const ranges = (tracked.get(path) ?? []).sort((a, b) => a[0] - b[0]);
      tracked.set(path, []);
      const merged = [];
      for (const [start, end] of ranges) {
        const lastEnd = merged.length - 1;
        if (merged.length > 0 && start <= merged[lastEnd]) merged[lastEnd] = Math.max(merged[lastEnd], end);
        else merged.push(start, end);
      }
      return merged;
    },
  };
}


/**
 * Debug only: right after the first write PHP makes to `path`, linear memory
 * is corrupted synchronously, so PHP traps at its next step — inside the
 * transaction or the commit that wrote. The write itself completes with the
 * right bytes (its source is linear memory, which is corrupted only after),
 * as a real crash between two writes would leave the file.
 * A synchronous hook: post_message_to_js is asynchronous under asyncify.
 */
export function trapOnWrite(FS, memory, path) {
  const write = FS.write;
  FS.write = (stream, ...rest) => {
    const written = write(stream, ...rest);
    if (stream?.path === path) {
      FS.write = write;
      new Uint8Array(memory.buffer).fill(0xaa, 1024);
    }
    return written;
  };
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const SQLITE_SIDE_FILES = ['-journal', '-wal', '-shm'];
// open(2) flags that change a file: O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND.
const WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000;

/**
 * The undo log of the request being served: what it changed under the
 * user's state directories (`roots`), so that a request that crashed before
 * its last commit leaves nothing behind — an upload written before a commit
 * that was rolled back must not be served for a file the DB does not know.
 *
 * Each path is remembered once per request, before its first change: its
 * bytes if it existed (copied then, since MEMFS writes in place), or that it
 * did not exist. A commit of the DB (in journal_mode=DELETE: the unlink of
 * `commitJournal`) makes everything before it part of committed state, so
 * the log starts over there. SQLite's own files are never in the log: the
 * DB's journal rolls the DB back.
 * @param {object} FS Emscripten's FS
 * @param {{ roots: string[], commitJournal: string, sqliteFiles: string[] }} watch
 */
export function trackRequestChanges(FS, { roots, commitJournal, sqliteFiles }) {
  const prefixes = roots.map((root) => `${root.replace(/\/+$/, '')}/`);
  const skip = new Set(sqliteFiles);
  let log = null; // null outside requests: bootstrap and restores are not logged
  let seen = new Set();

  const watched = (path) => prefixes.some((prefix) => path.startsWith(prefix))
    && !skip.has(path) && !SQLITE_SIDE_FILES.some((suffix) => path.endsWith(suffix));
  // Most paths a request opens for writing (its output devices, PHP's temp
  // files) are absolute and outside the state directories: dismissed without
  // normalizing them (this runs inside every open of every request).
  const surelyOutside = (path) => path.startsWith('/') && !path.includes('/.') && !path.includes('//')
    && !prefixes.some((prefix) => path.startsWith(prefix));

  function remember(rawPath) {
    if (log === null || typeof rawPath !== 'string' || surelyOutside(rawPath)) return;
    const path = absolute(FS, rawPath);
    if (seen.has(path) || !watched(path)) return;
    const found = FS.analyzePath(path);
    if (found.exists && FS.isFile(found.object.mode)) {
      const bytes = FS.readFile(path);
      if (new TextDecoder().decode(bytes.subarray(0, 16)) === SQLITE_MAGIC) return; // SQLite's to roll back
      log.push({ path, existed: 'file', bytes, mode: found.object.mode });
    } else {
      log.push({ path, existed: found.exists ? 'dir' : null });
    }
    seen.add(path);
  }

  // Each wrapper names its parameters (no rest/spread): FS.open runs for
  // every file every request opens.
  const { open, truncate, mkdir, rmdir, rename, unlink } = FS;
  FS.open = (path, flags, mode) => {
    const writes = typeof flags === 'string' ? /[wa+]/.test(flags) : (flags & WRITE_FLAGS) !== 0;
    if (writes) remember(path);
    return open(path, flags, mode);
  };
  FS.truncate = (path, length) => {
    remember(path);
    return truncate(path, length);
  };
  FS.mkdir = (path, mode) => {
    remember(path);
    return mkdir(path, mode);
  };
  FS.rmdir = (path) => {
    remember(path);
    return rmdir(path);
  };
  FS.rename = (from, to) => {
    remember(from);
    remember(to);
    return rename(from, to);
  };
  FS.unlink = (path) => {
    if (log !== null && typeof path === 'string' && absolute(FS, path) === commitJournal) {
      log = [];
      seen = new Set();
    } else {
      remember(path);
    }
    return unlink(path);
  };

  return {
    /** A request starts: log its changes. */
    begin() { log = []; seen = new Set(); },
    /** The request was answered: its changes stand. */
    end() { log = null; },
    /**
     * Undoes what the crashed request changed since its last commit, newest
     * first; returns the paths put back. Works on a trapped instance: MEMFS is JS.
     */
    discard() {
      const entries = log ?? [];
      log = null;
      const undone = [];
      for (const entry of entries.reverse()) {
        try {
          undo(FS, entry);
          undone.push(entry.path);
        } catch {
          // A path that cannot be put back is left as it is; the others still are.
        }
      }
      return undone;
    },
  };
}

function undo(FS, { path, existed, bytes, mode }) {
  const now = FS.analyzePath(path);
  if (existed === 'file') {
    if (now.exists && FS.isDir(now.object.mode)) FS.rmdir(path);
    if (now.exists && !FS.isDir(now.object.mode)) FS.unlink(path);
    FS.mkdirTree(path.slice(0, path.lastIndexOf('/')) || '/');
    FS.writeFile(path, bytes);
    FS.chmod(path, mode);
  } else if (existed === 'dir') {
    if (!now.exists) FS.mkdirTree(path);
  } else if (now.exists) {
    if (FS.isDir(now.object.mode)) FS.rmdir(path);
    else FS.unlink(path);
  }
}

/** An absolute path without `.`/`..` segments (PHP may pass relative ones). */
function absolute(FS, path) {
  const full = path.startsWith('/') ? path : `${FS.cwd()}/${path}`;
  const parts = [];
  for (const part of full.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

// The devices @php-wasm's C side opens for each request's output.
const REQUEST_OUTPUT_DEVICES = new Set(['/request/stdout', '/request/stderr']);

/**
 * @php-wasm 3.1.55 opens /request/stdout and /request/stderr for every PHP
 * run and never closes them: each request leaks two FS streams, every open
 * scans past them (FS.nextfd is linear), and at 4096 open streams the
 * instance aborts (its 2045th request). Between runs no stream of those
 * devices is in use (the next run opens its own), so the host closes them
 * after each run.
 * @param {object} FS Emscripten's FS
 */
export function closeRequestOutputStreams(FS) {
  for (const stream of FS.streams) {
    if (stream && REQUEST_OUTPUT_DEVICES.has(stream.path)) FS.close(stream);
  }
}
