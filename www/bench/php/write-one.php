<?php
// Bench-only (figure 7): one small write, the kind most requests make —
// one row changed in one transaction — so the worker takes a checkpoint.
require(__DIR__ . '/../config.php');
$DB->set_field('course', 'summary', bin2hex(random_bytes(16)), ['id' => SITEID]);
echo 'ok';
