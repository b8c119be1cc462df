// The host's prepend file (www/host/prepend.js): what it writes, and that a
// page's own prepend file is chained as a PHP string literal whatever its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installPrepend, PREPEND_PATH } from '../../www/host/prepend.js';

function install(parts) {
  const written = new Map();
  const FS = { mkdirTree() {}, writeFile: (path, text) => written.set(path, text) };
  const ini = installPrepend(FS, parts);
  return { ini, source: written.get(PREPEND_PATH) };
}

test('the prepend file defines first, then takes over @php-wasm\'s two duties, and is what php.ini names', () => {
  const { ini, source } = install({ definitions: 'function replaced() {}' });
  assert.deepEqual(ini, { auto_prepend_file: PREPEND_PATH });
  const order = ['function replaced() {}', "'/internal/shared/consts.json'", "glob('/internal/shared/preload/*.php')"].map((part) => source.indexOf(part));
  assert.ok(order.every((at) => at > 0), source);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'definitions, constants, preload folder, in that order');
  assert.ok(!source.includes('require '), 'no page prepend file named, none required');
});

test('a page\'s own prepend file runs last, its name quoted for PHP whatever it holds', () => {
  for (const name of ["/tmp/own.php", "/tmp/it's.php", '/tmp/back\\slash.php', "/tmp/\\'.php"]) {
    const { source } = install({ definitions: '', chained: name });
    const literal = source.match(/require '((?:[^'\\]|\\.)*)';\n$/);
    assert.ok(literal, `${name}: ${source.slice(-80)}`);
    // PHP's single-quoted string: \\ is one backslash, \' one quote.
    assert.equal(literal[1].replace(/\\([\\'])/g, '$1'), name);
  }
});
