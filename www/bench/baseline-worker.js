// Bench-only: the message loop the figure-3 baseline workers share
// (direct-worker.js, host-worker.js). It answers the Rust worker's protocol
// (configure → ready or failed; http-request → http-response or error), one
// request at a time in arrival order like the Rust worker, so the same
// www/client.js drives every side and only what serves a request differs.
import { FromWorker, ToWorker } from '../protocol.js';

/** The webroot of the Moodle profile (src/profile/moodle.rs), where both load the bundle. */
export const WEBROOT = '/www/moodle';

/**
 * @param {(config: object) => Promise<T>} boot makes what serves requests
 * @param {(booted: T, request: object) => Promise<{status: number, headers: object, bytes: Uint8Array}>} serve
 * @template T
 */
export function runBaselineWorker(boot, serve) {
  let booted = null; // Promise of what boot() made, once configured
  let serving = Promise.resolve();
  self.onmessage = ({ data }) => {
    if (data?.type === ToWorker.configure && !booted) {
      booted = boot(data.config);
      booted.then(
        () => self.postMessage({ type: FromWorker.ready, phpVersion: '', bootMs: 0, restart: false }),
        (error) => self.postMessage({ type: FromWorker.failed, reason: String(error?.stack ?? error) }),
      );
    } else if (data?.type === ToWorker.httpRequest) {
      serving = serving.then(() => answer(data)).catch((error) => {
        self.postMessage({ type: FromWorker.error, id: data.id, message: String(error?.message ?? error) });
      });
    }
  };

  async function answer({ id, request }) {
    const { status, headers, bytes } = await serve(await booted, request);
    // Transfer a buffer of exactly the body, as the Rust worker does.
    const body = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    self.postMessage({ type: FromWorker.httpResponse, id, response: { status, statusText: '', headers, body } }, [body]);
  }
}
