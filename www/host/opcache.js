// PHP's opcode cache (OPcache) for the host's instances, in memory.
//
// @php-wasm ships OPcache switched on but configured for its file cache
// only, and OPcache refuses to start at all under php-wasm's SAPI name
// (`wasm` is not one it supports): every request compiles every script it
// includes — hundreds of files per real Moodle page. Named `fpm-fcgi`, the
// instance caches compiled scripts in its own linear memory instead. The
// file cache stays off: alone it stores nothing in this build, and beside
// the memory cache it would only write a second copy into the same MEMFS.
//
// Whether a cached script is still current rests on OPcache's own checks,
// made on every include (`revalidate_freq=0`): the file's mtime must be the
// one it was compiled with, and a file is cached only once it is
// `file_update_protection` seconds old. Together they make a stale script
// impossible whoever rewrites a file and when (PHP, a restore, a blueprint,
// php.run()'s /internal/eval.php): mtimes are whole seconds, but a file
// rewritten in the second it was compiled was too young to be cached.

/**
 * The SAPI name OPcache accepts, and php-fpm's: applications see what they
 * would see on php-fpm. (MediaWiki branches on `cli` and `phpdbg` only;
 * Moodle on `cli`, on a `cgi` prefix, on `fpm-fcgi` only under Apache, and
 * its PDF library on `cgi` anywhere in the name, which holds here as on
 * every php-fpm server.)
 */
export const OPCACHE_SAPI = 'fpm-fcgi';

/**
 * php.ini entries for an in-memory cache of `megabytes` MiB holding up to
 * `files` scripts (OPcache rounds that up to a prime of its own).
 */
export function opcacheIni({ megabytes, files }) {
  return {
    'opcache.enable': '1',
    'opcache.file_cache_only': '0',
    'opcache.file_cache': '',
    'opcache.memory_consumption': String(megabytes),
    // An eighth (PHP's defaults give a sixteenth): MediaWiki fills any
    // buffer it gets (8 MiB after seven pages, 20 of 32 after two), and a
    // full one only leaves further strings to each request.
    'opcache.interned_strings_buffer': String(Math.max(1, Math.floor(megabytes / 8))),
    'opcache.max_accelerated_files': String(files),
    'opcache.validate_timestamps': '1',
    'opcache.revalidate_freq': '0',
    'opcache.file_update_protection': '2',
  };
}
