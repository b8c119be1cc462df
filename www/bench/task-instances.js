// Figure 5: a fresh PHP instance from the cached compiled module (what a
// recovery does) against compiling the wasm again; plus the product's own
// host (www/php-host.js createRuntime), which adds php.ini and a first run.
import { PHP } from '@php-wasm/universal';
import { createPhpHost } from '../php-host.js';
import { loadPhpWasm, runtimeFromModule, withNonce, collectGarbage } from './direct-php.js';

export async function instanceCreation({ repetitions }) {
  const { loader, bytes, module } = await loadPhpWasm();
  const host = createPhpHost();
  await host.createRuntime({ documentRoot: '/www', siteUrl: 'http://localhost/' }).then((runtime) => runtime.destroy());
  const samples = { fromModuleMs: [], compileAgainMs: [], compileOnlyMs: [], productHostMs: [] };
  // Round 0 warms up and is dropped; the order alternates so neither side always goes first.
  for (let round = 0; round <= repetitions; round++) {
    const fromModule = async () => {
      const started = performance.now();
      await firstRun(loader, module);
      return { fromModuleMs: performance.now() - started };
    };
    const compileAgain = async () => {
      const started = performance.now();
      const fresh = await WebAssembly.compile(withNonce(bytes, round));
      const compiled = performance.now();
      await firstRun(loader, fresh);
      return { compileAgainMs: performance.now() - started, compileOnlyMs: compiled - started };
    };
    const productHost = async () => {
      const started = performance.now();
      const runtime = await host.createRuntime({ documentRoot: '/www', siteUrl: 'http://localhost/' });
      const ms = performance.now() - started;
      runtime.destroy();
      return { productHostMs: ms };
    };
    const order = round % 2 ? [compileAgain, fromModule, productHost] : [fromModule, compileAgain, productHost];
    for (const measure of order) {
      const timings = await measure();
      collectGarbage();
      if (round > 0) for (const [key, ms] of Object.entries(timings)) samples[key].push(ms);
    }
  }
  return samples;
}

/** Instantiates, runs a first script (the instance is usable), and lets it go. */
async function firstRun(loader, module) {
  const php = new PHP(await runtimeFromModule(loader, module));
  const output = await php.run({ code: '<?php echo 1 + 1;' });
  if (output.text !== '2') throw new Error(`the fresh instance printed ${JSON.stringify(output.text)}`);
  php.exit();
}
