// "Crash PHP now": debug-only buttons that cause a real fault in the PHP
// instance, then reload the page in the iframe so the visitor watches the
// crash, the recovery and their page coming back.

/**
 * @param {import('../client.js').WorkerClient} client
 * @param {HTMLIFrameElement} frame
 */
export function mountCrashControls(client, frame, section) {
  section.hidden = false;
  for (const button of section.querySelectorAll('button[data-fault]')) {
    button.addEventListener('click', () => {
      client.injectFault(button.dataset.fault);
      frame.contentWindow.location.reload();
    });
  }
}
