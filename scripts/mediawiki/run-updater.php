<?php
/**
 * MediaWiki's schema updater (what maintenance/update.php does) run INSIDE a
 * live web-SAPI php-wasm instance, which then keeps serving requests. The
 * `mediawiki` profile's re-registration step (after a restore, or after an
 * extension was added). Seeded by the bundle at
 * /playground/mediawiki/run-updater.php and run with
 *
 *   php.run({ code: "<?php require '/playground/mediawiki/run-updater.php';" })
 *
 * Output, one item per line:
 *   UPDATE-DONE             the updates ran (or were already done, see below)
 *   updater: <what it did, in words>
 *   <the updater's own log, when it ran>
 *   extension:<Name>=<version or "loaded">   one line per loaded extension
 *   skin:<Name>=<version or "loaded">        one line per loaded skin
 * <Name> is the directory name, the one wfLoadExtension()/wfLoadSkin() take
 * (extensions/ReplaceText registers itself as "Replace Text": the line is
 * extension:ReplaceText=…).
 * On failure: UPDATE-FAILED: <message> and exit code 1 (no extension lines).
 *
 * Fast when there is nothing to update: a successful run records a
 * fingerprint of the code (MediaWiki's version, every loaded extension and
 * skin with its version and a hash of its extension.json/skin.json) in the
 * wiki's `updatelog` table; a later run that finds the same fingerprint in
 * the DB skips the updater and the cache purge (one SELECT after the
 * bootstrap). Set `$playgroundUpdaterForce = true;` before the require to run
 * the updates anyway. The fingerprint lives in the DB, so it follows the data:
 * a DB restored from an older checkpoint, or one from before an extension was
 * added, does not have it, and the updates run.
 *
 * Why not update.php itself: MediaWiki's maintenance runner refuses any SAPI
 * but "cli" ("This script must be run from the command line"), php.cli()
 * leaves the instance unusable, and setSapiName('cli') is only possible
 * before an instance's first request (it then stays "cli" for every request).
 */

$playgroundWebroot = $playgroundWebroot ?? '/www/mediawiki';
$playgroundUpdaterForce = $playgroundUpdaterForce ?? false;
$playgroundUpdaterStarted = microtime(true);

// php.run() has no HTTP request: give WebRequest what it asks for.
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';       // else "Unable to determine IP"
$_SERVER['REQUEST_URI'] = '/site/index.php'; // else an "Uninitialized string offset" warning
$_SERVER['SCRIPT_NAME'] = '/site/index.php';
// Command-line mode: no session, and no implicit per-request transaction
// (DBO_TRX), which makes the SQLite patches fail with "cannot start a
// transaction within a transaction".
$wgCommandLineMode = true;
if (!defined('MW_ENTRY_POINT')) {
    define('MW_ENTRY_POINT', 'cli');
}

try {
    require $playgroundWebroot . '/includes/WebStart.php';

    $playgroundThings = ExtensionRegistry::getInstance()->getAllThings();
    $playgroundPrint = [];
    foreach ($playgroundThings as $name => $credits) {
        $type = ($credits['type'] ?? 'extension') === 'skin' ? 'skin' : 'extension';
        $manifest = $credits['path'] ?? ''; // .../extensions/<Name>/extension.json
        $dir = $manifest !== '' ? basename(dirname($manifest)) : str_replace(' ', '', $name);
        $playgroundPrint[] = [$type, $dir, $credits['version'] ?? '', $manifest !== '' && is_file($manifest) ? md5_file($manifest) : ''];
    }
    usort($playgroundPrint, fn ($x, $y) => [$x[0], $x[1]] <=> [$y[0], $y[1]]);
    $playgroundFingerprint = 'playground-updater-' . sha1(json_encode([MW_VERSION, $wgDBtype, $playgroundPrint]));

    $lb = MediaWiki\MediaWikiServices::getInstance()->getDBLoadBalancer();
    $updater = DatabaseUpdater::newForDB($lb->getConnection(DB_PRIMARY), false, null);
    if (!$playgroundUpdaterForce && $updater->updateRowExists($playgroundFingerprint)) {
        $playgroundLog = '';
        $playgroundSummary = 'nothing to update (this code was already applied to this DB: ' . $playgroundFingerprint . ')';
    } else {
        ob_start();
        $updater->doUpdates(['core', 'extensions', 'stats']);
        // With manualRecache on, purgeCache() would rebuild the localisation cache of
        // all 469 languages (569 MB); update.php avoids that the same way.
        $wgLocalisationCacheConf['manualRecache'] = false;
        $updater->purgeCache();
        $updater->insertUpdateRow($playgroundFingerprint, gmdate('c'));
        $playgroundLog = ob_get_clean();
        $playgroundSummary = 'updates run' . ($playgroundUpdaterForce ? ' (forced)' : '') . ', recorded as ' . $playgroundFingerprint;
    }
} catch (Throwable $error) {
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    echo 'UPDATE-FAILED: ', get_class($error), ': ', str_replace("\n", ' ', $error->getMessage()),
        ' at ', $error->getFile(), ':', $error->getLine(), "\n";
    exit(1);
}

echo "UPDATE-DONE\n";
printf("updater: %s in %d ms\n", $playgroundSummary, (int) round((microtime(true) - $playgroundUpdaterStarted) * 1000));
if ($playgroundLog !== '') {
    echo rtrim($playgroundLog), "\n";
}
foreach ($playgroundPrint as [$type, $name, $version]) {
    echo $type, ':', $name, '=', $version !== '' ? $version : 'loaded', "\n";
}
