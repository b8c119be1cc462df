// Renderer memory from /proc: the page, its dedicated worker and PHP's linear
// memory all live in the renderer process, so its resident size is the total
// that a user's machine pays. Processes are listed by Chromium itself
// (SystemInfo.getProcessInfo), so other browsers on the machine do not count.
import fs from 'node:fs';

/** Sum of VmRSS of this browser's renderer processes, in bytes. */
export async function rendererRssBytes(browserSession) {
  const { processInfo } = await browserSession.send('SystemInfo.getProcessInfo');
  let total = 0;
  for (const { type, id } of processInfo) {
    if (type !== 'renderer') continue;
    try {
      const match = fs.readFileSync(`/proc/${id}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

/** Samples the renderers' RSS every `intervalMs` until stop(); stop() resolves to the peak. */
export function startPeakSampler(browserSession, intervalMs = 100) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rendererRssBytes(browserSession));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
