<?php
// Demo stand-in for Moodle's tool_installaddon_installer: checks a plugin ZIP
// and unpacks it into the plugin type's directory. Registering the plugin
// (the "upgrade") happens afterwards, on the page the installer redirects to.

defined('MOODLE_INTERNAL') || die();

class tool_installaddon_installer {
    /** Refuse ZIPs that unpack to more than this (zip bombs). */
    const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

    /**
     * Reads component and version from version.php text without running it,
     * as Moodle's validator does: the code is not trusted before it is installed.
     *
     * @return array ['component' => ?string, 'version' => ?string]
     */
    public static function parse_version_php(string $content): array {
        $result = ['component' => null, 'version' => null];
        if (preg_match('/\$plugin->component\s*=\s*([\'"])([^\'"]*)\1\s*;/', $content, $m)) {
            $result['component'] = $m[2];
        }
        if (preg_match('/\$plugin->version\s*=\s*([0-9.]+)\s*;/', $content, $m)) {
            $result['version'] = $m[1];
        }
        return $result;
    }

    /**
     * Checks the ZIP and extracts it to <type dir>/<name>/.
     *
     * @param string $zipfile path of the uploaded ZIP
     * @return string the component, e.g. 'mod_foo'
     */
    public static function extract_plugin_zip(string $zipfile): string {
        $zip = new ZipArchive();
        if ($zip->open($zipfile, ZipArchive::RDONLY) !== true) {
            throw new moodle_exception('invalidzip', 'The uploaded file is not a valid ZIP file.', 400);
        }
        try {
            // First check every entry, then write anything: a bad ZIP leaves no trace.
            [$rootdir, $entries] = self::list_entries($zip);

            $versionphp = $zip->getFromName("$rootdir/version.php");
            if ($versionphp === false) {
                throw new moodle_exception('versionphpmissing', "The ZIP has no $rootdir/version.php.", 400);
            }
            $info = self::parse_version_php($versionphp);
            if ($info['component'] === null || $info['version'] === null) {
                throw new moodle_exception('versionphpinvalid',
                    'version.php must set $plugin->component and $plugin->version.', 400);
            }
            $component = $info['component'];
            [$type, $name] = core_component::normalize_component($component);
            if (!preg_match('/^[a-z][a-z0-9_]*$/', $name) || $type === 'core') {
                throw new moodle_exception('invalidcomponent', "Invalid plugin component name: $component.", 400);
            }
            $types = core_component::get_plugin_types();
            if (!isset($types[$type])) {
                throw new moodle_exception('unknownplugintype', "Unknown plugin type \"$type\" (component $component).", 400);
            }
            if ($rootdir !== $name) {
                throw new moodle_exception('rootdirmismatch',
                    "The ZIP's folder \"$rootdir\" must be named after the plugin (\"$name\").", 400);
            }
            if ($component === 'tool_installaddon') {
                throw new moodle_exception('selfupdate', 'The add-on installer cannot replace itself.', 400);
            }

            $target = $types[$type] . '/' . $name;
            // An existing folder is an older copy of this plugin: replace it (an upgrade).
            remove_dir($target);
            mkdir($target, 0777, true);
            foreach ($entries as $index => $relpath) {
                $dest = "$target/$relpath";
                if (str_ends_with($relpath, '/')) {
                    is_dir($dest) || mkdir($dest, 0777, true);
                    continue;
                }
                is_dir(dirname($dest)) || mkdir(dirname($dest), 0777, true);
                file_put_contents($dest, $zip->getFromIndex($index));
            }
            return $component;
        } finally {
            $zip->close();
        }
    }

    /**
     * Checks the entry names: one top-level folder, nothing outside it.
     *
     * @return array [string $rootdir, array index => path inside the root folder]
     */
    protected static function list_entries(ZipArchive $zip): array {
        $rootdir = null;
        $entries = [];
        $total = 0;
        for ($i = 0; $i < $zip->numFiles; $i++) {
            $stat = $zip->statIndex($i);
            $entry = $stat['name'];
            if (str_starts_with($entry, '__MACOSX/')) {
                continue; // resource forks added by macOS's archiver
            }
            // Reject anything that could land outside the plugin folder.
            if ($entry === '' || $entry[0] === '/' || str_contains($entry, '\\') || str_contains($entry, "\0")
                    || preg_match('~^[a-zA-Z]:~', $entry) || in_array('..', explode('/', $entry), true)) {
                throw new moodle_exception('invalidzipentry', "The ZIP contains an unsafe path: $entry", 400);
            }
            $parts = explode('/', $entry, 2);
            if (count($parts) < 2) {
                throw new moodle_exception('invalidzipstructure',
                    "The ZIP must contain one folder with the plugin in it; found the file $entry at the top.", 400);
            }
            if ($rootdir !== null && $parts[0] !== $rootdir) {
                throw new moodle_exception('invalidzipstructure',
                    "The ZIP must contain exactly one top-level folder; found \"$rootdir\" and \"{$parts[0]}\".", 400);
            }
            $rootdir = $parts[0];
            $total += $stat['size'];
            if ($total > self::MAX_UNPACKED_BYTES) {
                throw new moodle_exception('ziptoolarge', 'The ZIP unpacks to more than 100 MB.', 400);
            }
            if ($parts[1] !== '') {
                $entries[$i] = $parts[1];
            }
        }
        if ($rootdir === null) {
            throw new moodle_exception('invalidzipstructure', 'The ZIP is empty.', 400);
        }
        return [$rootdir, $entries];
    }
}
