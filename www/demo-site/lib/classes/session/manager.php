<?php
// Demo stand-in for Moodle's \core\session\manager: starts the PHP session
// (cookie MoodleSession, rows in mdl_sessions) and fills $USER and $SESSION.

namespace core\session;

defined('MOODLE_INTERNAL') || die();

class manager {
    /** Moodle's cookie name (Moodle appends $CFG->sessioncookie, which is empty here). */
    const COOKIE_NAME = 'MoodleSession';

    /**
     * Called by lib/setup.php for every web request (never for CLI scripts).
     */
    public static function start(): void {
        global $CFG, $DB, $USER, $SESSION;

        // php_serialize lets the handler read the user id out of the data.
        ini_set('session.serialize_handler', 'php_serialize');
        // Unknown ids from a cookie are replaced, not adopted (no session fixation).
        ini_set('session.use_strict_mode', '1');
        ini_set('session.use_only_cookies', '1');
        // Moodle's default session timeout is 8 hours; PHP's default is 24 minutes.
        ini_set('session.gc_maxlifetime', (string) (8 * 3600));

        $path = parse_url($CFG->wwwroot, PHP_URL_PATH) ?: '';
        session_name(self::COOKIE_NAME);
        session_set_cookie_params([
            'path' => rtrim($path, '/') . '/',
            'httponly' => true,
            'secure' => str_starts_with($CFG->wwwroot, 'https://'),
            'samesite' => 'Lax',
        ]);
        session_set_save_handler(new database($DB), true);
        session_start();

        if (!isset($_SESSION['SESSION']) || !($_SESSION['SESSION'] instanceof \stdClass)) {
            $_SESSION['SESSION'] = new \stdClass();
        }
        // Same object as in $_SESSION, so changes to $SESSION are saved.
        $SESSION = $_SESSION['SESSION'];

        $USER = guest_user();
        $userid = (int) ($_SESSION['userid'] ?? 0);
        if ($userid) {
            $user = $DB->get_record('user', ['id' => $userid]);
            if ($user) {
                unset($user->password);
                $USER = $user;
            } else {
                // The user was deleted: the session no longer logs anyone in.
                $_SESSION['userid'] = 0;
            }
        }
    }

    /**
     * Puts the user into the session under a new session id.
     */
    public static function login_user(\stdClass $user): void {
        global $DB;
        if (session_status() !== PHP_SESSION_ACTIVE) {
            return; // CLI scripts have no session; only $USER is set.
        }
        session_regenerate_id(true);
        $_SESSION['userid'] = (int) $user->id;
        unset($_SESSION['sesskey']); // a new login gets a new sesskey
        database::save_row($DB, session_id(), (int) $user->id);
    }

    /**
     * Logs out: deletes the session row and expires the cookie.
     */
    public static function terminate_current(): void {
        global $USER, $SESSION;
        if (session_status() === PHP_SESSION_ACTIVE) {
            $params = session_get_cookie_params();
            $_SESSION = [];
            session_destroy();
            setcookie(self::COOKIE_NAME, '', ['expires' => time() - 3600] + array_intersect_key(
                $params, array_flip(['path', 'domain', 'secure', 'httponly', 'samesite'])));
        }
        $USER = guest_user();
        $SESSION = new \stdClass();
    }
}
