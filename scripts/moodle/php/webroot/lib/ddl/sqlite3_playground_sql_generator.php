<?php
// The playground's DDL generator for SQLite (resilient-php-worker; placed into the
// bundle by scripts/moodle/build-bundle.sh; not part of Moodle). Loaded by
// sqlite3_playground_moodle_database::get_manager() after Moodle's sqlite_sql_generator.

defined('MOODLE_INTERNAL') || die();

/**
 * The sqlite family's DDL generator, completed. Moodle's sqlite_sql_generator is
 * declared abstract by the bundle builder (it does not implement
 * getCreateTempTableSQL(), so PHP refuses to load it as a concrete class).
 */
class sqlite3_playground_sql_generator extends sqlite_sql_generator {

    public function __construct($mdb, $temptables = null) {
        parent::__construct($mdb);
        // sqlite_sql_generator's constructor does not pass the manager on.
        $this->temptables = $temptables;
    }

    public function getCreateTempTableSQL($xmldb_table) {
        $this->temptables->add_temptable($xmldb_table->getName());
        $statements = [];
        foreach ($this->getCreateTableSQL($xmldb_table) as $statement) {
            $statements[] = preg_replace('/^\s*CREATE TABLE\b/i', 'CREATE TEMPORARY TABLE', $statement);
        }
        return $statements;
    }
}
