// Turns the raw measurements into table rows (with goals) and prints them.
import { median, summary, goal } from './stats.js';

const ms = (value) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Rows for each figure that ran; a figure's rows need only its own results. */
export function buildRows(results) {
  const rows = [];
  const row = (figure, what, value, against = '', ratio = NaN, target = null) =>
    rows.push({ figure, what, value, against, ratio, ...(target ? goal(what, ratio, ...target) : { goal: '', verdict: '' }) });

  const f1 = results.figure1;
  if (f1) {
    const boot = median(f1.coldBootMs);
    row(1, 'cold boot: fresh context → front page served', ms(boot), `page clock ${ms(median(f1.coldBootPageMs))}`);
    row(1, 'recovery: inject-fault memory → replayed GET answered (page)', ms(median(f1.recoveryPageMs)), `cold boot ${ms(boot)}`, median(f1.recoveryPageMs) / boot, ['<=', 0.2]);
    row(1, 'recovery: worker `recovered.ms`', ms(median(f1.recoveryWorkerMs)), `cold boot ${ms(boot)}`, median(f1.recoveryWorkerMs) / boot);
    row(1, 'rotation: worker `rotated.ms`', ms(median(f1.rotationWorkerMs)), `cold boot ${ms(boot)}`, median(f1.rotationWorkerMs) / boot);
  }

  for (const size of results.figure2 ?? []) {
    const roundTrip = size.snapshotMs.map((s, i) => s + size.restoreMs[i]);
    const raw = median(size.rawCopyMs);
    const throughput = (t) => `${((size.bytes / 2 ** 20) / (t / 1000)).toFixed(0)} MiB/s`;
    // Throughput ratio = raw copy time / our time, for the same bytes.
    row(2, `snapshot + restore, ${size.mib} MiB DB`, `${ms(median(roundTrip))} (${throughput(median(roundTrip))})`, `raw copy ${ms(raw)} (${throughput(raw)})`, raw / median(roundTrip), ['>=', 0.33]);
    row(2, `  snapshot alone, ${size.mib} MiB`, ms(median(size.snapshotMs)), `raw copy ${ms(raw)}`, raw / median(size.snapshotMs));
    row(2, `  restore alone, ${size.mib} MiB`, ms(median(size.restoreMs)), `raw copy ${ms(raw)}`, raw / median(size.restoreMs));
  }

  const f3 = results.figure3;
  if (f3) {
    const { rust, rustWithoutOpcache, direct, host } = f3.perRequestMs;
    // Paired: each repetition's workers ran side by side on one machine
    // state, so the ratio is taken per repetition, then its median (the
    // machine's drift between repetitions cancels out).
    const paired = (ours, theirs) => median(ours.map((value, i) => value / theirs[i]));
    const spread = (ours, theirs) => {
      const ratios = ours.map((value, i) => value / theirs[i]);
      return `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}×`;
    };
    row(3, `hello.php through the Rust worker (${f3.requests} req/rep)`, ms(median(rust)), `@php-wasm direct ${ms(median(direct))}`, paired(rust, direct), ['<=', 1.05]);
    row(3, `  per repetition (${rust.length}): Rust worker / direct`, spread(rust, direct), '', NaN);
    // The same gap in time: what a page pays per request, whatever its size.
    const extraUs = median(rust.map((value, i) => (value - direct[i]) * 1000));
    row(3, '  what the Rust worker adds per request (paired median)', `${extraUs.toFixed(0)} µs`, '', NaN);
    if (rustWithoutOpcache) {
      row(3, '  the Rust worker with opcache: false vs direct', ms(median(rustWithoutOpcache)), `direct ${ms(median(direct))}`, paired(rustWithoutOpcache, direct));
    }
    if (host) {
      row(3, '  the Rust layer alone: Rust worker vs the PHP host from plain JS', ms(median(rust)), `host ${ms(median(host))}`, paired(rust, host), ['<=', 1.05]);
      row(3, '  the PHP host (php.ini, prepend, MEMFS tracking, opcache) vs direct', ms(median(host)), `direct ${ms(median(direct))}`, paired(host, direct));
    }
    const events = Object.entries(f3.rustEventsPerRequest ?? {}).map(([type, n]) => `${type} ${n.toFixed(2)}`).join(', ');
    row(3, '  extra messages the Rust worker posts per request', events || 'none', '', NaN);
  }

  for (const churn of results.figure4?.churn ?? []) {
    const { firstBoot, afterGc, beforeGc, peakWithoutGc } = churn;
    row(4, `JS heap + wasm after ${churn.count} ${churn.kind} (GC)`, mib(afterGc.jsPlusWasmBytes), `first boot ${mib(firstBoot.jsPlusWasmBytes)}`, afterGc.jsPlusWasmBytes / firstBoot.jsPlusWasmBytes, ['<=', 1.2]);
    row(4, `  renderer RSS after ${churn.kind} (GC)`, mib(afterGc.rssBytes), `first boot ${mib(firstBoot.rssBytes)}`, afterGc.rssBytes / firstBoot.rssBytes);
    row(4, `  peak RSS during ${churn.kind}, no forced GC`, mib(peakWithoutGc.rssBytes), `first boot ${mib(firstBoot.rssBytes)}`, peakWithoutGc.rssBytes / firstBoot.rssBytes);
    row(4, `  live wasm memories (PHP + Rust), no forced GC: peak / end`, `${peakWithoutGc.wasmCount} / ${beforeGc.wasmCount}`, `after GC ${afterGc.wasmCount}`, NaN);
  }
  const leak = results.figure4?.leak;
  if (leak) {
    for (const [name, run] of Object.entries(leak)) {
      const label = name === 'withRotation' ? `rotate every ${run.rotateAfterRequests}` : 'no rotation';
      row(4, `leak.php x${run.series.at(-1).requests}, ${label}: wasm after (GC)`, mib(run.afterGc.wasmBytes), `start ${mib(run.start.wasmBytes)}`, run.afterGc.wasmBytes / run.start.wasmBytes);
      row(4, `  peak live wasm while serving (no forced GC), ${label}`, mib(run.peakWasmBytes), `RSS end ${mib(run.afterGc.rssBytes)}`, NaN);
    }
  }

  const f5 = results.figure5;
  if (f5) {
    const fromModule = median(f5.fromModuleMs);
    row(5, 'fresh instance from the cached module', ms(fromModule), `compile again ${ms(median(f5.compileAgainMs))}`, fromModule / median(f5.compileAgainMs));
    row(5, '  compile alone (same bytes + nonce section)', ms(median(f5.compileOnlyMs)), '', NaN);
    row(5, '  product host createRuntime (ini + first run)', ms(median(f5.productHostMs)), '', NaN);
  }

  const f6 = results.figure6;
  if (f6) {
    const { samples, state } = f6;
    const ours = median(samples.rotatedMs);
    const theirs = median(samples.hotSwapMs);
    row(6, `our rotation (rotated.ms), DB ${mib(state.dbBytes)} + ${state.uploads} uploads`, ms(ours), `hotSwapPHPRuntime ${ms(theirs)}`, ours / theirs, ['<=', 0.5]);
    row(6, '  rotating request vs hot swap + first request', ms(median(samples.rotatingRequestMs)), ms(theirs + median(samples.hotSwapFirstRequestMs)), median(samples.rotatingRequestMs) / (theirs + median(samples.hotSwapFirstRequestMs)));
  }
  const f7 = results.figure7;
  if (f7) {
    const { off, full, incremental } = f7.perWriteMs;
    row(7, `small write, ${f7.dbMiB} MiB DB, incremental checkpoint`, ms(median(incremental)), `full copy ${ms(median(full))}`, median(incremental) / median(full));
    row(7, '  the same write, checkpoints off', ms(median(off)), '', NaN);
  }
  const f12 = results.figure12;
  if (f12) {
    const off = median(f12.offMs);
    row(12, `small write, ${f12.dbMiB} MiB DB, store off`, ms(off));
    row(12, '  the same write with the store on (request only)', ms(median(f12.onRequestMs)), `store off ${ms(off)}`, median(f12.onRequestMs) / off);
    row(12, '  its save: the worker busy with it (plan + hand-over to the page, `lastSaveMs`)', ms(median(f12.workerSaveMs)), `the write ${ms(off)}`, median(f12.workerSaveMs) / off, ['<=', 0.1]);
    if (f12.pageWriteMs) row(12, '  its save: the page writing it to OPFS (`lastSaveWriteMs`)', ms(median(f12.pageWriteMs)), `the write ${ms(off)}`, median(f12.pageWriteMs) / off);
    if (f12.burstOnMs) row(12, `  a burst of ${f12.writes} writes, each sent when the last is answered: per write, store on`, ms(f12.burstOnMs), `store off ${ms(f12.burstOffMs)}`, f12.burstOnMs / f12.burstOffMs);
    row(12, '  its save: answer seen by the page → save landed (page)', ms(median(f12.onSavedMs)), `the write ${ms(off)}`, median(f12.onSavedMs) / off);
    const cold = median(f12.coldBootMs);
    row(12, `  restore-on-load boot (save of ${mib(f12.savedBytes ?? 0)})`, ms(median(f12.restoreBootMs)), `cold boot ${ms(cold)}`, median(f12.restoreBootMs) / cold, ['<=', 1.2]);
    const hungToNext = median(f12.watchdog.map((w) => w.hungToNextMs));
    row(12, '  watchdog: hung request answered 504 → the request queued behind it served (fresh worker, save restored)', ms(hungToNext), `cold boot ${ms(cold)}`, hungToNext / cold);
  }
  const f13 = results.figure13;
  if (f13) {
    const boots = (run, name) => {
      const cold = median(run.coldBootMs);
      row(13, `${name}: page load → the demo-course blueprint's landing page`, ms(median(run.blueprintBootMs)), `cold boot ${ms(cold)}`, median(run.blueprintBootMs) / cold);
      row(13, `  ${name}: its 8 steps (ready.blueprint.ms)`, ms(median(run.stepsMs)), `cold boot ${ms(cold)}`, median(run.stepsMs) / cold);
    };
    boots(f13.standIn, 'stand-in');
    const waited = (c) => Math.max(0, Math.max(...c.latencies) - median(c.baseline));
    const c = f13.cron;
    row(13, `stand-in cron: longest a request waited for a slice (${c.latencies.length} requests during ${c.slices} slices)`, ms(waited(c)), `longest slice ${ms(c.longestSliceMs)}`, waited(c) / 1000, ['<=', 1]);
    if (f13.moodle45) boots(f13.moodle45, 'real Moodle');
    if (f13.moodle45Cron) {
      const m = f13.moodle45Cron;
      row(13, `real Moodle cron: longest a request waited for a slice (${m.latencies.length} requests during ${m.slices} slices)`, ms(waited(m)), `longest slice ${ms(m.longestSliceMs)}`, waited(m) / 1000, ['<=', 1]);
    }
  }
  const f8 = results.figure8;
  if (f8) {
    const { delete: journal, memory } = f8.perTransactionMs;
    row(8, 'write transaction, journal_mode=DELETE (journal in MEMFS)', ms(median(journal)), `MEMORY ${ms(median(memory))}`, median(journal) / median(memory));
  }
  const f9 = results.figure9;
  if (f9) {
    const cold = median(f9.coldBootMs);
    row(9, 'MediaWiki recovery: crash event → replayed GET answered (page)', ms(median(f9.recoveryPageMs)), `cold boot ${ms(cold)}`, median(f9.recoveryPageMs) / cold, ['<=', 0.2]);
    row(9, '  MediaWiki recovery: worker `recovered.ms`', ms(median(f9.recoveryWorkerMs)), `cold boot ${ms(cold)}`, median(f9.recoveryWorkerMs) / cold);
    row(9, 'MediaWiki rotation: worker `rotated.ms`', ms(median(f9.rotationWorkerMs)), `cold boot ${ms(cold)}`, median(f9.rotationWorkerMs) / cold);
  }
  const f10 = results.figure10;
  if (f10) {
    const cold = median(f10.coldBootMs);
    row(10, 'real Moodle 4.5 cold boot: page load → dashboard', ms(cold), 'moodle-playground 9.4 s (Chrome)', cold / 9400);
    row(10, 'real Moodle recovery: crash event → replayed GET /my/ answered (page)', ms(median(f10.recoveryPageMs)), `cold boot ${ms(cold)}`, median(f10.recoveryPageMs) / cold, ['<=', 0.2]);
    row(10, '  real Moodle recovery: worker `recovered.ms`', ms(median(f10.recoveryWorkerMs)), `cold boot ${ms(cold)}`, median(f10.recoveryWorkerMs) / cold);
    row(10, 'real Moodle rotation: worker `rotated.ms`', ms(median(f10.rotationWorkerMs)), `cold boot ${ms(cold)}`, median(f10.rotationWorkerMs) / cold);
  }
  const APP_NAMES = { moodle: 'stand-in', mediawiki: 'MediaWiki', moodle45: 'real Moodle' };
  for (const run of results.figure11 ?? []) {
    const name = APP_NAMES[run.app] ?? run.app;
    const withStandby = median(run.standby.recoveryPageMs);
    const without = median(run.cold.recoveryPageMs);
    row(11, `${name} recovery with a ready standby (crash → replayed GET, page)`, ms(withStandby), `cold boot ${ms(run.coldBootMs)}`, withStandby / run.coldBootMs, ['<=', 0.1]);
    row(11, `  ${name} recovery without a standby (same run)`, ms(without), `with standby ${ms(withStandby)}`, without / withStandby);
    row(11, `  ${name} rotation with standby vs without (rotated.ms)`, ms(run.rotationStandbyMs), `without ${ms(run.rotationColdMs)}`, run.rotationStandbyMs / run.rotationColdMs);
    row(11, `  ${name} JS heap + wasm after GC, with standby vs without`, mib(run.memoryWith.total), `without ${mib(run.memoryWithout.total)}`, run.memoryWith.total / run.memoryWithout.total);
    if (run.peakWith) {
      row(11, `  ${name} peak JS heap + wasm (no forced GC, boot + ${run.recoveries} recoveries), with standby vs without`, mib(run.peakWith.total), `without ${mib(run.peakWithout.total)}`, run.peakWith.total / run.peakWithout.total);
    }
    row(11, `  ${name} after ${run.churn} recoveries with standby vs after the first (GC)`, mib(run.memoryAfterChurn.total), `after the first ${mib(run.memoryAfterFirst.total)}`, run.memoryAfterChurn.total / run.memoryAfterFirst.total, ['<=', 1.2]);
  }
  for (const [app, run] of Object.entries(results.figure14 ?? {})) {
    const name = APP_NAMES[app] ?? 'stand-in';
    // Each round's two pages ran one after the other: the ratio is taken per round.
    const perRound = run.on.map((on, i) => median(on.pageMs) / median(run.off[i].pageMs));
    const onMs = median(run.on.map((sample) => median(sample.pageMs)));
    const offMs = median(run.off.map((sample) => median(sample.pageMs)));
    row(14, `${name} warm page with opcache (default) vs opcache=off`, ms(onMs), `off ${ms(offMs)}`, median(perRound));
    const memory = (samples) => median(samples.map((sample) => sample.memoryBytes));
    row(14, `  ${name} PHP linear memory with opcache vs off`, mib(memory(run.on)), `off ${mib(memory(run.off))}`, memory(run.on) / memory(run.off));
  }
  return rows;
}

/** How to read the table; printed under it and stored in the JSON. */
export const NOTES = [
  'Ratios are our value / the compared value, except figure 2: raw-copy time / our time (a throughput ratio).',
  'Fig 1: cold boot is timed by node from page.goto in a fresh context to the front page <h1> in the iframe.',
  'Fig 2: the real Mirror::snapshot/restore (src/bench.rs) on a real runtime; samples below 16 MiB are batch means.',
  'Fig 3: a fresh set of the four workers per repetition, taking turns in batches of 25 requests in an order that rotates (a slow spell of the machine falls on all four alike); each ratio is the median of the per-repetition ratios. @php-wasm 3.1.55 leaks 2 FS streams per request (/request/stdout, /request/stderr) and its 2045th request aborts the instance.',
  'Fig 4: JS heap = V8 heap of worker + page incl. ArrayBuffer backing stores (CDP Runtime.getHeapUsage); wasm = live WebAssembly.Memory objects (WeakRefs installed through CDP before the worker starts); RSS = renderer processes (/proc).',
  'Fig 7: per request of write-one.php (one row, one transaction) after grow.php made the DB 16 MiB; three fresh pages, checkpoint=off|full|incremental.',
  'Fig 13: blueprint boot = page.goto(?blueprint-url=blueprints/demo-course.json) in a fresh context → the landing page\'s <h1> in the iframe; cold boot = the same site without it, fresh context, same run. Cron wait = the slowest answer to a request sent while cron worked minus the median answer to the same request with cron idle (same page); the stand-in with 30 queued course deletions and a request every 20–200 ms, real Moodle with its own tasks (those the install queued, then the due scheduled ones) and a request every 0.3–1.3 s for 45 s.',
  'Fig 12: write-one.php on a DB grown to 16 MiB, one page with store=0 and one with the store on; the save is timed from the answer to the worker\'s status saying the save naming that request landed; the restore boots are page.reload()s of the second page (its save restored) against cold first loads of the same page in fresh contexts; the watchdog rows send spin.php (an endless loop) and a write behind it with ?deadline=3.',
  'Fig 8: journal.php times n single-row transactions inside PHP (hrtime) on a DB of its own; DELETE keeps the journal a file, so it travels with the DB.',
  'Fig 10: real Moodle 4.5 (scripts/moodle/build-bundle.sh from MOODLE_SOURCE; run only where that bundle exists): as figure 9, on the dashboard /my/ as the auto-logged-in admin; the bundle download (77 MB zip, 30 MB of it ICU data for intl; moodle-playground publishes 34.6 MiB) is part of the cold boot.',
  'Fig 9: MediaWiki 1.39 from Debian (scripts/mediawiki/build-bundle.sh): cold boot = page.goto in a fresh context → the main page in the iframe (downloads the 76 MB bundle); recovery = from the crash event on the page to the replayed GET Main_Page answered (the injected fault itself, filling ~1 GB of linear memory, is not counted).',
  'Fig 14: per application, fresh pages with standby=0 and rotate=0, one with OPcache (the default) and one with ?opcache=off, opened one after the other in an order that alternates per round; each page serves its page a few times untimed, then n times timed (page clock, request sent → body read); memory = the worker\'s status `memoryBytes` after the timed requests. Stand-in: /index.php; MediaWiki: Main_Page; real Moodle: /my/ as the admin.',
  'Fig 6: hot swap = a runtime from the same cached module + PHP.hotSwapPHPRuntime (what PHP.rotateRuntime does), on a copy of the worker\'s /www and /persist.',
];

export function printTable(rows, errors) {
  const header = ['Fig', 'Measurement (median)', 'Value', 'Compared with', 'Ratio', 'Goal', 'Result'];
  const cells = rows.map((r) => [String(r.figure), r.what, r.value, r.against, Number.isFinite(r.ratio) ? `${r.ratio.toFixed(3)}×` : '', r.goal, r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  console.log('');
  for (const note of NOTES) console.log(`* ${note}`);
  for (const error of errors) console.log(`ERROR in figure ${error.figure}: ${error.message}`);
}

/** The results for the JSON: every list of samples gets its median, min and max beside it. */
export function withSummaries(value) {
  if (Array.isArray(value) && value.length && value.every((v) => typeof v === 'number')) return summary(value);
  if (Array.isArray(value)) return value.map(withSummaries);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSummaries(v)]));
  return value;
}
