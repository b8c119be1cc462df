<?php
// One course: its names and summary, its sections with their modules, its
// participants with their roles, and (for a logged-in user) "Delete course",
// which queues the deletion for cron, as Moodle does.

require(__DIR__ . '/../config.php');

$id = optional_param('id', 0, PARAM_INT);
$name = optional_param('name', '', PARAM_RAW);
if ($id === SITEID) {
    // The site course is the front page (Moodle redirects the same way).
    redirect(new moodle_url('/index.php'));
}
$course = $name !== '' ? $DB->get_record('course', ['shortname' => $name]) : $DB->get_record('course', ['id' => $id]);
if (!$course || (int) $course->id === SITEID) {
    $which = $name !== '' ? "shortname $name" : "id $id";
    throw new moodle_exception('invalidcourseid', "Course not found: there is no course with $which.", 404);
}

echo $OUTPUT->header($course->fullname);
echo '<p>Short name: <span class="shortname">' . format_string($course->shortname) . "</span></p>\n";
echo '<div class="summary">' . ($course->summary === '' ? '<p>No summary.</p>' : '<p>' . nl2br(s($course->summary)) . '</p>') . "</div>\n";

if ($DB->record_exists('task_adhoc', ['classname' => '\core_course\task\delete_course', 'customdata' => json_encode((object) ['courseid' => (int) $course->id])])) {
    echo $OUTPUT->notification('This course is scheduled for deletion: cron deletes it soon.', 'info');
}

$modules = $DB->get_records('course_modules', ['course' => $course->id], 'section, id');
foreach ($DB->get_records('course_sections', ['course' => $course->id], 'section') as $section) {
    echo '<section class="course-section" data-section="' . (int) $section->section . '"><h2>' . format_string($section->name) . "</h2>\n";
    if ($section->summary !== '') {
        echo '<p>' . s($section->summary) . "</p>\n";
    }
    $inside = array_filter($modules, fn($m) => (int) $m->section === (int) $section->section);
    if ($inside) {
        echo "<ul class=\"modules\">\n";
        foreach ($inside as $module) {
            echo '<li class="module modtype_' . s($module->modname) . '">' . format_string($module->name)
                . ($module->content !== '' ? '<div class="content">' . s($module->content) . '</div>' : '') . "</li>\n";
        }
        echo "</ul>\n";
    }
    echo "</section>\n";
}

$participants = $DB->get_records_sql('SELECT u.id, u.username, u.firstname, u.lastname, e.role
                                        FROM {user_enrolments} e JOIN {user} u ON u.id = e.userid
                                       WHERE e.courseid = ? ORDER BY u.lastname, u.firstname', [$course->id]);
echo "<h2>Participants</h2>\n";
if ($participants) {
    echo "<table class=\"participants\">\n<tr><th>Name</th><th>Username</th><th>Role</th></tr>\n";
    foreach ($participants as $p) {
        echo '<tr><td>' . s(fullname($p)) . '</td><td>' . s($p->username) . '</td><td>' . s($p->role) . "</td></tr>\n";
    }
    echo "</table>\n";
} else {
    echo "<p>No participants yet.</p>\n";
}

if (isloggedin()) {
    echo '<form method="post" action="' . new moodle_url('/course/delete.php') . '">' . $OUTPUT->sesskey_field()
        . '<input type="hidden" name="id" value="' . (int) $course->id . '"><button type="submit">Delete course</button></form>' . "\n";
}
echo $OUTPUT->footer();
