<?php
/**
 * The `mediawiki` profile's "installer" step, run by the worker on every fresh
 * runtime (php.run with scriptPath /playground/mediawiki/install-check.php,
 * seeded from the bundle's .playground/seed/). MediaWiki was installed when
 * the bundle was built: the install snapshot is the seed of /persist/data, so
 * there is nothing to create here, only to confirm the main DB is in place.
 *
 * Prints exactly "OK" when /persist/data/my_wiki.sqlite exists, is not empty
 * and starts with SQLite's header; otherwise prints what is wrong and exits 1.
 * No MediaWiki bootstrap: a few stat() calls and one 16-byte read.
 */
$db = '/persist/data/my_wiki.sqlite';

$problem = null;
clearstatcache();
if (!is_file($db)) {
    $problem = "$db does not exist (the bundle's seed was not written?)";
} elseif (filesize($db) === 0) {
    $problem = "$db is empty";
} else {
    $handle = @fopen($db, 'rb');
    $header = $handle ? fread($handle, 16) : false;
    if ($handle) {
        fclose($handle);
    }
    if ($header === false) {
        $problem = "$db cannot be read";
    } elseif ($header !== "SQLite format 3\0") {
        $problem = "$db is not an SQLite database (header " . bin2hex((string) $header) . ')';
    }
}

if ($problem !== null) {
    echo "install-check failed: $problem\n";
    exit(1);
}
echo 'OK';
