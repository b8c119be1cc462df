<?php
// Demo stand-in for Moodle's core_component (lib/classes/component.php).
//
// Like Moodle, the list of plugins is built once by scanning the plugin type
// directories and then cached in $CFG->dataroot/cache/core_component.php.
// Later requests trust that cache, so a plugin directory that appears on disk
// afterwards stays invisible until core_component::reset() (or
// purge_all_caches()) throws the cache away. The plugin types themselves come
// only from lib/components.json, which the worker writes.

defined('MOODLE_INTERNAL') || die();

class core_component {
    /** Valid plugin directory names (a simpler form of Moodle's rule). */
    const PLUGIN_NAME_REGEX = '/^[a-z][a-z0-9_]*$/';

    /** @var array|null type => full path of the type directory */
    protected static $plugintypes = null;
    /** @var array|null type => [name => full path of the plugin] */
    protected static $plugins = null;

    protected static function cache_file(): string {
        global $CFG;
        return $CFG->dataroot . '/cache/core_component.php';
    }

    /**
     * Loads the component list from the cache file, or builds and saves it.
     */
    protected static function init(): void {
        global $CFG;
        if (self::$plugins !== null) {
            return;
        }
        $cachefile = self::cache_file();
        if (is_readable($cachefile)) {
            $cache = include($cachefile);
            // A cache made for another code location is useless (Moodle checks this too).
            if (is_array($cache) && ($cache['root'] ?? null) === $CFG->dirroot) {
                self::$plugintypes = $cache['plugintypes'];
                self::$plugins = $cache['plugins'];
                return;
            }
        }
        self::fill_all_caches();
        self::write_cache_file($cachefile, [
            'root' => $CFG->dirroot,
            'plugintypes' => self::$plugintypes,
            'plugins' => self::$plugins,
        ]);
    }

    /**
     * Scans the disk: plugin types from components.json, plugins from their directories.
     */
    protected static function fill_all_caches(): void {
        global $CFG;
        $jsonfile = $CFG->dirroot . '/lib/components.json';
        $json = is_readable($jsonfile) ? json_decode(file_get_contents($jsonfile), true) : null;
        if (!is_array($json) || !isset($json['plugintypes']) || !is_array($json['plugintypes'])) {
            throw new RuntimeException("Missing or invalid $jsonfile (it must contain \"plugintypes\")");
        }
        self::$plugintypes = [];
        self::$plugins = [];
        foreach ($json['plugintypes'] as $type => $dir) {
            $fulldir = $CFG->dirroot . '/' . trim($dir, '/');
            self::$plugintypes[$type] = $fulldir;
            self::$plugins[$type] = self::fetch_plugins($fulldir);
        }
    }

    /**
     * Lists the plugins of one type. A type whose directory does not exist simply has none.
     */
    protected static function fetch_plugins(string $fulldir): array {
        $result = [];
        if (!is_dir($fulldir)) {
            return $result;
        }
        foreach (scandir($fulldir) as $name) {
            // Like Moodle: only valid names, and only directories with a version.php.
            if (!preg_match(self::PLUGIN_NAME_REGEX, $name) || !is_file("$fulldir/$name/version.php")) {
                continue;
            }
            $result[$name] = "$fulldir/$name";
        }
        ksort($result);
        return $result;
    }

    protected static function write_cache_file(string $file, array $content): void {
        $dir = dirname($file);
        if (!is_dir($dir)) {
            mkdir($dir, 0777, true);
        }
        // Write then rename, so a crash mid-write never leaves half a cache file.
        $tmp = $file . '.tmp' . getmypid();
        file_put_contents($tmp, "<?php // Cached component list, see core_component.\nreturn " . var_export($content, true) . ";\n");
        rename($tmp, $file);
        if (function_exists('opcache_invalidate')) {
            // Otherwise OPcache may keep serving the previous list.
            opcache_invalidate($file, true);
        }
    }

    /**
     * @return array plugin type => full directory
     */
    public static function get_plugin_types(): array {
        self::init();
        return self::$plugintypes;
    }

    /**
     * @return array plugin name => full directory, for one plugin type
     */
    public static function get_plugin_list(string $plugintype): array {
        self::init();
        return self::$plugins[$plugintype] ?? [];
    }

    /**
     * @return string|null full directory of a component such as 'mod_forum'
     */
    public static function get_component_directory(string $component): ?string {
        [$type, $name] = self::normalize_component($component);
        return self::get_plugin_list($type)[$name] ?? null;
    }

    /**
     * Splits 'mod_forum' into ['mod', 'forum'] (the type is before the first underscore).
     */
    public static function normalize_component(string $component): array {
        $pos = strpos($component, '_');
        if ($pos === false) {
            return ['core', $component];
        }
        return [substr($component, 0, $pos), substr($component, $pos + 1)];
    }

    /**
     * Forgets the component list, in memory and on disk, so the next call scans again.
     */
    public static function reset(): void {
        self::$plugintypes = null;
        self::$plugins = null;
        $cachefile = self::cache_file();
        if (file_exists($cachefile)) {
            unlink($cachefile);
        }
        if (function_exists('opcache_invalidate')) {
            opcache_invalidate($cachefile, true);
        }
    }
}
