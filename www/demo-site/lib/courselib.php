<?php
// Demo stand-in for Moodle's course/lib.php, course categories and enrolments:
// what a teacher's course is made of (sections holding modules, participants
// with a role), and the API the pages and the blueprint steps share.

defined('MOODLE_INTERNAL') || die();

/** The roles a participant can have, as Moodle names them. */
const COURSE_ROLES = ['student', 'teacher', 'editingteacher', 'manager'];

/** A category by id, idnumber or name; an exception names what was asked for. */
function course_category_find(string $which): stdClass {
    global $DB;
    $found = ctype_digit($which) ? $DB->get_record('course_categories', ['id' => (int) $which]) : false;
    $found = $found ?: $DB->get_record('course_categories', ['idnumber' => $which]);
    $found = $found ?: $DB->get_record('course_categories', ['name' => $which]);
    if (!$found) {
        throw new moodle_exception('unknowncategory', "There is no course category \"$which\".", 404);
    }
    return $found;
}

function course_category_create(string $name, string $idnumber = '', string $parent = '', string $description = ''): stdClass {
    global $DB;
    if ($idnumber !== '' && $DB->record_exists('course_categories', ['idnumber' => $idnumber])) {
        throw new moodle_exception('duplicateidnumber', "A course category with idnumber \"$idnumber\" exists.", 400);
    }
    $parentid = $parent === '' ? 0 : (int) course_category_find($parent)->id;
    $id = $DB->insert_record('course_categories', (object) [
        'name' => $name, 'idnumber' => $idnumber, 'parent' => $parentid, 'description' => $description,
    ]);
    return $DB->get_record('course_categories', ['id' => $id]);
}

/** A course by shortname (or id), or an exception that names it. */
function course_find(string $shortname): stdClass {
    global $DB;
    $course = $DB->get_record('course', ['shortname' => $shortname]);
    if (!$course && ctype_digit($shortname)) {
        $course = $DB->get_record('course', ['id' => (int) $shortname]);
    }
    if (!$course || (int) $course->id === SITEID) {
        throw new moodle_exception('invalidcourse', "There is no course with shortname \"$shortname\".", 404);
    }
    return $course;
}

/** Creates a course (and its general section 0), as course/edit.php does. */
function create_course(string $fullname, string $shortname, int $category = 1, string $summary = ''): stdClass {
    global $DB;
    if ($fullname === '' || $shortname === '') {
        throw new moodle_exception('missingfield', 'A course needs a full name and a short name.', 400);
    }
    if ($DB->record_exists('course', ['shortname' => $shortname])) {
        throw new moodle_exception('shortnametaken', "Short name is already used for another course ($shortname).", 400);
    }
    $id = $DB->insert_record('course', (object) [
        'category' => $category, 'fullname' => $fullname, 'shortname' => $shortname,
        'summary' => $summary, 'timecreated' => time(),
    ]);
    $DB->insert_record('course_sections', (object) ['course' => $id, 'section' => 0, 'name' => 'General', 'summary' => '']);
    return $DB->get_record('course', ['id' => $id]);
}

/** Adds a section after the course's last one; returns its number. */
function course_create_section(stdClass $course, string $name, string $summary = ''): int {
    global $DB;
    $last = $DB->get_field_sql('SELECT MAX(section) FROM {course_sections} WHERE course = ?', [$course->id]);
    $number = $last === null || $last === false ? 0 : (int) $last + 1;
    $DB->insert_record('course_sections', (object) ['course' => $course->id, 'section' => $number, 'name' => $name, 'summary' => $summary]);
    return $number;
}

/** Adds a module (a page, a label…) to a section of the course. */
function course_add_module(stdClass $course, string $modname, string $name, int $section = 0, string $content = ''): int {
    global $DB;
    if (!in_array($modname, ['page', 'label', 'url', 'resource', 'forum', 'assign', 'quiz'], true)) {
        throw new moodle_exception('unknownmodule', "There is no module type \"$modname\".", 400);
    }
    if (!$DB->record_exists('course_sections', ['course' => $course->id, 'section' => $section])) {
        throw new moodle_exception('unknownsection', "Course {$course->shortname} has no section $section.", 404);
    }
    return $DB->insert_record('course_modules', (object) [
        'course' => $course->id, 'section' => $section, 'modname' => $modname, 'name' => $name, 'content' => $content,
    ]);
}

/** Enrols a user in a course with a role (again: the role changes). */
function enrol_user(stdClass $user, stdClass $course, string $role = 'student'): void {
    global $DB;
    if (!in_array($role, COURSE_ROLES, true)) {
        throw new moodle_exception('unknownrole', "There is no role \"$role\" (roles: " . implode(', ', COURSE_ROLES) . ').', 400);
    }
    $existing = $DB->get_record('user_enrolments', ['userid' => $user->id, 'courseid' => $course->id]);
    if ($existing) {
        $DB->set_field('user_enrolments', 'role', $role, ['id' => $existing->id]);
    } else {
        $DB->insert_record('user_enrolments', (object) ['userid' => $user->id, 'courseid' => $course->id, 'role' => $role]);
    }
}

/** A user by username, or an exception that names it. */
function user_find(string $username): stdClass {
    global $DB;
    $user = $DB->get_record('user', ['username' => $username]);
    if (!$user) {
        throw new moodle_exception('invaliduser', "There is no user \"$username\".", 404);
    }
    return $user;
}

/** Creates a user (Moodle's user_create_user); the password is hashed. */
function user_create_user(array $data): stdClass {
    global $DB;
    $username = core_text_strtolower(trim((string) ($data['username'] ?? '')));
    if ($username === '' || !preg_match('/^[a-z0-9_.@-]+$/', $username)) {
        throw new moodle_exception('invalidusername', "\"$username\" is not a valid username.", 400);
    }
    if ($DB->record_exists('user', ['username' => $username])) {
        throw new moodle_exception('usernameexists', "A user \"$username\" exists.", 400);
    }
    $id = $DB->insert_record('user', (object) [
        'username' => $username,
        // No password given: a random one nobody knows, as text (raw random
        // bytes hold a NUL one time in twenty, which bcrypt refuses).
        'password' => password_hash((string) ($data['password'] ?? bin2hex(random_bytes(12))), PASSWORD_DEFAULT, ['cost' => 4]),
        'firstname' => (string) ($data['firstname'] ?? $username),
        'lastname' => (string) ($data['lastname'] ?? ''),
        'email' => (string) ($data['email'] ?? "$username@example.com"),
        'timecreated' => time(),
    ]);
    return $DB->get_record('user', ['id' => $id]);
}
