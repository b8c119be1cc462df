// End to end: a crash the worker handles is not an error of the page. After
// a handled PHP crash ("Crash PHP now" with each real fault, or inject-fault
// then a request) neither the page, its iframe nor the PHP worker shows an
// uncaught error, an unhandled rejection or a console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

// Runs in the PHP worker: records what the console would show as an error.
function recordWorkerProblems() {
  self.__problems = [];
  self.addEventListener('error', (event) => self.__problems.push(`uncaught: ${event.message}`));
  self.addEventListener('unhandledrejection', (event) => self.__problems.push(`unhandled rejection: ${event.reason?.stack ?? event.reason}`));
  const original = console.error.bind(console);
  console.error = (...args) => {
    self.__problems.push(`console.error: ${args.map(String).join(' ')}`);
    original(...args);
  };
}

/** The playground, watched from before its first script: page, iframe and worker. */
async function openWatched() {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  // pageerror: uncaught errors of the page, its iframe, and (Playwright forwards them) its dedicated worker.
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  const worker = new Promise((resolve, reject) => {
    page.once('worker', (w) => w.evaluate(recordWorkerProblems).then(() => resolve(w), reject));
  });
  await page.goto(env.url);
  await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
  await page.frameLocator('#site').getByText('Moodle Playground').first().waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    window.__recoveries = [];
    window.playground.client.on('recovered', (event) => window.__recoveries.push(event));
  });
  return { context, page, problems, worker: await worker };
}

/** After the crash was handled: one more request through the worker, then nothing may have been logged. */
async function assertNothingLogged({ page, problems, worker }) {
  const status = await page.evaluate(async () => {
    const { client, sitePath } = window.playground;
    const response = await client.handleRequest({ url: `${sitePath}/index.php` });
    await response.arrayBuffer();
    return response.status;
  });
  assert.equal(status, 200);
  assert.deepEqual(await worker.evaluate(() => self.__problems), [], 'the PHP worker logged errors');
  assert.deepEqual(problems, [], 'the page (or its iframe or worker) logged errors');
}

for (const fault of ['memory', 'table', 'stack']) {
  test(`a handled crash ("Crash PHP now", ${fault}) logs no error in page, iframe or worker`, async () => {
    const watched = await openWatched();
    try {
      const { page } = watched;
      await page.evaluate(() => { document.getElementById('site').contentWindow.__previousDocument = true; });
      await page.locator(`button[data-fault="${fault}"]`).click();
      await page.waitForFunction(() => window.__recoveries.length === 1, null, { timeout: 30_000 });
      // The replayed page is shown in the iframe.
      await page.waitForFunction(() => {
        try {
          const frame = document.getElementById('site').contentWindow;
          return !frame.__previousDocument && frame.document.readyState === 'complete';
        } catch {
          return false;
        }
      }, null, { timeout: 30_000 });
      assert.equal(await page.evaluate(() => window.__recoveries[0].replayed), true);
      await assertNothingLogged(watched);
    } finally {
      await watched.context.close();
    }
  });
}

test('inject-fault then a request: the replayed answer, and no error logged', async () => {
  const watched = await openWatched();
  try {
    const answer = await watched.page.evaluate(async () => {
      const { client, sitePath } = window.playground;
      client.injectFault('memory');
      const response = await client.handleRequest({ url: `${sitePath}/index.php?after=inject-fault` });
      return { status: response.status, text: await response.text() };
    });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /Moodle Playground/);
    assert.equal(await watched.page.evaluate(() => window.__recoveries.length), 1);
    await assertNothingLogged(watched);
  } finally {
    await watched.context.close();
  }
});
