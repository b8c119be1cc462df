<?php // Written by the playground bootstrap.
// This is the shape of the config.php that the worker writes into
// /www/moodle/config.php at run time (there is no config.php in the repo,
// as in Moodle). Copy it to config.php only to run the site by hand.
unset($CFG);
global $CFG;
$CFG = new stdClass();
$CFG->dbtype      = 'sqlite3';
$CFG->dblibrary   = 'pdo';
$CFG->dbname      = '/persist/moodledata/moodle_playground_php83.sq3.php';
$CFG->prefix      = 'mdl_';
$CFG->journalmode = 'DELETE';
$CFG->wwwroot     = 'http://localhost/site';   // the page's URL for the site; varies
$CFG->dataroot    = '/persist/moodledata';
$CFG->dirroot     = '/www/moodle';
$CFG->sitename    = 'Moodle Playground';
require_once(__DIR__ . '/lib/setup.php');
