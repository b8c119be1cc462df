<?php
// Logs out. The link carries the sesskey (?sesskey=...) so other sites cannot
// log the user out; without a valid one, ask for confirmation instead.

require(__DIR__ . '/../config.php');

if (!isloggedin()) {
    redirect(new moodle_url('/index.php'));
}

if (!confirm_sesskey()) {
    echo $OUTPUT->header('Log out');
    ?>
<p>Do you really want to log out?</p>
<form method="post" action="<?php echo new moodle_url('/login/logout.php'); ?>">
<?php echo $OUTPUT->sesskey_field(); ?>
<button type="submit">Log out</button>
<a href="<?php echo new moodle_url('/index.php'); ?>">Cancel</a>
</form>
    <?php
    echo $OUTPUT->footer();
    exit;
}

\core\session\manager::terminate_current();
redirect(new moodle_url('/index.php'));
