<?php
// Demo stand-in for Moodle's \core\session\database: PHP sessions kept in the
// mdl_sessions table, so a login survives as long as the SQLite file does
// (the worker keeps that file under /persist across PHP crashes).

namespace core\session;

defined('MOODLE_INTERNAL') || die();

class database implements \SessionHandlerInterface, \SessionUpdateTimestampHandlerInterface {
    /** @var \moodle_database */
    protected $db;

    public function __construct(\moodle_database $db) {
        $this->db = $db;
    }

    public function open(string $path, string $name): bool {
        return true;
    }

    public function close(): bool {
        return true;
    }

    public function read(string $id): string|false {
        $data = $this->db->get_field('sessions', 'sessdata', ['sid' => $id]);
        return $data === false || $data === null ? '' : $data;
    }

    public function write(string $id, string $data): bool {
        // The data uses the php_serialize format (set in sessionlib), so the
        // user id can be copied into its own column, as Moodle keeps it.
        $values = $data === '' ? [] : unserialize($data, ['allowed_classes' => ['stdClass']]);
        $userid = (int) ($values['userid'] ?? 0);
        self::save_row($this->db, $id, $userid, $data);
        return true;
    }

    public function destroy(string $id): bool {
        $this->db->delete_records('sessions', ['sid' => $id]);
        return true;
    }

    public function gc(int $max_lifetime): int|false {
        $before = $this->db->count_records('sessions');
        $this->db->execute('DELETE FROM {sessions} WHERE timemodified < ?', [time() - $max_lifetime]);
        return $before - $this->db->count_records('sessions');
    }

    /**
     * With session.use_strict_mode PHP asks whether a cookie's id is known;
     * unknown ids get a fresh one, which stops session fixation.
     */
    public function validateId(string $id): bool {
        return $this->db->record_exists('sessions', ['sid' => $id]);
    }

    /**
     * Called instead of write() when the data did not change (lazy_write).
     */
    public function updateTimestamp(string $id, string $data): bool {
        $this->db->set_field('sessions', 'timemodified', time(), ['sid' => $id]);
        return true;
    }

    /**
     * Inserts or updates one session row. complete_user_login() calls it
     * directly so the row carries the user id at once, not only when PHP
     * writes the session at the end of the request.
     */
    public static function save_row(\moodle_database $db, string $sid, int $userid, ?string $data = null): void {
        $now = time();
        $row = $db->get_record('sessions', ['sid' => $sid], 'id');
        if ($row) {
            $update = (object) ['id' => $row->id, 'userid' => $userid, 'timemodified' => $now];
            if ($data !== null) {
                $update->sessdata = $data;
            }
            $db->update_record('sessions', $update);
        } else {
            $db->insert_record('sessions', (object) [
                'sid' => $sid, 'userid' => $userid, 'sessdata' => $data ?? '',
                'timecreated' => $now, 'timemodified' => $now,
            ]);
        }
    }
}
