// The playground page: starts the PHP worker, connects the Service Worker,
// and mounts the shell's parts (each in www/shell/, one job each).
import { createWorkerClient } from './client.js';
import { connectServiceWorker } from './sw-bridge.js';
import { mountAddressBar } from './shell/address-bar.js';
import { mountProgress } from './shell/progress.js';
import { mountStatusPanel } from './shell/status-panel.js';
import { mountLogPanel } from './shell/log-panel.js';
import { mountCrashControls } from './shell/crash-controls.js';
import { mountFailedBanner } from './shell/failed-banner.js';
import { mountSiteSwitcher } from './shell/site-switcher.js';
import { mountSavedSite } from './shell/saved-site.js';
import { mountSiteTransfer } from './shell/site-transfer.js';
import { mountBlueprintNotice } from './shell/blueprint-notice.js';
import { readBlueprint, blueprintSiteName } from './blueprint/source.js';
import { mountQuarantineList } from './shell/quarantine-list.js';
import { claimSite } from './shell/tab-lock.js';
import { createSiteStore } from './store/site-store.js';
import { createSaveWriter } from './store/save-writer.js';

// Where each profile's site bundle is served from: the stand-in is built into
// dist/; scripts/mediawiki/build-bundle.sh and scripts/moodle/build-bundle.sh
// (from the user's own Moodle release) build the others, scripts/serve.js serves them.
const DEFAULT_BUNDLES = {
  moodle: 'demo-site.zip',
  moodle45: 'moodle/moodle-bundle.zip',
  mediawiki: 'mediawiki/mediawiki-bundle.zip',
};

async function main() {
  const $ = (id) => document.getElementById(id);
  const frame = $('site');
  const params = new URLSearchParams(location.search);
  // The demo shows the crash controls; ?debug=0 turns fault injection off.
  const debug = params.get('debug') !== '0';
  // ?standby=0 / ?opcache=off: a worker switch the page sets only when asked.
  const switchParam = (name) => (params.has(name) ? { [name]: !['0', 'false', 'off'].includes(params.get(name)) } : {});

  const profile = params.get('profile') ?? 'moodle';
  // ?blueprint= / ?blueprint-url=: a recipe the worker runs on a fresh site.
  let blueprint = null;
  let blueprintRefusal = null;
  try {
    blueprint = await readBlueprint(params, {
      pageUrl: location.href,
      fetchText: async (url) => {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.text();
      },
    });
  } catch (error) {
    blueprintRefusal = error.message;
  }
  // The site is saved in this browser (OPFS) under its name (?site=, default
  // the profile; a blueprint's page has a site of its own, so opening one
  // never touches the user's site) and restored on the next load; ?store=0
  // keeps it in this tab only. One tab at a time owns a site's save
  // (www/shell/tab-lock.js).
  const siteName = params.get('site') ?? (blueprint ? await blueprintSiteName(blueprint.text) : profile);
  // (A save takes its DB from the checkpoint: no checkpoints, no saves.)
  const saving = params.get('store') !== '0' && params.get('checkpoint') !== 'off' && Boolean(navigator.storage?.getDirectory);
  const claim = saving ? await claimSite(siteName) : { owner: false };
  const owner = claim.owner;

  // A worker that runs past the request deadline (?deadline=<seconds>), or
  // dies, is replaced by a fresh one that restores the site's last save.
  const startWorker = () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  // The worker plans each save; the page writes it (www/store/save-writer.js).
  const store = createSiteStore();
  const client = createWorkerClient(startWorker(), {
    respawn: startWorker,
    saveWriter: owner ? createSaveWriter(store) : null,
    ...(params.has('deadline') ? { requestTimeoutMs: Number(params.get('deadline')) * 1000 } : {}),
  });
  mountProgress(client, { container: $('progress'), bar: $('progress-bar'), text: $('progress-text') });
  mountStatusPanel(client, $('status'));
  mountLogPanel(client, { list: $('log'), filter: $('log-filter'), copyButton: $('log-copy') });
  mountQuarantineList(client, { section: $('quarantine-section'), list: $('quarantine-list') });

  // The site's URL names this page (www/sw.js sends the iframe's requests
  // under it to this tab only), so the Service Worker comes first.
  const { siteUrl, sitePath } = await connectServiceWorker(client, new URL('sw.js', document.baseURI).href);
  const address = mountAddressBar(frame, {
    sitePath,
    form: $('address-form'), input: $('address'),
    back: $('nav-back'), forward: $('nav-forward'), reload: $('nav-reload'), home: $('nav-home'),
  });
  mountFailedBanner(client, { banner: $('failed-banner'), reason: $('failed-reason'), restartButton: $('restart-runtime') },
    () => address.navigate(address.currentPath()));
  if (debug) mountCrashControls(client, frame, $('crash-section'));

  mountSiteSwitcher($('site-switcher'), profile);
  // Reset and import replace the save: the worker is stopped first and the
  // saves it handed over have landed, so none of the old site lands after;
  // the reload restores what is saved then.
  const replaceSite = async (why, write) => {
    client.terminate(why);
    await client.savesLanded();
    await write();
    location.reload();
  };
  mountSavedSite(client, {
    notice: $('site-notice'), text: $('site-notice-text'), resetButton: $('reset-site'), takeOverButton: $('take-over'),
  }, {
    claim,
    saving,
    onReset: () => replaceSite('the site is being reset', () => store.remove(siteName)),
  });
  if (owner) {
    mountSiteTransfer({ exportButton: $('export-site'), importButton: $('import-site'), fileInput: $('import-file'), text: $('site-notice-text') }, {
      site: siteName,
      profile,
      store,
      onImport: (zip) => replaceSite('a site is being imported', () => store.importZip(siteName, zip, { profile })),
    });
  }
  // After the site notice: its words are added to what the notice says.
  mountBlueprintNotice(client, {
    banner: $('blueprint-banner'), text: $('blueprint-text'), notice: $('site-notice'), noticeText: $('site-notice-text'),
  }, { refusal: blueprintRefusal });
  const started = performance.now();
  client.configure({
    profile,
    siteUrl,
    bundleUrl: params.get('bundle') ?? new URL(DEFAULT_BUNDLES[profile] ?? DEFAULT_BUNDLES.moodle, document.baseURI).href,
    debug,
    ...(owner ? { store: siteName } : {}),
    ...(params.has('rotate') ? { rotateAfterRequests: Number(params.get('rotate')) } : {}),
    ...(params.has('maxRestarts') ? { maxRestarts: Number(params.get('maxRestarts')) } : {}),
    ...(params.has('checkpoint') ? { checkpoint: params.get('checkpoint') } : {}),
    ...switchParam('standby'),
    ...switchParam('opcache'),
    ...(params.has('cron') ? { cronIdleSeconds: Number(params.get('cron')) } : {}),
    ...(blueprint ? { blueprint: blueprint.blueprint } : {}),
  });
  const ready = await client.ready;
  address.navigate(params.get('path') ?? ready.blueprint?.landingPage ?? '/');
  // For tests and the curious: the client is reachable from the console.
  // `sitePath` is this tab's site ("/site/<id>"): a request to the worker
  // names a page as `${sitePath}/index.php`.
  window.playground = { client, ready, bootMs: performance.now() - started, siteUrl, sitePath, siteName, owner };
}

main();
