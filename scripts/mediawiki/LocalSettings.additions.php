<?php
# ---- Added by scripts/mediawiki/build-bundle.sh: what the PHP 8.3 WebAssembly playground needs ----
# php-wasm runs ONE PHP process per browser tab, with no shell, no external
# programs, no shared memory and no mail. Process-spawning functions are
# disabled (disable_functions), so MediaWiki's Shell reports itself disabled.

# Uploads, into the web root's images/ (served as static files by the worker).
# $wgUploadPath is left to MediaWiki ("$wgScriptPath/images", derived after
# LocalSettings.playground.php, so it follows a $wgScriptPath set there).
$wgEnableUploads = true;
$wgUploadDirectory = "$IP/images";
# Thumbnails with PHP's GD (built into php-wasm), never the `convert` binary;
# SVGs are sent to the browser as they are (no rasterizer program).
$wgUseImageMagick = false;
$wgSVGConverter = false;
# No external programs at all.
$wgShellRestrictionMethod = false;
$wgDiff3 = false;
$wgDiff = false;
$wgGitBin = false;
$wgPhpCli = false;
# No mail: there is no mail transport (mail() runs sendmail through the C
# library's popen(), which disable_functions does not cover; in php-wasm 3.1.55
# under node it returns false at once). With e-mail on, MediaWiki would offer
# password resets, confirmations and notifications that can never arrive.
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgEmailAuthentication = false;

# Caches: no APCu/shared memory. Everything that can be cached goes to the
# object-cache DB (wikicache.sqlite in $wgSQLiteDataDir, which also holds the sessions).
$wgMainCacheType = CACHE_DB;
$wgParserCacheType = CACHE_DB;
$wgMessageCacheType = CACHE_DB;
$wgSessionCacheType = CACHE_DB;
$wgLanguageConverterCacheType = CACHE_DB;
# Localisation cache: built at bundle-build time into $IP/cache/l10n (PHP
# arrays, read-only at run time); nothing under /var/cache, which Debian's
# PlatformSettings.php would use.
$wgCacheDirectory = "$IP/cache";
$wgLocalisationCacheConf['store'] = 'array';
$wgLocalisationCacheConf['storeDirectory'] = "$IP/cache/l10n";
$wgLocalisationCacheConf['manualRecache'] = true;

# Debian's PlatformSettings.php logs under /var/log/mediawiki: keep the logs
# out of the persisted tree, in MEMFS /tmp.
$wgDBerrorLog = '/tmp/mediawiki-log/dberror.log';
$wgDebugLogGroups['exception'] = '/tmp/mediawiki-log/exception.log';
$wgDebugLogGroups['error'] = '/tmp/mediawiki-log/error.log';
$wgDebugLogGroups['fatal'] = '/tmp/mediawiki-log/fatal.log';

# The playground shows the wiki in an iframe of its own page, on the same
# origin. MediaWiki's default X-Frame-Options: DENY on the pages that can
# change things (login, edit, upload, preferences…) and on api.php's HTML
# output would leave the iframe blank there: allow same-origin framing only.
$wgEditPageFrameOptions = 'SAMEORIGIN';
$wgApiFrameOptions = 'SAMEORIGIN';
