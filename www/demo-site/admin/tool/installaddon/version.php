<?php
// The add-on installer is itself a plugin (admin tool), as in Moodle.

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'tool_installaddon';
$plugin->version   = 2024042200;
$plugin->release   = '1.0 (demo stand-in)';
