// Export and import of the whole site as one zip (www/store/site-zip.js):
// "Export site" downloads the site's last save; "Import site…" checks a zip
// whole (damaged, another site, a newer format: refused, nothing changed),
// asks before it replaces the site, then hands it to `onImport`, which stops
// the worker, writes the zip as the newest save and reloads.
import { readSiteZip, SiteZipError } from '../store/site-zip.js';

/**
 * @param {{ exportButton: HTMLButtonElement, importButton: HTMLButtonElement, fileInput: HTMLInputElement, text: HTMLElement }} elements
 * @param {{ site: string, profile: string, store: ReturnType<typeof import('../store/site-store.js').createSiteStore>, onImport: (zip: Uint8Array) => Promise<void> }} options
 */
export function mountSiteTransfer({ exportButton, importButton, fileInput, text }, { site, profile, store, onImport }) {
  exportButton.hidden = false;
  importButton.hidden = false;

  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    try {
      const exported = await store.exportZip(site);
      if (!exported) {
        text.textContent = 'Nothing to export yet: the site has no save (it is saved after its first change).';
        return;
      }
      download(exported.zip, exported.name);
      text.textContent = `Exported ${exported.name}: ${exportedText(exported.manifest)}`;
    } catch (error) {
      text.textContent = `The site could not be exported: ${error.message}`;
    } finally {
      exportButton.disabled = false;
    }
  });

  importButton.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const [file] = fileInput.files;
    fileInput.value = ''; // the same file picked again is a new choice
    if (!file) return;
    importButton.disabled = true;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { manifest } = await readSiteZip(bytes, { profile });
      if (!confirm(`Replace this site with ${file.name} (${exportedText(manifest)})? What this site holds now is replaced.`)) return;
      text.textContent = `Importing ${file.name}…`;
      await onImport(bytes);
    } catch (error) {
      text.textContent = error instanceof SiteZipError
        ? `${file.name} was not imported: ${error.message}.`
        : `${file.name} could not be imported: ${error.message}`;
    } finally {
      importButton.disabled = false;
    }
  });
}

/** "saved at 14:02 after request #37, 3 files, 16.3 MiB" */
export function exportedText({ savedAtMs, request, files, bytes }) {
  const at = new Date(savedAtMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `saved at ${at} after request #${request}, ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB`;
}

function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  // Kept a while: a browser may read the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
