// The soak's judgement (scripts/soak/verdict.js) on ledgers and sites made by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../../scripts/soak/verdict.js';

const ledger = () => ({
  writes: new Map([['w1', { rows: 3, acknowledged: true }], ['w2', { rows: 2, acknowledged: false }]]),
  uploads: new Map([['u1', { sha256: 'aa', acknowledged: true }], ['u2', { sha256: 'bb', acknowledged: false }]]),
});
const site = (changes = {}) => ({
  writes: { w1: 3 }, uploads: { u1: { db: 'aa', file: 'aa' } }, integrity: 'ok', ...changes,
});

test('a site holding exactly what was acknowledged passes', () => {
  assert.deepEqual(judge(ledger(), site()), []);
  // An unacknowledged write or upload may have committed whole (the crash came after the commit).
  assert.deepEqual(judge(ledger(), site({ writes: { w1: 3, w2: 2 }, uploads: { u1: { db: 'aa', file: 'aa' }, u2: { db: 'bb', file: 'bb' } } })), []);
});

test('every kind of loss or half-done state is named', () => {
  const cases = [
    [site({ writes: {} }), /acknowledged write w1: 0 of 3/],
    [site({ writes: { w1: 6 } }), /acknowledged write w1: 6 of 3/],
    [site({ writes: { w1: 3, w2: 1 } }), /unacknowledged write w2 is half-done/],
    [site({ writes: { w1: 3, w9: 1 } }), /w9 is present but was never sent/],
    [site({ uploads: {} }), /acknowledged upload u1: DB missing, file missing/],
    [site({ uploads: { u1: { db: 'aa', file: 'ab' } } }), /acknowledged upload u1: DB aa, file ab/],
    [site({ uploads: { u1: { db: 'aa', file: 'aa' }, u2: { db: null, file: 'bb' } } }), /unacknowledged upload u2 is half-done/],
    [site({ integrity: 'row 3 missing from index' }), /integrity_check says/],
  ];
  for (const [state, expected] of cases) {
    const problems = judge(ledger(), state);
    assert.equal(problems.length, 1, `${expected}: ${problems}`);
    assert.match(problems[0], expected);
  }
});
