<?php
// Playground (resilient-php-worker), Moodle bundle: run before every request by
// php-wasm, which `require`s each file in /internal/shared/preload/.
//
// Apache and php-fpm start a script in its own folder; php-wasm's request handler
// stays in the document root. Moodle relies on the former: admin/index.php does
// require('../config.php'), which PHP resolves against the working directory.
// php.cli() (PHP_SAPI 'cli') is left alone: a CLI script runs where it is started.
if (PHP_SAPI !== 'cli' && isset($_SERVER['SCRIPT_FILENAME'])
        && str_starts_with((string) $_SERVER['SCRIPT_FILENAME'], '/www/moodle/')
        && is_file($_SERVER['SCRIPT_FILENAME'])) {
    chdir(dirname($_SERVER['SCRIPT_FILENAME']));
}
