// The notice about the site's save: "restored your site as saved at 14:02
// after request #37" on a load that restored one, that the site is open in
// another tab, and the "Reset site" button (after a confirmation).

/**
 * @param {import('../client.js').WorkerClient} client
 * @param {{ notice: HTMLElement, text: HTMLElement, resetButton: HTMLButtonElement }} elements
 * @param {{ owner: boolean, saving: boolean, onReset: () => Promise<void> }} site
 */
export function mountSavedSite(client, { notice, text, resetButton }, { owner, saving, onReset }) {
  if (!saving) return;
  if (!owner) {
    text.textContent = 'This site is open in another tab, which keeps its save. This tab runs a separate copy '
      + 'that is not saved; close the other tab and reload this one to work on the saved site.';
    notice.hidden = false;
    return;
  }
  resetButton.hidden = false;
  notice.hidden = false;
  text.textContent = 'Your site is saved in this browser after every change.';
  client.on('ready', ({ restored }) => {
    if (restored) text.textContent = restoredText(restored);
  });
  resetButton.addEventListener('click', async () => {
    if (!confirm('Reset the site? Everything you made in it (courses, users, files, plugins) is deleted and it starts fresh.')) return;
    resetButton.disabled = true;
    text.textContent = 'Resetting the site…';
    await onReset();
  });
}

/** "Restored your site as saved at 14:02 after request #37." */
export function restoredText({ savedAtMs, request }) {
  const at = new Date(savedAtMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `Restored your site as saved at ${at} after request #${request}.`;
}
