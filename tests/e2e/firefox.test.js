// The playground page in headless Firefox ESR. playwright-core cannot drive
// Firefox here, so this speaks plain W3C WebDriver to geckodriver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { startServer } from '../../scripts/serve.js';

const GECKODRIVER_PORT = 4444 + Math.floor(Math.random() * 1000);

/** A minimal W3C WebDriver session. */
async function openSession() {
  const base = `http://127.0.0.1:${GECKODRIVER_PORT}`;
  const call = async (method, path, body) => {
    const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  };
  const { sessionId } = await call('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] } } },
  });
  const session = `/session/${sessionId}`;
  return {
    goto: (url) => call('POST', `${session}/url`, { url }),
    run: (script, ...args) => call('POST', `${session}/execute/sync`, { script, args }),
    /** Polls a script until it returns a truthy value; fails with `what` after `ms`. */
    async waitFor(script, what, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await call('POST', `${session}/execute/sync`, { script, args: [] }).catch(() => null);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    close: () => call('DELETE', session),
  };
}

let server;
let driver;
let url;
before(async () => {
  server = await startServer({ port: 0 });
  url = `http://127.0.0.1:${server.address().port}/`;
  const geckodriver = execFileSync('sh', ['-c', 'command -v geckodriver']).toString().trim();
  driver = spawn(geckodriver, ['--host', '127.0.0.1', '--port', String(GECKODRIVER_PORT)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => driver.once('exit', (code) => resolve(code)));
  // Wait until geckodriver answers (or fails clearly), however long it takes to start.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${GECKODRIVER_PORT}/status`).then(() => true, () => false);
    if (up) break;
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 100))]);
    if (code !== undefined) throw new Error(`geckodriver exited (code ${code}) before it answered on port ${GECKODRIVER_PORT}`);
    if (Date.now() > deadline) throw new Error(`geckodriver did not answer on port ${GECKODRIVER_PORT} within 30 s`);
  }
});
after(() => {
  driver?.kill();
  server?.close();
});

const SITE_HEADING = `return document.getElementById('site').contentDocument?.querySelector('header a')?.textContent`;

test('in Firefox the site appears, a real crash is survived and the page comes back', async () => {
  const browser = await openSession();
  try {
    await browser.goto(url);
    assert.equal(await browser.waitFor(SITE_HEADING, 'the site in the iframe'), 'Moodle Playground');
    await browser.run(`document.querySelector('button[data-fault="memory"]').click()`);
    await browser.waitFor(`return /Recovered in \\d+ ms/.test(document.getElementById('progress-text').textContent)`, 'the recovery');
    assert.equal(await browser.waitFor(SITE_HEADING, 'the site after the recovery'), 'Moodle Playground');
    const log = await browser.run(`return document.getElementById('log').textContent`);
    assert.match(log, /"kind":"memory-out-of-bounds"/);
  } finally {
    await browser.close();
  }
});

test('in Firefox the site is saved in OPFS and restored after a reload', async () => {
  const browser = await openSession();
  try {
    await browser.goto(url);
    assert.equal(await browser.waitFor(SITE_HEADING, 'the site in the iframe'), 'Moodle Playground');
    const name = 'Course saved in Firefox';
    // Create the course through the form in the iframe, as a visitor would.
    await browser.run(`window.__saves = []; window.playground.client.on('status', (s) => window.__saves.push(s));
      document.getElementById('site').src = window.playground.sitePath + '/course/edit.php';`);
    await browser.waitFor(`return document.getElementById('site').contentDocument?.querySelector('input[name="fullname"]')`, 'the course form');
    await browser.run(`const d = document.getElementById('site').contentDocument;
      d.querySelector('input[name="fullname"]').value = ${JSON.stringify(name)};
      d.querySelector('input[name="shortname"]').value = 'C-FIREFOX';
      d.querySelector('form [type="submit"]').click();`);
    await browser.waitFor(`return document.getElementById('site').contentDocument?.querySelector('h1, h2')?.textContent.includes(${JSON.stringify(name)})`, 'the new course page');
    await browser.run(`window.playground.client.handleRequest({ method: 'GET', url: window.playground.sitePath + '/' })`);
    await browser.waitFor(`return window.__saves.some((s) => s.store === 'saved' && s.lastSave && s.lastSave.request === s.requestsServed)`, 'the save');
    await browser.goto(url);
    await browser.waitFor(`return window.playground?.ready`, 'the reloaded playground');
    const notice = await browser.run(`return document.getElementById('site-notice-text').textContent`);
    assert.match(notice, /Restored your site as saved at/);
    const front = await browser.waitFor(`return document.getElementById('site').contentDocument?.querySelector('ul.courses')?.textContent`, 'the course list');
    assert.match(front, new RegExp(name));
  } finally {
    await browser.close();
  }
});
