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
