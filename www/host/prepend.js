// The one PHP file that runs before every script (php.ini
// `auto_prepend_file`), written by the host into each instance.
//
// @php-wasm's own prepend file defines the constants given to
// php.defineConstant() and then `require`s every file of its preload folder.
// Putting the host's replacements there as one more preload file cost every
// request a second file load (≈ 30 µs of a 0.6 ms hello-world page: figure 3
// of the bench). So the host writes its own prepend instead: the replacements
// first, then the same two duties, then the prepend file the page's php.ini
// named, if any — one file load per request, as with @php-wasm alone.

/** Where the host's prepend file lives in every instance. */
export const PREPEND_PATH = '/internal/shared/playground-prepend.php';

// @php-wasm's locations for the two duties the prepend file takes over.
const CONSTANTS_PATH = '/internal/shared/consts.json';
const PRELOAD_GLOB = '/internal/shared/preload/*.php';

/**
 * Writes the prepend file and returns the php.ini entries that make PHP run it.
 * @param {object} FS Emscripten's FS
 * @param {{ definitions: string, chained?: string }} parts PHP code to run
 *   first (no opening tag), and a prepend file of the page's own to run last
 */
export function installPrepend(FS, { definitions, chained }) {
  FS.mkdirTree(PREPEND_PATH.slice(0, PREPEND_PATH.lastIndexOf('/')));
  FS.writeFile(PREPEND_PATH, prependSource(definitions, chained));
  return { auto_prepend_file: PREPEND_PATH };
}

function prependSource(definitions, chained) {
  // The file runs in the script's global scope: its variables are unset after
  // use, so no page sees a variable it did not make.
  const own = chained ? `\nrequire ${phpString(chained)};\n` : '';
  return `<?php
// Written by the playground's PHP host (www/host/prepend.js): runs before every script.
${definitions}
if (is_file(${phpString(CONSTANTS_PATH)})) {
    foreach ((array) json_decode((string) file_get_contents(${phpString(CONSTANTS_PATH)}), true) as $__playground_name => $__playground_value) {
        if (is_scalar($__playground_value) && !defined($__playground_name)) {
            define($__playground_name, $__playground_value);
        }
    }
    unset($__playground_name, $__playground_value);
}
foreach (glob(${phpString(PRELOAD_GLOB)}) ?: [] as $__playground_preload) {
    require_once $__playground_preload;
}
unset($__playground_preload);
${own}`;
}

/** A PHP single-quoted string literal of `text`. */
function phpString(text) {
  return `'${String(text).replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
