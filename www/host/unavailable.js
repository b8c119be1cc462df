// What PHP gets instead of the functions a browser cannot provide. PHP 8
// makes a disabled function undefined, so a page calling popen() would read
// "Call to undefined function popen()", as if PHP were broken. These
// replacements, defined before every script by the host's prepend file
// (www/host/prepend.js), say what is really going on; mail() returns false as
// PHP does without a mailer, and leaves a note the host turns into a trace.

/** Functions that would start a process: popen() even hangs php-wasm forever. */
export const PROCESS_FUNCTIONS = ['proc_open', 'popen', 'exec', 'shell_exec', 'system', 'passthru'];

/** The file mail() touches; the host reads and removes it after each request. */
export const MAIL_NOTE_PATH = '/tmp/.playground-mail-called';

/** The replacements' PHP definitions (no opening tag: they go into the prepend file). */
export function replacementDefinitions() {
  const processes = PROCESS_FUNCTIONS.map((name) => `
function ${name}(...$arguments) {
    throw new \\Error('${name}() is not available: this PHP runs inside a web browser, which cannot start processes.');
}`).join('');
  return `${processes}
function mail($to, $subject, $message, $headers = [], $parameters = '') {
    @file_put_contents('${MAIL_NOTE_PATH}', (string) $to);
    trigger_error('mail() cannot send email: this PHP runs inside a web browser, which has no mail server.', E_USER_NOTICE);
    return false;
}
`;
}

/** The php.ini entry that removes the real functions, so the replacements can take their names. */
export const DISABLED_FUNCTIONS = [...PROCESS_FUNCTIONS, 'mail'].join(',');

/**
 * Returns `take()`: whether a page called mail() since the last call (the note
 * is removed). Called after every request, so it is one property lookup on
 * the cached /tmp directory node, not a path walk.
 */
export function watchMailNotes(FS) {
  const slash = MAIL_NOTE_PATH.lastIndexOf('/');
  FS.mkdirTree(MAIL_NOTE_PATH.slice(0, slash));
  const dir = FS.lookupPath(MAIL_NOTE_PATH.slice(0, slash)).node;
  const name = MAIL_NOTE_PATH.slice(slash + 1);
  return function take() {
    if (!dir.contents?.[name]) return false;
    FS.unlink(MAIL_NOTE_PATH);
    return true;
  };
}
