// The notice about the site's save: "restored your site as saved at 14:02
// after request #37" on a load that restored one, that the site is open in
// another tab (with "Take over here"), and the "Reset site" button (after a
// confirmation).

/**
 * @param {import('../client.js').WorkerClient} client
 * @param {{ notice: HTMLElement, text: HTMLElement, resetButton: HTMLButtonElement, takeOverButton: HTMLButtonElement }} elements
 * @param {{ claim: import('./tab-lock.js').SiteClaim, saving: boolean, onReset: () => Promise<void> }} site
 */
export function mountSavedSite(client, { notice, text, resetButton, takeOverButton }, { claim, saving, onReset }) {
  if (!saving) return;
  notice.hidden = false;
  const offerTakeOver = (words) => {
    text.textContent = words;
    takeOverButton.hidden = false;
    takeOverButton.onclick = async () => {
      takeOverButton.disabled = true;
      text.textContent = 'Asking the other tab to let the site go…';
      await claim.takeOver();
      location.reload();
    };
  };
  if (!claim.owner) {
    offerTakeOver('This site is open in another tab, which keeps its save. This tab runs a separate copy '
      + 'that is not saved. Take it over here to work on the saved site (the other tab stops).');
    return;
  }
  resetButton.hidden = false;
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
  claim.onTakenOver(async () => {
    // No save may land once the other tab owns the site: the worker stops,
    // and the saves it handed over land before the lock goes.
    client.terminate('the site was taken over by another tab');
    await client.savesLanded();
    for (const button of notice.querySelectorAll('button')) button.hidden = true;
    offerTakeOver('This site is now open in another tab, which took it over: this tab stopped its PHP worker. '
      + 'Take it back here to go on working in this tab.');
  });
}

/** "Restored your site as saved at 14:02 after request #37." */
export function restoredText({ savedAtMs, request }) {
  const at = new Date(savedAtMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `Restored your site as saved at ${at} after request #${request}.`;
}
