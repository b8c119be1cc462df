<?php
// Bench-only (figure 6): grows the demo site's state to a chosen size, the
// kind of state a rotation must carry: courses with long summaries until the
// SQLite DB reaches ?dbmib= MiB, and ?uploads= files of ?uploadkib= KiB in
// the file store with their mdl_files rows (as files/index.php stores them).
// Prints what it made as JSON.
require(__DIR__ . '/../config.php');

$dbbytes = (int) ($_GET['dbmib'] ?? 16) << 20;
$uploads = (int) ($_GET['uploads'] ?? 0);
$uploadbytes = (int) ($_GET['uploadkib'] ?? 256) << 10;

$courses = 0;
while (true) {
    clearstatcache();
    if (filesize($CFG->dbname) >= $dbbytes) {
        break;
    }
    // 1 MiB per transaction: the file only grows at COMMIT (journal_mode DELETE).
    $DB->execute('BEGIN IMMEDIATE');
    for ($i = 0; $i < 32; $i++) {
        $courses++;
        $DB->insert_record('course', (object) [
            'category' => 1,
            'fullname' => "Bench course $courses",
            'shortname' => 'bench-' . $courses . '-' . bin2hex(random_bytes(4)),
            'summary' => bin2hex(random_bytes(16384)),
            'timecreated' => time(),
        ]);
    }
    $DB->execute('COMMIT');
}

for ($i = 1; $i <= $uploads; $i++) {
    $content = random_bytes($uploadbytes);
    $contenthash = sha1($content);
    $path = file_get_content_path($contenthash);
    if (!is_dir(dirname($path))) {
        mkdir(dirname($path), 0777, true);
    }
    file_put_contents($path, $content);
    $DB->insert_record('files', (object) [
        'contenthash' => $contenthash,
        'filename' => "bench-upload-$i.bin",
        'filesize' => $uploadbytes,
        'mimetype' => 'application/octet-stream',
        'userid' => 2,
        'timecreated' => time(),
    ]);
}

clearstatcache();
header('Content-Type: application/json');
echo json_encode(['dbBytes' => filesize($CFG->dbname), 'courses' => $courses, 'uploads' => $uploads, 'uploadBytes' => $uploads * $uploadbytes]);
