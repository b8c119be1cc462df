<?php
// Playground (resilient-php-worker), Moodle bundle: the `moodle` profile's
// "installer" step, run by the worker on every fresh runtime (php.run with
// scriptPath /playground/moodle/install-check.php, seeded from the bundle's
// .playground/seed/), after config.php was written and the install snapshot
// copied into place. Moodle was installed when the bundle was built, so there is
// nothing to create: this confirms the DB is an installed Moodle, and points the
// compiled theme CSS of the snapshot at this boot's site path.
//
// Prints OK (and one line of what it did); otherwise what is wrong, exit code 1.
// Moodle is loaded only as far as its configuration (ABORT_AFTER_CONFIG): a few ms.

// php.run() sets no REMOTE_ADDR: Moodle treats it as a command-line script.
define('CLI_SCRIPT', true);
define('ABORT_AFTER_CONFIG', true);
require '/www/moodle/config.php';

// The site path the bundle builder installed Moodle under (a placeholder that
// occurs nowhere else); the compiled CSS holds root-relative URLs
// (url(/<path>/theme/image.php/...)) with it.
const PLAYGROUND_BUILD_PATH = '/__moodle_playground_build__';

function playground_fail(string $problem): never {
    echo "install-check failed: $problem\n";
    exit(1);
}

$db = $CFG->dboptions['file'] ?? '';
clearstatcache();
if ($db === '' || !is_file($db)) {
    playground_fail("the database {$db} does not exist (the bundle's install snapshot was not seeded?)");
}
if (filesize($db) < 100) {
    playground_fail("the database $db is empty");
}
$header = (string) @file_get_contents($db, false, null, 0, 16);
if ($header !== "SQLite format 3\0") {
    playground_fail("$db is not an SQLite database (header " . bin2hex($header) . ')');
}
try {
    $pdo = new PDO('sqlite:' . $db);
    $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    $statement = $pdo->prepare('SELECT value FROM ' . $CFG->prefix . "config WHERE name = 'version'");
    $statement->execute();
    $installed = $statement->fetchColumn();
    $statement->closeCursor();
    $pdo = null;
} catch (Throwable $e) {
    playground_fail("$db cannot be read as Moodle's database: " . $e->getMessage());
}
if ($installed === false || $installed === '') {
    playground_fail("$db holds no installed Moodle (no version in {$CFG->prefix}config)");
}

// The compiled theme CSS: from the build path (or the path of an earlier boot,
// recorded beside it) to this boot's.
$path = rtrim((string) parse_url($CFG->wwwroot, PHP_URL_PATH), '/');
$marker = "$CFG->localcachedir/theme/playground-site-path.txt";
$from = is_file($marker) ? rtrim((string) file_get_contents($marker), "\n") : PLAYGROUND_BUILD_PATH;
$rewritten = 0;
if ($from !== $path) {
    foreach (glob("$CFG->localcachedir/theme/*/*/css/*.css") ?: [] as $file) {
        $css = file_get_contents($file);
        $count = 0;
        $css = preg_replace('~url\((["\']?)' . preg_quote($from, '~') . '/~', 'url($1' . $path . '/', $css, -1, $count);
        if ($count > 0) {
            file_put_contents($file, $css);
            $rewritten++;
        }
    }
    if (is_dir(dirname($marker))) {
        file_put_contents($marker, "$path\n");
    }
}
echo "OK\n";
echo "Moodle $installed installed in $db; theme CSS " . ($from === $path ? "already for $path" : "rewritten from $from to " . ($path === '' ? '/' : $path) . " in $rewritten file(s)") . "\n";
