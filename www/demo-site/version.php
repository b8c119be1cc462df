<?php
// Version of the demo stand-in's core, read by the installer into
// mdl_config (version, release), as Moodle's top-level version.php is.

defined('MOODLE_INTERNAL') || die();

$version  = 2024042200.00;   // YYYYMMDDXX.XX, Moodle's format
$release  = '4.4 (demo stand-in)';
$branch   = '404';
$maturity = 'MATURITY_STABLE';
