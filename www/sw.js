// Service Worker: hands the iframe's requests under ./site/ to the page, which
// serves them through the PHP worker, so links, forms and redirects behave as
// on a real server. It keeps no state of its own.

const SCOPE_PATH = new URL('./site/', self.registration.scope).pathname;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE_PATH)) return;
  event.respondWith(serveThroughPage(event.request));
});

async function serveThroughPage(request) {
  const shell = await findShell();
  if (!shell) {
    return new Response('The playground page is not open: reload it.', { status: 503, headers: { 'content-type': 'text/plain' } });
  }
  const body = ['GET', 'HEAD'].includes(request.method) ? null : await request.arrayBuffer();
  const headers = Object.fromEntries(request.headers.entries());
  const channel = new MessageChannel();
  const answer = new Promise((resolve) => { channel.port1.onmessage = ({ data }) => resolve(data); });
  shell.postMessage(
    { type: 'sw-request', request: { method: request.method, url: request.url, headers, body } },
    [channel.port2, ...(body ? [body] : [])],
  );
  const reply = await answer;
  if (reply.error) {
    return new Response(reply.error, { status: 502, headers: { 'content-type': 'text/plain' } });
  }
  const location = reply.headers.find(([name]) => name.toLowerCase() === 'location');
  if (location && [301, 302, 303, 307, 308].includes(reply.status)) {
    // Navigations only follow redirects the Fetch API built itself.
    return Response.redirect(new URL(location[1], request.url).href, reply.status);
  }
  const nullBody = [101, 103, 204, 205, 304].includes(reply.status) || request.method === 'HEAD';
  return new Response(nullBody ? null : reply.body, { status: reply.status, statusText: reply.statusText, headers: reply.headers });
}

/** The playground page (a window outside ./site/) that owns the PHP worker. */
async function findShell() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return windows.find((client) => !new URL(client.url).pathname.startsWith(SCOPE_PATH));
}
