// Figure 13 (issue 14): blueprints and the idle cron.
// - page load → the blueprint's landing page shown, next to a cold boot of
//   the same site (fresh contexts, same run), and the steps' own time;
// - cron: with tasks queued and the site idle, requests sent at unplanned
//   moments while cron runs; a request's wait for cron is its answer time
//   minus the same request's median answer time with cron idle (measured
//   first, same page). PHP holds the worker while a slice runs, so the worker
//   itself cannot see a message arrive during one.
import { openFresh } from './real-page.js';

const GALLERY = 'blueprints/demo-course.json';

/** Cold boots and blueprint boots of one profile, alternating. */
export async function blueprintBoots(browser, url, { profileQuery = '', rounds, blueprint = GALLERY }) {
  const result = { coldBootMs: [], blueprintBootMs: [], stepsMs: [] };
  for (let round = 0; round < rounds; round++) {
    const cold = await openFresh(browser, url, `?standby=0&site=bench-cold-${Date.now()}${profileQuery}`);
    result.coldBootMs.push(cold.coldBootMs);
    await cold.context.close();
    const set = await openFresh(browser, url, `?standby=0&blueprint-url=${blueprint}${profileQuery}`);
    const report = await set.page.evaluate(() => window.playground.ready.blueprint);
    if (report?.state !== 'done') throw new Error(`the blueprint did not run: ${JSON.stringify(report)}`);
    result.blueprintBootMs.push(set.coldBootMs);
    result.stepsMs.push(report.ms);
    await set.context.close();
  }
  return result;
}

/**
 * Stand-in: `tasks` courses deleted through the page (each an ad-hoc task);
 * while cron works through them, a request every few ms at a random moment.
 */
export async function cronWait(browser, url, { tasks, idleSeconds }) {
  const steps = Array.from({ length: tasks }, (_, i) => ({ step: 'createCourse', fullname: `Bench course ${i}`, shortname: `B${i}` }));
  const blueprint = encodeURIComponent(Buffer.from(JSON.stringify({ version: 1, steps })).toString('base64'));
  const { context, page } = await openFresh(browser, url, `?standby=0&cron=${idleSeconds}&blueprint=${blueprint}`);
  try {
    return await page.evaluate(async ({ tasks }) => {
      const { client, sitePath } = window.playground;
      const text = async (request) => (await client.handleRequest(request)).text();
      const sesskey = (await text({ url: `${sitePath}/course/edit.php` })).match(/name="sesskey" value="([^"]+)"/)[1];
      for (let i = 0; i < tasks; i++) {
        const id = (await text({ url: `${sitePath}/course/view.php?name=B${i}` })).match(/name="id" value="(\d+)"/)[1];
        await text({ method: 'POST', url: `${sitePath}/course/delete.php`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `sesskey=${sesskey}&id=${id}` });
      }
      const timed = async () => {
        const started = performance.now();
        await text({ url: `${sitePath}/` });
        return performance.now() - started;
      };
      const baseline = [];
      for (let i = 0; i < 15; i++) baseline.push(await timed());
      let last = null;
      const done = new Promise((resolve) => client.on('status', (s) => {
        if (s.cron) last = s.cron;
        if (s.cron?.slices > 0 && s.cron.pending === 0) resolve();
      }));
      // Requests at unplanned moments while cron works (a benchmark's own pacing, not a test's wait).
      const latencies = [];
      let finished = false;
      done.then(() => { finished = true; });
      while (!finished) {
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 180));
        if (finished) break;
        latencies.push(await timed());
      }
      await done;
      return { slices: last.slices, longestSliceMs: last.longestSliceMs, baseline, latencies };
    }, { tasks });
  } finally {
    await context.close();
  }
}

/** Real Moodle: its own tasks (those the install queued, then the scheduled ones) while requests come. */
export async function moodleCronWait(browser, url, { profileQuery, seconds }) {
  const { context, page } = await openFresh(browser, url, `?standby=0&cron=0.3${profileQuery}`);
  try {
    return await page.evaluate(async ({ seconds }) => {
      const { client, sitePath } = window.playground;
      let last = null;
      client.on('status', (s) => { if (s.cron) last = s.cron; });
      const ran = new Set();
      client.on('trace', ({ message }) => { if (message.startsWith('cron ran ')) ran.add(message); });
      const timed = async () => {
        const started = performance.now();
        await (await client.handleRequest({ url: `${sitePath}/my/` })).arrayBuffer();
        return performance.now() - started;
      };
      // Back to back: cron never finds the site idle.
      const baseline = [];
      for (let i = 0; i < 8; i++) baseline.push(await timed());
      const latencies = [];
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1000));
        latencies.push(await timed());
      }
      return { slices: last?.slices ?? 0, longestSliceMs: last?.longestSliceMs ?? 0, baseline, latencies, ran: [...ran] };
    }, { seconds });
  } finally {
    await context.close();
  }
}
