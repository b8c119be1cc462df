// Poison requests: a request that made the worker stop answering (or die) is
// not sent again in this tab until the user releases it, so one endless loop
// cannot take the fresh worker down with it. Keyed by method and URL (path
// and query, not the host): the same page asked again is the same request.

/** The quarantine key of a request: "GET /site/x/loop.php?a=1". */
export function requestKey(method, url) {
  const { pathname, search } = new URL(url, 'http://playground.invalid');
  return `${method.toUpperCase()} ${pathname}${search}`;
}

/** @returns {{ add(key: string, reason: string): void, get(key: string): { key: string, reason: string, atMs: number } | undefined, release(key: string): boolean, list(): { key: string, reason: string, atMs: number }[] }} */
export function createQuarantine() {
  const entries = new Map();
  return {
    add(key, reason) { entries.set(key, { key, reason, atMs: Date.now() }); },
    get(key) { return entries.get(key); },
    release(key) { return entries.delete(key); },
    list() { return [...entries.values()]; },
  };
}
