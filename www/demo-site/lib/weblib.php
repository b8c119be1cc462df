<?php
// Demo stand-in for Moodle's lib/weblib.php: URLs, escaping and redirects.

defined('MOODLE_INTERNAL') || die();

/**
 * A URL inside the site, as Moodle's moodle_url: new moodle_url('/course/view.php', ['id' => 2]).
 * Links are always absolute ($CFG->wwwroot + path) because the worker serves
 * the site under a path prefix (e.g. /site) that relative links would lose.
 */
class moodle_url {
    /** @var string path below wwwroot, starting with '/' */
    protected $path;
    /** @var array query parameters */
    protected $params;

    public function __construct(string $path, array $params = []) {
        $this->path = '/' . ltrim($path, '/');
        $this->params = $params;
    }

    public function param(string $name, $value): self {
        $this->params[$name] = $value;
        return $this;
    }

    /**
     * @param bool $escaped true for HTML attributes (&amp;), false for headers
     */
    public function out(bool $escaped = true): string {
        global $CFG;
        $url = $CFG->wwwroot . $this->path;
        if ($this->params) {
            $url .= '?' . http_build_query($this->params, '', $escaped ? '&amp;' : '&');
        }
        return $url;
    }

    public function __toString(): string {
        return $this->out(true);
    }
}

/**
 * Escapes text for HTML output (Moodle's s()).
 */
function s($var): string {
    return htmlspecialchars((string) $var, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

/**
 * Makes a user-entered name safe to print. Real Moodle also runs text
 * filters here; the stand-in only escapes.
 */
function format_string($string): string {
    return s($string);
}

/**
 * Sends the browser elsewhere and stops. 303 makes the browser follow with a
 * GET, so reloading the next page never re-submits a form (Moodle does the same).
 *
 * @param moodle_url|string $url an absolute URL
 */
function redirect($url): never {
    if ($url instanceof moodle_url) {
        $url = $url->out(false);
    }
    http_response_code(303);
    header('Location: ' . $url);
    exit;
}

/**
 * The "extra path" of scripts like pluginfile.php/12/name.txt (Moodle's get_file_argument()).
 *
 * php-wasm sets PATH_INFO only when the site is at the root of its URL (not
 * under /site), and leaves it URL-encoded, unlike Apache. So: decode PATH_INFO
 * when it is the raw piece of the request URI; otherwise take ?file=, or cut
 * the path out of the request URI.
 */
function get_file_argument(): string {
    $uri = strtok($_SERVER['REQUEST_URI'] ?? '', '?');
    if (!empty($_SERVER['PATH_INFO'])) {
        $pathinfo = $_SERVER['PATH_INFO'];
        return str_ends_with($uri, $pathinfo) ? rawurldecode($pathinfo) : $pathinfo;
    }
    if (isset($_GET['file']) && is_string($_GET['file'])) {
        return $_GET['file'];
    }
    $script = basename($_SERVER['SCRIPT_NAME'] ?? '');
    if ($script !== '' && ($pos = strpos($uri, "/$script/")) !== false) {
        return rawurldecode(substr($uri, $pos + strlen($script) + 1));
    }
    return '';
}
