// The log panel: every worker event except responses, filterable and copyable.

const IGNORED = new Set(['http-response', 'status']);

/** @param {import('../client.js').WorkerClient} client */
export function mountLogPanel(client, { list, filter, copyButton }) {
  const entries = [];
  const render = () => {
    const needle = filter.value.trim().toLowerCase();
    list.replaceChildren(...entries
      .filter((entry) => !needle || entry.text.toLowerCase().includes(needle))
      .map((entry) => {
        const item = document.createElement('li');
        item.className = entry.type;
        item.textContent = entry.text;
        return item;
      }));
    list.scrollTop = list.scrollHeight;
  };
  client.on('*', (event) => {
    if (!event || IGNORED.has(event.type)) return;
    const { type, ...fields } = event;
    const time = new Date().toLocaleTimeString();
    entries.push({ type, text: `${time} ${type} ${JSON.stringify(fields)}` });
    if (entries.length > 500) entries.shift();
    render();
  });
  filter.addEventListener('input', render);
  copyButton.addEventListener('click', async () => {
    const text = entries.map((entry) => entry.text).join('\n');
    try {
      await navigator.clipboard.writeText(text);
      copyButton.textContent = 'Copied';
    } catch {
      copyButton.textContent = 'Copy failed';
    }
    setTimeout(() => { copyButton.textContent = 'Copy'; }, 1500);
  });
}
