<?php
// Demo stand-in for Moodle's file storage (lib/filestorage/, lib/filelib.php).
// As in Moodle, file contents live in $CFG->dataroot/filedir under their SHA-1
// ("content hash"), so equal files are stored once; mdl_files holds the names.

defined('MOODLE_INTERNAL') || die();

/**
 * Moodle's layout: filedir/ab/cd/abcd1234... for content hash abcd1234...
 */
function file_get_content_path(string $contenthash): string {
    global $CFG;
    return $CFG->dataroot . '/filedir/' . substr($contenthash, 0, 2) . '/' . substr($contenthash, 2, 2) . '/' . $contenthash;
}

/**
 * A small extension table (Moodle has a much larger one in mimeinfo).
 */
function file_mimetype_from_name(string $filename): string {
    $types = [
        'txt' => 'text/plain', 'html' => 'text/html', 'htm' => 'text/html', 'css' => 'text/css',
        'csv' => 'text/csv', 'js' => 'application/javascript', 'json' => 'application/json',
        'xml' => 'application/xml', 'pdf' => 'application/pdf', 'zip' => 'application/zip',
        'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'gif' => 'image/gif',
        'svg' => 'image/svg+xml', 'webp' => 'image/webp', 'mp3' => 'audio/mpeg', 'mp4' => 'video/mp4',
        'doc' => 'application/msword', 'odt' => 'application/vnd.oasis.opendocument.text',
        'docx' => 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ];
    $ext = strtolower(pathinfo($filename, PATHINFO_EXTENSION));
    return $types[$ext] ?? 'application/octet-stream';
}

/**
 * Stores one entry of $_FILES and records it in mdl_files.
 *
 * @return stdClass the new mdl_files record
 */
function file_save_upload(array $upload, int $userid): stdClass {
    global $DB;
    if (($upload['error'] ?? UPLOAD_ERR_NO_FILE) !== UPLOAD_ERR_OK) {
        $messages = [
            UPLOAD_ERR_INI_SIZE => 'The file is larger than this server accepts.',
            UPLOAD_ERR_FORM_SIZE => 'The file is larger than this form accepts.',
            UPLOAD_ERR_PARTIAL => 'The file was only partly uploaded.',
            UPLOAD_ERR_NO_FILE => 'No file was uploaded.',
        ];
        throw new moodle_exception('uploadproblem', $messages[$upload['error'] ?? UPLOAD_ERR_NO_FILE] ?? 'The upload failed.', 400);
    }
    if (!is_uploaded_file($upload['tmp_name'])) {
        throw new moodle_exception('uploadproblem', 'The upload failed.', 400);
    }
    $filename = clean_param($upload['name'] ?? '', PARAM_FILE);
    if ($filename === '') {
        $filename = 'file';
    }

    $contenthash = sha1_file($upload['tmp_name']);
    $path = file_get_content_path($contenthash);
    if (!is_file($path)) {
        if (!is_dir(dirname($path))) {
            mkdir(dirname($path), 0777, true);
        }
        // Copy under a temporary name, then rename: a crash mid-copy must not
        // leave a truncated file under a valid hash. (copy(), not rename(), since
        // the upload may sit on another file system than dataroot.)
        $tmp = $path . '.tmp';
        if (!copy($upload['tmp_name'], $tmp) || !rename($tmp, $path)) {
            throw new moodle_exception('storedfilecannotcreatefile', 'Could not store the uploaded file.', 500);
        }
    }

    $record = (object) [
        'contenthash' => $contenthash,
        'filename' => $filename,
        'filesize' => filesize($path),
        'mimetype' => file_mimetype_from_name($filename),
        'userid' => $userid,
        'timecreated' => time(),
    ];
    $record->id = $DB->insert_record('files', $record);
    return $record;
}

/**
 * The URL that serves a stored file through pluginfile.php.
 */
function file_pluginfile_url(stdClass $file): string {
    global $CFG;
    return $CFG->wwwroot . '/pluginfile.php/' . $file->id . '/' . rawurlencode($file->filename);
}

/**
 * Sends a stored file's bytes and stops.
 */
function send_stored_file(stdClass $file): never {
    $path = file_get_content_path($file->contenthash);
    if (!is_readable($path)) {
        throw new moodle_exception('filenotfound', 'The file content is missing from the file store.', 404);
    }
    header('Content-Type: ' . $file->mimetype);
    header('Content-Length: ' . filesize($path));
    header("Content-Disposition: inline; filename*=UTF-8''" . rawurlencode($file->filename));
    // Browsers must not guess a more dangerous type than the one given.
    header('X-Content-Type-Options: nosniff');
    readfile($path);
    exit;
}

/**
 * "1.2 KB" style sizes (Moodle's display_size()).
 */
function display_size(int $size): string {
    if ($size >= 1048576) {
        return round($size / 1048576, 1) . ' MB';
    }
    if ($size >= 1024) {
        return round($size / 1024, 1) . ' KB';
    }
    return $size . ' bytes';
}
