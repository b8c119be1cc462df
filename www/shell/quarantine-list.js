// The poison requests this tab will not send again (www/watchdog/quarantine.js),
// each with why and a "Try again" button that releases it. Hidden while empty.
import { ClientEvent } from '../client.js';

/**
 * @param {import('../client.js').WorkerClient} client
 * @param {{ section: HTMLElement, list: HTMLElement }} elements
 */
export function mountQuarantineList(client, { section, list }) {
  const render = (requests) => {
    list.replaceChildren(...requests.map(({ key, reason }) => {
      const item = document.createElement('li');
      const name = document.createElement('code');
      name.textContent = key;
      const why = document.createElement('span');
      why.textContent = ` ${reason}. `;
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.textContent = 'Try again';
      retry.addEventListener('click', () => client.release(key));
      item.append(name, why, retry);
      return item;
    }));
    section.hidden = requests.length === 0;
  };
  client.on(ClientEvent.quarantine, ({ requests }) => render(requests));
  render(client.quarantined());
}
