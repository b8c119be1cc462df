//! Moodle's layout and names, in two profiles that share them:
//! * `moodle`: the embedded stand-in (`www/demo-site/`, CI's default), which
//!   follows Moodle's layout and installs itself at every fresh boot;
//! * `moodle45`: real Moodle 4.5 from the bundle `scripts/moodle/build-bundle.sh`
//!   builds out of the user's own release (installed once at build time: the
//!   bundle carries the install snapshot).

use super::{php_string, Profile};
use crate::blueprint::{optional, required, required_list, required_text_map, Field, StepRun, StepSpec};
use crate::php::OpcacheSize;

const WEBROOT: &str = "/www/moodle";
const DATAROOT: &str = "/persist/moodledata";
/// Seeded by the real-Moodle bundle (`.playground/seed/playground/moodle/`), outside the web root.
const TOOLS: &str = "/playground/moodle";
/// config.php of real Moodle; the bundle builder installs with the same file.
const RELEASE_CONFIG_TEMPLATE: &str = include_str!("moodle45-config.php");

/// Moodle's plugin types and their directories (lib/components.json of Moodle 4.5).
pub const PLUGIN_TYPES: &[(&str, &str)] = &[
    ("aiplacement", "ai/placement"),
    ("aiprovider", "ai/provider"),
    ("antivirus", "lib/antivirus"),
    ("availability", "availability/condition"),
    ("qtype", "question/type"),
    ("mod", "mod"),
    ("auth", "auth"),
    ("calendartype", "calendar/type"),
    ("communication", "communication/provider"),
    ("customfield", "customfield/field"),
    ("enrol", "enrol"),
    ("message", "message/output"),
    ("block", "blocks"),
    ("media", "media/player"),
    ("filter", "filter"),
    ("editor", "lib/editor"),
    ("format", "course/format"),
    ("dataformat", "dataformat"),
    ("profilefield", "user/profile/field"),
    ("report", "report"),
    ("coursereport", "course/report"),
    ("gradeexport", "grade/export"),
    ("gradeimport", "grade/import"),
    ("gradereport", "grade/report"),
    ("gradingform", "grade/grading/form"),
    ("mlbackend", "lib/mlbackend"),
    ("mnetservice", "mnet/service"),
    ("webservice", "webservice"),
    ("repository", "repository"),
    ("portfolio", "portfolio"),
    ("search", "search/engine"),
    ("qbank", "question/bank"),
    ("qbehaviour", "question/behaviour"),
    ("qformat", "question/format"),
    ("plagiarism", "plagiarism"),
    ("tool", "admin/tool"),
    ("cachestore", "cache/stores"),
    ("cachelock", "cache/locks"),
    ("fileconverter", "files/converter"),
    ("contenttype", "contentbank/contenttype"),
    ("theme", "theme"),
    ("local", "local"),
    ("h5plib", "h5p/h5plib"),
    ("paygw", "payment/gateway"),
    ("smsgateway", "sms/gateway"),
    ("assignsubmission", "mod/assign/submission"),
    ("assignfeedback", "mod/assign/feedback"),
    ("booktool", "mod/book/tool"),
    ("datafield", "mod/data/field"),
    ("datapreset", "mod/data/preset"),
    ("ltisource", "mod/lti/source"),
    ("ltiservice", "mod/lti/service"),
    ("quiz", "mod/quiz/report"),
    ("quizaccess", "mod/quiz/accessrule"),
    ("scormreport", "mod/scorm/report"),
    ("workshopform", "mod/workshop/form"),
    ("workshopallocation", "mod/workshop/allocation"),
    ("workshopeval", "mod/workshop/eval"),
    ("atto", "lib/editor/atto/plugins"),
    ("tiny", "lib/editor/tiny/plugins"),
    ("logstore", "admin/tool/log/store"),
];

/// The stand-in (`www/demo-site/`).
pub fn profile() -> Profile {
    Profile {
        name: "moodle",
        webroot: WEBROOT,
        dataroot: DATAROOT,
        // Moodle Playground's naming: moodle_<scope>_<runtime>.sq3.php; the
        // .php suffix keeps a web server from handing the DB out as a download.
        db_file: format!("{DATAROOT}/moodle_playground_php83.sq3.php"),
        journal_mode: "DELETE",
        uploads: format!("{DATAROOT}/filedir"),
        extra_state_dirs: &[],
        session_cookie: "MoodleSession",
        plugin_types: PLUGIN_TYPES,
        generated_files,
        install_script: format!("{WEBROOT}/admin/cli/install_database.php"),
        after_restore_script: None,
        blueprint_steps: BLUEPRINT_STEPS,
        blueprint_script: Some(format!("{WEBROOT}/admin/cli/blueprint_step.php")),
        cron_script: Some(format!("{WEBROOT}/admin/cli/cron_slice.php")),
        autologin_code: Some(format!(
            "<?php\nrequire '{WEBROOT}/config.php';\ncomplete_user_login(get_admin());\necho session_id();\n"
        )),
        addon_installer_path: Some("/admin/tool/installaddon/index.php"),
        reregister_code,
        integrity_code,
        php_extensions: &[],
        php_ini: &[],
        warmup_paths: &["/", "/course/edit.php", "/files/index.php", "/admin/plugins.php"],
        // 32 small scripts.
        opcache: OpcacheSize { megabytes: 8, files: 500 },
    }
}

const USER_FIELDS: &[Field] =
    &[required("username"), optional("password"), optional("firstname"), optional("lastname"), optional("email")];
const ENROLMENT_FIELDS: &[Field] = &[required("username"), required("course"), optional("role")];
const SECTION_FIELDS: &[Field] = &[required("course"), required("name"), optional("summary")];

/// The blueprint steps of both Moodles (the stand-in's and real Moodle's step
/// runners implement each on their own APIs). Courses are named by their
/// shortname, users by their username, categories by name or idnumber.
const BLUEPRINT_STEPS: &[StepSpec] = &[
    StepSpec {
        name: "setAdminAccount",
        fields: &[
            optional("username"),
            optional("password"),
            optional("email"),
            optional("firstname"),
            optional("lastname"),
        ],
        run: StepRun::Php,
    },
    StepSpec { name: "login", fields: &[required("username")], run: StepRun::Php },
    StepSpec {
        name: "setConfig",
        fields: &[required("name"), required("value"), optional("plugin")],
        run: StepRun::Php,
    },
    StepSpec { name: "setConfigs", fields: &[required_text_map("configs"), optional("plugin")], run: StepRun::Php },
    StepSpec { name: "createUser", fields: USER_FIELDS, run: StepRun::Php },
    StepSpec { name: "createUsers", fields: &[required_list("users", USER_FIELDS)], run: StepRun::Php },
    StepSpec {
        name: "createCategory",
        fields: &[required("name"), optional("idnumber"), optional("parent"), optional("description")],
        run: StepRun::Php,
    },
    StepSpec {
        name: "createCourse",
        fields: &[required("fullname"), required("shortname"), optional("category"), optional("summary")],
        run: StepRun::Php,
    },
    StepSpec { name: "createSection", fields: SECTION_FIELDS, run: StepRun::Php },
    StepSpec { name: "createSections", fields: &[required_list("sections", SECTION_FIELDS)], run: StepRun::Php },
    StepSpec { name: "enrolUser", fields: ENROLMENT_FIELDS, run: StepRun::Php },
    StepSpec { name: "enrolUsers", fields: &[required_list("enrolments", ENROLMENT_FIELDS)], run: StepRun::Php },
    StepSpec {
        name: "addModule",
        fields: &[required("course"), required("module"), required("name"), optional("section"), optional("content")],
        run: StepRun::Php,
    },
    StepSpec { name: "installPlugin", fields: &[required("url")], run: StepRun::Download },
    StepSpec { name: "installTheme", fields: &[required("url")], run: StepRun::Download },
];

/// Real Moodle 4.5, from the bundle built out of the user's release.
pub fn release_profile() -> Profile {
    Profile {
        name: "moodle45",
        // Moodle keeps caches, the theme's compiled CSS, the plugin-manager's
        // state and the user's files in moodledata: all of it survives a crash
        // (a stale cache from the install snapshot would show old data).
        extra_state_dirs: &[DATAROOT],
        generated_files: release_generated_files,
        // Installed when the bundle was built: the check confirms the snapshot
        // is an installed Moodle and points the theme CSS at this site's path.
        install_script: format!("{TOOLS}/install-check.php"),
        // The same check again: it points the restored theme CSS (compiled
        // under the path of the page that saved it) at this page's path.
        after_restore_script: Some(format!("{TOOLS}/install-check.php")),
        // The project's own step runner on Moodle's APIs (scripts/moodle/php/seed/).
        blueprint_script: Some(format!("{TOOLS}/blueprint-step.php")),
        cron_script: Some(format!("{TOOLS}/cron-slice.php")),
        // Moodle starts sessions only for web requests, and php.run() sets no
        // REMOTE_ADDR; without HTTP_HOST Moodle skips its check that the host
        // is wwwroot's (php.run's "localhost" is not), which would redirect.
        autologin_code: Some(format!(
            "<?php\n$_SERVER['REMOTE_ADDR'] = '127.0.0.1';\nunset($_SERVER['HTTP_HOST']);\nrequire '{WEBROOT}/config.php';\ncomplete_user_login(get_admin());\necho session_id();\n"
        )),
        reregister_code: release_reregister_code,
        // Moodle 4.5 requires intl (its ICU data comes with the bundle).
        php_extensions: &["intl"],
        php_ini: &[
            // Moodle's environment check fails at PHP's default of 1000
            // (admin settings pages post thousands of fields).
            ("max_input_vars", "5000"),
            ("memory_limit", "512M"),
            ("post_max_size", "64M"),
            ("upload_max_filesize", "64M"),
        ],
        // The front page, the dashboard (the page recovery replays most), the
        // course list and a course's editing form: most of Moodle's core libraries.
        warmup_paths: &["/", "/my/", "/course/index.php", "/course/edit.php?category=1"],
        // The dashboard, front page, course list, course form, admin search
        // and a profile cached 1 610 scripts in 58 MB. Twice the room cost 64
        // MiB more linear memory and was not faster (figure 14 of the bench);
        // once full, OPcache compiles what it cannot keep, as without it.
        opcache: OpcacheSize { megabytes: 64, files: 10000 },
        ..profile()
    }
}

/// Moodle's own way to notice plugin directories that appeared: refresh the
/// component cache, purge caches, run the non-core upgrade, then report the
/// registered version of each plugin so the worker can check it worked.
fn reregister_code(profile: &Profile, components: &[String]) -> String {
    upgrade_code(profile, components, "purge_all_caches();\nif (moodle_needs_upgrading()) { upgrade_noncore(); }\n")
}

/// Real Moodle's own upgrade runner for plugins (what `admin/cli/upgrade.php`
/// does, in the live instance: `php.cli()` would leave it unusable). Moodle
/// treats php.run() as a command-line script (no REMOTE_ADDR). Caches are not
/// purged: moodledata came back whole with the DB, so they match it; only a
/// plugin whose version the DB lacks is upgraded (which purges what it needs).
/// A purge would rebuild the theme CSS: a 30-second recovery.
fn release_reregister_code(profile: &Profile, components: &[String]) -> String {
    upgrade_code(
        profile,
        components,
        "require_once($CFG->libdir . '/adminlib.php');\n\
         require_once($CFG->libdir . '/upgradelib.php');\n\
         require_once($CFG->libdir . '/environmentlib.php');\n\
         ob_start();\n\
         if (moodle_needs_upgrading()) { upgrade_noncore(true); }\n\
         ob_end_clean();\n",
    )
}

/// A CLI-mode script: config.php, a fresh component list, `upgrade`, then
/// `component=version` for each component asked about.
fn upgrade_code(profile: &Profile, components: &[String], upgrade: &str) -> String {
    let list: Vec<String> = components.iter().map(|c| php_string(c)).collect();
    format!(
        "<?php\n\
         define('CLI_SCRIPT', true);\n\
         require {config};\n\
         core_component::reset();\n\
         {upgrade}\
         foreach ([{list}] as $component) {{\n\
             echo $component, '=', (string) get_config($component, 'version'), \"\\n\";\n\
         }}\n",
        config = php_string(&format!("{}/config.php", profile.webroot)),
        list = list.join(", "),
    )
}

fn integrity_code(profile: &Profile) -> String {
    super::quick_check_code(&profile.db_file)
}

/// `config.php` and `lib/components.json`, derived from the profile so the
/// paths and the plugin-type table have one owner.
fn generated_files(profile: &Profile, site_url: &str) -> Vec<(String, String)> {
    let config = format!(
        "<?php // Written by the playground bootstrap.\n\
         unset($CFG);\n\
         global $CFG;\n\
         $CFG = new stdClass();\n\
         $CFG->dbtype      = 'sqlite3';\n\
         $CFG->dblibrary   = 'pdo';\n\
         $CFG->dbname      = {db};\n\
         $CFG->prefix      = 'mdl_';\n\
         $CFG->journalmode = {journal};\n\
         $CFG->wwwroot     = {wwwroot};\n\
         $CFG->dataroot    = {dataroot};\n\
         $CFG->dirroot     = {webroot};\n\
         $CFG->sitename    = 'Moodle Playground';\n\
         require_once(__DIR__ . '/lib/setup.php');\n",
        db = php_string(&profile.db_file),
        journal = php_string(profile.journal_mode),
        wwwroot = php_string(site_url.trim_end_matches('/')),
        dataroot = php_string(profile.dataroot),
        webroot = php_string(profile.webroot),
    );
    let types: Vec<String> = profile.plugin_types.iter().map(|(t, dir)| format!("\"{t}\": \"{dir}\"")).collect();
    let components = format!("{{\"plugintypes\": {{{}}}}}\n", types.join(", "));
    vec![
        (format!("{}/config.php", profile.webroot), config),
        (format!("{}/lib/components.json", profile.webroot), components),
    ]
}

/// Real Moodle's config.php (the template's placeholders filled); Moodle's own
/// `lib/components.json` stays as the release ships it.
fn release_generated_files(profile: &Profile, site_url: &str) -> Vec<(String, String)> {
    let config = RELEASE_CONFIG_TEMPLATE
        .replace("{{wwwroot}}", &php_string(site_url.trim_end_matches('/')))
        .replace("{{dataroot}}", &php_string(profile.dataroot))
        .replace("{{db_file}}", &php_string(&profile.db_file));
    vec![(format!("{}/config.php", profile.webroot), config)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_moodles_layout() {
        let p = profile();
        assert_eq!(p.webroot, "/www/moodle");
        assert_eq!(p.dataroot, "/persist/moodledata");
        assert!(p.db_file.starts_with("/persist/moodledata/moodle_") && p.db_file.ends_with(".sq3.php"));
        assert_eq!(p.plugin_dir("mod"), Some("mod"));
        assert_eq!(p.plugin_dir("block"), Some("blocks"));
        assert_eq!(p.plugin_dir("tool"), Some("admin/tool"));
        assert_eq!(p.plugin_dir("nonsense"), None);
    }

    #[test]
    fn plugin_type_table_has_no_duplicates_and_stays_inside_the_webroot() {
        let mut types: Vec<_> = PLUGIN_TYPES.iter().map(|(t, _)| *t).collect();
        types.sort();
        types.dedup();
        assert_eq!(types.len(), PLUGIN_TYPES.len());
        for (_, dir) in PLUGIN_TYPES {
            assert!(!dir.starts_with('/') && !dir.contains(".."), "{dir}");
        }
    }

    #[test]
    fn generates_config_and_components_from_the_profile() {
        let p = profile();
        let files = (p.generated_files)(&p, "http://127.0.0.1:8080/site/");
        let config = &files.iter().find(|(path, _)| path.ends_with("/config.php")).unwrap().1;
        assert!(config.contains("$CFG->wwwroot     = 'http://127.0.0.1:8080/site';"));
        assert!(config.contains(&format!("$CFG->dbname      = '{}';", p.db_file)));
        let components = &files.iter().find(|(path, _)| path.ends_with("components.json")).unwrap().1;
        let parsed: serde_json::Value = serde_json::from_str(components).unwrap();
        assert_eq!(parsed["plugintypes"]["block"], "blocks");
    }

    #[test]
    fn real_moodle_keeps_its_own_components_json_and_gets_a_complete_config() {
        let p = release_profile();
        assert_eq!(p.name, "moodle45");
        let files = (p.generated_files)(&p, "http://127.0.0.1:8080/site/abc/");
        assert_eq!(files.len(), 1, "only config.php: Moodle's components.json also lists its subsystems");
        let (path, config) = &files[0];
        assert_eq!(path, "/www/moodle/config.php");
        assert!(!config.contains("{{"), "every placeholder filled: {config}");
        assert!(config.contains("$CFG->wwwroot  = 'http://127.0.0.1:8080/site/abc';"), "{config}");
        assert!(config.contains(&format!("'file' => '{}'", p.db_file)));
        assert!(config.contains("$CFG->dblibrary = 'playground';"));
        assert!(config.trim_end().ends_with("require_once(__DIR__ . '/lib/setup.php');"));
    }

    #[test]
    fn real_moodle_shares_the_layout_and_keeps_all_of_moodledata() {
        let (real, standin) = (release_profile(), profile());
        assert_eq!((real.webroot, real.dataroot, &real.db_file), (standin.webroot, standin.dataroot, &standin.db_file));
        assert_eq!(real.extra_state_dirs, &["/persist/moodledata"]);
        assert_eq!(real.install_script, "/playground/moodle/install-check.php");
        assert_eq!(real.php_extensions, &["intl"]);
        assert_eq!(Profile::by_name("moodle45").map(|p| p.name), Some("moodle45"));
    }

    #[test]
    fn real_moodle_reregisters_through_its_upgrade_runner_without_purging_caches() {
        let p = release_profile();
        let code = (p.reregister_code)(&p, &["local_hello".to_string()]);
        assert!(code.contains("upgrade_noncore(true)") && code.contains("moodle_needs_upgrading()"), "{code}");
        assert!(!code.contains("purge_all_caches"), "a purge rebuilds the theme CSS (30 s): {code}");
        assert!(code.contains("'local_hello'"));
    }

    #[test]
    fn php_strings_are_escaped() {
        assert_eq!(php_string("it's"), "'it\\'s'");
    }
}
