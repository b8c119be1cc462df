// The smallest useful embedding: start the worker, serve one page, survive a crash.
import { createPlaygroundWorker, createWorkerClient, demoSiteBundleUrl } from 'resilient-php-worker';

async function main() {
  const client = createWorkerClient(createPlaygroundWorker());
  const events = document.getElementById('events');
  client.on('*', (event) => {
    if (['crash', 'recovered', 'ready', 'failed'].includes(event.type)) {
      const item = document.createElement('li');
      item.textContent = `${event.type}: ${JSON.stringify(event)}`;
      events.append(item);
    }
  });
  client.configure({ siteUrl: new URL('site', document.baseURI).href, bundleUrl: demoSiteBundleUrl, debug: true });
  const ready = await client.ready;
  document.getElementById('status').textContent = `PHP ${ready.phpVersion} ready in ${Math.round(ready.bootMs)} ms`;

  const showTitle = async () => {
    const response = await client.handleRequest({ url: '/site/index.php' });
    const html = await response.text();
    document.getElementById('title').textContent = new DOMParser().parseFromString(html, 'text/html').title;
  };
  await showTitle();
  const crash = document.getElementById('crash');
  crash.disabled = false;
  crash.addEventListener('click', async () => {
    client.injectFault('memory');
    await showTitle();
  });
}

main();
