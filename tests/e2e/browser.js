// Shared set-up for the end-to-end tests: the built page served on loopback,
// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts the server and a browser; returns { url, browser, close }. */
export async function launch({ args = [], mounts } = {}) {
  const server = await startServer({ port: 0, mounts });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...args] });
  return {
    url,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Opens the playground and waits until the site shows in the iframe. */
export async function openPlayground(browser, url, { query = '', readyTimeoutMs = 60_000, firstSelector = 'h1' } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url + query);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: readyTimeoutMs }).catch((error) => {
    throw new Error(`the playground did not become ready: ${error.message}; page errors: ${problems.join(' | ')}`);
  });
  const frame = page.frameLocator('#site');
  await frame.locator(firstSelector).first().waitFor({ timeout: 30_000 });
  return { context, page, frame, problems };
}

/** Creates a course through the stand-in's form in the iframe and waits for its page. */
export async function createCourse(frame, name, shortname) {
  await frame.getByRole('link', { name: /add.*course/i }).first().click();
  await frame.locator('input[name="fullname"]').fill(name);
  await frame.locator('input[name="shortname"]').fill(shortname);
  await frame.locator('form [type="submit"]').first().click();
  await frame.getByRole('heading', { name }).first().waitFor();
}

/**
 * Waits until the worker says every request it served is in the save that
 * landed: a status saying `saved` (no save due, none being written) from
 * after the call.
 */
export async function waitUntilSaved(page) {
  await page.evaluate(() => {
    // Only statuses from now on count: an earlier call's saves are not this one's.
    if (!window.__saves) window.playground.client.on('status', (status) => window.__saves.push(status));
    window.__saves = [];
  });
  // Ask for one more status, so the wait does not depend on which one came last.
  await page.evaluate(() => window.playground.client.handleRequest({ method: 'GET', url: `${window.playground.sitePath}/` }));
  await page.waitForFunction(() => window.__saves.some((s) => s.store === 'saved' && s.lastSave), null, { timeout: 30_000 })
    .catch(async (error) => { throw new Error(`never saved: ${JSON.stringify(await page.evaluate(() => window.__saves.at(-1)))}: ${error.message}`); });
}

/** Installs a plugin zip through the stand-in's "Install plugin from ZIP file" page in the iframe. */
export async function installPlugin(page, frame, component, zip) {
  await page.evaluate(() => { document.getElementById('site').src = `${window.playground.sitePath}/admin/tool/installaddon/index.php`; });
  await frame.locator('#id_zipfile').setInputFiles({ name: `${component}.zip`, mimeType: 'application/zip', buffer: zip });
  await frame.locator('form [type="submit"]').first().click();
  await frame.getByText(`Plugin ${component} installed`).first().waitFor();
}

