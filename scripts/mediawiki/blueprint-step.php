<?php
/**
 * The `mediawiki` profile's blueprint step runner (the project's own code,
 * seeded by the bundle at /playground/mediawiki/blueprint-step.php). The
 * worker (src/supervisor/blueprint_run.rs) sets $playground_step — the step's
 * fields, its name in 'step' — and requires this file in the live web-SAPI
 * instance. Each step goes through MediaWiki's own services: accounts
 * (User::createNew, changeAuthenticationData, the user group manager), a web
 * session for `login`, page edits (WikiPage::doUserEditContent) and uploads
 * (LocalFile::upload, from a file the worker downloaded). Prints
 * session=<id> and cookie=<name>=<value> after a login, and OK last;
 * otherwise the step's error.
 */

$step = $playground_step;
// php.run() has no HTTP request: give WebRequest what it asks for.
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/site/index.php';
$_SERVER['SCRIPT_NAME'] = '/site/index.php';
if ($step['step'] !== 'login') {
    // No session and no implicit per-request transaction for the other steps.
    $wgCommandLineMode = true;
    define('MW_ENTRY_POINT', 'cli');
} else {
    define('MW_ENTRY_POINT', 'index');
}

use MediaWiki\MediaWikiServices;

/** A field of the step, or '' (the worker checked the required ones are there). */
function playground_field(array $fields, string $name): string {
    return isset($fields[$name]) ? (string) $fields[$name] : '';
}

function playground_registered(string $name): User {
    $user = User::newFromName($name);
    if (!$user || !$user->isRegistered()) {
        throw new RuntimeException("there is no user \"$name\"");
    }
    return $user;
}

/** Who the blueprint's edits and uploads are made by. */
function playground_performer(): User {
    return User::newSystemUser('Playground blueprint', ['steal' => true]);
}

function playground_run_step(array $step): string {
    $services = MediaWikiServices::getInstance();
    $field = fn(string $name) => playground_field($step, $name);
    switch ($step['step']) {
        case 'createUser':
            $user = User::createNew($field('username'), array_filter([
                'email' => $field('email'), 'real_name' => $field('realname'),
            ]));
            if (!$user) {
                throw new RuntimeException("the user \"{$field('username')}\" exists or the name is not valid");
            }
            if ($field('password') !== '') {
                $status = $user->changeAuthenticationData([
                    'username' => $user->getName(), 'password' => $field('password'), 'retype' => $field('password'),
                ]);
                if (!$status->isGood()) {
                    throw new RuntimeException('the password was refused: ' . $status->getWikiText(false, false, 'en'));
                }
            }
            foreach (array_filter(explode(',', $field('groups'))) as $group) {
                $services->getUserGroupManager()->addUserToGroup($user, trim($group));
            }
            return '';
        case 'login':
            $user = playground_registered($field('username'));
            $session = MediaWiki\Session\SessionManager::getGlobalSession();
            $session->setUser($user);
            $session->persist();
            $session->save();
            // MediaWiki's cookie session provider treats a session without
            // its UserID cookie as anonymous: the jar gets them as a browser would.
            $prefix = $services->getMainConfig()->get('CookiePrefix');
            return 'session=' . $session->getId() . "\ncookie={$prefix}UserID=" . $user->getId()
                . "\ncookie={$prefix}UserName=" . rawurlencode($user->getName());
        case 'createPage':
            $title = Title::newFromText($field('title'));
            if (!$title) {
                throw new RuntimeException("\"{$field('title')}\" is not a valid page title");
            }
            $page = $services->getWikiPageFactory()->newFromTitle($title);
            $status = $page->doUserEditContent(
                ContentHandler::makeContent($field('content'), $title),
                playground_performer(),
                $field('summary') ?: 'Made by a playground blueprint'
            );
            if (!$status->isOK()) {
                throw new RuntimeException('the edit was refused: ' . $status->getWikiText(false, false, 'en'));
            }
            return '';
        case 'uploadFile':
            $title = Title::makeTitleSafe(NS_FILE, $field('filename'));
            if (!$title) {
                throw new RuntimeException("\"{$field('filename')}\" is not a valid file name");
            }
            $file = $services->getRepoGroup()->getLocalRepo()->newFile($title);
            $status = $file->upload($field('filePath'), $field('comment') ?: 'Uploaded by a playground blueprint',
                $field('text'), 0, false, false, playground_performer());
            if (!$status->isOK()) {
                throw new RuntimeException('the upload was refused: ' . $status->getWikiText(false, false, 'en'));
            }
            return '';
        default:
            throw new RuntimeException("MediaWiki has no blueprint step {$step['step']}");
    }
}

try {
    require '/www/mediawiki/includes/WebStart.php';
    $said = playground_run_step($step);
    MediaWikiServices::getInstance()->getDBLoadBalancerFactory()->commitPrimaryChanges(__METHOD__);
} catch (Throwable $e) {
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    // No OK: this line is the step's error.
    echo str_replace("\n", ' ', $e->getMessage()), "\n";
    return;
}
if ($said !== '') {
    echo $said, "\n";
}
echo "OK\n";
