<?php
// Playground (resilient-php-worker), Moodle bundle: the `moodle45` profile's
// blueprint step runner. The worker (src/supervisor/blueprint_run.rs) sets
// $playground_step — the step's fields, its name in 'step' — and requires this
// file in the live instance. Each step goes through Moodle's own APIs (user
// creation, course categories, create_course, manual enrolment, add_moduleinfo,
// the plugin code manager and the upgrade runner). Prints session=<id> after a
// login, plugin=<component> <dir> after a plugin install, OK last; otherwise
// the step's error.

$step = $playground_step;
if ($step['step'] === 'login') {
    // A login is a web session: php.run() sets no REMOTE_ADDR, and without
    // HTTP_HOST Moodle skips its wwwroot host check.
    $_SERVER['REMOTE_ADDR'] = '127.0.0.1';
    unset($_SERVER['HTTP_HOST']);
} else {
    define('CLI_SCRIPT', true);
}
require '/www/moodle/config.php';
require_once($CFG->dirroot . '/user/lib.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/course/modlib.php');
require_once($CFG->libdir . '/enrollib.php');

/** A field of the step, or '' (the worker checked the required ones are there). */
function playground_field(array $fields, string $name): string {
    return isset($fields[$name]) ? (string) $fields[$name] : '';
}

function playground_user(string $username): stdClass {
    global $CFG;
    $user = core_user::get_user_by_username(core_text::strtolower($username), '*', $CFG->mnet_localhost_id);
    if (!$user) {
        throw new moodle_exception('invaliduser', 'error', '', null, "there is no user \"$username\"");
    }
    return $user;
}

function playground_course(string $shortname): stdClass {
    global $DB;
    $course = $DB->get_record('course', ['shortname' => $shortname]);
    if (!$course || $course->id == SITEID) {
        throw new moodle_exception('invalidcourse', 'error', '', null, "there is no course with shortname \"$shortname\"");
    }
    return $course;
}

function playground_category(string $which): int {
    global $DB;
    $found = $DB->get_field('course_categories', 'id', ['idnumber' => $which])
        ?: $DB->get_field('course_categories', 'id', ['name' => $which])
        ?: (ctype_digit($which) ? $DB->get_field('course_categories', 'id', ['id' => (int) $which]) : false);
    if (!$found) {
        throw new moodle_exception('unknowncategory', 'error', '', null, "there is no course category \"$which\"");
    }
    return (int) $found;
}

function playground_create_user(array $fields): void {
    global $CFG;
    $username = core_text::strtolower(playground_field($fields, 'username'));
    if (core_user::get_user_by_username($username)) {
        throw new moodle_exception('usernameexists', 'error', '', null, "a user \"$username\" exists");
    }
    user_create_user((object) [
        'username' => $username,
        'password' => playground_field($fields, 'password') ?: random_string(16) . 'A1!',
        'firstname' => playground_field($fields, 'firstname') ?: $username,
        'lastname' => playground_field($fields, 'lastname') ?: $username,
        'email' => playground_field($fields, 'email') ?: "$username@example.com",
        'auth' => 'manual',
        'confirmed' => 1,
        'mnethostid' => $CFG->mnet_localhost_id,
    ], true, false);
}

function playground_enrol(array $fields): void {
    global $DB;
    $course = playground_course(playground_field($fields, 'course'));
    $user = playground_user(playground_field($fields, 'username'));
    $role = playground_field($fields, 'role') ?: 'student';
    $roleid = $DB->get_field('role', 'id', ['shortname' => $role]);
    if (!$roleid) {
        throw new moodle_exception('unknownrole', 'error', '', null, "there is no role \"$role\"");
    }
    $instance = $DB->get_record('enrol', ['courseid' => $course->id, 'enrol' => 'manual']);
    if (!$instance) {
        throw new moodle_exception('noenrolinstance', 'error', '', null, "course {$course->shortname} has no manual enrolment");
    }
    enrol_get_plugin('manual')->enrol_user($instance, $user->id, $roleid);
}

function playground_section(array $fields): void {
    $course = playground_course(playground_field($fields, 'course'));
    $section = course_create_section($course, 0);
    course_update_section($course, $section, [
        'name' => playground_field($fields, 'name'),
        'summary' => playground_field($fields, 'summary'),
        'summaryformat' => FORMAT_HTML,
    ]);
}

function playground_add_module(array $fields): void {
    global $DB;
    $course = playground_course(playground_field($fields, 'course'));
    $modname = playground_field($fields, 'module');
    if (!in_array($modname, ['page', 'label'], true)) {
        throw new moodle_exception('unknownmodule', 'error', '', null, "the playground adds modules of type page or label, not \"$modname\"");
    }
    $moduleid = $DB->get_field('modules', 'id', ['name' => $modname], MUST_EXIST);
    $content = playground_field($fields, 'content');
    $info = (object) [
        'modulename' => $modname, 'module' => $moduleid, 'course' => $course->id,
        'section' => (int) playground_field($fields, 'section'), 'visible' => 1, 'visibleoncoursepage' => 1,
        'name' => playground_field($fields, 'name'), 'groupmode' => 0, 'groupingid' => 0,
        'completion' => 0, 'completionview' => 0, 'completionexpected' => 0, 'completiongradeitemnumber' => null,
        'availability' => null, 'cmidnumber' => '',
        // A label shows its intro; a page its content.
        'intro' => $modname === 'label' ? $content : '', 'introformat' => FORMAT_HTML,
        'content' => $content, 'contentformat' => FORMAT_HTML,
        'display' => 5, 'printintro' => 0, 'printlastmodified' => 1, 'printheading' => 1,
    ];
    add_moduleinfo($info, $course);
}

/** Moodle's add-on installation: the installer reads the component, the code manager unpacks, the upgrade registers. */
function playground_install_zip(string $zip): string {
    global $CFG;
    require_once($CFG->libdir . '/adminlib.php');
    require_once($CFG->libdir . '/upgradelib.php');
    require_once($CFG->libdir . '/environmentlib.php');
    $component = tool_installaddon_installer::instance()->detect_plugin_component($zip);
    if (!$component) {
        throw new moodle_exception('invalidzip', 'error', '', null, 'the zip holds no plugin with a version.php naming its component');
    }
    [$type, $name] = core_component::normalize_component($component);
    $root = core_plugin_manager::instance()->get_plugintype_root($type);
    if (!$root) {
        throw new moodle_exception('unknownplugintype', 'error', '', null, "unknown plugin type of $component");
    }
    $files = (new \core\update\code_manager())->unzip_plugin_file($zip, $root, $name);
    if (!$files) {
        throw new moodle_exception('invalidzip', 'error', '', null, "the zip of $component could not be unpacked");
    }
    // The plugin list Moodle cached does not know the new folder: drop that
    // one cache file (not all caches: a full purge rebuilds the theme, ~30 s).
    $componentcache = "$CFG->cachedir/core_component.php";
    if (file_exists($componentcache)) {
        unlink($componentcache);
    }
    core_component::reset();
    ob_start();
    if (moodle_needs_upgrading()) {
        upgrade_noncore(true);
    }
    ob_end_clean();
    if (get_config($component, 'version') === false) {
        throw new moodle_exception('pluginnotinstalled', 'error', '', null, "$component was unpacked but did not register");
    }
    return "plugin=$component " . core_component::get_component_directory($component);
}

function playground_run_step(array $step): string {
    global $DB;
    $field = fn(string $name) => playground_field($step, $name);
    switch ($step['step']) {
        case 'setAdminAccount':
            $admin = get_admin();
            foreach (['username', 'email', 'firstname', 'lastname'] as $name) {
                if ($field($name) !== '') {
                    $admin->$name = $name === 'username' ? core_text::strtolower($field($name)) : $field($name);
                }
            }
            if ($field('password') !== '') {
                $admin->password = $field('password');
            }
            user_update_user($admin, $field('password') !== '', false);
            return '';
        case 'login':
            complete_user_login(playground_user($field('username')));
            return 'session=' . session_id();
        case 'setConfig':
            set_config($field('name'), $field('value'), $field('plugin') ?: null);
            return '';
        case 'setConfigs':
            foreach ($step['configs'] as $name => $value) {
                set_config($name, (string) $value, $field('plugin') ?: null);
            }
            return '';
        case 'createUser':
            playground_create_user($step);
            return '';
        case 'createUsers':
            array_map('playground_create_user', $step['users']);
            return '';
        case 'createCategory':
            core_course_category::create((object) [
                'name' => $field('name'), 'idnumber' => $field('idnumber'), 'description' => $field('description'),
                'parent' => $field('parent') === '' ? 0 : playground_category($field('parent')),
            ]);
            return '';
        case 'createCourse':
            if ($DB->record_exists('course', ['shortname' => $field('shortname')])) {
                throw new moodle_exception('shortnametaken', 'error', '', null, "a course with shortname \"{$field('shortname')}\" exists");
            }
            create_course((object) [
                'fullname' => $field('fullname'), 'shortname' => $field('shortname'), 'summary' => $field('summary'),
                'summaryformat' => FORMAT_HTML,
                'category' => $field('category') === '' ? core_course_category::get_default()->id : playground_category($field('category')),
            ]);
            return '';
        case 'createSection':
            playground_section($step);
            return '';
        case 'createSections':
            array_map('playground_section', $step['sections']);
            return '';
        case 'enrolUser':
            playground_enrol($step);
            return '';
        case 'enrolUsers':
            array_map('playground_enrol', $step['enrolments']);
            return '';
        case 'addModule':
            playground_add_module($step);
            return '';
        case 'installPlugin':
        case 'installTheme':
            return playground_install_zip($field('filePath'));
        default:
            throw new moodle_exception('unknownstep', 'error', '', null, "no blueprint step {$step['step']}");
    }
}

try {
    // Acting as the admin: the APIs check capabilities.
    \core\session\manager::set_user(get_admin());
    $installs = in_array($step['step'], ['installPlugin', 'installTheme'], true);
    // One transaction per step (the upgrade runner refuses to run inside one).
    $transaction = $installs || $step['step'] === 'login' ? null : $DB->start_delegated_transaction();
    $said = playground_run_step($step);
    $transaction?->allow_commit();
} catch (Throwable $e) {
    if (isset($transaction) && $transaction && !$transaction->is_disposed()) {
        try {
            $transaction->rollback($e);
        } catch (Throwable $ignored) {
            // rollback() rethrows what it was given.
        }
    }
    $details = $e instanceof moodle_exception && $e->debuginfo ? $e->debuginfo : $e->getMessage();
    // No OK: this line is the step's error.
    echo trim(strip_tags($details)), "\n";
    return;
}
if ($said !== '') {
    echo $said, "\n";
}
echo "OK\n";
