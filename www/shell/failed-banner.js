// The banner shown when the worker is Failed, with the way out.

/** @param {import('../client.js').WorkerClient} client */
export function mountFailedBanner(client, { banner, reason, restartButton }, onRestarted) {
  client.on('failed', (event) => {
    reason.textContent = event.reason;
    banner.hidden = false;
    restartButton.focus();
  });
  client.on('ready', (event) => {
    banner.hidden = true;
    if (event.restart) onRestarted();
  });
  restartButton.addEventListener('click', () => {
    restartButton.disabled = true;
    client.restart();
    client.on('ready', () => { restartButton.disabled = false; });
  });
}
