<?php
// local_hello: the plugin the blueprint gallery's "plugin preview" installs
// (built into dist/blueprints/plugins/local_hello.zip). It runs on the
// stand-in and on real Moodle 4.5.
defined('MOODLE_INTERNAL') || die();
$plugin->component = 'local_hello';
$plugin->version = 2026120700;
$plugin->requires = 2024100700;
$plugin->release = '1.0';
