// Figures 2, 3, 5 and 6 on the bench page (dist/bench/index.html): its
// workers run the real Rust code and, beside it, @php-wasm called directly.
// Each figure gets a fresh context, so one figure's memory cannot slow the next.

/** Opens the bench page, runs `fn(page)`, closes the context. */
export async function onBenchPage(browser, url, fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  try {
    await page.goto(new URL('bench/index.html', url).href);
    await page.waitForFunction(() => window.bench, null, { timeout: 30_000 });
    return await fn(page);
  } catch (error) {
    throw new Error(`${error.message}${errors.length ? `; page errors: ${errors.join(' | ')}` : ''}`);
  } finally {
    await context.close();
  }
}

export const mirrorThroughput = (browser, url, args) =>
  onBenchPage(browser, url, (page) => page.evaluate((a) => window.bench.task('mirror', a), args));

export const requestOverhead = (browser, url, args) =>
  onBenchPage(browser, url, (page) => page.evaluate((a) => window.bench.requestOverhead(a), args));

export const instanceCreation = (browser, url, args) =>
  onBenchPage(browser, url, (page) => page.evaluate((a) => window.bench.task('instances', a), args));

export const rotationVersusHotSwap = (browser, url, args) =>
  onBenchPage(browser, url, (page) => page.evaluate((a) => window.bench.task('rotation', a), args));
