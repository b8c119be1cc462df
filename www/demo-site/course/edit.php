<?php
// Add a new course. GET shows the form; POST checks it, creates the course
// and redirects (303) to the new course's page.

require(__DIR__ . '/../config.php');

require_login();

$fullname = '';
$shortname = '';
$summary = '';
$errors = [];

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    require_sesskey();
    // Stored as typed; every page escapes on output, so "<" in a name is just text.
    $fullname = trim(optional_param('fullname', '', PARAM_RAW));
    $shortname = trim(optional_param('shortname', '', PARAM_RAW));
    $summary = trim(optional_param('summary', '', PARAM_RAW));

    if ($fullname === '') {
        $errors[] = 'Course full name is required.';
    }
    if ($shortname === '') {
        $errors[] = 'Course short name is required.';
    } else if ($DB->record_exists('course', ['shortname' => $shortname])) {
        $errors[] = "Short name is already used for another course ($shortname).";
    }

    if (!$errors) {
        $course = create_course($fullname, $shortname, 1, $summary);
        redirect(new moodle_url('/course/view.php', ['id' => $course->id]));
    }
    // Invalid input: show the form again with the reasons.
    http_response_code(400);
}

echo $OUTPUT->header('Add a new course');
foreach ($errors as $error) {
    echo $OUTPUT->notification($error, 'error');
}
?>
<form method="post" action="<?php echo new moodle_url('/course/edit.php'); ?>">
<?php echo $OUTPUT->sesskey_field(); ?>
<label for="id_fullname">Course full name</label>
<input type="text" id="id_fullname" name="fullname" size="50" value="<?php echo s($fullname); ?>" required>
<label for="id_shortname">Course short name</label>
<input type="text" id="id_shortname" name="shortname" size="20" value="<?php echo s($shortname); ?>" required>
<label for="id_summary">Course summary</label>
<textarea id="id_summary" name="summary" rows="5" cols="50"><?php echo s($summary); ?></textarea>
<p><button type="submit">Save and display</button></p>
</form>
<?php
echo $OUTPUT->footer();
