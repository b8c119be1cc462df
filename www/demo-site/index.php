<?php
// Front page: the site name, the courses, and links to the other pages.

require(__DIR__ . '/config.php');

echo $OUTPUT->header($CFG->sitename);

echo "<h2>Available courses</h2>\n";
// The site course (id 1) is the front page itself, so it is not listed.
$courses = $DB->get_records_sql('SELECT * FROM {course} WHERE id <> ? ORDER BY fullname, id', [SITEID]);
if ($courses) {
    echo "<ul class=\"courses\">\n";
    foreach ($courses as $course) {
        $url = new moodle_url('/course/view.php', ['id' => $course->id]);
        echo '<li><a href="' . $url . '">' . format_string($course->fullname) . "</a></li>\n";
    }
    echo "</ul>\n";
} else {
    echo "<p>No courses yet.</p>\n";
}

echo "<h2>Site administration</h2>\n<ul>\n";
echo '<li><a href="' . new moodle_url('/course/edit.php') . "\">Add a new course</a></li>\n";
echo '<li><a href="' . new moodle_url('/files/index.php') . "\">Private files</a></li>\n";
echo '<li><a href="' . new moodle_url('/admin/plugins.php') . "\">Plugins overview</a></li>\n";
echo '<li><a href="' . new moodle_url('/admin/tool/installaddon/index.php') . "\">Install plugin from ZIP file</a></li>\n";
echo "</ul>\n";

echo $OUTPUT->footer();
