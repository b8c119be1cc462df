// The page's end of the Service Worker: answers the iframe's requests that
// www/sw.js forwards, using the worker client.

/**
 * Registers www/sw.js for ./site/ and serves what it forwards.
 * @param {import('./client.js').WorkerClient} client
 * @returns {Promise<void>} resolves once the Service Worker controls ./site/
 */
export async function connectServiceWorker(client, swUrl) {
  navigator.serviceWorker.addEventListener('message', async (event) => {
    if (event.data?.type !== 'sw-request') return;
    const [port] = event.ports;
    try {
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
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (worker.state !== 'activated') {
    await new Promise((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
  }
}
