<?php
// Demo stand-in for Moodle's DML layer (lib/dml/): the same method names and
// conventions ($DB->get_record('course', ['id' => 2]), table names without the
// prefix, records as stdClass), implemented only for SQLite through PDO.

defined('MOODLE_INTERNAL') || die();

/** get_record(): return false when nothing matches (Moodle's default). */
const IGNORE_MISSING = 0;
/** get_record(): throw when nothing matches. */
const MUST_EXIST = 2;

/** Thrown by get_record(..., MUST_EXIST) when nothing matches, as in Moodle. */
class dml_missing_record_exception extends RuntimeException {
}

class moodle_database {
    /** @var PDO */
    protected $pdo;
    /** @var string table prefix, e.g. 'mdl_' */
    protected $prefix;

    /**
     * Opens the SQLite file named by $CFG->dbname.
     *
     * @param stdClass $cfg the site configuration from config.php
     */
    public function __construct(stdClass $cfg) {
        $this->prefix = $cfg->prefix ?? 'mdl_';
        $this->pdo = new PDO('sqlite:' . $cfg->dbname, null, null, [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_OBJ,
        ]);
        // The worker decides the journal mode (DELETE by default): WAL needs
        // shared memory, which the in-browser file systems do not offer.
        $mode = strtoupper($cfg->journalmode ?? 'DELETE');
        if (!preg_match('/^(DELETE|TRUNCATE|PERSIST|MEMORY|WAL|OFF)$/', $mode)) {
            throw new InvalidArgumentException("Unknown journal mode: $mode");
        }
        $this->pdo->exec('PRAGMA journal_mode=' . $mode);
        // Another request (or a runtime being recovered) may hold the lock briefly.
        $this->pdo->exec('PRAGMA busy_timeout=5000');
    }

    public function get_prefix(): string {
        return $this->prefix;
    }

    /**
     * Replaces Moodle's {tablename} placeholders with prefixed table names.
     */
    protected function fix_sql(string $sql): string {
        return preg_replace('/\{([a-z][a-z0-9_]*)\}/', $this->prefix . '$1', $sql);
    }

    /**
     * Column and table names are pasted into SQL, so only plain identifiers pass.
     */
    protected function check_name(string $name): string {
        if (!preg_match('/^[a-z][a-z0-9_]*$/', $name)) {
            throw new InvalidArgumentException("Invalid table or column name: $name");
        }
        return $name;
    }

    /**
     * Turns ['a' => 1, 'b' => null] into "a = ? AND b IS NULL" and its parameters.
     *
     * @return array [string $where, array $params]
     */
    protected function where_clause(array $conditions): array {
        if (!$conditions) {
            return ['1 = 1', []];
        }
        $parts = [];
        $params = [];
        foreach ($conditions as $field => $value) {
            $field = $this->check_name($field);
            if ($value === null) {
                $parts[] = "$field IS NULL";
            } else {
                $parts[] = "$field = ?";
                $params[] = $value;
            }
        }
        return [implode(' AND ', $parts), $params];
    }

    protected function query(string $sql, array $params = []): PDOStatement {
        $stmt = $this->pdo->prepare($this->fix_sql($sql));
        $stmt->execute(array_values($params));
        return $stmt;
    }

    /**
     * Moodle keys record arrays by their first column (usually id).
     */
    public function get_records_sql(string $sql, array $params = []): array {
        $result = [];
        foreach ($this->query($sql, $params)->fetchAll(PDO::FETCH_ASSOC) as $row) {
            $result[reset($row)] = (object) $row;
        }
        return $result;
    }

    public function get_record_sql(string $sql, array $params = [], int $strictness = IGNORE_MISSING) {
        $row = $this->query($sql, $params)->fetch();
        if ($row === false && $strictness === MUST_EXIST) {
            throw new dml_missing_record_exception('Can not find data record in database.');
        }
        return $row;
    }

    public function get_records(string $table, array $conditions = [], string $sort = '', string $fields = '*'): array {
        [$where, $params] = $this->where_clause($conditions);
        $sql = "SELECT $fields FROM {" . $this->check_name($table) . "} WHERE $where";
        if ($sort !== '') {
            // Sort strings come from code, but keep them to "col [ASC|DESC], ...".
            if (!preg_match('/^[a-z0-9_]+( (ASC|DESC))?(, ?[a-z0-9_]+( (ASC|DESC))?)*$/i', $sort)) {
                throw new InvalidArgumentException("Invalid sort: $sort");
            }
            $sql .= " ORDER BY $sort";
        }
        return $this->get_records_sql($sql, $params);
    }

    /**
     * @return stdClass|false
     */
    public function get_record(string $table, array $conditions, string $fields = '*', int $strictness = IGNORE_MISSING) {
        [$where, $params] = $this->where_clause($conditions);
        $sql = "SELECT $fields FROM {" . $this->check_name($table) . "} WHERE $where LIMIT 1";
        return $this->get_record_sql($sql, $params, $strictness);
    }

    /**
     * @return mixed the first column of the first row, or false when there is none
     */
    public function get_field_sql(string $sql, array $params = []) {
        $row = $this->query($sql, $params)->fetch(PDO::FETCH_NUM);
        return $row === false ? false : $row[0];
    }

    /**
     * @return mixed the value, or false when no record matches
     */
    public function get_field(string $table, string $return, array $conditions, int $strictness = IGNORE_MISSING) {
        $record = $this->get_record($table, $conditions, $this->check_name($return), $strictness);
        return $record === false ? false : $record->$return;
    }

    public function count_records(string $table, array $conditions = []): int {
        [$where, $params] = $this->where_clause($conditions);
        $sql = "SELECT COUNT(1) FROM {" . $this->check_name($table) . "} WHERE $where";
        return (int) $this->query($sql, $params)->fetchColumn();
    }

    public function record_exists(string $table, array $conditions): bool {
        return $this->get_record($table, $conditions, 'id') !== false;
    }

    /**
     * @param stdClass|array $dataobject fields to insert; any id is ignored
     * @return int the new id
     */
    public function insert_record(string $table, $dataobject, bool $returnid = true) {
        $data = (array) $dataobject;
        unset($data['id']);
        $fields = array_map([$this, 'check_name'], array_keys($data));
        $sql = "INSERT INTO {" . $this->check_name($table) . "} (" . implode(', ', $fields) . ")
                VALUES (" . implode(', ', array_fill(0, count($fields), '?')) . ")";
        $this->query($sql, $data);
        return $returnid ? (int) $this->pdo->lastInsertId() : true;
    }

    /**
     * @param stdClass|array $dataobject must contain id; other fields are updated
     */
    public function update_record(string $table, $dataobject): bool {
        $data = (array) $dataobject;
        if (empty($data['id'])) {
            throw new InvalidArgumentException('update_record() needs an id');
        }
        $id = $data['id'];
        unset($data['id']);
        if (!$data) {
            return true;
        }
        $sets = array_map(fn($f) => $this->check_name($f) . ' = ?', array_keys($data));
        $sql = "UPDATE {" . $this->check_name($table) . "} SET " . implode(', ', $sets) . " WHERE id = ?";
        $this->query($sql, array_merge(array_values($data), [$id]));
        return true;
    }

    public function set_field(string $table, string $newfield, $newvalue, array $conditions = []): bool {
        [$where, $params] = $this->where_clause($conditions);
        $sql = "UPDATE {" . $this->check_name($table) . "} SET " . $this->check_name($newfield) . " = ? WHERE $where";
        $this->query($sql, array_merge([$newvalue], $params));
        return true;
    }

    public function delete_records(string $table, array $conditions = []): bool {
        [$where, $params] = $this->where_clause($conditions);
        $this->query("DELETE FROM {" . $this->check_name($table) . "} WHERE $where", $params);
        return true;
    }

    /**
     * Runs SQL that returns no rows (DDL, bulk updates).
     */
    public function execute(string $sql, array $params = []): bool {
        $this->query($sql, $params);
        return true;
    }

    /**
     * Moodle asks $DB->get_manager()->table_exists(); the stand-in has no
     * separate database manager, so the check lives here.
     */
    public function table_exists(string $table): bool {
        $sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
        return $this->query($sql, [$this->prefix . $this->check_name($table)])->fetchColumn() !== false;
    }
}
