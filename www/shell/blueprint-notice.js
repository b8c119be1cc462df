// What became of the page's blueprint, said where the user looks: a banner
// when it stopped or was refused (the site is then NOT what the blueprint
// describes), a line in the site notice when it ran or a save was restored.

/**
 * @param {import('../client.js').WorkerClient} client
 * @param {{ banner: HTMLElement, text: HTMLElement, notice: HTMLElement, noticeText: HTMLElement }} elements
 * @param {{ refusal: string | null }} page a blueprint the page itself could not read
 */
export function mountBlueprintNotice(client, { banner, text, notice, noticeText }, { refusal }) {
  const alarm = (words) => {
    text.textContent = words;
    banner.hidden = false;
  };
  if (refusal) alarm(`The blueprint was not run: ${refusal}. The site starts without it.`);
  client.on('ready', ({ blueprint, restart }) => {
    if (!blueprint || restart) return;
    const words = blueprintText(blueprint);
    if (blueprint.state === 'failed' || blueprint.state === 'refused') {
      alarm(words);
      return;
    }
    noticeText.textContent = `${noticeText.textContent} ${words}`.trim();
    notice.hidden = false;
  });
}

/** The words for a blueprint report (src/protocol.rs BlueprintReport). */
export function blueprintText({ state, title, steps, stepsRun, failedStep, error, ms }) {
  const named = title ? `The blueprint “${title}”` : 'The blueprint';
  switch (state) {
    case 'done':
      return `${named} set this site up (${steps} steps in ${(ms / 1000).toFixed(1)} s).`;
    case 'failed':
      return `${named} stopped at ${failedStep}: ${error}. The ${steps - stepsRun - 1} steps after it did not run, `
        + 'and this half-set-up site is not saved: it is not what the blueprint describes. Fix the blueprint and reload.';
    case 'refused':
      return `${named} was refused, nothing of it ran: ${error}.`;
    case 'not-run':
      return `${named} set this site up when it was made; your changes since are kept (Reset site runs it again on a fresh site).`;
    default:
      return `${named}: ${state}.`;
  }
}
