<?php
// The stand-in's cron, one slice (the worker runs it in the live instance
// while the site is idle: src/supervisor/cron.rs): at most one ad-hoc task,
// then how many are still due. Prints ran=<what it did>, pending=<n>, OK.

define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');

$did = cron_run_next_adhoc_task();
if ($did !== null) {
    echo 'ran=', $did, "\n";
}
echo 'pending=', cron_pending_count(), "\n";
echo "OK\n";
