// The site's saves in the Origin Private File System, one folder per site:
//   resilient-php-worker/sites/<site>/chunks/<sha-256>   content-addressed 64 KiB pieces of files
//   resilient-php-worker/sites/<site>/save-<seq>.json    a manifest (src/site_store.rs writes it)
// A save writes the chunks it needs that the last landed save does not
// name, then its manifest under a new name, each through createWritable(),
// which the browser makes visible only when it is closed whole. Why a tab
// killed in the middle of a save leaves the previous one whole and readable:
// that save's manifest and every chunk it names are never written again (a
// save writes only chunks the last landed save lacks, and a manifest of a new
// number), and loading takes the newest manifest whose every chunk is there
// with the right hash. (Synchronous access handles were tried: no faster
// here, and a hang of the worker after a save was seen once with them.)
// Used by the worker (load) and by the page (save, through save-writer.js;
// reset, export, import).
import { chunksOf, saveFileName, saveSeq, savesNewestFirst, savesToDelete, unreferencedChunks } from './manifests.js';
import { readSiteZip, sha256Hex, siteZip, siteZipName } from './site-zip.js';

const ROOT = 'resilient-php-worker';
// Unreferenced chunks are looked for every this many saves (a directory listing).
const COLLECT_EVERY_SAVES = 16;

/**
 * @param {{ storageRoot?: () => Promise<FileSystemDirectoryHandle> }} [options]
 */
export function createSiteStore({ storageRoot = () => navigator.storage.getDirectory() } = {}) {
  const sitesDir = async (create) => {
    const root = await storageRoot();
    const mine = await root.getDirectoryHandle(ROOT, { create });
    return mine.getDirectoryHandle('sites', { create });
  };
  const siteDir = async (site, create) => {
    try {
      return await (await sitesDir(create)).getDirectoryHandle(site, { create });
    } catch (error) {
      if (!create && error?.name === 'NotFoundError') return null;
      throw error;
    }
  };

  // A site's folders, looked up once (three lookups cost a few ms per save).
  const folders = new Map();
  const saveFolders = async (site) => {
    if (!folders.has(site)) {
      const dir = await siteDir(site, true);
      folders.set(site, { dir, chunks: await dir.getDirectoryHandle('chunks', { create: true }) });
    }
    return folders.get(site);
  };

  const store = {
    /**
     * The newest readable save: `{ manifestJson, files: [[path, Uint8Array]] }`,
     * or null when the site has none. Throws when saves exist but none is
     * whole (the worker then keeps them and saves nothing over them).
     */
    async load(site) {
      const dir = await siteDir(site, false);
      if (!dir) return null;
      const names = savesNewestFirst(await entryNames(dir));
      if (names.length === 0) return null;
      const chunks = await dir.getDirectoryHandle('chunks', { create: true });
      const problems = [];
      for (const name of names) {
        try {
          const manifestJson = await readText(dir, name);
          return { manifestJson, files: await readFiles(chunks, JSON.parse(manifestJson)) };
        } catch (error) {
          problems.push(`${name}: ${error.message}`);
        }
      }
      throw new Error(`no save of this site could be read (${problems.join('; ')})`);
    },

    /** Writes one save: the chunks the store lacks, then the manifest. */
    async save(site, manifestJson, newChunks) {
      const manifest = JSON.parse(manifestJson);
      const { dir, chunks } = await saveFolders(site);
      try {
        // The chunks (side by side: each is whole or absent), then the
        // manifest (the order a reader relies on). A chunk already there is
        // never written again: an earlier save may name it, and a save never
        // touches what an earlier one names.
        const distinct = new Map(newChunks);
        await Promise.all([...distinct].map(async ([hash, bytes]) => {
          if (!(await exists(chunks, hash))) await writeWhole(chunks, hash, bytes);
        }));
        await writeWhole(dir, saveFileName(manifest.seq), manifestJson);
      } catch (error) {
        if (error?.name === 'QuotaExceededError') throw new Error(await quotaMessage());
        throw error;
      }
    },

    /**
     * After save `seq` landed: the newest two saves stay, the one two before
     * it goes (no listing per save; strays are cleared with the garbage),
     * and every 16 saves unreferenced chunks go. Not part of the save: the
     * save has landed before this starts.
     */
    async tidy(site, seq) {
      const { dir, chunks } = await saveFolders(site);
      if (seq > 2) await dir.removeEntry(saveFileName(seq - 2)).catch(() => {});
      if (seq % COLLECT_EVERY_SAVES === 0) await collectGarbage(dir, chunks);
    },

    /** Deletes every save of the site (the page's “Reset site”). */
    async remove(site) {
      folders.delete(site);
      const sites = await sitesDir(true);
      await sites.removeEntry(site, { recursive: true }).catch((error) => {
        if (error?.name !== 'NotFoundError') throw error;
      });
    },

    /**
     * The site's newest save as one zip (www/store/site-zip.js):
     * `{ zip, name, manifest }`, or null when the site has no save.
     */
    async exportZip(site) {
      const saved = await store.load(site);
      if (!saved) return null;
      const manifest = JSON.parse(saved.manifestJson);
      return { zip: siteZip(saved.manifestJson, saved.files), name: siteZipName(manifest.profile, manifest.savedAtMs), manifest };
    },

    /**
     * Makes a site zip the site's newest save, numbered after every save
     * there, so the next load restores it. The zip is read and checked whole
     * first (a refusal throws a SiteZipError and writes nothing); then it is
     * written as any save is (chunks, then the manifest), so the earlier
     * saves stay readable if the tab dies meanwhile. The worker of this site
     * must be stopped first: its next save would be numbered over this one.
     * @returns {Promise<object>} the manifest written
     */
    async importZip(site, bytes, { profile }) {
      const { manifest, chunks } = await readSiteZip(bytes, { profile });
      const newest = savesNewestFirst(await entryNames(await siteDir(site, true)))[0];
      const written = { ...manifest, seq: newest ? saveSeq(newest) + 1 : 1 };
      await store.save(site, JSON.stringify(written), [...chunks]);
      await store.tidy(site, written.seq);
      return written;
    },
  };
  return store;
}

async function readFiles(chunks, manifest) {
  // All at once: the browser overlaps the reads and the digests (a 16 MiB
  // DB's 256 chunks in a fraction of the time of one after another).
  const cache = new Map(await Promise.all(chunksOf(manifest).map(async (hash) => {
    const bytes = new Uint8Array(await (await (await chunks.getFileHandle(hash)).getFile()).arrayBuffer());
    if ((await sha256Hex(bytes)) !== hash) throw new Error(`chunk ${hash.slice(0, 12)}… is damaged`);
    return [hash, bytes];
  })));
  return manifest.files.map((file) => {
    const bytes = new Uint8Array(file.size);
    let offset = 0;
    for (const hash of file.chunks) {
      const chunk = cache.get(hash);
      if (offset + chunk.length > file.size) throw new Error(`${file.path} is longer than its manifest says`);
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    if (offset !== file.size) throw new Error(`${file.path} is shorter than its manifest says`);
    return [file.path, bytes];
  });
}

async function collectGarbage(dir, chunks) {
  const names = await entryNames(dir);
  for (const old of savesToDelete(names)) await dir.removeEntry(old).catch(() => {});
  const kept = [];
  for (const name of savesNewestFirst(names).slice(0, 2)) {
    try {
      kept.push(JSON.parse(await readText(dir, name)));
    } catch {
      return; // A manifest that cannot be read: keep every chunk rather than guess.
    }
  }
  for (const name of unreferencedChunks(await entryNames(chunks), kept)) await chunks.removeEntry(name).catch(() => {});
}

async function entryNames(dir) {
  const names = [];
  for await (const name of dir.keys()) names.push(name);
  return names;
}

/**
 * Writes `data` (bytes or text) as the whole of file `name` through
 * createWritable(): the browser shows the new content only once it is closed whole.
 */
async function writeWhole(dir, name, data) {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(data);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => {});
    throw error;
  }
}

async function exists(dir, name) {
  try {
    await dir.getFileHandle(name);
    return true;
  } catch (error) {
    if (error?.name === 'NotFoundError') return false;
    throw error;
  }
}

async function readText(dir, name) {
  return (await (await dir.getFileHandle(name)).getFile()).text();
}

async function quotaMessage() {
  const { usage = 0, quota = 0 } = (await navigator.storage.estimate?.().catch(() => null)) ?? {};
  const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
  return `the browser's storage is full (${mib(usage)} of ${mib(quota)} used): the site was not saved; `
    + 'your changes are still in this tab — free space (or export the site) and keep working';
}
