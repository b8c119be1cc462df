<?php
// DEMO STAND-IN FOR MOODLE. This is not Moodle: it is a small site that uses
// Moodle's file layout, table names (mdl_*), cookie name and API names so the
// playground worker can be built and tested without the real Moodle code.
//
// Loaded by config.php (which the worker writes) on every request and CLI
// script: loads the libraries, connects $DB, and for web requests starts the
// session and sets $USER and $SESSION.

global $CFG, $DB, $USER, $SESSION, $OUTPUT;

// Moodle's files start with defined('MOODLE_INTERNAL') || die(); so they
// cannot be requested on their own.
define('MOODLE_INTERNAL', true);
defined('CLI_SCRIPT') || define('CLI_SCRIPT', false);

if (!isset($CFG) || !($CFG instanceof stdClass)) {
    exit("config.php must set \$CFG before including lib/setup.php\n");
}
// Defaults for what config.php may leave out.
$CFG->prefix = $CFG->prefix ?? 'mdl_';
$CFG->journalmode = $CFG->journalmode ?? 'DELETE';
$CFG->dirroot = $CFG->dirroot ?? dirname(__DIR__);
$CFG->libdir = $CFG->dirroot . '/lib';
$CFG->wwwroot = rtrim($CFG->wwwroot, '/');
$CFG->sitename = $CFG->sitename ?? 'Moodle';

require_once($CFG->libdir . '/setuplib.php');
require_once($CFG->libdir . '/dml/moodle_database.php');
require_once($CFG->libdir . '/classes/component.php');
require_once($CFG->libdir . '/classes/session/database.php');
require_once($CFG->libdir . '/classes/session/manager.php');
require_once($CFG->libdir . '/weblib.php');
require_once($CFG->libdir . '/moodlelib.php');
require_once($CFG->libdir . '/sessionlib.php');
require_once($CFG->libdir . '/outputlib.php');
require_once($CFG->libdir . '/upgradelib.php');
require_once($CFG->libdir . '/filelib.php');
require_once($CFG->libdir . '/courselib.php');
require_once($CFG->libdir . '/cronlib.php');

set_exception_handler('default_exception_handler');

$OUTPUT = new core_renderer();
$USER = guest_user();
$SESSION = new stdClass();

// SQLite cannot create the database file in a missing folder.
if (!is_dir($CFG->dataroot)) {
    mkdir($CFG->dataroot, 0777, true);
}
$DB = new moodle_database($CFG);

if ($DB->table_exists('config')) {
    // Settings stored in the database; config.php has the last word.
    foreach ($DB->get_records('config') as $setting) {
        if (!isset($CFG->{$setting->name})) {
            $CFG->{$setting->name} = $setting->value;
        }
    }
    if (!CLI_SCRIPT) {
        \core\session\manager::start();
    }
} else if (!CLI_SCRIPT) {
    throw new moodle_exception('notinstalled',
        'The site database is not installed yet: run admin/cli/install_database.php first.', 503);
}
