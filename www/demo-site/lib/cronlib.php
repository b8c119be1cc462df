<?php
// Demo stand-in for Moodle's task API (\core\task\manager, \core\cron):
// ad-hoc tasks queued by pages, run later by cron, one at a time, with a log.

defined('MOODLE_INTERNAL') || die();

/** What each ad-hoc task does, by its class name: function(stdClass $customdata): string (what it did). */
function cron_task_handlers(): array {
    return [
        // Moodle deletes courses in the background: the page only queues it.
        '\core_course\task\delete_course' => function (stdClass $data): string {
            global $DB;
            $course = $DB->get_record('course', ['id' => (int) $data->courseid]);
            if (!$course) {
                return "course {$data->courseid} was already gone";
            }
            foreach (['course_modules' => 'course', 'course_sections' => 'course', 'user_enrolments' => 'courseid'] as $table => $field) {
                $DB->delete_records($table, [$field => $course->id]);
            }
            $DB->delete_records('course', ['id' => $course->id]);
            return "deleted course {$course->shortname}";
        },
    ];
}

/** Queues an ad-hoc task (\core\task\manager::queue_adhoc_task). */
function cron_queue_adhoc_task(string $classname, stdClass $customdata): int {
    global $DB;
    if (!isset(cron_task_handlers()[$classname])) {
        throw new moodle_exception('unknowntask', "Unknown ad-hoc task $classname.", 500);
    }
    return $DB->insert_record('task_adhoc', (object) [
        'classname' => $classname, 'customdata' => json_encode($customdata), 'nextruntime' => time(), 'timecreated' => time(),
    ]);
}

/**
 * Runs the next due ad-hoc task, if any, in one transaction with its removal
 * from the queue and its log line. Returns what it did, or null when none was due.
 */
function cron_run_next_adhoc_task(): ?string {
    global $DB;
    $task = $DB->get_record_sql('SELECT * FROM {task_adhoc} WHERE nextruntime <= ? ORDER BY nextruntime, id LIMIT 1', [time()]);
    if (!$task) {
        return null;
    }
    $started = time();
    $DB->execute('BEGIN IMMEDIATE');
    try {
        $handler = cron_task_handlers()[$task->classname] ?? null;
        $did = $handler ? $handler(json_decode($task->customdata) ?: new stdClass()) : "unknown task {$task->classname}: dropped";
        $DB->delete_records('task_adhoc', ['id' => $task->id]);
        $DB->insert_record('task_log', (object) ['classname' => $task->classname, 'output' => $did, 'timestart' => $started, 'timeend' => time()]);
        $DB->execute('COMMIT');
    } catch (Throwable $e) {
        $DB->execute('ROLLBACK');
        throw $e;
    }
    return "{$task->classname}: $did";
}

/** Ad-hoc tasks still queued. */
function cron_pending_count(): int {
    global $DB;
    return (int) $DB->count_records('task_adhoc');
}
