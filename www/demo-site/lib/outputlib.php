<?php
// Demo stand-in for Moodle's output API ($OUTPUT->header() / ->footer()):
// one shared page frame so every page has the same title, navigation bar and
// login information.

defined('MOODLE_INTERNAL') || die();

class core_renderer {
    /**
     * Starts the page.
     *
     * @param string $heading the page's <h1>; the <title> is "heading | site name"
     *        except on the front page, where both are the site name
     */
    public function header(string $heading): string {
        global $CFG;
        $sitename = format_string($CFG->sitename ?? 'Moodle');
        $title = ($heading === ($CFG->sitename ?? '')) ? $sitename : format_string($heading) . ' | ' . $sitename;
        return '<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>' . $title . '</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2125; }
.navbar { display: flex; justify-content: space-between; padding: .6em 1em; background: #f8f9fa; border-bottom: 1px solid #dee2e6; }
main { max-width: 60em; margin: 1em auto; padding: 0 1em; }
a { color: #0f6cbf; }
table { border-collapse: collapse; } th, td { border: 1px solid #dee2e6; padding: .3em .6em; text-align: left; }
.alert { padding: .6em 1em; border-radius: 4px; } .alert-error { background: #f8d7da; } .alert-success { background: #d1e7dd; }
label { display: block; margin-top: .6em; }
</style>
</head>
<body>
<header class="navbar"><a href="' . new moodle_url('/index.php') . '">' . $sitename . '</a>
<span class="logininfo">' . $this->login_info() . '</span></header>
<main>
<h1>' . format_string($heading) . '</h1>
';
    }

    public function footer(): string {
        return "</main>\n</body>\n</html>\n";
    }

    /**
     * "You are logged in as Admin User (admin)" with a logout link, or a login link.
     */
    public function login_info(): string {
        global $USER;
        if (!isloggedin()) {
            return 'You are not logged in. (<a href="' . new moodle_url('/login/index.php') . '">Log in</a>)';
        }
        $logout = new moodle_url('/login/logout.php', ['sesskey' => sesskey()]);
        return 'You are logged in as ' . s(fullname($USER)) . ' (' . s($USER->username) . ') '
            . '(<a href="' . $logout . '">Log out</a>)';
    }

    /**
     * @param string $type 'error' or 'success'
     */
    public function notification(string $message, string $type = 'error'): string {
        return '<div class="alert alert-' . s($type) . '" role="alert">' . s($message) . "</div>\n";
    }

    /**
     * The hidden field every form posts back, checked by require_sesskey().
     */
    public function sesskey_field(): string {
        return '<input type="hidden" name="sesskey" value="' . s(sesskey()) . '">';
    }
}
