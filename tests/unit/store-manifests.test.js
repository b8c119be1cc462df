// The site store's pure decisions (www/store/manifests.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf, saveFileName, savesNewestFirst, savesToDelete, unreferencedChunks } from '../../www/store/manifests.js';

test('save names sort as numbers, and only saves count', () => {
  const names = [9, 10, 100, 2].map(saveFileName).concat(['chunks', 'save-12.json', 'save-000000000003.json.crswap']);
  assert.deepEqual(savesNewestFirst(names), [100, 10, 9, 2].map(saveFileName));
  assert.throws(() => saveFileName(0), /positive integer/);
  assert.throws(() => saveFileName(1.5), /positive integer/);
});

test('a landed save keeps itself and the one before it, for every count of older saves', () => {
  for (let count = 0; count < 6; count++) {
    const names = Array.from({ length: count }, (_, i) => saveFileName(i + 1));
    const deleted = savesToDelete(names);
    assert.equal(deleted.length, Math.max(0, count - 2));
    for (const kept of names.slice(-2)) assert.ok(!deleted.includes(kept), `${kept} kept of ${count}`);
  }
});

test('chunks named by a kept save are never collected', () => {
  const newest = { files: [{ chunks: ['a', 'b'] }, { chunks: ['b'] }] };
  const previous = { files: [{ chunks: ['c'] }] };
  assert.deepEqual(unreferencedChunks(['a', 'b', 'c', 'd'], [newest, previous]), ['d']);
  assert.deepEqual(chunksOf(newest), ['a', 'b']);
});
