<?php
// Demo stand-in for Moodle's admin/cli/install_database.php.
// The worker runs it once per fresh PHP runtime. It only creates what is
// missing, so running it again is harmless and fast. Prints "OK" on success;
// on failure prints "ERROR: ..." and exits with status 1.

define('CLI_SCRIPT', true);

require(__DIR__ . '/../../config.php');
require_once($CFG->libdir . '/installlib.php');

install_core_database();
echo "OK\n";
