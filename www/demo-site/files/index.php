<?php
// Private files: GET lists the uploaded files, POST stores a new one (field
// repo_upload_file, as Moodle's upload repository names it) and redirects
// (303) back to this page.

require(__DIR__ . '/../config.php');

require_login();

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    require_sesskey();
    if (!isset($_FILES['repo_upload_file']) || is_array($_FILES['repo_upload_file']['name'])) {
        throw new moodle_exception('nofile', 'No file was uploaded (expected the field repo_upload_file).', 400);
    }
    file_save_upload($_FILES['repo_upload_file'], (int) $USER->id);
    redirect(new moodle_url('/files/index.php'));
}

echo $OUTPUT->header('Private files');

$files = $DB->get_records('files', [], 'id');
if ($files) {
    echo "<table class=\"files\">\n<tr><th>Name</th><th>Size</th><th>Type</th><th>Uploaded</th></tr>\n";
    foreach ($files as $file) {
        echo '<tr><td><a href="' . s(file_pluginfile_url($file)) . '">' . s($file->filename) . '</a></td>'
            . '<td>' . display_size((int) $file->filesize) . '</td>'
            . '<td>' . s($file->mimetype) . '</td>'
            . '<td>' . gmdate('Y-m-d H:i', (int) $file->timecreated) . " UTC</td></tr>\n";
    }
    echo "</table>\n";
} else {
    echo "<p>No files yet.</p>\n";
}
?>
<h2>Upload a file</h2>
<form method="post" enctype="multipart/form-data" action="<?php echo new moodle_url('/files/index.php'); ?>">
<?php echo $OUTPUT->sesskey_field(); ?>
<input type="file" name="repo_upload_file" required>
<button type="submit">Upload this file</button>
</form>
<?php
echo $OUTPUT->footer();
