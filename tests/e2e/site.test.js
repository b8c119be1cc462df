// End to end: the built playground page in headless Chromium, with the real
// PHP 8.3 wasm behind a Service Worker, as a person would use it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPlayground } from './browser.js';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

test('the site appears in the iframe, logged in as the admin', async () => {
  const { context, frame } = await openPlayground(env.browser, env.url);
  await assert.doesNotReject(frame.getByText('Moodle Playground').first().waitFor());
  await frame.getByText('Admin User').first().waitFor();
  await context.close();
});

test('a click on a link navigates inside the iframe', async () => {
  const { context, page, frame } = await openPlayground(env.browser, env.url);
  await frame.getByRole('link', { name: /plugins/i }).first().click();
  await frame.getByRole('heading', { name: /plugins/i }).first().waitFor();
  const [src, sitePath] = await page.evaluate(() => [document.getElementById('site').contentWindow.location.pathname, window.playground.sitePath]);
  // The site lives under this tab's own scope (/site/<client id>, see www/sw.js).
  assert.match(sitePath, /^\/site\/[A-Za-z0-9_-]+$/);
  assert.equal(src, `${sitePath}/admin/plugins.php`);
  await context.close();
});

test('a course created through the form is listed on the front page', async () => {
  const { context, frame } = await openPlayground(env.browser, env.url);
  await frame.getByRole('link', { name: /create.*course|add.*course/i }).first().click();
  await frame.locator('input[name="fullname"]').fill('End to End Testing 101');
  await frame.locator('input[name="shortname"]').fill('E2E101');
  await frame.locator('form [type="submit"]').first().click();
  await frame.getByRole('heading', { name: 'End to End Testing 101' }).first().waitFor();
  await frame.getByRole('link', { name: /home|front page|moodle playground/i }).first().click();
  await frame.getByRole('link', { name: 'End to End Testing 101' }).waitFor();
  await context.close();
});

test('logging in as another user sets a session the next page sees', async () => {
  const { context, frame } = await openPlayground(env.browser, env.url);
  // Log out of the auto-login first, then back in through the form.
  await frame.getByRole('link', { name: /log ?out/i }).first().click();
  await frame.getByText('You are not logged in').first().waitFor();
  await frame.getByRole('link', { name: /log ?in/i }).first().click();
  await frame.locator('input[name="username"]').fill('teacher');
  await frame.locator('input[name="password"]').fill('teacher');
  await frame.locator('form [type="submit"]').first().click();
  await frame.getByText('You are logged in as Terry Teacher').first().waitFor();
  // The session is the worker's: a page opened afterwards still sees it.
  await frame.getByRole('link', { name: /plugins/i }).first().click();
  await frame.getByRole('heading', { name: /plugins/i }).first().waitFor();
  await frame.getByText('Terry Teacher').first().waitFor();
  await context.close();
});
