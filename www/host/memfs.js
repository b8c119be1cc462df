// MEMFS helpers of the PHP host: plain Emscripten FS, no @php-wasm API.

/**
 * Puts a bundle's files under `root` WITHOUT copying them: each file becomes a
 * MEMFS node whose contents are the bundle's own (shared) array, created
 * directly under a cached parent node. Nodes are read-only (0444), so PHP
 * cannot write into an array another instance shares; MEMFS replaces (never
 * writes in place) the contents of a file that is recreated.
 * @param {object} FS Emscripten's FS
 * @param {string} root absolute directory
 * @param {Iterable<[string, Uint8Array]>} files relative path → bytes
 */
export function shareTree(FS, root, files) {
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
