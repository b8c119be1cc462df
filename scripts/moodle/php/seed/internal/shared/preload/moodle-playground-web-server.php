<?php
// Playground (resilient-php-worker), Moodle bundle: run before every script by
// php-wasm, which `require`s each file in /internal/shared/preload/. It makes a
// php-wasm request look as it does under Apache or php-fpm, which Moodle relies on.
// php.cli() (PHP_SAPI 'cli') is left alone: a CLI script runs where it is started.
(function (): void {
    $script = (string) ($_SERVER['SCRIPT_FILENAME'] ?? '');
    if (PHP_SAPI === 'cli' || !str_starts_with($script, '/www/moodle/') || !is_file($script)) {
        return;
    }
    // A script starts in its own folder: admin/index.php does require('../config.php'),
    // which PHP resolves against the working directory (php-wasm stays in the document root).
    chdir(dirname($script));

    // php-wasm says SERVER_PORT 80 whatever the page's port; Moodle compares it
    // with wwwroot's port and redirects when they differ. The Host header has it.
    if (preg_match('/:(\d+)$/', (string) ($_SERVER['HTTP_HOST'] ?? ''), $port)) {
        $_SERVER['SERVER_PORT'] = $port[1];
    }

    // php-wasm sets SCRIPT_NAME relative to the document root ("/index.php") and no
    // PATH_INFO. Apache gives the script's URL path, under the site's path
    // ("/site/<tab>/index.php"), and what follows it as PATH_INFO
    // (theme/image.php/boost/core/1/favicon). Without them Moodle redirects every
    // page to itself (its SCRIPT_NAME is not under wwwroot) and finds no slash arguments.
    $relative = substr($script, strlen('/www/moodle'));
    $self = (string) ($_SERVER['PHP_SELF'] ?? '');
    $at = strpos($self, $relative);
    while ($at !== false) {
        $end = $at + strlen($relative);
        if ($end === strlen($self) || $self[$end] === '/') {
            $_SERVER['SCRIPT_NAME'] = substr($self, 0, $end);
            if ($end < strlen($self)) {
                $_SERVER['PATH_INFO'] = substr($self, $end);
            }
            return;
        }
        $at = strpos($self, $relative, $at + 1);
    }
    // A folder's URL ("/site/<tab>/", "/site/<tab>/course/") served by its index.php.
    if (str_ends_with($self, '/') && str_ends_with($relative, '/index.php')) {
        $_SERVER['SCRIPT_NAME'] = $self . 'index.php';
    }
})();
