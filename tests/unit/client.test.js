// The worker client (www/client.js) against a scripted stand-in for a Worker:
// a worker that dies or stops answering never leaves a request hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkerClient } from '../../www/client.js';

/** A Worker-shaped EventTarget that records what the client posts. */
function fakeWorker() {
  const worker = new EventTarget();
  worker.posted = [];
  worker.postMessage = (message) => worker.posted.push(message);
  worker.reply = (data) => worker.dispatchEvent(Object.assign(new Event('message'), { data }));
  return worker;
}

const nextEvent = (client, type) => new Promise((resolve) => { const off = client.on(type, (e) => { off(); resolve(e); }); });

test('a worker that says nothing for the deadline: the request is answered 504 and the page is told', async () => {
  const worker = fakeWorker();
  const client = createWorkerClient(worker, { requestTimeoutMs: 50 });
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
