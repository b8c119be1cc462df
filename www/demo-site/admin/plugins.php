<?php
// Plugins overview: every plugin in the (cached) component list, its version
// on disk and the version registered in mdl_config_plugins.

require(__DIR__ . '/../config.php');

require_login();

echo $OUTPUT->header('Plugins overview');

$rows = [];
$ondisk = [];
foreach (core_component::get_plugin_types() as $type => $unused) {
    foreach (core_component::get_plugin_list($type) as $name => $dir) {
        $component = $type . '_' . $name;
        $ondisk[$component] = true;
        $plugin = upgrade_load_plugin_version($dir);
        $diskversion = $plugin ? (string) $plugin->version : '';
        $dbversion = get_config($component, 'version');
        $rows[] = [$component, $diskversion, $dbversion === false ? '' : $dbversion,
            ($dbversion !== false && $dbversion === $diskversion) ? 'OK' : 'Upgrade pending'];
    }
}
// Registered plugins whose folder is gone (or not in the cached list).
$registered = $DB->get_records_sql("SELECT id, plugin, value FROM {config_plugins} WHERE name = 'version' ORDER BY plugin");
foreach ($registered as $record) {
    if (!isset($ondisk[$record->plugin])) {
        $rows[] = [$record->plugin, '', $record->value, 'Missing from disk'];
    }
}

if ($rows) {
    echo "<table class=\"plugins\">\n<tr><th>Plugin</th><th>Version on disk</th><th>Registered version</th><th>Status</th></tr>\n";
    foreach ($rows as $row) {
        echo '<tr><td>' . implode('</td><td>', array_map('s', $row)) . "</td></tr>\n";
    }
    echo "</table>\n";
} else {
    echo "<p>No plugins.</p>\n";
}
echo '<p><a href="' . new moodle_url('/admin/tool/installaddon/index.php') . "\">Install plugin from ZIP file</a></p>\n";
echo $OUTPUT->footer();
