// The watchdog's pure pieces: which requests count as the same poison
// request, and what the answers say about the user's data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestKey, createQuarantine } from '../../www/watchdog/quarantine.js';
import { dataAfterRespawn, hungText } from '../../www/watchdog/answers.js';

test('requestKey: same method, path and query is the same request, whatever the host or the method case', () => {
  const same = [
    ['GET', '/site/local/spin/index.php?n=1'],
    ['get', 'http://localhost/site/local/spin/index.php?n=1'],
    ['GET', 'https://example.org/site/local/spin/index.php?n=1#part'],
  ].map(([method, url]) => requestKey(method, url));
  assert.deepEqual(new Set(same), new Set(['GET /site/local/spin/index.php?n=1']));
  const different = [
    ['GET', '/site/local/spin/index.php?n=2'],
    ['POST', '/site/local/spin/index.php?n=1'],
    ['GET', '/site/local/spin/index.php'],
    ['GET', '/site/local/spin/'],
  ].map(([method, url]) => requestKey(method, url));
  assert.equal(new Set([...same, ...different]).size, 1 + different.length);
});

test('the quarantine holds each key once, with the latest reason, until released', () => {
  const quarantine = createQuarantine();
  quarantine.add('GET /a', 'hung');
  quarantine.add('GET /a', 'hung again');
  quarantine.add('POST /b', 'died');
  assert.deepEqual(quarantine.list().map((e) => [e.key, e.reason]), [['GET /a', 'hung again'], ['POST /b', 'died']]);
  assert.equal(quarantine.release('GET /a'), true);
  assert.equal(quarantine.release('GET /a'), false, 'releasing twice is a no-op');
  assert.equal(quarantine.get('GET /a'), undefined);
});

test('the answers say where the data stands: restored from a named save, or nothing to restore', () => {
  const save = { savedAtMs: new Date(2026, 11, 5, 9, 5, 7).getTime(), request: 12 };
  assert.match(dataAfterRespawn({ lastSave: save }), /last save \(09:05:07, after request #12\)/);
  for (const status of [null, {}, { lastSave: null }]) {
    assert.match(dataAfterRespawn(status), /no save to restore/);
  }
  assert.match(hungText('GET /site/x', 31_400, null), /^GET \/site\/x ran for 31 s without an answer/);
});
