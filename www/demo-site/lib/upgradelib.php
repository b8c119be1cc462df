<?php
// Demo stand-in for Moodle's lib/upgradelib.php: registering plugins whose
// code on disk is newer (or unknown) compared to what the database records.

defined('MOODLE_INTERNAL') || die();

/**
 * Reads a plugin's version.php the way Moodle does: it fills $plugin.
 *
 * @return stdClass|null $plugin (version, release, component...), or null if unreadable
 */
function upgrade_load_plugin_version(string $plugindir): ?stdClass {
    $file = $plugindir . '/version.php';
    if (!is_file($file)) {
        return null;
    }
    if (function_exists('opcache_invalidate')) {
        // A new ZIP may have just replaced this file within the same second.
        opcache_invalidate($file, true);
    }
    $plugin = new stdClass();
    try {
        include($file);
    } catch (ParseError $e) {
        return null; // a broken version.php is not installable
    }
    return isset($plugin->version) ? $plugin : null;
}

/**
 * Plugins in the cached component list whose version.php version differs
 * from the registered one (or which are not registered at all).
 *
 * @return array component => $plugin from version.php
 */
function upgrade_get_pending_plugins(): array {
    $pending = [];
    foreach (core_component::get_plugin_types() as $type => $unused) {
        foreach (core_component::get_plugin_list($type) as $name => $dir) {
            $plugin = upgrade_load_plugin_version($dir);
            if ($plugin === null) {
                continue;
            }
            $component = $type . '_' . $name;
            if ((string) get_config($component, 'version') !== (string) $plugin->version) {
                $pending[$component] = $plugin;
            }
        }
    }
    return $pending;
}

/**
 * Installs or upgrades every pending plugin. The stand-in's plugins have no
 * database tables of their own, so "installing" means recording the version
 * (and release) in mdl_config_plugins.
 *
 * @return array the components that were registered
 */
function upgrade_noncore(bool $verbose = false): array {
    $done = [];
    foreach (upgrade_get_pending_plugins() as $component => $plugin) {
        set_config('version', $plugin->version, $component);
        if (isset($plugin->release)) {
            set_config('release', $plugin->release, $component);
        }
        if ($verbose) {
            echo "$component: version {$plugin->version}\n";
        }
        $done[] = $component;
    }
    return $done;
}
