// One writer per site across tabs: the tab that holds the site's Web Lock
// runs it on the saved store; another tab of the same site gets a separate
// copy that is not saved (two PHP instances never write one store).

/**
 * Resolves true when this tab owns `site` (it keeps the lock until it
 * closes, which hands the site to the next tab that opens it), false when
 * another tab has it.
 * @param {string} site
 */
export function claimSite(site) {
  if (!navigator.locks) return Promise.resolve(true); // no Web Locks: a single-tab browser context
  return new Promise((resolve, reject) => {
    navigator.locks.request(`resilient-php-worker:site:${site}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Held for the page's lifetime: the browser releases it when the tab goes.
      return lock ? new Promise(() => {}) : undefined;
    }).catch(reject);
  });
}
