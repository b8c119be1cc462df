// The worker client (www/client.js) against a scripted stand-in for a Worker:
// a worker that dies or stops answering never leaves a request hanging, and
// with `respawn` a fresh worker takes over the requests queued behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkerClient, BOOT_SILENCE_MS } from '../../www/client.js';

/** A Worker-shaped EventTarget that records what the client posts. */
function fakeWorker() {
  const worker = new EventTarget();
  worker.posted = [];
  worker.postMessage = (message) => worker.posted.push(message);
  worker.reply = (data) => worker.dispatchEvent(Object.assign(new Event('message'), { data }));
  worker.terminated = false;
  worker.terminate = () => { worker.terminated = true; };
  return worker;
}

/** Lets every promise callback already due run (a macrotask turn). */
const everythingQueued = () => new Promise((resolve) => setImmediate(resolve));

const nextEvent = (client, type) => new Promise((resolve) => { const off = client.on(type, (e) => { off(); resolve(e); }); });

test('a worker that says nothing for the deadline: the request is answered 504 and the page is told', async () => {
  const worker = fakeWorker();
  const client = createWorkerClient(worker, { requestTimeoutMs: 50 });
  worker.reply({ type: 'ready' });
  const failed = nextEvent(client, 'failed');
  const response = await client.handleRequest({ url: '/site/loop.php' });
  assert.equal(response.status, 504);
  assert.match(await response.text(), /GET \/site\/loop\.php: the worker has not answered for \d+ s/);
  assert.equal((await failed).unresponsive, true);

  // While it is silent, later requests are answered at once, not queued behind the hung one.
  const refused = await client.handleRequest({ url: '/site/' });
  assert.equal(refused.status, 503);
  assert.equal(worker.posted.length, 1, 'the refused request was not sent');

  // It speaks again: requests go to it again.
  worker.reply({ type: 'status', state: 'serving' });
  const answered = client.handleRequest({ url: '/site/' });
  const sent = worker.posted.at(-1);
  worker.reply({ type: 'http-response', id: sent.id, response: { status: 200, statusText: 'OK', headers: {}, body: new ArrayBuffer(0) } });
  assert.equal((await answered).status, 200);
});

test('a worker whose code failed: waiting and later requests get a 503 that says why', async () => {
  for (const kill of [
    (worker) => worker.dispatchEvent(Object.assign(new Event('error'), { message: 'RuntimeError: unreachable' })),
    (worker) => worker.reply({ type: 'failed', fatal: true, reason: "the worker's Rust code panicked" }),
  ]) {
    const worker = fakeWorker();
    const client = createWorkerClient(worker, { requestTimeoutMs: 60_000 });
    const failed = nextEvent(client, 'failed');
    const waiting = client.handleRequest({ method: 'POST', url: '/site/course/edit.php', body: 'x=1' });
    kill(worker);
    const response = await waiting;
    assert.equal(response.status, 503);
    assert.match(await response.text(), /POST \/site\/course\/edit\.php: /);
    assert.equal((await failed).fatal, true);
    const later = await client.handleRequest({ url: '/site/' });
    assert.equal(later.status, 503);
    assert.equal(worker.posted.length, 1, 'nothing more is sent to a dead worker');
  }
});

test('a restartable Failed from the worker is passed on, and requests still go to it', async () => {
  const worker = fakeWorker();
  const client = createWorkerClient(worker, { requestTimeoutMs: 60_000 });
  const failed = nextEvent(client, 'failed');
  worker.reply({ type: 'failed', reason: 'PHP crashed more than 5 times within 60 s' });
  assert.equal((await failed).fatal, undefined);
  const answered = client.handleRequest({ url: '/site/' });
  assert.equal(worker.posted.length, 1);
  worker.reply({ type: 'http-response', id: worker.posted[0].id, response: { status: 503, statusText: '', headers: {}, body: new ArrayBuffer(0) } });
  assert.equal((await answered).status, 503);
});

const ok = (id) => ({ type: 'http-response', id, response: { status: 200, statusText: 'OK', headers: {}, body: new TextEncoder().encode(`answer ${id}`).buffer } });
const requestsIn = (worker) => worker.posted.filter((m) => m.type === 'http-request');
const lastSave = { savedAtMs: new Date(2026, 11, 5, 14, 2).getTime(), request: 37 };

/** A client with a respawn function that records every fresh worker, booted and saved once. */
function respawningClient(options = {}) {
  const workers = [fakeWorker()];
  const client = createWorkerClient(workers[0], {
    requestTimeoutMs: 60_000,
    respawn: () => { workers.push(fakeWorker()); return workers.at(-1); },
    ...options,
  });
  client.configure({ profile: 'moodle', save: true });
  workers[0].reply({ type: 'ready' });
  workers[0].reply({ type: 'status', state: 'serving', lastSave });
  return { client, workers };
}

const failures = [
  { name: 'past its deadline', status: 504, options: { requestTimeoutMs: 40 }, cause: () => {}, says: /ran for \d+ s without an answer/ },
  {
    name: 'dead (error event)', status: 503, options: {},
    cause: (worker) => worker.dispatchEvent(Object.assign(new Event('error'), { message: 'RuntimeError: unreachable' })),
    says: /was being served when the PHP worker died \(the worker failed: RuntimeError: unreachable\)/,
  },
];

for (const failure of failures) {
  test(`a worker ${failure.name} with respawn: the served request is answered ${failure.status} and quarantined, the queued ones go to a fresh worker`, async () => {
    const { client, workers } = respawningClient(failure.options);
    const respawned = nextEvent(client, 'respawned');
    const hung = client.handleRequest({ url: '/site/local/spin/index.php?n=1' });
    const queuedGet = client.handleRequest({ url: '/site/course/' });
    const queuedPost = client.handleRequest({ method: 'POST', url: '/site/course/edit.php', body: 'fullname=Queued' });
    failure.cause(workers[0]);

    const answer = await hung;
    assert.equal(answer.status, failure.status);
    const text = await answer.text();
    assert.match(text, failure.says);
    assert.match(text, /restored from its last save \(14:02:00, after request #37\)/);
    assert.equal((await respawned).request, 'GET /site/local/spin/index.php?n=1');
    assert.equal(workers[0].terminated, true, 'the old worker is terminated');
    assert.equal(workers.length, 2, 'one fresh worker');

    // The fresh worker is configured as the old one was, then gets the queued requests, bodies and all.
    const fresh = workers[1];
    assert.deepEqual(fresh.posted[0], { type: 'configure', config: { profile: 'moodle', save: true } });
    const sent = requestsIn(fresh);
    assert.deepEqual(sent.map((m) => `${m.request.method} ${m.request.url}`), ['GET /site/course/', 'POST /site/course/edit.php']);
    assert.equal(new TextDecoder().decode(sent[1].request.body), 'fullname=Queued');
    fresh.reply({ type: 'ready' });
    for (const m of sent) fresh.reply(ok(m.id));
    assert.equal(await (await queuedGet).text(), `answer ${sent[0].id}`);
    assert.equal(await (await queuedPost).text(), `answer ${sent[1].id}`);

    // Asked again, the poison request is refused at once; released, it is sent.
    assert.deepEqual(client.quarantined().map((e) => e.key), ['GET /site/local/spin/index.php?n=1']);
    const refused = await client.handleRequest({ url: 'http://localhost/site/local/spin/index.php?n=1' });
    assert.equal(refused.status, 503);
    assert.match(await refused.text(), /quarantined as a poison request/);
    assert.equal(requestsIn(fresh).length, 2, 'the quarantined request was not sent');
    const otherQuery = client.handleRequest({ url: '/site/local/spin/index.php?n=2' });
    assert.equal(requestsIn(fresh).length, 3, 'another query is another request');
    fresh.reply(ok(requestsIn(fresh)[2].id));
    assert.equal((await otherQuery).status, 200);
    client.release('GET /site/local/spin/index.php?n=1');
    assert.deepEqual(client.quarantined(), []);
    const retried = client.handleRequest({ url: '/site/local/spin/index.php?n=1' });
    assert.equal(requestsIn(fresh).length, 4);
    fresh.reply(ok(requestsIn(fresh)[3].id));
    assert.equal((await retried).status, 200);
  });
}

test('fresh workers that die before answering anything: after maxRespawns the worker is dead for good', async () => {
  const { client, workers } = respawningClient({ maxRespawns: 2 });
  const failed = nextEvent(client, 'failed');
  const waiting = client.handleRequest({ url: '/site/' });
  const die = (worker) => worker.dispatchEvent(Object.assign(new Event('error'), { message: 'boot failed' }));
  die(workers[0]);
  assert.equal((await waiting).status, 503, 'the served request is answered');
  const next = client.handleRequest({ url: '/site/course/' });
  die(workers[1]);
  die(workers[2]);
  assert.equal(workers.length, 3, 'no third fresh worker');
  assert.equal((await failed).fatal, true);
  assert.equal((await next).status, 503);
  assert.equal((await client.handleRequest({ url: '/site/x' })).status, 503, 'later requests are answered at once');
});

test('a fresh worker that answers resets the respawn budget', async () => {
  const { client, workers } = respawningClient({ maxRespawns: 1 });
  const die = (worker) => worker.dispatchEvent(Object.assign(new Event('error'), { message: 'trap' }));
  for (let round = 0; round < 3; round += 1) {
    const first = client.handleRequest({ url: `/site/a${round}` });
    const second = client.handleRequest({ url: `/site/b${round}` });
    die(workers.at(-1));
    assert.equal((await first).status, 503);
    const fresh = workers.at(-1);
    fresh.reply({ type: 'ready' });
    fresh.reply(ok(requestsIn(fresh)[0].id));
    assert.equal((await second).status, 200);
  }
  assert.equal(workers.length, 4);
});

test('a boot that hangs is replaced without blaming a request, and the request waits for the fresh worker', async () => {
  const workers = [fakeWorker()];
  const client = createWorkerClient(workers[0], {
    requestTimeoutMs: 30,
    respawn: () => { workers.push(fakeWorker()); return workers.at(-1); },
    bootSilenceMs: 60,
  });
  const respawned = nextEvent(client, 'respawned');
  const waiting = client.handleRequest({ url: '/site/' });
  assert.equal((await respawned).request, null, 'no request is blamed for a boot');
  assert.deepEqual(client.quarantined(), []);
  await everythingQueued();
  const fresh = workers[1];
  fresh.reply({ type: 'ready' });
  fresh.reply(ok(requestsIn(fresh)[0].id));
  assert.equal((await waiting).status, 200);
  assert.ok(BOOT_SILENCE_MS >= 60_000, `by default a cold boot may be silent for a minute or more (${BOOT_SILENCE_MS} ms)`);
});

test('terminate(): the worker is stopped, no fresh one, requests get a 503 that says why', async () => {
  const { client, workers } = respawningClient();
  const waiting = client.handleRequest({ url: '/site/' });
  client.terminate('the site was reset');
  assert.equal(workers[0].terminated, true);
  const answer = await waiting;
  assert.equal(answer.status, 503);
  assert.match(await answer.text(), /the site was reset/);
  assert.equal(workers.length, 1);
});

/** A save writer whose writes finish when the test says. */
function manualWriter() {
  const writes = [];
  let line = Promise.resolve();
  return {
    writes,
    write(save) {
      const entry = { save };
      const done = new Promise((resolve, reject) => { entry.land = () => resolve({ writeMs: 7, names: ['a'.repeat(64), 'b'.repeat(64)] }); entry.fail = reject; });
      writes.push(entry);
      line = line.then(() => done).catch(() => {});
      return done;
    },
    settled: () => line,
  };
}

const saveMessage = (seq) => ({ type: 'save', site: 'moodle', seq, manifestJson: `{"seq":${seq}}`, chunks: [] });
const landedIn = (worker) => worker.posted.filter((m) => m.type === 'save-landed');

test('a save the worker hands over is written by the page and answered to that worker, landed or not', async () => {
  const saveWriter = manualWriter();
  const { workers } = respawningClient({ saveWriter });
  workers[0].reply(saveMessage(4));
  workers[0].reply(saveMessage(5));
  assert.deepEqual(saveWriter.writes.map((w) => w.save.seq), [4, 5], 'handed to the writer in order');
  saveWriter.writes[0].land();
  saveWriter.writes[1].fail(new Error('the browser\'s storage is full'));
  await everythingQueued();
  assert.deepEqual(landedIn(workers[0]), [
    { type: 'save-landed', seq: 4, error: null, writeMs: 7, names: 'a'.repeat(64) + 'b'.repeat(64) },
    { type: 'save-landed', seq: 5, error: 'the browser\'s storage is full', writeMs: 0, names: '' },
  ]);

  // A page that keeps no saves says so, rather than leaving the worker waiting.
  const { workers: unsaved } = respawningClient();
  unsaved[0].reply(saveMessage(1));
  await everythingQueued();
  assert.deepEqual(landedIn(unsaved[0]), [{ type: 'save-landed', seq: 1, error: 'this page keeps no saves', writeMs: 0, names: '' }]);
});

test('a fresh worker is configured only once the saves its predecessor handed over have landed', async () => {
  const saveWriter = manualWriter();
  const { client, workers } = respawningClient({ saveWriter });
  workers[0].reply(saveMessage(9));
  const served = client.handleRequest({ url: '/site/crashes.php' });
  const queued = client.handleRequest({ url: '/site/course/' });
  workers[0].dispatchEvent(Object.assign(new Event('error'), { message: 'trap' }));
  await everythingQueued();
  const fresh = workers[1];
  assert.deepEqual(fresh.posted, [], 'nothing sent while save 9 is still being written');
  saveWriter.writes[0].land();
  await everythingQueued();
  assert.deepEqual(fresh.posted.map((m) => m.type), ['configure', 'http-request'], 'configured, then the queued request');
  assert.deepEqual(landedIn(workers[0]), [], 'the replaced worker hears nothing');
  assert.equal((await served).status, 503, 'the request it was serving is answered, not sent again');
  fresh.reply({ type: 'ready' });
  fresh.reply(ok(requestsIn(fresh)[0].id));
  assert.equal((await queued).status, 200);
  await client.savesLanded();
});
