<?php
// Playground (resilient-php-worker), Moodle bundle: one slice of Moodle's
// cron, run by the worker in the live instance while the site is idle
// (src/supervisor/cron.rs): at most ONE task — the next due ad-hoc task, else
// the next due scheduled task — through Moodle's own task manager and cron
// runner, so a user's request waits for one task at most. Prints ran=<task>,
// pending=<tasks still due>, OK.

define('CLI_SCRIPT', true);
require '/www/moodle/config.php';

\core\cron::setup_user();
$now = time();
$ran = null;
// The tasks print as they go (mtrace): not for the page.
ob_start();
try {
    if ($task = \core\task\manager::get_next_adhoc_task($now)) {
        $ran = 'ad-hoc ' . get_class($task);
        \core\cron::run_inner_adhoc_task($task);
    } else if ($task = \core\task\manager::get_next_scheduled_task($now)) {
        $ran = 'scheduled ' . get_class($task);
        \core\cron::run_inner_scheduled_task($task);
    }
} finally {
    ob_end_clean();
}
if ($ran !== null) {
    echo 'ran=', $ran, "\n";
}
$pending = $DB->count_records_select('task_adhoc', 'nextruntime <= ?', [$now])
    + $DB->count_records_select('task_scheduled', 'disabled = 0 AND nextruntime <= ?', [$now]);
echo 'pending=', $pending, "\n";
echo "OK\n";
