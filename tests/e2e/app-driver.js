// Drives an application in the playground page for the end-to-end tests of
// real applications (MediaWiki, real Moodle): the worker's events collected,
// requests in flight counted and, while a fault is armed, held back; waits that
// name what they waited for; requests straight to the worker; bundle builds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { openPlayground } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = new URL('../../test-results/', import.meta.url);
fs.mkdirSync(ARTIFACTS, { recursive: true });
/** One page in the iframe, with the requests it makes. */
export const PAGE_MS = 60_000;

/**
 * Opens the playground (`query` picks the profile and bundle), instruments it (the worker's events
 * collected; requests in flight counted and, while a fault is armed, held:
 * see holdOtherRequestsUntilCrash), runs `body`, and on
 * failure adds what the worker last said and a screenshot.
 */
export async function withApp(env, { query, name, readyTimeoutMs, firstSelector }, body) {
  const { context, page, problems } = await openPlayground(env.browser, env.url, { query, readyTimeoutMs, firstSelector });
  try {
    const site = await (await page.locator('#site').elementHandle()).contentFrame();
    await page.evaluate(() => {
      const client = window.playground.client;
      window.__appEvents = [];
      client.on('*', (event) => { if (event.type !== 'status' && event.type !== 'progress') window.__appEvents.push(event); });
      // Every request the iframe makes goes through client.handleRequest (sw-bridge.js).
      const handle = client.handleRequest.bind(client);
      window.__appInFlight = 0;
      window.__appGate = null;
      const send = (request) => {
        window.__appInFlight++;
        const done = () => { window.__appInFlight--; };
        const answer = handle(request);
        answer.then(done, done);
        return answer;
      };
      client.handleRequest = (request) => {
        const gate = window.__appGate;
        if (gate && !gate.lets.test(request.url)) return gate.opened.then(() => send(request));
        return send(request);
      };
    });
    const navigations = [];
    page.on('response', (response) => {
      if (response.frame() === site && response.request().isNavigationRequest()) {
        navigations.push({ url: response.url(), status: response.status() });
      }
    });
    await body({ page, site, events: eventsOf(page), navigations });
  } catch (error) {
    const screenshot = new URL(`failure-${name}.png`, ARTIFACTS).pathname;
    await page.screenshot({ path: screenshot }).catch(() => {});
    const events = await page.evaluate(() => window.__appEvents?.slice(-15) ?? []).catch(() => []);
    const where = await page.evaluate(() => document.getElementById('site').contentWindow.location.href).catch(() => '?');
    // A new error: the reporter prints the stack, which holds the message as it was first formatted.
    throw new Error(`${error.message}\n  iframe at: ${where}\n  screenshot: ${screenshot}` +
      `\n  last worker events:\n    ${events.map((e) => JSON.stringify(e).slice(0, 300)).join('\n    ') || '(none)'}` +
      (problems.length ? `\n  page errors: ${problems.join(' | ')}` : ''), { cause: error });
  } finally {
    await context.close();
  }
}

/** The worker's events as the page collected them (no `status`/`progress`). */
function eventsOf(page) {
  const all = () => page.evaluate(() => window.__appEvents);
  return {
    count: async () => (await all()).length,
    since: async (index) => (await all()).slice(index),
    /** The first event of `type` after index `start`, waiting up to `timeout` ms. */
    async waitFor(type, start, timeout) {
      const handle = await page.waitForFunction(([t, s]) => window.__appEvents.slice(s).find((e) => e.type === t), [type, start], { timeout })
        .catch(async (error) => {
          const recent = (await all()).slice(start).map((e) => e.type).join(', ') || 'none';
          throw new Error(`no "${type}" event from the worker within ${timeout / 1000} s (events since: ${recent}): ${error.message}`);
        });
      return handle.jsonValue();
    },
  };
}

/**
 * Before a fault is armed: from now until the worker reports the crash (or
 * Failed), every request to the worker except the ones matching `lets` is
 * held back (an application's JS loads modules and calls its API whenever
 * it likes), then waits until every request sent before has been answered. So
 * the armed fault can only meet the request it is meant for, however the
 * page's background requests are timed.
 */
export async function holdOtherRequestsUntilCrash(page, lets) {
  await page.evaluate(([source, flags]) => {
    const { client } = window.playground;
    let open;
    const opened = new Promise((resolve) => { open = resolve; });
    window.__appGate = { lets: new RegExp(source, flags), opened };
    const stops = [];
    const release = () => {
      for (const stop of stops) stop();
      window.__appGate = null;
      open();
    };
    stops.push(client.on('crash', release), client.on('failed', release));
  }, [lets.source, lets.flags]);
  await page.waitForFunction(() => window.__appInFlight === 0, null, { timeout: PAGE_MS })
    .catch(async (error) => {
      const inFlight = await page.evaluate(() => window.__appInFlight).catch(() => '?');
      throw new Error(`requests sent before the fault was armed were not answered (${inFlight} still in flight after ${PAGE_MS / 1000} s): ${error.message}`);
    });
}

export const frameOf = (page) => page.frameLocator('#site');

/**
 * Runs `action` and waits until the iframe holds a NEW document (so a selector
 * the old page also had cannot answer for the new one).
 */
export async function inNewDocument(site, what, action, timeout = PAGE_MS) {
  await site.evaluate(() => { window.__appOldDocument = true; }).catch(() => {});
  await action();
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const fresh = await site.evaluate(() => !window.__appOldDocument && document.readyState !== 'loading').catch(() => false);
    if (fresh) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: the iframe showed no new page within ${timeout / 1000} s (still ${site.url()})`);
}

/** Navigates the iframe with the address bar and waits for `selector` on the new page. */
export async function goTo(page, site, sitePath, selector) {
  await inNewDocument(site, `open ${sitePath}`, async () => {
    await page.locator('#address').fill(sitePath);
    await page.locator('#address').press('Enter');
  });
  await frameOf(page).locator(selector).first().waitFor({ timeout: PAGE_MS });
}

// ---------------------------------------------------------------- straight to the worker

/** A GET of `path` on the site (under this tab's sitePath) through window.playground.client.handleRequest (the worker's cookie jar applies). */
export async function fetchThroughWorker(page, path) {
  return page.evaluate(async (p) => {
    const response = await window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}${p}` });
    return { status: response.status, text: await response.text() };
  }, path);
}

/** A GET of `url` (a full path, e.g. a link's, already under sitePath) through the worker. */
export async function fetchBytes(page, url) {
  const { status, bytes } = await page.evaluate(async (u) => {
    const response = await window.playground.client.handleRequest({ method: 'GET', url: u });
    return { status: response.status, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
  }, url);
  assert.equal(status, 200, `GET ${url}`);
  return new Uint8Array(bytes);
}

export function assertSameBytes(actual, expected, what) {
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)),
    `${what}: ${actual.length} bytes (starting ${Buffer.from(actual).subarray(0, 8).toString('hex')}), expected the ${expected.length} bytes uploaded`);
}

/** The iframe's last navigation (Playwright reports the Service Worker's answers) went to `url` and got `status`. */
export function assertLastNavigation(navigations, status, url) {
  const last = navigations.at(-1);
  assert.ok(last && url.test(last.url) && last.status === status,
    `the iframe's last navigation should be ${url} → ${status}; the navigations: ${navigations.map((n) => `${n.status} ${n.url}`).join(', ')}`);
}

/** Runs a bundle builder (idempotent: fast when up to date) and checks it left `zip`. */
export async function buildBundle(script, zip, { timeoutMs, env: extraEnv = {} }) {
  const BUILD_MS = timeoutMs;
  try {
    await promisify(execFile)(path.join(root, script), [], { cwd: root, timeout: BUILD_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...extraEnv } });
  } catch (error) {
    const tail = (text) => String(text ?? '').trim().split('\n').slice(-20).join('\n');
    throw new Error(`${script} failed (${error.killed ? `killed after ${BUILD_MS / 1000} s` : `exit ${error.code}`}):\n${tail(error.stdout)}\n${tail(error.stderr)}`);
  }
  assert.ok(fs.existsSync(path.join(root, zip)), `the build left no ${zip}`);
}

/** A small RGB PNG, different for each size. */
export function makePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buffer) => {
    let c = 0xffffffff;
    for (const b of buffer) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = x * 16; raw[o + 1] = y * 16; raw[o + 2] = 200;
    }
  }
  return new Uint8Array(Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]));
}
