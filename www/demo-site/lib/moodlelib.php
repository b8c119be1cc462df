<?php
// Demo stand-in for Moodle's lib/moodlelib.php: request parameters, config,
// users and login, caches, and the "does anything need upgrading" check.

defined('MOODLE_INTERNAL') || die();

/** The front page course, as in Moodle. */
const SITEID = 1;

// Parameter types (Moodle's names and values).
const PARAM_INT = 'int';
const PARAM_RAW = 'raw';
const PARAM_TEXT = 'text';
const PARAM_ALPHANUMEXT = 'alphanumext';
const PARAM_COMPONENT = 'component';
const PARAM_FILE = 'file';

// ---- Request parameters --------------------------------------------------

/**
 * Reads a POST or GET parameter (POST wins, as in Moodle) and cleans it.
 */
function optional_param(string $name, $default, string $type) {
    $value = $_POST[$name] ?? $_GET[$name] ?? null;
    if ($value === null || is_array($value)) {
        return $default;
    }
    return clean_param($value, $type);
}

function required_param(string $name, string $type) {
    $value = optional_param($name, null, $type);
    if ($value === null) {
        throw new moodle_exception('missingparam', "A required parameter ($name) was missing.", 400);
    }
    return $value;
}

function clean_param($value, string $type) {
    $value = (string) $value;
    switch ($type) {
        case PARAM_INT:
            return (int) $value;
        case PARAM_TEXT:
            return strip_tags($value);
        case PARAM_ALPHANUMEXT:
            return preg_replace('/[^a-zA-Z0-9_-]/', '', $value);
        case PARAM_COMPONENT:
            return preg_match('/^[a-z][a-z0-9]*_[a-z][a-z0-9_]*$/', $value) ? $value : '';
        case PARAM_FILE:
            // No path separators or control characters: the name must stay one file name.
            $value = trim(preg_replace('~[\x00-\x1f\x7f/\\\\:*?"<>|]~', '', $value));
            return ($value === '.' || $value === '..') ? '' : $value;
        default:
            return $value;
    }
}

// ---- Config ----------------------------------------------------------------

/**
 * get_config('core', 'version') reads mdl_config; get_config('mod_forum', 'version')
 * reads mdl_config_plugins. Without $name, returns all settings of that plugin.
 *
 * @return mixed the value, false when missing, or a stdClass when $name is null
 */
function get_config(string $plugin, ?string $name = null) {
    global $DB;
    $core = ($plugin === 'core' || $plugin === 'moodle');
    if ($name !== null) {
        return $core ? $DB->get_field('config', 'value', ['name' => $name])
                     : $DB->get_field('config_plugins', 'value', ['plugin' => $plugin, 'name' => $name]);
    }
    $rows = $core ? $DB->get_records('config') : $DB->get_records('config_plugins', ['plugin' => $plugin]);
    $result = new stdClass();
    foreach ($rows as $row) {
        $result->{$row->name} = $row->value;
    }
    return $result;
}

/**
 * Stores a setting; $value null removes it. Core settings also update $CFG.
 */
function set_config(string $name, $value, ?string $plugin = null): bool {
    global $DB, $CFG;
    $core = ($plugin === null || $plugin === 'core' || $plugin === 'moodle');
    $table = $core ? 'config' : 'config_plugins';
    $conditions = $core ? ['name' => $name] : ['plugin' => $plugin, 'name' => $name];
    if ($value === null) {
        $DB->delete_records($table, $conditions);
        if ($core) {
            unset($CFG->$name);
        }
        return true;
    }
    if ($DB->record_exists($table, $conditions)) {
        $DB->set_field($table, 'value', (string) $value, $conditions);
    } else {
        $DB->insert_record($table, $conditions + ['value' => (string) $value]);
    }
    if ($core) {
        $CFG->$name = (string) $value;
    }
    return true;
}

// ---- Users and login -------------------------------------------------------

/**
 * The $USER of someone not logged in (id 0, as in Moodle).
 */
function guest_user(): stdClass {
    return (object) ['id' => 0, 'username' => 'guest', 'firstname' => 'Guest', 'lastname' => 'user', 'email' => ''];
}

function isloggedin(): bool {
    global $USER;
    return !empty($USER->id);
}

function fullname(stdClass $user): string {
    return trim($user->firstname . ' ' . $user->lastname);
}

/**
 * The main site administrator (the first id in the 'siteadmins' setting).
 *
 * @return stdClass|false
 */
function get_admin() {
    global $DB;
    $siteadmins = get_config('core', 'siteadmins');
    if (!$siteadmins) {
        return false;
    }
    $firstid = (int) explode(',', $siteadmins)[0];
    return $DB->get_record('user', ['id' => $firstid]);
}

/**
 * Checks a username and password.
 *
 * @return stdClass|false the user record
 */
function authenticate_user_login(string $username, string $password) {
    global $DB;
    $user = $DB->get_record('user', ['username' => core_text_strtolower(trim($username))]);
    if (!$user || !password_verify($password, $user->password)) {
        return false;
    }
    return $user;
}

function core_text_strtolower(string $text): string {
    return mb_strtolower($text, 'UTF-8');
}

/**
 * Logs the user in: sets $USER, gives the session a new id (so an id known
 * before login is worthless after it) and records the user in mdl_sessions.
 */
function complete_user_login(stdClass $user): stdClass {
    global $USER, $DB;
    $user = $DB->get_record('user', ['id' => $user->id], '*', MUST_EXIST);
    unset($user->password);
    \core\session\manager::login_user($user);
    $USER = $user;
    return $USER;
}

/**
 * Sends people who are not logged in to the login page.
 */
function require_login(): void {
    if (!isloggedin()) {
        redirect(new moodle_url('/login/index.php'));
    }
}

// ---- Caches ----------------------------------------------------------------

/**
 * Deletes a directory tree (or only what is inside it).
 */
function remove_dir(string $dir, bool $contentonly = false): bool {
    if (!is_dir($dir)) {
        return true;
    }
    foreach (scandir($dir) as $item) {
        if ($item === '.' || $item === '..') {
            continue;
        }
        $path = "$dir/$item";
        if (is_dir($path) && !is_link($path)) {
            remove_dir($path);
        } else {
            unlink($path);
        }
    }
    return $contentonly ? true : rmdir($dir);
}

/**
 * Forgets everything cached: the component list and the cache directories.
 */
function purge_all_caches(): void {
    global $CFG;
    core_component::reset();
    remove_dir($CFG->dataroot . '/cache', true);
    remove_dir($CFG->dataroot . '/localcache', true);
    // Plugin code may have been replaced on disk; do not run the old compiled copy.
    if (function_exists('opcache_reset')) {
        opcache_reset();
    }
}

// ---- Upgrades ----------------------------------------------------------------

/**
 * True when a plugin in the (cached) component list has a version.php whose
 * version is not the one registered in mdl_config_plugins. The stand-in has
 * no core upgrades, so only plugins count.
 */
function moodle_needs_upgrading(): bool {
    return upgrade_get_pending_plugins() !== [];
}
