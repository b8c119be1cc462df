<?php
// Install plugin from ZIP file (Moodle's admin/tool/installaddon/index.php).
//
// GET                              the upload form (field zipfile + sesskey)
// POST zipfile                     unpack, then 303 to ?installzipcomponent=<component>
// GET ?installzipcomponent=<comp>  forget caches, register pending plugins, report

require(__DIR__ . '/../../../config.php');
require_once(__DIR__ . '/classes/installer.php');

require_login();

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    require_sesskey();
    $upload = $_FILES['zipfile'] ?? null;
    if (!$upload || is_array($upload['name']) || $upload['error'] !== UPLOAD_ERR_OK || !is_uploaded_file($upload['tmp_name'])) {
        throw new moodle_exception('nofile', 'No ZIP file was uploaded (expected the field zipfile).', 400);
    }
    $component = tool_installaddon_installer::extract_plugin_zip($upload['tmp_name']);
    redirect(new moodle_url('/admin/tool/installaddon/index.php', ['installzipcomponent' => $component]));
}

$installzipcomponent = optional_param('installzipcomponent', '', PARAM_COMPONENT);
if ($installzipcomponent !== '') {
    // The new folder is not in the cached component list yet: throw the cache
    // away first, or the upgrade would not see the plugin (as in Moodle).
    core_component::reset();
    purge_all_caches();
    if (moodle_needs_upgrading()) {
        upgrade_noncore();
    }
    $version = get_config($installzipcomponent, 'version');
    if ($version === false) {
        throw new moodle_exception('pluginnotinstalled',
            "Plugin $installzipcomponent is not installed: its folder with a version.php was not found.", 404);
    }
    echo $OUTPUT->header('Install plugin from ZIP file');
    echo $OUTPUT->notification("Plugin $installzipcomponent installed, version $version", 'success');
    echo '<p><a href="' . new moodle_url('/admin/plugins.php') . '">Plugins overview</a></p>';
    echo $OUTPUT->footer();
    exit;
}

echo $OUTPUT->header('Install plugin from ZIP file');
?>
<p>The ZIP must hold one folder named after the plugin, with a version.php
that sets <code>$plugin->component</code> (e.g. <code>mod_example</code>) and
<code>$plugin->version</code>.</p>
<form method="post" enctype="multipart/form-data" action="<?php echo new moodle_url('/admin/tool/installaddon/index.php'); ?>">
<?php echo $OUTPUT->sesskey_field(); ?>
<label for="id_zipfile">ZIP package</label>
<input type="file" id="id_zipfile" name="zipfile" accept=".zip,application/zip" required>
<p><button type="submit">Install plugin from the ZIP file</button></p>
</form>
<?php
echo $OUTPUT->footer();
