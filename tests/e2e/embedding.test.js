// The package built from this repo, embedded in another frontend: the
// minimal example is installed by path and built here, then serves PHP; and
// the bundle loader takes a site zip from a URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { launch, openPlayground } from './browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = path.join(root, 'examples/minimal');

test('the minimal example, installed by path, builds and serves a page from the worker', async () => {
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: example, stdio: 'inherit' });
  execFileSync('npx', ['webpack', '--config', path.join(example, 'webpack.config.js')], { cwd: root, stdio: 'pipe' });
  const env = await launch({ mounts: [['/', path.join(example, 'dist')]] });
  try {
    const page = await env.browser.newPage();
    await page.goto(env.url);
    await page.waitForFunction(() => document.getElementById('title').textContent === 'Moodle Playground', null, { timeout: 60_000 });
    assert.match(await page.locator('#status').innerText(), /PHP 8\.3\.\d+ ready/);
    await page.locator('#crash').click();
    await page.waitForFunction(() => /recovered: .*"replayed":true/.test(document.getElementById('events').textContent), null, { timeout: 30_000 });
    assert.equal(await page.locator('#title').innerText(), 'Moodle Playground');
  } finally {
    await env.close();
  }
});

describeBundleLoader();

function describeBundleLoader() {
  let env;
  before(async () => {
    // The demo site zipped here, plus a page only this bundle has.
    const files = {};
    const site = path.join(root, 'www/demo-site');
    for (const file of fs.readdirSync(site, { recursive: true })) {
      const full = path.join(site, file);
      if (fs.statSync(full).isFile()) files[file.split(path.sep).join('/')] = fs.readFileSync(full);
    }
    files['from-the-test-bundle.php'] = new TextEncoder().encode('<?php echo "<h1>Served from a bundle built by the test</h1>";');
    const dir = path.join(root, 'target/e2e-fixtures');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'test-site.zip'), zipSync(files));
    env = await launch();
  });
  after(async () => { await env?.close(); });

  test('the bundle loader takes a site zip from a URL and serves it', async () => {
    const { context, frame } = await openPlayground(env.browser, env.url, {
      query: '?bundle=/fixtures/test-site.zip&path=/from-the-test-bundle.php',
    });
    await frame.getByRole('heading', { name: 'Served from a bundle built by the test' }).waitFor();
    await context.close();
  });

  test('a bundle URL that does not exist ends in Failed with the reason, not a dead page', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.url}?bundle=/fixtures/missing.zip`);
    const banner = page.locator('#failed-banner');
    await banner.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await banner.innerText(), /could not load the site bundle .*missing\.zip.*404/);
    await context.close();
  });
}
