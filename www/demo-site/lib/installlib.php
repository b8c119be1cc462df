<?php
// Demo stand-in for Moodle's installer (lib/installlib.php, lib/db/install.xml).
// Every step checks before it writes, so running it on an installed site is a
// cheap no-op: the worker runs it on each fresh PHP runtime.

defined('MOODLE_INTERNAL') || die();

/**
 * The core tables, with Moodle's names ({name} becomes mdl_name).
 */
function install_core_schema_sql(): array {
    return [
        "CREATE TABLE IF NOT EXISTS {config} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            value TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE IF NOT EXISTS {config_plugins} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plugin TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL DEFAULT '',
            UNIQUE (plugin, name))",
        "CREATE TABLE IF NOT EXISTS {user} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username TEXT NOT NULL UNIQUE,
            password TEXT NOT NULL DEFAULT '',
            firstname TEXT NOT NULL DEFAULT '',
            lastname TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            timecreated INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {course} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            category INTEGER NOT NULL DEFAULT 0,
            fullname TEXT NOT NULL,
            shortname TEXT NOT NULL UNIQUE,
            summary TEXT NOT NULL DEFAULT '',
            timecreated INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {sessions} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL UNIQUE,
            userid INTEGER NOT NULL DEFAULT 0,
            sessdata TEXT NOT NULL DEFAULT '',
            timecreated INTEGER NOT NULL DEFAULT 0,
            timemodified INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS {sessions}_timemodified_ix ON {sessions} (timemodified)",
        "CREATE TABLE IF NOT EXISTS {files} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            contenthash TEXT NOT NULL,
            filename TEXT NOT NULL,
            filesize INTEGER NOT NULL DEFAULT 0,
            mimetype TEXT NOT NULL DEFAULT '',
            userid INTEGER NOT NULL DEFAULT 0,
            timecreated INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {course_categories} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            idnumber TEXT NOT NULL DEFAULT '',
            parent INTEGER NOT NULL DEFAULT 0,
            description TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE IF NOT EXISTS {course_sections} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            course INTEGER NOT NULL,
            section INTEGER NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            UNIQUE (course, section))",
        "CREATE TABLE IF NOT EXISTS {course_modules} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            course INTEGER NOT NULL,
            section INTEGER NOT NULL DEFAULT 0,
            modname TEXT NOT NULL,
            name TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE IF NOT EXISTS {user_enrolments} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            userid INTEGER NOT NULL,
            courseid INTEGER NOT NULL,
            role TEXT NOT NULL DEFAULT 'student',
            UNIQUE (userid, courseid))",
        "CREATE TABLE IF NOT EXISTS {task_adhoc} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            classname TEXT NOT NULL,
            customdata TEXT NOT NULL DEFAULT '',
            nextruntime INTEGER NOT NULL DEFAULT 0,
            timecreated INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {task_log} (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            classname TEXT NOT NULL,
            output TEXT NOT NULL DEFAULT '',
            timestart INTEGER NOT NULL DEFAULT 0,
            timeend INTEGER NOT NULL DEFAULT 0)",
    ];
}

/**
 * password_hash('password') made once: bcrypt took ~190 ms in
 * WebAssembly, and the install must stay fast. password_verify() accepts it.
 */
const INSTALL_ADMIN_PASSWORD_HASH = '$2y$10$QwJJ/SfuVsRzGRxnLo8BL.nqFhmXJIdGnY.UhS0KgNjW4hhv/To8i';

/** password_hash('teacher'), for the demo's second account (username teacher). */
const INSTALL_TEACHER_PASSWORD_HASH = '$2y$10$lTPo4NkoJK5Lh0wiCmkOTeUO6sBAl5.M1HHk6RVZnG2tSOL6VKSUW';

/**
 * Creates whatever is missing: tables, the admin user, the site course and
 * the core settings. On the very first install it also registers the plugins
 * found on disk, as Moodle's installer does.
 *
 * @return bool true if this was the first install
 */
function install_core_database(): bool {
    global $CFG, $DB;

    foreach (['', '/cache', '/localcache', '/filedir', '/temp'] as $sub) {
        if (!is_dir($CFG->dataroot . $sub)) {
            mkdir($CFG->dataroot . $sub, 0777, true);
        }
    }

    // One transaction: a crash halfway leaves the database as it was before.
    $DB->execute('BEGIN IMMEDIATE');
    try {
        foreach (install_core_schema_sql() as $sql) {
            $DB->execute($sql);
        }
        $firstinstall = ($DB->get_field('config', 'value', ['name' => 'version']) === false);

        $admin = $DB->get_record('user', ['username' => 'admin']);
        if (!$admin) {
            $adminid = $DB->insert_record('user', (object) [
                'username' => 'admin',
                'password' => INSTALL_ADMIN_PASSWORD_HASH,
                'firstname' => 'Admin',
                'lastname' => 'User',
                'email' => 'admin@example.com',
                'timecreated' => time(),
            ]);
        } else {
            $adminid = $admin->id;
        }

        // A second account, so a playground visitor can be someone other than the admin.
        if (!$DB->record_exists('user', ['username' => 'teacher'])) {
            $DB->insert_record('user', (object) [
                'username' => 'teacher',
                'password' => INSTALL_TEACHER_PASSWORD_HASH,
                'firstname' => 'Terry',
                'lastname' => 'Teacher',
                'email' => 'teacher@example.com',
                'timecreated' => time(),
            ]);
        }

        if (!$DB->record_exists('course', ['id' => SITEID])) {
            // insert_record() picks its own id; the site course must be id 1.
            $DB->execute('INSERT INTO {course} (id, category, fullname, shortname, summary, timecreated)
                          VALUES (?, 0, ?, ?, ?, ?)',
                [SITEID, $CFG->sitename ?? 'Moodle', 'playground', '', time()]);
        }

        $version = null;
        $release = null;
        require($CFG->dirroot . '/version.php'); // sets $version and $release
        if (get_config('core', 'siteadmins') === false) {
            set_config('siteadmins', $adminid);
        }
        if ($firstinstall || get_config('core', 'version') !== (string) $version) {
            set_config('version', $version);
            set_config('release', $release);
        }
        if ($firstinstall) {
            upgrade_noncore();
        }
        $DB->execute('COMMIT');
    } catch (Throwable $e) {
        $DB->execute('ROLLBACK');
        throw $e;
    }
    return $firstinstall;
}
