// Site bundles are zips: unpack one into [{ path, bytes }] (files only).
import { unzipSync } from 'fflate';

/** @param {Uint8Array} bytes @returns {{ path: string, bytes: Uint8Array }[]} */
export function unpackZip(bytes) {
  const entries = unzipSync(bytes);
  const files = [];
  for (const [path, data] of Object.entries(entries)) {
    if (path.endsWith('/')) continue; // directory entry
    if (path.startsWith('/') || path.split('/').includes('..')) {
      throw new Error(`the bundle contains an unsafe path: ${path}`);
    }
    files.push({ path, bytes: data });
  }
  return files;
}
