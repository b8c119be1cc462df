<?php
// Login form. A correct username and password log the user in and redirect
// (303) to the front page; a wrong one shows the form again with an error.

require(__DIR__ . '/../config.php');

$username = '';
$error = '';

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    // No sesskey here: someone logging in has no session worth protecting yet.
    $username = optional_param('username', '', PARAM_RAW);
    $password = optional_param('password', '', PARAM_RAW);
    $user = authenticate_user_login($username, $password);
    if ($user) {
        complete_user_login($user);
        redirect(new moodle_url('/index.php'));
    }
    $error = 'Invalid login, please try again';
}

echo $OUTPUT->header('Log in to ' . $CFG->sitename);
if ($error !== '') {
    echo $OUTPUT->notification($error, 'error');
}
if (isloggedin()) {
    echo '<p>You are already logged in as ' . s(fullname($USER)) . '. Logging in again switches the user.</p>';
}
?>
<form method="post" action="<?php echo new moodle_url('/login/index.php'); ?>" id="login">
<label for="username">Username</label>
<input type="text" name="username" id="username" value="<?php echo s($username); ?>" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<p><button type="submit" id="loginbtn">Log in</button></p>
</form>
<p>Demo accounts: the administrator <code>admin</code> (password <code>password</code>) and <code>teacher</code> (password <code>teacher</code>).</p>
<?php
echo $OUTPUT->footer();
