<?php
// Serves stored files: pluginfile.php/<fileid>/<filename>.
// The name must match the stored one, as Moodle's pluginfile.php checks the
// whole path, so a link cannot be guessed from the id alone.

require(__DIR__ . '/config.php');

require_login();

$relativepath = get_file_argument();
if (!preg_match('~^/?(\d+)/(.+)$~', $relativepath, $matches)) {
    throw new moodle_exception('invalidarguments', 'Bad file path: expected pluginfile.php/<id>/<filename>.', 400);
}
$file = $DB->get_record('files', ['id' => (int) $matches[1]]);
if (!$file || $file->filename !== $matches[2]) {
    throw new moodle_exception('filenotfound', 'Sorry, the requested file could not be found.', 404);
}
send_stored_file($file);
