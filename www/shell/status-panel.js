// The status panel: what the worker reports after every job.

const FIELDS = [
  ['State', (s) => s.state],
  ['PHP', (s) => s.phpVersion || '—'],
  ['Requests served', (s) => s.requestsServed],
  ['Crash restarts', (s) => s.crashRestarts],
  ['Rotations', (s) => s.rotations],
  ['Until next rotation', (s) => (s.requestsUntilRotation ?? 'off')],
  ['PHP memory', (s) => `${formatBytes(s.memoryBytes)}${s.rotateAboveMemoryBytes ? ` (rotates above ${formatBytes(s.rotateAboveMemoryBytes)})` : ''}`],
  ['Last recovery', (s) => (s.lastRecoveryMs == null ? '—' : `${Math.round(s.lastRecoveryMs)} ms`)],
  ['Snapshot', (s) => `${s.snapshotFiles} files, ${formatBytes(s.snapshotBytes)}`],
  ['Tracked plugins', (s) => (s.trackedPlugins.length ? s.trackedPlugins.join(', ') : '—')],
  ['Saved', (s) => describeSave(s)],
  ['Warm standby', (s) => (s.standbyMemoryBytes ? `${s.standby} (${formatBytes(s.standbyMemoryBytes)} of PHP memory)` : s.standby)],
  ['OPcache', (s) => (s.opcacheMegabytes ? `on (up to ${s.opcacheMegabytes} MiB of each PHP instance's memory)` : 'off')],
  ['Cron', (s) => describeCron(s.cron)],
];

/** @param {import('../client.js').WorkerClient} client @param {HTMLElement} list a <dl> */
export function mountStatusPanel(client, list) {
  client.on('status', (status) => {
    list.replaceChildren(...FIELDS.flatMap(([label, value]) => {
      const term = document.createElement('dt');
      term.textContent = label;
      const detail = document.createElement('dd');
      detail.textContent = String(value(status));
      detail.dataset.field = label;
      return [term, detail];
    }));
  });
}

/** The status panel's words for the site's save (src/site_store.rs). */
export function describeSave({ store, lastSave, lastSaveMs, storeError }) {
  if (store === 'off') return 'off (the site lives in this tab only)';
  if (storeError) return `${store}: ${storeError}`;
  if (!lastSave) return 'not yet';
  const at = new Date(lastSave.savedAtMs).toLocaleTimeString();
  const took = lastSaveMs == null ? '' : `, in ${Math.round(lastSaveMs)} ms`;
  return `${at} after request #${lastSave.request} (${lastSave.files} files, ${formatBytes(lastSave.bytes)}${took})${store === 'saving' ? ', saving…' : ''}`;
}

/** The status panel's words for the idle cron (src/supervisor/cron.rs). */
export function describeCron(cron) {
  if (!cron) return 'off';
  if (cron.lastRunAtMs == null) return 'not run yet (runs while the site is idle)';
  const at = new Date(cron.lastRunAtMs).toLocaleTimeString();
  const did = cron.error ?? (cron.lastDid.length ? cron.lastDid.join('; ') : 'nothing was due');
  return `last ran ${at}: ${did}${cron.pending ? ` (${cron.pending} more due)` : ''}`;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
