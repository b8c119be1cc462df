//! Application profiles: every path, file name and PHP snippet that is
//! specific to one application lives in its profile and nowhere else.

pub mod mediawiki;
pub mod moodle;

/// Everything the worker must know about an application.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: &'static str,
    /// Where the site's files live in MEMFS.
    pub webroot: &'static str,
    /// Where the application writes its data (DB, uploads, caches).
    pub dataroot: &'static str,
    /// The SQLite database file.
    pub db_file: String,
    /// SQLite journal mode, so the journal lives in MEMFS beside the DB.
    pub journal_mode: &'static str,
    /// Uploaded files (a directory).
    pub uploads: String,
    /// Other directories whose every file must survive (caches holding
    /// sessions, job queues…), with their SQLite `-wal`/`-shm`/`-journal` files.
    pub extra_state_dirs: &'static [&'static str],
    /// The session cookie's name.
    pub session_cookie: &'static str,
    /// Plugin type → directory relative to the webroot.
    pub plugin_types: &'static [(&'static str, &'static str)],
    /// Generated files written into the webroot at every boot: (path, contents).
    pub generated_files: fn(&Profile, &str) -> Vec<(String, String)>,
    /// Script run once per fresh runtime that creates the schema and the admin;
    /// it must print `OK`.
    pub install_script: String,
    /// Script run after the user's data (a save, a snapshot, a checkpoint)
    /// was restored onto a fresh runtime, to fit it to this runtime; it must
    /// print `OK`. Real Moodle: the compiled theme CSS in moodledata names the
    /// site path of the page it was made in, and a reloaded page has another.
    pub after_restore_script: Option<String>,
    /// PHP code that logs the admin in and prints the new session id; `None`
    /// when the application starts with an anonymous visitor.
    pub autologin_code: Option<String>,
    /// The add-on installer page (relative to the site URL) that reports
    /// installs with `installzipcomponent=<type>_<name>`; `None` when the
    /// application has none.
    pub addon_installer_path: Option<&'static str>,
    /// PHP code that re-registers plugins through the app's upgrade runner and
    /// prints `component=version` for each component asked about.
    pub reregister_code: fn(&Profile, &[String]) -> String,
    /// PHP code that runs `PRAGMA quick_check` on the DB and prints the verdict (`ok`).
    pub integrity_code: fn(&Profile) -> String,
    /// PHP extensions the application needs (`intl`).
    pub php_extensions: &'static [&'static str],
    /// php.ini entries the application needs; the page's `phpIni` wins over them.
    pub php_ini: &'static [(&'static str, &'static str)],
    /// The blueprint steps this application offers (src/blueprint.rs), beside
    /// the generic ones, and the PHP file that runs them in the live
    /// instance through the application's own APIs: it reads the step from
    /// `$playground_step` (its fields, and `step`), prints `session=<id>`
    /// (and `cookie=<name>=<value>` for other cookies) after a login and
    /// `plugin=<component> <dir>` after a plugin install, and `OK` last;
    /// anything else is the step's error.
    pub blueprint_steps: &'static [crate::blueprint::StepSpec],
    pub blueprint_script: Option<String>,
    /// Script that runs one bounded slice of the application's cron (at most
    /// one task) in the live instance: prints `ran=<what>` per task run,
    /// `pending=<n>` (tasks still due), and `OK` last. `None`: no idle cron.
    pub cron_script: Option<String>,
    /// Pages (paths under the site) a warm standby serves on its own
    /// throwaway state, logged in as the admin where the profile logs in, so
    /// the code users hit most is compiled before a crash or rotation needs it.
    pub warmup_paths: &'static [&'static str],
    /// The opcode cache an instance of this application gets when the page
    /// leaves `opcache` on: room for the scripts its pages include.
    pub opcache: crate::php::OpcacheSize,
}

impl Profile {
    pub fn by_name(name: &str) -> Option<Profile> {
        match name {
            "moodle" => Some(moodle::profile()),
            "moodle45" => Some(moodle::release_profile()),
            "mediawiki" => Some(mediawiki::profile()),
            _ => None,
        }
    }

    /// The DB file and the files SQLite keeps beside it; the journal must
    /// travel with the DB, or a torn transaction cannot be rolled back.
    pub fn db_files(&self) -> Vec<String> {
        ["", "-journal", "-wal", "-shm"].iter().map(|suffix| format!("{}{suffix}", self.db_file)).collect()
    }

    pub fn plugin_dir(&self, plugin_type: &str) -> Option<&'static str> {
        self.plugin_types.iter().find(|(t, _)| *t == plugin_type).map(|(_, dir)| *dir)
    }
}

/// A single-quoted PHP string literal.
pub(crate) fn php_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// PHP code that prints SQLite's `quick_check` verdict on `db_file`, through
/// PDO directly (not the app: a damaged DB must not run application code).
/// Opening the DB rolls a hot journal back first.
pub(crate) fn quick_check_code(db_file: &str) -> String {
    format!(
        "<?php\n\
         try {{\n\
             $db = new PDO('sqlite:' . {db});\n\
             $db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);\n\
             echo implode(\"\\n\", $db->query('PRAGMA quick_check')->fetchAll(PDO::FETCH_COLUMN));\n\
         }} catch (Throwable $e) {{ echo 'error: ', $e->getMessage(); }}\n",
        db = php_string(db_file),
    )
}
