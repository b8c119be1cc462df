<?php
// Greets the logged-in user: proof that the plugin was installed and runs.
require(__DIR__ . '/../../config.php');
require_login();
if (isset($PAGE) && method_exists($PAGE, 'set_url')) {
    // Real Moodle: the page is described before its header.
    $PAGE->set_url('/local/hello/index.php');
    $PAGE->set_context(context_system::instance());
    $PAGE->set_title('Hello');
    echo $OUTPUT->header();
} else {
    echo $OUTPUT->header('Hello');
}
echo '<p class="hello">Hello from local_hello, ' . s(fullname($USER)) . '!</p>';
echo $OUTPUT->footer();
