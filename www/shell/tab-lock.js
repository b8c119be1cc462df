// One writer per site across tabs: the tab that holds the site's Web Lock
// runs it on the saved store; another tab of the same site gets a separate
// copy that is not saved (two PHP instances never write one store). That
// tab may take the site over: it asks the owner on a BroadcastChannel of
// the site's name, the owner stops its worker and lets the lock go, and the
// taker reloads as the owner (restoring the save). Closing the owner tab
// lets the lock go too, so the next tab loaded owns the site.

const TAKE_OVER = 'take-over';

/**
 * @typedef {object} SiteClaim
 * @property {boolean} owner Whether this tab owns the site's save.
 * @property {(handler: () => Promise<void>) => void} onTakenOver (Owner) what to do before the lock goes to the tab that asked: stop the worker, so no save lands after.
 * @property {() => Promise<void>} takeOver (Not, or no longer, the owner) asks the owner to let go; resolves once it has.
 */

/**
 * Claims `site` for this tab if no other tab holds it.
 * @param {string} site
 * @returns {Promise<SiteClaim>}
 */
export function claimSite(site) {
  const name = `resilient-php-worker:site:${site}`;
  // No Web Locks: a single-tab browser context.
  if (!navigator.locks) return Promise.resolve({ owner: true, onTakenOver() {}, takeOver: async () => {} });
  const claim = (owner, onTakenOver = () => {}) => ({ owner, onTakenOver, takeOver: () => takeOver(name) });
  return new Promise((resolve, reject) => {
    navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(claim(false));
        return undefined;
      }
      // Held for the page's lifetime (the browser releases it when the tab
      // goes), or until another tab takes the site over.
      return new Promise((release) => {
        let beforeRelease = async () => {};
        const channel = new BroadcastChannel(name);
        channel.onmessage = async ({ data }) => {
          if (data?.type !== TAKE_OVER) return;
          channel.close();
          await beforeRelease().catch(() => {});
          release();
        };
        resolve(claim(true, (handler) => { beforeRelease = handler; }));
      });
    }).catch(reject);
  });
}

/** Asks the owner of lock `name` to let go, and waits until it has. */
async function takeOver(name) {
  const channel = new BroadcastChannel(name);
  channel.postMessage({ type: TAKE_OVER });
  channel.close();
  // Granted once the owner has stopped its worker and let the lock go; let
  // go at once, so the reloaded page claims it.
  await navigator.locks.request(name, () => undefined);
}
