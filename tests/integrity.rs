//! Never restore a torn database: real PHP, real SQLite, real traps in the
//! middle of a write transaction, in headless Chromium and Firefox.
#![cfg(target_arch = "wasm32")]

mod support;

use support::upload::zip;
use support::{field, install_plugin, sesskey, type_of, Harness};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const ROWS: u32 = 20_000;

/// A plugin whose pages fill a table, then update every row in ONE
/// transaction, chunk by chunk, with a tiny page cache so SQLite writes pages
/// to the DB file mid-transaction; halfway through it writes to the trigger
/// path, which (when armed) traps PHP right there.
fn torn_writer_plugin() -> Vec<u8> {
    let version = b"<?php\n$plugin->component = 'mod_tornwriter';\n$plugin->version = 2024050100;\n";
    let setup = format!(
        "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('CREATE TABLE IF NOT EXISTS {{tornwriter}} (id INTEGER PRIMARY KEY, value INTEGER NOT NULL, pad TEXT)');\n\
         $DB->execute('BEGIN');\n\
         for ($i = 0; $i < {ROWS}; $i++) {{ $DB->execute('INSERT INTO {{tornwriter}} (value, pad) VALUES (0, ?)', [str_repeat('x', 100)]); }}\n\
         $DB->execute('COMMIT');\n\
         echo 'rows=', $DB->count_records('tornwriter');\n"
    );
    let update = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('PRAGMA cache_size = 5');\n\
         $DB->execute('BEGIN');\n\
         for ($chunk = 0; $chunk < 20; $chunk++) {\n\
             $DB->execute(\"UPDATE {tornwriter} SET value = 1 WHERE id % 20 = $chunk\");\n\
             if ($chunk == 10) { file_put_contents('/tmp/inject-fault', '1'); }\n\
         }\n\
         $DB->execute('COMMIT');\n\
         echo 'committed';\n";
    let count = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $updated = $DB->count_records('tornwriter', ['value' => 1]);\n\
         $check = implode(',', array_map(fn($r) => reset($r), array_map('get_object_vars', $DB->get_records_sql('PRAGMA quick_check'))));\n\
         echo 'updated=', $updated, ' total=', $DB->count_records('tornwriter'), ' check=', $check;\n";
    zip(&[
        ("tornwriter/version.php", version.as_slice()),
        ("tornwriter/setup.php", setup.as_bytes()),
        ("tornwriter/update.php", update.as_bytes()),
        ("tornwriter/count.php", count.as_bytes()),
    ])
}

#[wasm_bindgen_test]
async fn a_trap_inside_a_write_transaction_is_rolled_back_all_or_nothing() {
    let harness = Harness::boot(true).await;
    let key = sesskey(&harness).await;
    let installed = install_plugin(&harness, &key, "mod_tornwriter.zip", &torn_writer_plugin()).await;
    assert!(installed.contains("mod_tornwriter"), "{installed}");
    let setup = harness.get("/site/mod/tornwriter/setup.php").await;
    assert!(setup.text.contains(&format!("rows={ROWS}")), "{}", setup.text);

    harness.send_raw(r#"{"type": "inject-fault", "fault": "write-trigger"}"#);
    let update = harness.post_form("/site/mod/tornwriter/update.php", &[]).await;
    assert_eq!(update.status, 503, "the update must crash mid-transaction: {}", update.text);
    let crash = harness.messages_of_type("crash");
    assert_eq!(crash.len(), 1);
    let recovered = harness.wait_for(|m| type_of(m) == "recovered", "recovered").await;
    assert_eq!(
        field(&recovered, "dataSource").as_string().as_deref(),
        Some("snapshot"),
        "the journal travelled with the DB"
    );

    let rolled_back = harness
        .messages_of_type("trace")
        .iter()
        .any(|m| field(m, "message").as_string().unwrap_or_default().contains("interrupted a database transaction"));
    let traces: Vec<String> =
        harness.messages_of_type("trace").iter().filter_map(|m| field(m, "message").as_string()).collect();
    let crash_message = field(&crash[0], "message").as_string().unwrap_or_default();
    assert!(
        rolled_back,
        "the snapshot must hold the open transaction's hot journal (the trap came mid-transaction); crash: {crash_message}; traces: {traces:?}; restored files: {:?}",
        field(&recovered, "restoredFiles")
    );
    let count = harness.get("/site/mod/tornwriter/count.php").await;
    assert!(
        count.text.contains(&format!("updated=0 total={ROWS} check=ok")),
        "the torn transaction must be rolled back entirely, not half-applied: {}",
        count.text
    );
}

#[wasm_bindgen_test]
async fn a_damaged_database_falls_back_to_the_last_checkpoint_and_says_what_was_lost() {
    let harness = Harness::boot(true).await;
    let key = sesskey(&harness).await;
    // Several writes: after the first (full) checkpoint, each one is patched in
    // incrementally from the byte ranges written; SQLite must accept the result.
    for (name, short) in [("Checkpointed Course", "CKP"), ("Second Course", "CK2"), ("Third Course", "CK3")] {
        let created = harness
            .post_form(
                "/site/course/edit.php",
                &[("sesskey", &key), ("fullname", name), ("shortname", short), ("summary", "")],
            )
            .await;
        assert_eq!(created.status, 303);
    }

    harness.send_raw(r#"{"type": "inject-fault", "fault": "torn-db"}"#);
    let front = harness.get("/site/").await;
    assert_eq!(front.status, 200, "{}", front.text);
    for name in ["Checkpointed Course", "Second Course", "Third Course"] {
        assert!(front.text.contains(name), "the checkpoint holds {name}: {}", front.text);
    }
    let recovered = harness.wait_for(|m| type_of(m) == "recovered", "recovered").await;
    assert_eq!(field(&recovered, "dataSource").as_string().as_deref(), Some("checkpoint"));
    let loss = field(&recovered, "dataLoss").as_string().unwrap_or_default();
    assert!(loss.contains("rolled back to the state after request #"), "{loss}");
    let refused = harness
        .messages_of_type("trace")
        .iter()
        .any(|m| field(m, "message").as_string().unwrap_or_default().contains("magic"));
    assert!(refused, "the damaged snapshot's refusal is reported");
}

/// A plugin that makes torn transactions of several shapes on a table of
/// `shapes`: `grow` inserts many new rows in ONE transaction (the DB file
/// grows past its header's page count) and traps halfway; `vacuum` deletes
/// most rows (committed), then the DB's first write of a VACUUM traps (its
/// pages are being rewritten and the file is about to shrink).
fn shaper_plugin() -> Vec<u8> {
    let version = b"<?php\n$plugin->component = 'mod_shaper';\n$plugin->version = 2024050100;\n";
    let setup = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('CREATE TABLE IF NOT EXISTS {shapes} (id INTEGER PRIMARY KEY, pad TEXT)');\n\
         $DB->execute('BEGIN');\n\
         for ($i = 0; $i < (int) $_GET['rows']; $i++) { $DB->execute('INSERT INTO {shapes} (pad) VALUES (?)', [str_repeat('s', 200)]); }\n\
         $DB->execute('COMMIT');\n\
         echo 'rows=', $DB->count_records('shapes');\n";
    let grow = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('PRAGMA cache_size = 5');\n\
         $DB->execute('BEGIN');\n\
         for ($i = 0; $i < 20000; $i++) {\n\
             $DB->execute('INSERT INTO {shapes} (pad) VALUES (?)', [str_repeat('g', 200)]);\n\
             if ($i == 10000) { file_put_contents('/tmp/inject-fault', '1'); }\n\
         }\n\
         $DB->execute('COMMIT');\n\
         echo 'committed';\n";
    let delete = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('DELETE FROM {shapes} WHERE id > 100');\n\
         echo 'rows=', $DB->count_records('shapes');\n";
    let vacuum = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('VACUUM');\n\
         echo 'vacuumed';\n";
    let count = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $check = implode(',', array_map(fn($r) => reset($r), array_map('get_object_vars', $DB->get_records_sql('PRAGMA integrity_check'))));\n\
         echo 'rows=', $DB->count_records('shapes'), ' check=', $check;\n";
    zip(&[
        ("shaper/version.php", version.as_slice()),
        ("shaper/setup.php", setup.as_bytes()),
        ("shaper/grow.php", grow.as_bytes()),
        ("shaper/delete.php", delete.as_bytes()),
        ("shaper/vacuum.php", vacuum.as_bytes()),
        ("shaper/count.php", count.as_bytes()),
    ])
}

/// Boots with `checkpoint`, installs the shaper and fills its table with `rows` rows.
async fn shaper_site(checkpoint: &str, rows: u32) -> Harness {
    let harness = Harness::boot_with(true, &format!(r#""checkpoint": "{checkpoint}""#)).await;
    let key = sesskey(&harness).await;
    install_plugin(&harness, &key, "mod_shaper.zip", &shaper_plugin()).await;
    let setup = harness.get(&format!("/site/mod/shaper/setup.php?rows={rows}")).await;
    assert!(setup.text.contains(&format!("rows={rows}")), "{}", setup.text);
    harness
}

/// After the torn transaction: the crash snapshot itself was used (no data
/// loss reported), and SQLite says the DB is whole and holds `rows` rows.
async fn assert_rolled_back_without_loss(harness: &Harness, rows: u32, what: &str) {
    let recovered = harness.wait_for(|m| type_of(m) == "recovered", "recovered").await;
    let traces: Vec<String> =
        harness.messages_of_type("trace").iter().filter_map(|m| field(m, "message").as_string()).collect();
    assert_eq!(field(&recovered, "dataSource").as_string().as_deref(), Some("snapshot"), "{what}: {traces:?}");
    assert!(field(&recovered, "dataLoss").is_null(), "{what}: nothing was lost, nothing may be reported lost");
    assert!(traces.iter().any(|t| t.contains("rolled it back")), "{what}: {traces:?}");
    let count = harness.get("/site/mod/shaper/count.php").await;
    assert!(count.text.contains(&format!("rows={rows} check=ok")), "{what}: {}", count.text);
}

#[wasm_bindgen_test]
async fn a_transaction_that_grows_the_file_is_rolled_back_by_sqlite_not_thrown_away() {
    for checkpoint in ["off", "incremental"] {
        let harness = shaper_site(checkpoint, 100).await;
        harness.send_raw(r#"{"type": "inject-fault", "fault": "write-trigger"}"#);
        let grown = harness.post_form("/site/mod/shaper/grow.php", &[]).await;
        assert_eq!(grown.status, 503, "the trap comes mid-transaction: {}", grown.text);
        assert_rolled_back_without_loss(&harness, 100, &format!("grow, checkpoint {checkpoint}")).await;
    }
}

#[wasm_bindgen_test]
async fn a_vacuum_cut_short_is_rolled_back_by_sqlite_not_thrown_away() {
    let harness = shaper_site("off", 5_000).await;
    let deleted = harness.get("/site/mod/shaper/delete.php").await;
    assert!(deleted.text.contains("rows=100"), "{}", deleted.text);
    harness.send_raw(r#"{"type": "inject-fault", "fault": "db-write"}"#);
    let vacuum = harness.post_form("/site/mod/shaper/vacuum.php", &[]).await;
    assert_eq!(vacuum.status, 503, "the DB's first write of the VACUUM traps: {}", vacuum.text);
    assert_rolled_back_without_loss(&harness, 100, "vacuum, checkpoint off").await;
}

/// A plugin whose page stores an upload under moodledata/filedir and records
/// it in the DB, with the trap before or after the commit.
fn uploader_plugin() -> Vec<u8> {
    let version = b"<?php\n$plugin->component = 'mod_uploader';\n$plugin->version = 2024050100;\n";
    let store = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('CREATE TABLE IF NOT EXISTS {uploads} (id INTEGER PRIMARY KEY, name TEXT)');\n\
         $name = preg_replace('/[^a-z0-9]/', '', $_GET['name']);\n\
         $dir = $CFG->dataroot . '/filedir/up/' . $name;\n\
         @mkdir($dir, 0777, true);\n\
         file_put_contents($dir . '/' . $name . '.bin', str_repeat($name, 1000));\n\
         file_put_contents($CFG->dataroot . '/filedir/index.txt', $name . \"\\n\", FILE_APPEND);\n\
         $DB->execute('BEGIN');\n\
         $DB->execute('INSERT INTO {uploads} (name) VALUES (?)', [$name]);\n\
         if ($_GET['trap'] === 'before-commit') { file_put_contents('/tmp/inject-fault', '1'); }\n\
         $DB->execute('COMMIT');\n\
         if ($_GET['trap'] === 'after-commit') { file_put_contents('/tmp/inject-fault', '1'); }\n\
         echo 'stored ', $name;\n";
    let list = "<?php\nrequire(__DIR__ . '/../../config.php');\n\
         $DB->execute('CREATE TABLE IF NOT EXISTS {uploads} (id INTEGER PRIMARY KEY, name TEXT)');\n\
         $rows = array_map(fn($r) => $r->name, $DB->get_records_sql('SELECT name FROM {uploads} ORDER BY id'));\n\
         $files = [];\n\
         foreach (glob($CFG->dataroot . '/filedir/up/*/*.bin') as $file) { $files[] = basename($file, '.bin'); }\n\
         sort($files);\n\
         $index = trim((string) @file_get_contents($CFG->dataroot . '/filedir/index.txt'));\n\
         echo 'rows=', implode(',', $rows), ' files=', implode(',', $files), ' index=', str_replace(\"\\n\", ',', $index);\n";
    zip(&[
        ("uploader/version.php", version.as_slice()),
        ("uploader/store.php", store.as_bytes()),
        ("uploader/list.php", list.as_bytes()),
    ])
}

#[wasm_bindgen_test]
async fn a_crashed_request_keeps_its_files_only_if_its_transaction_committed() {
    let harness = Harness::boot(true).await;
    let key = sesskey(&harness).await;
    install_plugin(&harness, &key, "mod_uploader.zip", &uploader_plugin()).await;
    let first = harness.post_form("/site/mod/uploader/store.php?name=first&trap=none", &[]).await;
    assert!(first.text.contains("stored first"), "{}", first.text);

    // Trapped inside the transaction: the row is rolled back, and so are the
    // new file, its new directory and the append to an existing file.
    harness.send_raw(r#"{"type": "inject-fault", "fault": "write-trigger"}"#);
    let torn = harness.post_form("/site/mod/uploader/store.php?name=torn&trap=before-commit", &[]).await;
    assert_eq!(torn.status, 503, "{}", torn.text);
    harness.wait_for(|m| type_of(m) == "recovered", "recovered").await;
    let undone = harness
        .messages_of_type("trace")
        .iter()
        .filter_map(|m| field(m, "message").as_string())
        .find(|t| t.contains("were undone"));
    assert!(undone.is_some_and(|t| t.contains("/filedir/up/torn")), "the undo is reported");
    let listed = harness.get("/site/mod/uploader/list.php").await;
    assert!(listed.text.contains("rows=first files=first index=first"), "{}", listed.text);

    // Trapped after the commit: the row is committed, so its files stay.
    harness.send_raw(r#"{"type": "inject-fault", "fault": "write-trigger"}"#);
    let late = harness.post_form("/site/mod/uploader/store.php?name=late&trap=after-commit", &[]).await;
    assert_eq!(late.status, 503, "{}", late.text);
    let listed = harness.get("/site/mod/uploader/list.php").await;
    assert!(listed.text.contains("rows=first,late files=first,late index=first,late"), "{}", listed.text);
}
