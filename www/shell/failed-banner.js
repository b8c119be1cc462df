// The banner shown when the worker is Failed, with the way out: "Restart
// runtime" when the worker can restart PHP, "Reload the playground" when the
// worker itself died or stopped answering (the client's `fatal` /
// `unresponsive` failures), since a restart message would go unanswered.
// While the client replaces a hung or dead worker it says so, with no button:
// the fresh worker's `ready` ends it.
import { ClientEvent } from '../client.js';

/** @param {import('../client.js').WorkerClient} client */
export function mountFailedBanner(client, { banner, reason, restartButton }, onRestarted) {
  let reloadInstead = false;
  client.on('failed', (event) => {
    reloadInstead = Boolean(event.fatal || event.unresponsive);
    reason.textContent = event.reason;
    restartButton.textContent = reloadInstead ? 'Reload the playground' : 'Restart runtime';
    restartButton.hidden = false;
    banner.hidden = false;
    restartButton.focus();
  });
  client.on(ClientEvent.respawned, (event) => {
    reason.textContent = `A fresh PHP worker is starting (${event.reason}) and restores your site's last save.`;
    restartButton.hidden = true;
    banner.hidden = false;
  });
  client.on('ready', (event) => {
    banner.hidden = true;
    if (event.restart) onRestarted();
  });
  client.on('trace', (event) => {
    // The worker answers again after it was silent: the banner no longer applies.
    if (reloadInstead && event.message === 'the worker answers again') banner.hidden = true;
  });
  restartButton.addEventListener('click', () => {
    if (reloadInstead) return location.reload();
    restartButton.disabled = true;
    client.restart();
    client.on('ready', () => { restartButton.disabled = false; });
  });
}
