<?php
// Bench-only (figure 4): a page that leaks on purpose, in a way that really
// outlives the request in php-wasm. Each request is a fresh PHP request, but
// persistent PDO connections stay in PHP's persistent list until the runtime
// ends; a new DSN each time makes a new connection, and its in-memory TEMP
// table lives in SQLite's page cache, i.e. in PHP's linear memory, which
// WebAssembly never shrinks. Measured: about 240 KiB more per request.
$db = new PDO('sqlite:/tmp/bench-leak-' . uniqid('', true) . '.sq3', null, null, [PDO::ATTR_PERSISTENT => true]);
$db->exec('PRAGMA temp_store = MEMORY');
$db->exec('CREATE TEMP TABLE leak (b BLOB)');
$db->exec('INSERT INTO leak VALUES (randomblob(262144))');
echo 'leaked';
