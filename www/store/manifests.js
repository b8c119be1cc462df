// Pure decisions of the site store (no OPFS here, so node tests them).

const SAVE_NAME = /^save-(\d{12})\.json$/;

/** The file name of save number `seq`: zero-padded, so names sort as numbers. */
export function saveFileName(seq) {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`a save number must be a positive integer, not ${seq}`);
  return `save-${String(seq).padStart(12, '0')}.json`;
}

/** The number of the save named `name` (a name saveFileName made). */
export function saveSeq(name) {
  const match = SAVE_NAME.exec(name);
  if (!match) throw new Error(`${name} is not the name of a save`);
  return Number(match[1]);
}

/** The save names among a folder's entries, newest first. */
export function savesNewestFirst(names) {
  return names.filter((name) => SAVE_NAME.test(name)).sort().reverse();
}

/**
 * What a save leaves behind once it landed: the saves older than the two
 * newest (the newest and the one before it stay, so a newest one that turns
 * out unreadable still has a whole predecessor).
 */
export function savesToDelete(names) {
  return savesNewestFirst(names).slice(2);
}

/** Chunk names no kept manifest refers to. */
export function unreferencedChunks(chunkNames, keptManifests) {
  const used = new Set(keptManifests.flatMap((manifest) => manifest.files.flatMap((file) => file.chunks)));
  return chunkNames.filter((name) => !used.has(name));
}

/** The chunk hashes a manifest needs, each once. */
export function chunksOf(manifest) {
  return [...new Set(manifest.files.flatMap((file) => file.chunks))];
}

/** A plan's name for a chunk the page hashes (src/site_store.rs NEW_CHUNK_PREFIX). */
export const NEW_CHUNK_PREFIX = 'new-';

/**
 * The manifest with each `new-<i>` chunk named `names[i]` (the chunk's
 * sha-256, which the page computed as it wrote it). Refuses a name for a
 * chunk that is not there, and a chunk left without a name.
 */
export function withChunkNames(manifest, names) {
  const files = manifest.files.map((file) => ({
    ...file,
    chunks: file.chunks.map((chunk) => {
      if (!chunk.startsWith(NEW_CHUNK_PREFIX)) return chunk;
      const name = names[Number(chunk.slice(NEW_CHUNK_PREFIX.length))];
      if (!name) throw new Error(`the save names chunk ${chunk}, which it did not hand over`);
      return name;
    }),
  }));
  return { ...manifest, files };
}
