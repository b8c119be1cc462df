<?php
// Delete a course: Moodle queues the deletion as an ad-hoc task and cron does
// it; the page redirects (303) back to the course, which says it is scheduled.

require(__DIR__ . '/../config.php');

require_login();
if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    throw new moodle_exception('postonly', 'Deleting a course takes a POST (the button on the course page).', 405);
}
require_sesskey();
$course = course_find((string) required_param('id', PARAM_INT));
cron_queue_adhoc_task('\core_course\task\delete_course', (object) ['courseid' => (int) $course->id]);
redirect(new moodle_url('/course/view.php', ['id' => $course->id]));
