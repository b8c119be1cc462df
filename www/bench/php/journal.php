<?php
// Bench-only (figure 8): the write cost of SQLite's journal modes in MEMFS.
// ?mode=delete|memory, ?n= single-row write transactions on a DB of its own.
// Prints the milliseconds the n transactions took, timed inside PHP.
$mode = ($_GET['mode'] ?? 'delete') === 'memory' ? 'MEMORY' : 'DELETE';
$n = max(1, (int) ($_GET['n'] ?? 200));
$file = '/tmp/journal-bench-' . strtolower($mode) . '.sqlite';
@unlink($file);
$db = new PDO('sqlite:' . $file, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$db->exec('PRAGMA journal_mode=' . $mode);
$db->exec('CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT)');
$insert = $db->prepare('INSERT INTO t (value) VALUES (?)');
$started = hrtime(true);
for ($i = 0; $i < $n; $i++) {
    $db->beginTransaction();
    $insert->execute([str_repeat('x', 200)]);
    $db->commit();
}
echo json_encode(['mode' => $mode, 'n' => $n, 'ms' => (hrtime(true) - $started) / 1e6]);
