// The soak's plugin for the Moodle-shaped stand-in, installed through its
// add-on installer like any user's plugin. Every write is one transaction of
// several rows, and every transaction writes the fault trigger path after its
// first row, so an armed `write-trigger` traps INSIDE it. Uploads write their
// file before the DB commit (as MediaWiki and Moodle do).

const CONFIG = "require(__DIR__ . '/../../config.php');";
const TABLES = `$DB->execute('CREATE TABLE IF NOT EXISTS {soak_rows} (id INTEGER PRIMARY KEY, k TEXT NOT NULL, i INTEGER NOT NULL)');
$DB->execute('CREATE TABLE IF NOT EXISTS {soak_uploads} (k TEXT PRIMARY KEY, sha256 TEXT NOT NULL)');`;
const UPLOAD_DIR = "$CFG->dataroot . '/filedir/soak'";

export const SOAK_PLUGIN = {
  'soak/version.php': "<?php\n$plugin->component = 'mod_soak';\n$plugin->version = 2024050100;\n",
  'soak/setup.php': `<?php\n${CONFIG}\n${TABLES}\necho 'ready';\n`,
  'soak/write.php': `<?php
${CONFIG}
$key = preg_replace('/[^a-z0-9-]/', '', $_GET['k']);
$rows = (int) $_GET['n'];
$DB->execute('BEGIN');
for ($i = 0; $i < $rows; $i++) {
    $DB->execute('INSERT INTO {soak_rows} (k, i) VALUES (?, ?)', [$key, $i]);
    if ($i === 0) { file_put_contents('/tmp/inject-fault', '1'); }
}
$DB->execute('COMMIT');
echo 'written ', $key;
`,
  'soak/upload.php': `<?php
${CONFIG}
$key = preg_replace('/[^a-z0-9-]/', '', $_GET['k']);
$bytes = file_get_contents('php://input');
$dir = ${UPLOAD_DIR} . '/' . substr($key, -2);
@mkdir($dir, 0777, true);
file_put_contents($dir . '/' . $key, $bytes);
$DB->execute('BEGIN');
$DB->execute('INSERT INTO {soak_uploads} (k, sha256) VALUES (?, ?)', [$key, hash('sha256', $bytes)]);
file_put_contents('/tmp/inject-fault', '1');
$DB->execute('COMMIT');
echo 'uploaded ', $key;
`,
  'soak/read.php': `<?php
${CONFIG}
echo 'rows=', $DB->count_records('soak_rows'), ' uploads=', $DB->count_records('soak_uploads');
`,
  'soak/verify.php': `<?php
${CONFIG}
$writes = [];
foreach ($DB->get_records_sql('SELECT k, COUNT(*) AS n FROM {soak_rows} GROUP BY k') as $row) { $writes[$row->k] = (int) $row->n; }
$uploads = [];
foreach ($DB->get_records_sql('SELECT k, sha256 FROM {soak_uploads}') as $row) { $uploads[$row->k] = ['db' => $row->sha256, 'file' => null]; }
foreach (glob(${UPLOAD_DIR} . '/*/*') ?: [] as $file) {
    $key = basename($file);
    $uploads[$key] = ['db' => $uploads[$key]['db'] ?? null, 'file' => hash_file('sha256', $file)];
}
$check = implode(',', array_map(fn($r) => reset($r), array_map('get_object_vars', $DB->get_records_sql('PRAGMA integrity_check'))));
header('Content-Type: application/json');
echo json_encode(['writes' => (object) $writes, 'uploads' => (object) $uploads, 'integrity' => $check]);
`,
};
