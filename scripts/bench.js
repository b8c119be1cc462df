// `npm run bench`: the measurements of issue 4, side by side in one run of
// headless Chromium against the BUILT page and bench page (dist/). Prints a
// table with each goal's PASS/MISS and writes target/bench/results.json.
// A MISS is a result: the exit code is 0 unless a measurement broke.
// Usage: node scripts/bench.js [--only 1,3,6]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/e2e/browser.js';
import { bootRecoveryRotation, memoryChurn, leakWithAndWithoutRotation } from './bench/real-page.js';
import { mirrorThroughput, requestOverhead, instanceCreation, rotationVersusHotSwap } from './bench/lab.js';
import { checkpointCost, journalCost, siteStoreCost } from './bench/integrity.js';
import { APPS, appBootRecoveryRotation } from './bench/real-app.js';
import { standbyFigure } from './bench/standby.js';
import { blueprintBoots, cronWait, moodleCronWait } from './bench/blueprint.js';
import { opcacheOnOff, STAND_IN_PAGE } from './bench/opcache.js';
import { buildRows, printTable, withSummaries, NOTES } from './bench/report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = path.join(root, 'target/bench/results.json');

// Sizes chosen so the whole run stays within ~6 minutes on 2 cores.
const SETTINGS = Object.freeze({
  figure1: { rounds: 5, perPage: 2 },
  figure2: { sizesMiB: [1, 16, 64], repetitions: 11 },
  figure3: { requests: 500, repetitions: 11 },
  figure4: { count: 50, leakRequests: 500, rotateEvery: 100, sampleEvery: 50 },
  figure5: { repetitions: 7 },
  figure6: { dbMiB: 16, uploads: 16, uploadKiB: 256, repetitions: 7 },
  figure7: { dbMiB: 16, writes: 20, repetitions: 5 },
  figure12: { dbMiB: 16, writes: 31, boots: 3, deadlineS: 3 },
  figure8: { transactions: 200, repetitions: 5 },
  figure9: { rounds: 5, perPage: 1 },
  figure10: { rounds: 3, perPage: 2 },
  // Per app: recoveries timed each way, and recoveries with the standby before the memory is read again.
  figure13: { rounds: 3, tasks: 30, idleSeconds: 0.05, moodleRounds: 1, moodleCronSeconds: 45 },
  figure11: { stand_in: { recoveries: 3, churn: 50 }, mediawiki: { recoveries: 3, churn: 20 }, moodle45: { recoveries: 3, churn: 10 } },
  figure14: { stand_in: { rounds: 4, warmUp: 10, requests: 40 }, mediawiki: { rounds: 2, warmUp: 5, requests: 15 }, moodle45: { rounds: 2, warmUp: 4, requests: 10 } },
});

async function main() {
  const only = parseOnly(process.argv);
  await ensureBuilt();
  const log = (message) => console.error(`[bench] ${message}`);
  // --expose-gc: the bench forces GC where it says so (gc() in page and workers).
  const env = await launch({ args: ['--js-flags=--expose-gc'] });
  const browserVersion = env.browser.version();
  const started = Date.now();
  const results = {};
  const errors = [];
  try {
    const browserSession = await env.browser.newBrowserCDPSession();
    const figures = {
      1: () => bootRecoveryRotation(env.browser, env.url, { ...SETTINGS.figure1, log }),
      2: () => mirrorThroughput(env.browser, env.url, SETTINGS.figure2),
      3: () => requestOverhead(env.browser, env.url, SETTINGS.figure3),
      4: async () => {
        const { count, leakRequests, rotateEvery, sampleEvery } = SETTINGS.figure4;
        const churn = [];
        for (const kind of ['recoveries', 'rotations']) churn.push(await memoryChurn(env.browser, browserSession, env.url, { kind, count, log }));
        const leak = await leakWithAndWithoutRotation(env.browser, browserSession, env.url, { requests: leakRequests, rotateEvery, sampleEvery, log });
        return { churn, leak };
      },
      5: () => instanceCreation(env.browser, env.url, SETTINGS.figure5),
      6: () => rotationVersusHotSwap(env.browser, env.url, SETTINGS.figure6),
      7: () => checkpointCost(env.browser, env.url, SETTINGS.figure7),
      12: () => siteStoreCost(env.browser, env.url, SETTINGS.figure12),
      8: () => journalCost(env.browser, env.url, SETTINGS.figure8),
      9: () => appBootRecoveryRotation(env.browser, env.url, 'mediawiki', { ...SETTINGS.figure9, log, figure: 9 }),
      // Real Moodle only where its bundle was built from the user's release.
      ...(fs.existsSync(path.join(root, APPS.moodle45.bundle))
        ? { 10: () => appBootRecoveryRotation(env.browser, env.url, 'moodle45', { ...SETTINGS.figure10, log, figure: 10 }) }
        : (log(`figure 10 (real Moodle) skipped: no ${APPS.moodle45.bundle} (MOODLE_SOURCE=/path/to/moodle scripts/moodle/build-bundle.sh)`), {})),
      13: async () => {
        const { rounds, tasks, idleSeconds, moodleRounds, moodleCronSeconds } = SETTINGS.figure13;
        const result = {
          standIn: await blueprintBoots(env.browser, env.url, { rounds }),
          cron: await cronWait(env.browser, env.url, { tasks, idleSeconds }),
        };
        if (fs.existsSync(path.join(root, APPS.moodle45.bundle))) {
          result.moodle45 = await blueprintBoots(env.browser, env.url, { rounds: moodleRounds, profileQuery: '&profile=moodle45' });
          result.moodle45Cron = await moodleCronWait(env.browser, env.url, { profileQuery: '&profile=moodle45', seconds: moodleCronSeconds });
        } else log(`figure 13 (real Moodle) skipped: no ${APPS.moodle45.bundle}`);
        return result;
      },
      11: async () => {
        const runs = [await standbyFigure(env.browser, env.url, 'moodle', { ...SETTINGS.figure11.stand_in, log })];
        // The real applications only where their bundles were built.
        for (const app of ['mediawiki', 'moodle45']) {
          if (fs.existsSync(path.join(root, APPS[app].bundle))) runs.push(await standbyFigure(env.browser, env.url, app, { ...SETTINGS.figure11[app], log }));
          else log(`figure 11 (${app}) skipped: no ${APPS[app].bundle}`);
        }
        return runs;
      },
      14: async () => {
        const runs = { stand_in: await opcacheOnOff(env.browser, env.url, STAND_IN_PAGE, { ...SETTINGS.figure14.stand_in, log, name: 'stand-in' }) };
        for (const app of ['mediawiki', 'moodle45']) {
          if (fs.existsSync(path.join(root, APPS[app].bundle))) runs[app] = await opcacheOnOff(env.browser, env.url, APPS[app], { ...SETTINGS.figure14[app], log, name: app });
          else log(`figure 14 (${app}) skipped: no ${APPS[app].bundle}`);
        }
        return runs;
      },
    };
    for (const [figure, measure] of Object.entries(figures)) {
      if (only && !only.has(Number(figure))) continue;
      const figureStarted = Date.now();
      log(`figure ${figure}…`);
      try {
        results[`figure${figure}`] = await measure();
      } catch (error) {
        errors.push({ figure: Number(figure), message: error.stack ?? String(error) });
      }
      log(`figure ${figure} took ${((Date.now() - figureStarted) / 1000).toFixed(0)} s`);
    }
  } finally {
    await env.close();
  }

  const rows = buildRows(results);
  printTable(rows, errors);
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, JSON.stringify({
    date: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version, chromium: browserVersion },
    settings: SETTINGS,
    notes: NOTES,
    goals: rows.filter((r) => r.verdict).map(({ figure, what, ratio, goal, verdict }) => ({ figure, what, ratio, goal, verdict })),
    rows,
    results: withSummaries(results),
    errors,
  }, null, 2));
  console.log(`\nResults: ${path.relative(process.cwd(), OUTPUT)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  process.exitCode = errors.length ? 1 : 0;
}

function parseOnly(argv) {
  const index = argv.indexOf('--only');
  return index > 0 ? new Set(argv[index + 1].split(',').map(Number)) : null;
}

/** Builds once if the bench page is missing (scripts/build.sh, ≈1 min), never beside another build. */
async function ensureBuilt() {
  if (fs.existsSync(path.join(root, 'dist/bench/index.html'))) return;
  while (otherBuildRunning()) {
    console.error('[bench] dist/bench/ is missing and a build is running: waiting for it');
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  if (fs.existsSync(path.join(root, 'dist/bench/index.html'))) return;
  console.error('[bench] dist/bench/ is missing: running scripts/build.sh');
  const build = spawnSync(path.join(root, 'scripts/build.sh'), { stdio: 'inherit', cwd: root });
  if (build.status !== 0) throw new Error('scripts/build.sh failed');
}

/** A wasm-pack, cargo or webpack process (the machine has 2 cores, and dist/ is rewritten by a build). */
function otherBuildRunning() {
  const commands = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout ?? '';
  return commands.split('\n').some((command) => /^(\S*\/)?(wasm-pack|cargo|rustc)(\s|$)|^(\S*\/)?node\s+\S*webpack/.test(command));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
