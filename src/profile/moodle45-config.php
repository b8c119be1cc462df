<?php // Written by the playground at every boot (template: src/profile/moodle45-config.php).
// The bundle builder (scripts/moodle/install.mjs) installs Moodle with this same
// file, so the install snapshot in the bundle matches what boots.
unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->wwwroot  = {{wwwroot}};
$CFG->dataroot = {{dataroot}};
$CFG->admin    = 'admin';
$CFG->directorypermissions = 0777;

// The playground's SQLite driver (lib/dml/sqlite3_playground_moodle_database.php,
// placed into the bundle by the builder): Moodle loads
// <dbtype>_<dblibrary>_moodle_database. It opens dboptions['file'] as it is.
$CFG->dbtype    = 'sqlite3';
$CFG->dblibrary = 'playground';
$CFG->dbhost    = '';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = '';
$CFG->dbpass    = '';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = [
    'file' => {{db_file}},
    // A rollback journal in a file beside the DB: after a trap the worker reads
    // both out of memory, and SQLite rolls a torn transaction back.
    'journalmode' => 'DELETE',
];

// Sessions are rows of mdl_sessions, in the DB the worker keeps with its
// journal: the user stays logged in across a crash, and a crashed request's
// session writes roll back with the rest of it.
$CFG->session_handler_class = '\core\session\database';
$CFG->session_database_acquire_lock_timeout = 120;

// Scratch files are not state: outside the data directory the worker keeps.
$CFG->tempdir       = '/tmp/moodle-temp';
$CFG->backuptempdir = '/tmp/moodle-temp/backup';

// A browser tab has no mail server, starts no processes and has no network
// (so no update checks; plugins install from a ZIP through
// admin/tool/installaddon, which $CFG->disableupdateautodeploy would disable).
$CFG->noemailever    = true;
$CFG->preventexecpath = true;
$CFG->pathtophp      = '';
$CFG->pathtodu       = '';
$CFG->aspellpath     = '';
$CFG->pathtodot      = '';
$CFG->pathtogs       = '';
$CFG->pathtopython   = '';
$CFG->disableupdatenotifications = true;
$CFG->site_is_public = false;

require_once(__DIR__ . '/lib/setup.php');
