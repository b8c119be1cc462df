// The programmatic edits the bundle builder makes to the user's Moodle tree.
// The repository holds no Moodle file and no diff of one: each edit below names
// the file, a pattern that must match EXACTLY ONCE (else the build stops and says
// which edit no longer applies: another Moodle release), the project's own
// replacement, and why it is needed. Applied by assemble-webroot.mjs to the copy
// in target/moodle/webroot, never to the user's tree.

/** @type {{file: string, why: string, find: RegExp, replace: string | ((...m: string[]) => string)}[]} */
export const EDITS = [
  {
    file: 'lib/ddl/sqlite_sql_generator.php',
    why: 'sqlite_sql_generator does not implement sql_generator::getCreateTempTableSQL(), so PHP refuses to load ' +
      'it as a concrete class (a fatal error with no output, exit 255). Declared abstract, it loads; the playground ' +
      "driver's own sqlite3_playground_sql_generator (lib/dml/sqlite3_playground_moodle_database.php) completes it.",
    find: /^class sqlite_sql_generator extends sql_generator \{/m,
    replace: '// Playground bundle builder: abstract, completed by sqlite3_playground_sql_generator (lib/ddl/sqlite3_playground_sql_generator.php).\n' +
      'abstract class sqlite_sql_generator extends sql_generator {',
  },
  {
    file: 'admin/environment.xml',
    why: "Moodle 4.5's environment data lists no 'sqlite' database vendor, so the installer's environment check " +
      'stops with "Error reading environment data (10)". The playground runs on SQLite 3.51 (php-wasm 3.1.55).',
    find: /(<MOODLE version="4\.5" requires="[^"]*">\s*<UNICODE[\s\S]*?<\/UNICODE>\s*<DATABASE level="required">)/,
    replace: (m) => `${m}\n      <!-- Playground bundle builder: the playground's driver (dbtype sqlite3, dblibrary playground). -->\n      <VENDOR name="sqlite" version="3.35" />`,
  },
  {
    file: 'admin/environment.xml',
    why: "Moodle 4.5's environment data requires the sodium extension; PHP 8.3 wasm (php-wasm 3.1.55) has none. " +
      'Made optional so the install proceeds; what needs sodium (\\core\\encryption, used for a few encrypted ' +
      'settings) fails when used, with its own error.',
    // (?!<\/MOODLE>): inside the 4.5 block only.
    find: /(<MOODLE version="4\.5" requires="[^"]*">(?:(?!<\/MOODLE>)[\s\S])*?)<PHP_EXTENSION name="sodium" level="required"\/>/,
    replace: (m, before) => `${before}<!-- Playground bundle builder: no sodium in PHP 8.3 wasm; required → optional. -->\n      <PHP_EXTENSION name="sodium" level="optional"/>`,
  },
];

/**
 * Applies every edit to the tree at `root` (read/write with the given fs).
 * Returns one line per edit; throws naming the edit that did not match once.
 */
export function applyEdits(fs, path, root) {
  const done = [];
  for (const edit of EDITS) {
    const file = path.join(root, edit.file);
    if (!fs.existsSync(file)) throw new Error(`edit of ${edit.file}: the file is missing (${edit.why})`);
    const text = fs.readFileSync(file, 'utf8');
    const global = new RegExp(edit.find.source, edit.find.flags.includes('g') ? edit.find.flags : edit.find.flags + 'g');
    const matches = [...text.matchAll(global)].length;
    if (matches !== 1) {
      throw new Error(`edit of ${edit.file} found its pattern ${matches} times, not once: this is not the Moodle 4.5 ` +
        `the builder knows (pattern ${edit.find}; the edit was needed because: ${edit.why})`);
    }
    fs.writeFileSync(file, text.replace(edit.find, edit.replace));
    done.push(`${edit.file}: ${edit.why.split('. ')[0]}.`);
  }
  return done;
}
