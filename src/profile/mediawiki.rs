//! The MediaWiki 1.39 profile (Debian bookworm's packages), for the bundle
//! that `scripts/mediawiki/build-bundle.sh` builds: SQLite in `/persist/data`
//! (sessions live in the WAL-mode object cache `wikicache.sqlite`), uploads in
//! `images/`, `LocalSettings.php` from the install, `intl` loaded.

use super::{php_string, Profile};
use crate::blueprint::{optional, required, StepRun, StepSpec};
use crate::php::OpcacheSize;

const WEBROOT: &str = "/www/mediawiki";
const DATA: &str = "/persist/data";
/// Seeded by the bundle (`.playground/seed/playground/mediawiki/`), outside the web root.
const TOOLS: &str = "/playground/mediawiki";

/// MediaWiki's blueprint steps (scripts/mediawiki/blueprint-step.php runs them).
const BLUEPRINT_STEPS: &[StepSpec] = &[
    StepSpec {
        name: "createUser",
        fields: &[
            required("username"),
            optional("password"),
            optional("email"),
            optional("realname"),
            optional("groups"),
        ],
        run: StepRun::Php,
    },
    StepSpec { name: "login", fields: &[required("username")], run: StepRun::Php },
    StepSpec {
        name: "createPage",
        fields: &[required("title"), required("content"), optional("summary")],
        run: StepRun::Php,
    },
    // The file at `url` is downloaded by the worker, like a plugin zip.
    StepSpec {
        name: "uploadFile",
        fields: &[required("filename"), required("url"), optional("comment"), optional("text")],
        run: StepRun::Download,
    },
];

pub fn profile() -> Profile {
    Profile {
        name: "mediawiki",
        webroot: WEBROOT,
        dataroot: DATA,
        db_file: format!("{DATA}/my_wiki.sqlite"),
        journal_mode: "DELETE",
        uploads: format!("{WEBROOT}/images"),
        // The object cache (sessions: losing it logs the user out) and the job queue.
        extra_state_dirs: &[DATA],
        session_cookie: "my_wiki_session",
        plugin_types: &[("extension", "extensions"), ("skin", "skins")],
        generated_files,
        // The bundle ships the installed DB; the "installer" checks it is there.
        install_script: format!("{TOOLS}/install-check.php"),
        after_restore_script: None,
        blueprint_steps: BLUEPRINT_STEPS,
        blueprint_script: Some(format!("{TOOLS}/blueprint-step.php")),
        // MediaWiki runs its job queue at the end of page requests ($wgJobRunRate).
        cron_script: None,
        // MediaWiki starts with an anonymous visitor, who logs in through the form.
        autologin_code: None,
        // MediaWiki has no add-on installer page to watch.
        addon_installer_path: None,
        reregister_code,
        integrity_code,
        php_extensions: &["intl"],
        php_ini: &[],
        warmup_paths: &["/index.php/Main_Page", "/index.php?title=Special:RecentChanges"],
        // Seven common pages (main page, edit, history, recent changes, special
        // pages, search, preferences) cached 1 540 scripts in 52 MB of the 64.
        // Twice the room cost 89 MiB more linear memory and was not faster
        // (figure 14 of the bench).
        opcache: OpcacheSize { megabytes: 64, files: 6000 },
    }
}

/// `LocalSettings.playground.php`, required at the end of the bundle's
/// `LocalSettings.php`: where the wiki is served, which only the page knows.
fn generated_files(profile: &Profile, site_url: &str) -> Vec<(String, String)> {
    let site_url = site_url.trim_end_matches('/');
    let (origin, path) = split_origin(site_url);
    let settings = format!(
        "<?php // Written by the playground bootstrap at every boot.\n\
         $wgServer = {origin};\n\
         $wgScriptPath = {path};\n\
         $wgResourceBasePath = $wgScriptPath;\n",
        origin = php_string(origin),
        path = php_string(path),
    );
    vec![(format!("{}/LocalSettings.playground.php", profile.webroot), settings)]
}

/// ("http://127.0.0.1:8080", "/site") from "http://127.0.0.1:8080/site".
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, ""),
    }
}

/// MediaWiki's database updater, run inside the live instance (`update.php`
/// refuses a web SAPI, and `php.cli()` would leave the instance unusable).
fn reregister_code(_profile: &Profile, _components: &[String]) -> String {
    format!("<?php require {};\n", php_string(&format!("{TOOLS}/run-updater.php")))
}

fn integrity_code(profile: &Profile) -> String {
    super::quick_check_code(&profile.db_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_where_the_wiki_is_served() {
        let p = profile();
        let files = (p.generated_files)(&p, "http://127.0.0.1:8080/site/");
        let (path, settings) = &files[0];
        assert_eq!(path, "/www/mediawiki/LocalSettings.playground.php");
        assert!(settings.contains("$wgServer = 'http://127.0.0.1:8080';"), "{settings}");
        assert!(settings.contains("$wgScriptPath = '/site';"));
    }

    #[test]
    fn keeps_the_session_cache_and_the_uploads() {
        let p = profile();
        assert_eq!(p.extra_state_dirs, &["/persist/data"]);
        assert_eq!(p.uploads, "/www/mediawiki/images");
        assert!(p.autologin_code.is_none() && p.addon_installer_path.is_none());
        assert_eq!(p.php_extensions, &["intl"]);
        assert!(p.db_files().contains(&"/persist/data/my_wiki.sqlite-journal".to_string()));
    }

    #[test]
    fn splits_origin_and_path() {
        assert_eq!(split_origin("http://a:1/x/site"), ("http://a:1", "/x/site"));
        assert_eq!(split_origin("http://a:1"), ("http://a:1", ""));
    }
}
