// The page's save writer (www/store/save-writer.js): saves are written one
// after another in the order they were handed over, a failed one does not
// stop the next, `settled()` waits for all of them, and the `new-<i>` chunks
// the worker hands over are named by their sha-256 in the manifest written
// and in the names said back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSaveWriter } from '../../www/store/save-writer.js';
import { withChunkNames } from '../../www/store/manifests.js';

/** A store whose saves finish when the test says; it records overlaps and what it was given. */
function manualStore() {
  const calls = [];
  let writing = 0;
  return {
    calls,
    maxAtOnce: 0,
    save(site, manifestJson, chunks) {
      writing += 1;
      this.maxAtOnce = Math.max(this.maxAtOnce, writing);
      return new Promise((resolve, reject) => {
        calls.push({
          manifest: JSON.parse(manifestJson),
          chunks,
          land: () => { writing -= 1; resolve(); },
          fail: (error) => { writing -= 1; reject(error); },
        });
      });
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const save = (seq, chunks = []) => ({
  site: 'moodle', seq, chunks,
  manifestJson: JSON.stringify({ seq, files: [{ path: '/db', size: 0, chunks: chunks.map(([name]) => name) }] }),
});

test('saves are written one at a time, in the order handed over; a failure does not stop the next', async () => {
  const store = manualStore();
  let clock = 0;
  const writer = createSaveWriter(store, { now: () => clock });
  const results = [1, 2, 3].map((seq) => writer.write(save(seq)).then((r) => r, (e) => e.message));
  let settled = false;
  writer.settled().then(() => { settled = true; });
  await turn();
  assert.deepEqual(store.calls.map((c) => c.manifest.seq), [1], 'the second waits for the first');
  clock = 5;
  store.calls[0].fail(new Error('quota'));
  await turn();
  assert.deepEqual(store.calls.map((c) => c.manifest.seq), [1, 2]);
  clock = 9;
  store.calls[1].land();
  await turn();
  assert.equal(settled, false, 'save 3 is still being written');
  clock = 12;
  store.calls[2].land();
  assert.deepEqual(await Promise.all(results), ['quota', { writeMs: 4, names: [] }, { writeMs: 3, names: [] }]);
  await writer.settled();
  assert.equal(store.maxAtOnce, 1);
});

test('new-<i> chunks are named by their sha-256, in the manifest written and in the names said back', async () => {
  const store = manualStore();
  const writer = createSaveWriter(store);
  const bytes = [new Uint8Array([1, 2, 3]), new Uint8Array(65536).fill(7), new Uint8Array([9])];
  const known = sha256(bytes[2]);
  // Handed over in another order than their numbers, beside a chunk the worker hashed itself.
  const handed = save(6, [['new-1', bytes[1].slice().buffer], [known, bytes[2].slice().buffer], ['new-0', bytes[0].slice().buffer]]);
  const written = writer.write(handed);
  await turn();
  const [call] = store.calls;
  assert.deepEqual(call.manifest.files[0].chunks, [sha256(bytes[1]), known, sha256(bytes[0])]);
  assert.deepEqual(call.chunks.map(([name]) => name), call.manifest.files[0].chunks, 'each chunk stored under the name the manifest gives it');
  call.land();
  assert.deepEqual((await written).names, [sha256(bytes[0]), sha256(bytes[1])], 'names in the order of their numbers');

  // A manifest naming a chunk that was not handed over is refused, and nothing is written.
  const broken = { ...save(7, [['new-0', bytes[0].slice().buffer]]) };
  broken.manifestJson = JSON.stringify({ seq: 7, files: [{ path: '/db', size: 0, chunks: ['new-0', 'new-1'] }] });
  await assert.rejects(writer.write(broken), /new-1, which it did not hand over/);
  assert.equal(store.calls.length, 1);
});

test('withChunkNames leaves named chunks alone and refuses a missing name', () => {
  const manifest = { seq: 1, files: [{ path: '/a', chunks: ['new-0', 'f'.repeat(64)] }, { path: '/b', chunks: ['new-1'] }] };
  assert.deepEqual(withChunkNames(manifest, ['a', 'b']).files.map((f) => f.chunks), [['a', 'f'.repeat(64)], ['b']]);
  assert.deepEqual(manifest.files[0].chunks, ['new-0', 'f'.repeat(64)], 'the manifest given is not changed');
  assert.throws(() => withChunkNames(manifest, ['a']), /new-1/);
});

test('a save the browser never finishes is given up, said, and the next one is written', async () => {
  const store = manualStore();
  const writer = createSaveWriter(store, { timeoutMs: 20 });
  const stuck = writer.write(save(1));
  const next = writer.write(save(2));
  await assert.rejects(stuck, /the browser did not finish writing the save in 0 s/);
  await turn();
  assert.deepEqual(store.calls.map((c) => c.manifest.seq), [1, 2], 'the next save is written');
  store.calls[1].land();
  assert.deepEqual((await next).names, []);
});
