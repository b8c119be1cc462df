<?php
// One course: its full name, short name and summary.

require(__DIR__ . '/../config.php');

$id = required_param('id', PARAM_INT);
if ($id === SITEID) {
    // The site course is the front page (Moodle redirects the same way).
    redirect(new moodle_url('/index.php'));
}
$course = $DB->get_record('course', ['id' => $id]);
if (!$course) {
    throw new moodle_exception('invalidcourseid', "Course not found: there is no course with id $id.", 404);
}

echo $OUTPUT->header($course->fullname);
echo '<p>Short name: <span class="shortname">' . format_string($course->shortname) . "</span></p>\n";
echo '<div class="summary">' . ($course->summary === '' ? '<p>No summary.</p>' : '<p>' . nl2br(s($course->summary)) . '</p>') . "</div>\n";
echo $OUTPUT->footer();
