// The progress bar: boot, recovery and rotation stages in words.

/** @param {import('../client.js').WorkerClient} client */
export function mountProgress(client, { container, bar, text }) {
  const show = (fraction, words) => {
    container.classList.remove('idle');
    bar.value = fraction;
    text.textContent = words;
  };
  const done = (words) => {
    container.classList.add('idle');
    bar.value = 1;
    text.textContent = words;
  };
  client.on('progress', (event) => show(event.fraction, `${capitalize(event.stage)}: ${event.detail}`));
  client.on('crash', (event) => show(0.02, `PHP crashed (${event.kind}) on ${event.method} ${event.url} — recovering…`));
  client.on('rotating', (event) => show(0.05, `Rotating the runtime (${event.reason})…`));
  client.on('recovered', (event) => done(`Recovered in ${Math.round(event.ms)} ms, ${event.restoredFiles} files restored${event.replayed ? ', request replayed' : ''}.`));
  client.on('rotated', (event) => done(`Rotated to a fresh runtime in ${Math.round(event.ms)} ms.`));
  client.on('ready', (event) => done(`PHP ${event.phpVersion} ready in ${Math.round(event.bootMs)} ms.`));
  client.on('failed', () => done('The PHP runtime stopped.'));
}

function capitalize(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
