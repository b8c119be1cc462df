<?php
// Demo stand-in for Moodle's lib/setuplib.php: the exception every page
// throws for "the user asked for something wrong", and the handler that turns
// it into an error page with the right HTTP status.

defined('MOODLE_INTERNAL') || die();

/**
 * An error to show to the user. Unlike real Moodle (which looks the text up
 * in language strings), the stand-in takes the message directly.
 */
class moodle_exception extends Exception {
    /** @var string short machine name, e.g. 'invalidcourseid' */
    public $errorcode;
    /** @var int HTTP status for the error page */
    public $httpstatus;

    public function __construct(string $errorcode, string $message, int $httpstatus = 400) {
        parent::__construct($message);
        $this->errorcode = $errorcode;
        $this->httpstatus = $httpstatus;
    }
}

/**
 * Renders any uncaught exception: an error page on the web, one line on the CLI.
 * Unexpected exceptions get status 500 so the worker can tell them from user errors.
 */
function default_exception_handler(Throwable $ex): void {
    $status = $ex instanceof moodle_exception ? $ex->httpstatus : 500;
    $message = $ex instanceof moodle_exception ? $ex->getMessage()
        : get_class($ex) . ': ' . $ex->getMessage() . ' in ' . $ex->getFile() . ':' . $ex->getLine();
    if (CLI_SCRIPT) {
        // php-wasm has no STDERR constant (its SAPI is not "cli"), hence php://stderr.
        file_put_contents('php://stderr', "ERROR: $message\n");
        echo "ERROR: $message\n";
        exit(1);
    }
    if (!headers_sent()) {
        http_response_code($status);
    }
    $output = new core_renderer();
    echo $output->header('Error');
    echo $output->notification($message, 'error');
    echo '<p><a href="' . new moodle_url('/index.php') . '">Continue</a></p>';
    echo $output->footer();
}
