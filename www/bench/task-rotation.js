// Figure 6: our rotation (the REAL Rust worker: snapshot, restore onto the
// warm standby, re-register; each rotation waits until a standby is ready,
// as an idle worker has one) against @php-wasm's own
// `hotSwapPHPRuntime` (a fresh runtime from the same cached module, then a
// copy of every MEMFS node), both on the same state: the demo site grown to
// a large DB plus uploads. Rounds alternate between the two.
import init, { WorkerApp } from '../../pkg/resilient_php_worker.js';
import { createPhpHost } from '../php-host.js';
import { trackRuntimes, startInProcessWorker } from './in-process-worker.js';
import { loadPhpWasm, createPhp, runtimeFromModule, collectGarbage } from './direct-php.js';

const WEBROOT = '/www/moodle'; // the Moodle profile's webroot (src/profile/moodle.rs)

export async function rotationVersusHotSwap({ siteUrl, bundleUrl, dbMiB, uploads, uploadKiB, repetitions }) {
  await init();
  const runtimes = trackRuntimes(createPhpHost());
  const worker = startInProcessWorker(WorkerApp, runtimes.host);
  let standby = null;
  worker.on((event) => { if (event.type === 'status') standby = event.standby; });
  // Every second request rotates: the rotations are then triggered on demand.
  worker.configure({ siteUrl, bundleUrl, rotateAfterRequests: 2, standby: true });
  await worker.ready;
  const grown = await worker.request('GET', `${siteUrl}/bench/grow.php?dbmib=${dbMiB}&uploads=${uploads}&uploadkib=${uploadKiB}`);
  if (grown.status !== 200) throw new Error(`grow.php answered ${grown.status}: ${new TextDecoder().decode(grown.body)}`);
  const state = JSON.parse(new TextDecoder().decode(grown.body));

  // The hot swap's PHP starts from a copy of the files the worker serves with.
  const { loader, module } = await loadPhpWasm();
  const direct = await createPhp(loader, module, { documentRoot: WEBROOT, siteUrl });
  const copied = { files: 0, bytes: 0 };
  for (const dir of ['/www', '/persist']) copyTree(runtimes.current(), direct.php, dir, copied);

  const samples = { rotatedMs: [], rotatingRequestMs: [], hotSwapMs: [], hotSwapFirstRequestMs: [] };
  for (let round = 0; round <= repetitions; round++) {
    let ours, theirs;
    const measureOurs = async () => {
      await standbyReady(worker, () => standby);
      ours = await rotateOnce(worker, siteUrl);
    };
    const measureTheirs = async () => { theirs = await hotSwapOnce(direct, loader, module, siteUrl); };
    for (const measure of round % 2 ? [measureTheirs, measureOurs] : [measureOurs, measureTheirs]) {
      await measure();
      collectGarbage();
    }
    if (round === 0) continue; // warm-up
    samples.rotatedMs.push(ours.rotatedMs);
    samples.rotatingRequestMs.push(ours.requestMs);
    samples.hotSwapMs.push(theirs.swapMs);
    samples.hotSwapFirstRequestMs.push(theirs.firstRequestMs);
  }
  direct.php.exit();
  return { state: { ...state, memfsFiles: copied.files, memfsBytes: copied.bytes }, samples };
}

/** Resolves once the worker's last status says its standby is ready. */
function standbyReady(worker, current) {
  if (current() === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = worker.on((event) => {
      if (event.type !== 'status') return;
      if (event.standby === 'ready' || event.standby === 'unavailable') {
        stop();
        if (event.standby === 'ready') resolve();
        else reject(new Error('the worker gave up preparing a standby'));
      }
    });
  });
}

/** Sends front-page requests until one of them rotated the runtime. */
async function rotateOnce(worker, siteUrl) {
  let rotated = null;
  const stop = worker.on((event) => { if (event.type === 'rotated') rotated = event; });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const started = performance.now();
      const response = await worker.request('GET', `${siteUrl}/index.php`);
      const requestMs = performance.now() - started;
      if (response.status !== 200) throw new Error(`the front page answered ${response.status}`);
      if (rotated) return { rotatedMs: rotated.ms, requestMs };
    }
    throw new Error('no rotation after 5 requests with rotateAfterRequests: 2');
  } finally {
    stop();
  }
}

/** @php-wasm's rotation, as PHP.rotateRuntime does it: hotSwapPHPRuntime(await recreateRuntime()). */
async function hotSwapOnce(direct, loader, module, siteUrl) {
  const started = performance.now();
  await direct.php.hotSwapPHPRuntime(await runtimeFromModule(loader, module));
  const swapped = performance.now();
  const response = await direct.handler.request({ url: `${siteUrl}/index.php` });
  const firstRequestMs = performance.now() - swapped;
  if (response.httpStatusCode !== 200) throw new Error(`after the hot swap the front page answered ${response.httpStatusCode}: ${response.text.slice(0, 300)}`);
  return { swapMs: swapped - started, firstRequestMs };
}

/** [kind, size, mtimeMs] of a path in a php-host runtime (kind 0: nothing, 1: file, 2: directory). */
function statOf(runtime, path) {
  const out = new Float64Array(3);
  runtime.statInto(path, out);
  return out;
}

/** Copies a tree from a php-host runtime into a PHP, counting files and bytes. */
function copyTree(from, php, path, copied) {
  const [kind] = statOf(from, path);
  if (kind === 0) return;
  if (kind !== 2) {
    const bytes = from.readFile(path);
    php.writeFile(path, bytes);
    copied.files += 1;
    copied.bytes += bytes.length;
    return;
  }
  php.mkdir(path);
  for (const name of from.readDir(path)) {
    if (name !== '.' && name !== '..') copyTree(from, php, `${path}/${name}`, copied);
  }
}
