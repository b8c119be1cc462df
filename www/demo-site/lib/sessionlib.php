<?php
// Demo stand-in for Moodle's lib/sessionlib.php: the sesskey, a per-session
// secret that every form and state-changing link carries, so another site
// cannot make the user's browser post to this one (CSRF).

defined('MOODLE_INTERNAL') || die();

function sesskey(): string {
    if (empty($_SESSION['sesskey'])) {
        $_SESSION['sesskey'] = bin2hex(random_bytes(5));
    }
    return $_SESSION['sesskey'];
}

/**
 * @param string|null $sesskey the value to check; by default the 'sesskey' parameter
 */
function confirm_sesskey(?string $sesskey = null): bool {
    $sesskey = $sesskey ?? optional_param('sesskey', '', PARAM_RAW);
    return !empty($_SESSION['sesskey']) && hash_equals($_SESSION['sesskey'], $sesskey);
}

function require_sesskey(): void {
    if (!confirm_sesskey()) {
        throw new moodle_exception('invalidsesskey', 'Your session key (sesskey) is missing or wrong. Reload the form and try again.', 403);
    }
}
