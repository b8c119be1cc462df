// Bench-only: @php-wasm used directly, as a page would use it without this
// project's Rust layer. It is the yardstick for figures 3, 5 and 6 of
// `npm run bench`, not product code (the product touches @php-wasm only in
// www/php-host.js).
import { loadPHPRuntime, PHP, PHPRequestHandler, setPhpIniEntries } from '@php-wasm/universal';
import { getPHPLoaderModule } from '@php-wasm/web-8-3';

/** The php.ini www/php-host.js sets, so both sides run the same PHP. */
const PHP_INI = { disable_functions: 'proc_open,popen,exec,shell_exec,system,passthru' };

/** Downloads and compiles the PHP wasm once: { loader, bytes, module }. */
export async function loadPhpWasm() {
  const loader = await getPHPLoaderModule();
  const response = await fetch(loader.dependencyFilename);
  if (!response.ok) throw new Error(`could not download the PHP wasm: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { loader, bytes, module: await WebAssembly.compile(bytes) };
}

/**
 * A fresh runtime id from an already-compiled module: the top-level
 * `instantiateWasm` option is the path www/php-host.js takes too.
 */
export function runtimeFromModule(loader, module) {
  return new Promise((resolve, reject) => {
    loadPHPRuntime(loader, {
      instantiateWasm(imports, receiveInstance) {
        WebAssembly.instantiate(module, imports).then((instance) => receiveInstance(instance, module), reject);
        return {};
      },
    }).then(resolve, reject);
  });
}

/** A PHP on a fresh runtime, with the product's php.ini and a request handler. */
export async function createPhp(loader, module, { documentRoot, siteUrl }) {
  const php = new PHP(await runtimeFromModule(loader, module));
  await setPhpIniEntries(php, PHP_INI);
  const handler = new PHPRequestHandler({ php, documentRoot, absoluteUrl: siteUrl, cookieStore: false });
  return { php, handler };
}

/**
 * The same wasm with a custom section appended: a valid module with other
 * bytes, so V8 cannot hand back the code it compiled for the original
 * (it caches native modules by their bytes).
 */
export function withNonce(bytes, nonce) {
  const name = new TextEncoder().encode(`bench-nonce-${nonce}`);
  // Custom section: id 0, size, name length, name (all lengths < 128: one LEB128 byte each).
  const section = Uint8Array.of(0, name.length + 1, name.length, ...name);
  const copy = new Uint8Array(bytes.length + section.length);
  copy.set(bytes);
  copy.set(section, bytes.length);
  return copy;
}

/** Forces a full GC when the browser runs with --js-flags=--expose-gc. */
export function collectGarbage() {
  globalThis.gc?.();
}
