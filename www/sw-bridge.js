// The page's end of the Service Worker: answers the iframe's requests that
// www/sw.js forwards, using the worker client.
//
// Every tab has its own PHP worker, so its own site: the site lives under
// ./site/<this page's client id>/, and www/sw.js sends a request there to this
// page only. The page learns its client id from the Service Worker itself.

/**
 * @typedef {object} ServiceWorkerSite
 * @property {string} siteUrl Absolute URL of this page's site, e.g. "http://127.0.0.1:8080/site/<id>"
 *   (no trailing slash): pass it to `client.configure({ siteUrl })`.
 * @property {string} sitePath Its path, e.g. "/site/<id>": point the iframe at `${sitePath}/…`.
 * @property {string} clientId This page's Service Worker client id.
 */

/**
 * Registers www/sw.js for ./site/ and serves what it forwards for this page.
 * Call it BEFORE `client.configure`, with the `siteUrl` it resolves with.
 * @param {import('./client.js').WorkerClient} client
 * @param {string} swUrl
 * @returns {Promise<ServiceWorkerSite>} once the Service Worker controls ./site/
 */
export async function connectServiceWorker(client, swUrl) {
  let sitePath = null;
  navigator.serviceWorker.addEventListener('message', async (event) => {
    if (event.data?.type !== 'sw-request') return;
    const [port] = event.ports;
    try {
      const { pathname } = new URL(event.data.request.url);
      if (!sitePath || (pathname !== sitePath && !pathname.startsWith(`${sitePath}/`))) {
        throw new Error(`${pathname} is not under this page's site ${sitePath}`);
      }
      const response = await client.handleRequest(event.data.request);
      const body = await response.arrayBuffer();
      port.postMessage(
        { status: response.status, statusText: response.statusText, headers: [...response.headers.entries()], body },
        [body],
      );
    } catch (error) {
      port.postMessage({ error: `The playground could not serve this request: ${error.message}` });
    }
  });
  const registration = await navigator.serviceWorker.register(swUrl, { scope: './' });
  // A tab opened before a new sw.js was deployed may still have the old one
  // active: look for the new one now, so the page talks to the current one.
  await registration.update().catch(() => {});
  const worker = await activated(registration);
  const answer = await ask(worker, { type: 'sw-identify' });
  if (answer?.error || !answer?.siteUrl) throw new Error(`the Service Worker did not identify this page: ${answer?.error ?? JSON.stringify(answer)}`);
  sitePath = new URL(answer.siteUrl).pathname;
  return { siteUrl: answer.siteUrl, sitePath, clientId: answer.clientId };
}

/** The registration's newest worker, once it is activated. */
async function activated(registration) {
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (!worker) throw new Error('the Service Worker registration has no worker');
  while (worker.state !== 'activated') {
    await new Promise((resolve) => worker.addEventListener('statechange', resolve, { once: true }));
    // Replaced by a newer one, or it failed to install: take what the registration has now.
    if (worker.state === 'redundant') {
      if (!(registration.installing ?? registration.waiting ?? registration.active)) {
        throw new Error('the Service Worker failed to install');
      }
      return activated(registration);
    }
  }
  return worker;
}

/** Posts `message` to a Service Worker and resolves with its answer on a MessageChannel. */
function ask(worker, message) {
  const channel = new MessageChannel();
  return new Promise((resolve) => {
    channel.port1.onmessage = ({ data }) => {
      channel.port1.close();
      resolve(data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}
