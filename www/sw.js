// Service Worker: hands the iframe's requests under ./site/ to the page, which
// serves them through its PHP worker, so links, forms and redirects behave as
// on a real server.
//
// Each playground tab has its own PHP worker, so each has its own site, and a
// request must reach the tab its iframe lives in. A navigation's FetchEvent
// has no clientId and a Client has no link to its parent window, so the page
// is named in the URL itself: a page's site lives under ./site/<its client id>/
// (the page asks for its id with an `sw-identify` message, see sw-bridge.js).
// The Service Worker keeps no state of its own: the browser may stop and
// restart it at any time, and everything it needs is in the request's URL.

const SITE_PATH = new URL('./site/', self.registration.scope).pathname;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// A page asks for its own client id (over a MessageChannel) and the site URL
// that belongs to it.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'sw-identify') return;
  const [port] = event.ports;
  const id = event.source?.id;
  port?.postMessage(id
    ? { clientId: id, siteUrl: new URL(SITE_PATH + encodeClientId(id), self.registration.scope).href }
    : { error: 'the Service Worker could not tell which page asked' });
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SITE_PATH)) return;
  event.respondWith(serveThroughPage(event.request, url));
});

async function serveThroughPage(request, url) {
  const page = await findPage(decodeClientId(url.pathname.slice(SITE_PATH.length).split('/')[0]));
  if (!page) return ownerGone(request);
  const body = ['GET', 'HEAD'].includes(request.method) ? null : await request.arrayBuffer();
  const headers = Object.fromEntries(request.headers.entries());
  const channel = new MessageChannel();
  const answer = new Promise((resolve) => { channel.port1.onmessage = ({ data }) => resolve(data); });
  page.postMessage(
    { type: 'sw-request', request: { method: request.method, url: request.url, headers, body } },
    [channel.port2, ...(body ? [body] : [])],
  );
  const reply = await answer;
  channel.port1.close();
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

/** The playground page (a window outside ./site/) whose client id is `id`, or null. */
async function findPage(id) {
  if (!id) return null;
  const isPage = (client) => client?.type === 'window' && !new URL(client.url).pathname.startsWith(SITE_PATH);
  const client = await self.clients.get(id).catch(() => undefined);
  if (isPage(client)) return client;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return windows.find((candidate) => candidate.id === id && isPage(candidate)) ?? null;
}

/** The answer when the page that owned this site is gone: its PHP worker went with it. */
function ownerGone(request) {
  const playground = self.registration.scope;
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Playground tab closed</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>This site is no longer running</h1>
<p>The playground tab that owned this page was closed or reloaded, and the PHP site it ran went with it.</p>
<p><a href="${playground}" target="_top">Open the playground again</a>.</p>
</body></html>`;
  return new Response(request.method === 'HEAD' ? null : html, {
    status: 503,
    statusText: 'Playground tab closed',
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

// A client id as one path segment, with no percent-encoding (the site's own
// URL handling never sees an escaped byte): letters, digits and `-` stay as
// they are (a Chromium id is a UUID), every other UTF-8 byte becomes `_xx`.
function encodeClientId(id) {
  let segment = '';
  for (const byte of new TextEncoder().encode(id)) {
    const char = String.fromCharCode(byte);
    segment += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return segment;
}

/** The client id `encodeClientId` made `segment` from, or null if it is not such a segment. */
function decodeClientId(segment) {
  if (!/^(?:[A-Za-z0-9-]|_[0-9a-f]{2})+$/.test(segment)) return null;
  const bytes = [...segment.matchAll(/_([0-9a-f]{2})|./g)].map(([char, hex]) => (hex ? parseInt(hex, 16) : char.charCodeAt(0)));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}
