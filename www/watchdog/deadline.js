// The request deadline: the worker is silent for too long while requests wait.

/**
 * Calls `onSilence(ms)` when the worker has said nothing for `limitMs()`
 * while `waiting()` holds. Measured from the worker's LAST message, not from
 * when a request was sent: requests queued behind a slow one are not blamed
 * for it while answers keep coming. The worker speaks after every job (its
 * status), so silence while a request waits is that request running.
 * @param {() => number} limitMs read at every check (a boot may be allowed longer than a request)
 * @param {() => boolean} waiting
 * @param {(silentMs: number) => void} onSilence
 */
export function createSilenceWatchdog(limitMs, waiting, onSilence) {
  let lastHeard = Date.now();
  let timer = null;
  const check = () => {
    timer = null;
    if (!waiting()) return;
    const silent = Date.now() - lastHeard;
    if (silent >= limitMs()) onSilence(silent);
    else arm(limitMs() - silent);
  };
  const arm = (ms) => { timer ??= setTimeout(check, ms); };
  return {
    /** The worker said something: silence counts from now. */
    heard() { lastHeard = Date.now(); },
    /** A request was sent; `firstWaiting` when none was waiting before (silence counts from now). */
    start(firstWaiting) {
      if (firstWaiting) lastHeard = Date.now();
      arm(limitMs());
    },
    stop() {
      clearTimeout(timer);
      timer = null;
    },
  };
}
