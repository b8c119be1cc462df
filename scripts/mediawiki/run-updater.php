<?php
/**
 * MediaWiki's schema updater (what maintenance/update.php does) run INSIDE a
 * live web-SAPI php-wasm instance with php.run({ code }), which then keeps
 * serving requests. For the `mediawiki` profile's re-registration step (e.g.
 * after an extension was added, or to check a restored DB). Tested by
 * scripts/mediawiki/verify-bundle.mjs. Prints UPDATE-DONE and the updater's log.
 *
 * Why not update.php itself: MediaWiki's maintenance runner refuses any SAPI
 * but "cli" ("This script must be run from the command line"), php.cli()
 * leaves the instance unusable, and setSapiName('cli') is only possible
 * before an instance's first request (it then stays "cli" for every request).
 */

// php.run() has no HTTP request: give WebRequest what it asks for.
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';     // else "Unable to determine IP"
$_SERVER['REQUEST_URI'] = '/site/index.php'; // else an "Uninitialized string offset" warning
$_SERVER['SCRIPT_NAME'] = '/site/index.php';
// Command-line mode: no session, and no implicit per-request transaction
// (DBO_TRX), which makes the SQLite patches fail with "cannot start a
// transaction within a transaction".
$wgCommandLineMode = true;
define( 'MW_ENTRY_POINT', 'cli' );
require '/www/mediawiki/includes/WebStart.php';

$lb = MediaWiki\MediaWikiServices::getInstance()->getDBLoadBalancer();
$updater = DatabaseUpdater::newForDB( $lb->getConnection( DB_PRIMARY ), false, null );
ob_start();
$updater->doUpdates( [ 'core', 'extensions', 'stats' ] );
// With manualRecache on, purgeCache() would rebuild the localisation cache of
// all 469 languages (569 MB); update.php avoids that the same way.
$wgLocalisationCacheConf['manualRecache'] = false;
$updater->purgeCache();
$log = ob_get_clean();
echo "UPDATE-DONE\n", $log;
