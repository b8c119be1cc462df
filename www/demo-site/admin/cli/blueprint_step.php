<?php
// The stand-in's blueprint step runner (the worker's src/supervisor/blueprint_run.rs
// sets $playground_step — the step's fields and its name in 'step' — and
// requires this file in the live instance). Each step goes through the
// stand-in's own API, as its pages do. Prints `session=<id>` after a login,
// `plugin=<component> <dir>` after a plugin install, and `OK` last; an
// exception's message is the step's error.

define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');

/** A field of the step, or '' (the worker checked the required ones are there). */
function blueprint_field(array $step, string $name): string {
    return isset($step[$name]) ? (string) $step[$name] : '';
}

function blueprint_create_user(array $fields): void {
    user_create_user($fields);
}

function blueprint_enrol(array $fields): void {
    enrol_user(user_find($fields['username']), course_find($fields['course']), $fields['role'] ?? 'student');
}

function blueprint_section(array $fields): void {
    course_create_section(course_find($fields['course']), $fields['name'], $fields['summary'] ?? '');
}

/** One step, in one transaction: a step that fails leaves nothing of itself. */
function blueprint_run_step(array $step): void {
    global $DB, $CFG;
    $field = fn(string $name) => blueprint_field($step, $name);
    switch ($step['step']) {
        case 'setAdminAccount':
            $admin = get_admin();
            $update = ['id' => $admin->id];
            foreach (['username', 'email', 'firstname', 'lastname'] as $name) {
                if ($field($name) !== '') {
                    $update[$name] = $name === 'username' ? core_text_strtolower($field($name)) : $field($name);
                }
            }
            if ($field('password') !== '') {
                $update['password'] = password_hash($field('password'), PASSWORD_DEFAULT, ['cost' => 4]);
            }
            $DB->update_record('user', (object) $update);
            break;
        case 'login':
            complete_user_login(user_find($field('username')));
            echo 'session=', session_id(), "\n";
            break;
        case 'setConfig':
            set_config($field('name'), $field('value'), $field('plugin') === '' ? null : $field('plugin'));
            break;
        case 'setConfigs':
            foreach ($step['configs'] as $name => $value) {
                set_config($name, (string) $value, $field('plugin') === '' ? null : $field('plugin'));
            }
            break;
        case 'createUser':
            blueprint_create_user($step);
            break;
        case 'createUsers':
            array_map('blueprint_create_user', $step['users']);
            break;
        case 'createCategory':
            course_category_create($field('name'), $field('idnumber'), $field('parent'), $field('description'));
            break;
        case 'createCourse':
            $category = $field('category') === '' ? 1 : (int) course_category_find($field('category'))->id;
            create_course($field('fullname'), $field('shortname'), $category, $field('summary'));
            break;
        case 'createSection':
            blueprint_section($step);
            break;
        case 'createSections':
            array_map('blueprint_section', $step['sections']);
            break;
        case 'enrolUser':
            blueprint_enrol($step);
            break;
        case 'enrolUsers':
            array_map('blueprint_enrol', $step['enrolments']);
            break;
        case 'addModule':
            course_add_module(course_find($field('course')), $field('module'), $field('name'), (int) $field('section'), $field('content'));
            break;
        case 'installPlugin':
        case 'installTheme':
            // The add-on installer's own path: check and unpack the zip, then
            // the upgrade that registers what appeared.
            require_once($CFG->dirroot . '/admin/tool/installaddon/classes/installer.php');
            $component = tool_installaddon_installer::extract_plugin_zip($field('filePath'));
            core_component::reset();
            purge_all_caches();
            upgrade_noncore();
            if (get_config($component, 'version') === false) {
                throw new moodle_exception('pluginnotinstalled', "$component was unpacked but did not register.", 500);
            }
            echo 'plugin=', $component, ' ', core_component::get_component_directory($component), "\n";
            break;
        default:
            throw new moodle_exception('unknownstep', "The stand-in has no blueprint step {$step['step']}.", 400);
    }
}

try {
    $DB->execute('BEGIN IMMEDIATE');
    blueprint_run_step($playground_step);
    $DB->execute('COMMIT');
} catch (Throwable $e) {
    $DB->execute('ROLLBACK');
    // No OK: the worker reports this line as the step's error (no exit code:
    // the instance goes on serving).
    echo $e->getMessage(), "\n";
    return;
}
echo "OK\n";
