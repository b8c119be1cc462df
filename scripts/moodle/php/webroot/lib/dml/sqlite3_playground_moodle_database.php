<?php
// The playground's SQLite driver for Moodle 4.5 (written for resilient-php-worker,
// placed into the bundle by scripts/moodle/build-bundle.sh; not part of Moodle).
//
// Selected with $CFG->dbtype = 'sqlite3' and $CFG->dblibrary = 'playground':
// Moodle's moodle_database::get_driver_instance() then loads
// lib/dml/sqlite3_playground_moodle_database.php and instantiates the class
// below. It builds on Moodle's experimental sqlite3_pdo_moodle_database and
// replaces only what does not work on PHP 8.3 with a current SQLite (3.51 in
// php-wasm 3.1.55):
//
//  * no temp-table manager was ever created (pdo_moodle_database::connect());
//  * the DDL generator of the sqlite family cannot be loaded as shipped (it lacks
//    getCreateTempTableSQL() and drops the temp-table manager in its
//    constructor): get_manager() uses sqlite3_playground_sql_generator below;
//  * fetch_columns() returned false for a missing table where array is declared;
//  * get_records_sql() / get_fieldset_sql() returned false on no rows and called
//    reset() on row objects (deprecated since PHP 8.1);
//  * the transaction helpers passed an undefined $result to query_end();
//  * sql_group_concat() returned '' and sql_position() used POSITION(), which
//    SQLite does not have;
//  * pdo_sqlite returns native ints and floats since PHP 8.1 where every other
//    Moodle driver returns strings;
//  * get_server_info() had no 'description' (the environment check reads it);
//  * database sessions need session_lock_supported() (see there);
//  * the journal mode is the one the playground needs for crash recovery
//    (DELETE: the journal is a file beside the DB that survives a trap).

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/sqlite3_pdo_moodle_database.php');
require_once(__DIR__ . '/moodle_temptables.php');

class sqlite3_playground_moodle_database extends sqlite3_pdo_moodle_database {

    /**
     * Same as the pdo driver, plus the temp-table manager every other driver creates.
     */
    public function connect($dbhost, $dbuser, $dbpass, $dbname, $prefix, ?array $dboptions = null) {
        $connected = parent::connect($dbhost, $dbuser, $dbpass, $dbname, $prefix, $dboptions);
        $this->temptables = new moodle_temptables($this);
        return $connected;
    }

    /**
     * Recorded in config.php by Moodle's installers: the library that selects this class.
     */
    protected function get_dblibrary() {
        return 'playground';
    }

    /**
     * Strings, not native ints/floats, as every other Moodle driver returns.
     */
    protected function get_pdooptions() {
        $options = parent::get_pdooptions();
        $options[PDO::ATTR_STRINGIFY_FETCHES] = true;
        return $options;
    }

    protected function configure_dbconnection() {
        parent::configure_dbconnection();
        // The worker snapshots the DB with its -journal after a crash; DELETE mode
        // keeps the rollback journal in a file beside the DB (not in memory, not WAL).
        $mode = strtoupper((string)($this->dboptions['journalmode'] ?? 'DELETE'));
        if (!in_array($mode, ['DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'WAL', 'OFF'], true)) {
            $mode = 'DELETE';
        }
        $this->pdb->exec('PRAGMA journal_mode=' . $mode);
        $this->pdb->exec('PRAGMA busy_timeout=5000');
        // Asked for again after parent's PRAGMAs: no string keys differ in case.
        $this->pdb->setAttribute(PDO::ATTR_STRINGIFY_FETCHES, true);
    }

    /**
     * Database sessions ($CFG->session_handler_class = '\core\session\database')
     * need a session lock. One PHP instance of the playground serves one request at
     * a time and nothing else opens the DB, so no two requests can hold a session at
     * once: Moodle's no-op lock is the right one, it only has to be declared.
     */
    public function session_lock_supported() {
        return true;
    }

    public function get_server_info() {
        $version = (string)$this->pdb->query('SELECT sqlite_version()')->fetchColumn();
        return ['description' => 'SQLite ' . $version, 'version' => $version];
    }

    /**
     * The DDL generator: the sqlite family's, completed (see the class below).
     */
    public function get_manager() {
        global $CFG;
        if (!$this->database_manager) {
            require_once($CFG->libdir . '/ddllib.php');
            require_once($CFG->libdir . '/ddl/sqlite_sql_generator.php');
            require_once($CFG->libdir . '/ddl/sqlite3_playground_sql_generator.php');
            $generator = new sqlite3_playground_sql_generator($this, $this->temptables);
            $this->database_manager = new database_manager($this, $generator);
        }
        return $this->database_manager;
    }

    /**
     * Columns of one table from PRAGMA table_info; an empty array when there is no such table.
     */
    protected function fetch_columns(string $table): array {
        $name = $this->prefix . $table;
        $this->query_start("PRAGMA table_info($name)", null, SQL_QUERY_AUX_READONLY);
        try {
            $statement = $this->pdb->prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?");
            $statement->execute([$name]);
            $create = $statement->fetchColumn();
            $statement->closeCursor();
            $rows = $create === false ? [] : $this->pdb->query('PRAGMA table_info(' . $this->pdb->quote($name) . ')')->fetchAll(PDO::FETCH_ASSOC);
            $ok = true;
        } catch (PDOException $ex) {
            $this->lastError = $ex->getMessage();
            $ok = false;
        }
        $this->query_end($ok);

        $columns = [];
        foreach ($rows as $row) {
            $columnname = strtolower($row['name']);
            $declared = strtolower(trim((string)$row['type']));
            $base = $declared;
            $length = null;
            $scale = null;
            if (preg_match('/^([a-z ]+)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/', $declared, $m)) {
                $base = trim($m[1]);
                $length = (int)$m[2];
                $scale = isset($m[3]) ? (int)$m[3] : null;
            }
            $primary = (int)$row['pk'] > 0;
            // An id column declared INTEGER PRIMARY KEY AUTOINCREMENT is Moodle's sequence.
            $autoincrement = $primary && str_starts_with($base, 'int')
                && preg_match('/\b' . preg_quote($columnname, '/') . '\b[^,]*\bautoincrement\b/i', (string)$create);
            $default = $row['dflt_value'];
            $info = [
                'name' => $columnname,
                'type' => $base,
                'max_length' => $length ?? -1,
                'scale' => $scale,
                'not_null' => (bool)(int)$row['notnull'],
                'primary_key' => $primary,
                'auto_increment' => (bool)$autoincrement,
                'binary' => false,
                'has_default' => $default !== null,
                'default_value' => $default,
                'unique' => null,
                'meta_type' => $this->playground_meta_type($base, $autoincrement),
            ];
            if ($info['meta_type'] === 'B') {
                $info['binary'] = true;
            }
            if ($info['has_default'] && is_string($default) && preg_match("/^'(.*)'$/s", $default, $m)) {
                // SQLite reports text defaults with their quotes; Moodle wants the value.
                $info['default_value'] = str_replace("''", "'", $m[1]);
            }
            $columns[$columnname] = new database_column_info((object)$info);
        }
        return $columns;
    }

    /**
     * Moodle's one-letter column type for an SQLite declared type.
     */
    private function playground_meta_type(string $type, $autoincrement): string {
        if ($autoincrement) {
            return 'R';
        }
        $map = [
            'int' => 'I', 'big' => 'I', 'sma' => 'I', 'tin' => 'I', 'med' => 'I',
            'num' => 'N', 'dec' => 'N', 'rea' => 'N', 'dou' => 'N', 'flo' => 'N',
            'var' => 'C', 'cha' => 'C', 'enu' => 'C', 'nva' => 'C', 'nch' => 'C',
            'tex' => 'X', 'clo' => 'X', 'lon' => 'X',
            'blo' => 'B', 'non' => 'B', 'ima' => 'B',
            'boo' => 'L', 'bit' => 'L', 'log' => 'L',
            'tim' => 'T', 'dat' => 'D',
        ];
        return $map[substr($type, 0, 3)] ?? 'X';
    }

    /**
     * Rows keyed by their first column; [] when there are none.
     */
    public function get_records_sql($sql, ?array $params = null, $limitfrom = 0, $limitnum = 0) {
        global $CFG;
        $recordset = $this->get_recordset_sql($sql, $params, $limitfrom, $limitnum);
        $records = [];
        foreach ($recordset as $record) {
            $fields = get_object_vars($record);
            $key = $fields ? $fields[array_key_first($fields)] : null;
            if (!empty($CFG->debugdeveloper) && array_key_exists($key, $records)) {
                debugging("Did you remember to make the first column something unique in your call to get_records? " .
                    "Duplicate value '$key' found in column first column of '$sql'.", DEBUG_DEVELOPER);
            }
            $records[$key] = $record;
        }
        $recordset->close();
        return $records;
    }

    /**
     * The first column of every row; [] when there are none.
     */
    public function get_fieldset_sql($sql, ?array $params = null) {
        $recordset = $this->get_recordset_sql($sql, $params);
        $values = [];
        foreach ($recordset as $record) {
            $fields = get_object_vars($record);
            $values[] = $fields ? $fields[array_key_first($fields)] : null;
        }
        $recordset->close();
        return $values;
    }

    protected function begin_transaction() {
        $this->playground_transaction_call('beginTransaction');
    }

    protected function commit_transaction() {
        $this->playground_transaction_call('commit');
    }

    protected function rollback_transaction() {
        $this->playground_transaction_call('rollBack');
    }

    /**
     * One PDO transaction call, reported to Moodle's query log; a failure throws
     * (dml_read_exception through query_end) instead of being ignored.
     */
    private function playground_transaction_call(string $method): void {
        $this->query_start('', null, SQL_QUERY_AUX);
        try {
            $ok = $this->pdb->$method();
        } catch (PDOException $ex) {
            $this->lastError = $ex->getMessage();
            $ok = false;
        }
        $this->query_end($ok);
    }

    /**
     * SQLite 3.44+ orders inside the aggregate: GROUP_CONCAT(x, sep ORDER BY ...).
     */
    public function sql_group_concat(string $field, string $separator = ', ', string $sort = ''): string {
        $separator = "'" . str_replace("'", "''", $separator) . "'";
        $order = $sort !== '' ? " ORDER BY $sort" : '';
        return "GROUP_CONCAT($field, $separator$order)";
    }

    public function sql_position($needle, $haystack) {
        return "INSTR(($haystack), ($needle))";
    }
}
