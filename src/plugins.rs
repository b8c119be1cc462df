//! Which plugin directories the user installed this session: recorded when the
//! application reports an install, validated so nothing outside the webroot
//! can ever be tracked (and later restored).

use crate::profile::Profile;
use std::collections::BTreeMap;

/// A plugin directory to carry across restarts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TrackedPlugin {
    /// Frankenstyle component name, e.g. `mod_forum`.
    pub component: String,
    /// Absolute MEMFS path of its directory.
    pub dir: String,
}

#[derive(Debug, Clone, Default)]
pub struct PluginTracker {
    plugins: BTreeMap<String, TrackedPlugin>,
}

impl PluginTracker {
    /// Looks at a served request and its answer; returns what it learnt:
    /// `Ok(Some(plugin))` for a newly tracked plugin, `Err(reason)` for a
    /// rejected component name (to trace), `Ok(None)` otherwise.
    pub fn observe(
        &mut self,
        profile: &Profile,
        method: &str,
        url: &str,
        status: u16,
        // Read only for a redirected POST (a header lookup per request saved).
        location: impl FnOnce() -> Option<String>,
    ) -> Result<Option<TrackedPlugin>, String> {
        let reported = if method.eq_ignore_ascii_case("GET") && status < 400 {
            installed_component(profile, url)
        } else if method.eq_ignore_ascii_case("POST") && (300..400).contains(&status) {
            location().and_then(|location| installed_component(profile, &location))
        } else {
            None
        };
        let Some(component) = reported else { return Ok(None) };
        let plugin = resolve(profile, &component)?;
        if self.plugins.contains_key(&plugin.component) {
            return Ok(None);
        }
        self.plugins.insert(plugin.component.clone(), plugin.clone());
        Ok(Some(plugin))
    }

    /// Tracks a plugin known from elsewhere (a save restored at boot).
    pub fn track(&mut self, plugin: TrackedPlugin) {
        self.plugins.insert(plugin.component.clone(), plugin);
    }

    /// Keeps only these plugins (the others were rolled back with the DB).
    pub fn retain(&mut self, keep: &[TrackedPlugin]) {
        self.plugins.retain(|_, plugin| keep.contains(plugin));
    }

    pub fn plugins(&self) -> impl Iterator<Item = &TrackedPlugin> {
        self.plugins.values()
    }

    pub fn len(&self) -> usize {
        self.plugins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }
}

/// The component named by `installzipcomponent=` on the profile's add-on installer page.
fn installed_component(profile: &Profile, url: &str) -> Option<String> {
    let (path, query) = url.split_once('?')?;
    let path = path.split('#').next().unwrap_or(path);
    let installer = profile.addon_installer_path?;
    if !(path.ends_with(installer) || path.ends_with(installer.trim_end_matches("index.php"))) {
        return None;
    }
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "installzipcomponent")
        .map(|(_, value)| percent_decode(value))
}

/// Maps `type_name` to its directory, refusing anything that is not a plain name of a known type.
pub fn resolve(profile: &Profile, component: &str) -> Result<TrackedPlugin, String> {
    let (plugin_type, name) =
        component.split_once('_').ok_or_else(|| format!("ignored plugin {component:?}: not a type_name component"))?;
    if !is_plain_name(name) {
        return Err(format!("ignored plugin {component:?}: the name must match [a-z][a-z0-9_]*"));
    }
    let dir = profile
        .plugin_dir(plugin_type)
        .ok_or_else(|| format!("ignored plugin {component:?}: unknown plugin type {plugin_type:?}"))?;
    Ok(TrackedPlugin { component: component.to_string(), dir: format!("{}/{}/{}", profile.webroot, dir, name) })
}

fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z')) && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

fn percent_decode(text: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        (byte as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped =
            (bytes[i] == b'%').then(|| Some((hex(*bytes.get(i + 1)?)? << 4) | hex(*bytes.get(i + 2)?)?)).flatten();
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::moodle;

    const INSTALLER: &str = "/site/admin/tool/installaddon/index.php";

    #[test]
    fn tracks_a_plugin_reported_by_the_installer_redirect() {
        let profile = moodle::profile();
        let mut tracker = PluginTracker::default();
        let location = format!("http://localhost{INSTALLER}?installzipcomponent=mod_certificate");
        let plugin = tracker.observe(&profile, "POST", INSTALLER, 303, || Some(location.clone())).unwrap().unwrap();
        assert_eq!(plugin.dir, "/www/moodle/mod/certificate");
        assert_eq!(tracker.len(), 1);
        // The GET that follows the redirect reports the same plugin: tracked once.
        assert_eq!(tracker.observe(&profile, "GET", &location, 200, || None).unwrap(), None);
    }

    #[test]
    fn maps_types_through_the_profile() {
        let profile = moodle::profile();
        let mut tracker = PluginTracker::default();
        let url = format!("{INSTALLER}?installzipcomponent=block_my_notes");
        let plugin = tracker.observe(&profile, "GET", &url, 200, || None).unwrap().unwrap();
        assert_eq!(plugin.dir, "/www/moodle/blocks/my_notes");
        let url = format!("{INSTALLER}?installzipcomponent=tool_cleanup");
        assert_eq!(
            tracker.observe(&profile, "GET", &url, 200, || None).unwrap().unwrap().dir,
            "/www/moodle/admin/tool/cleanup"
        );
    }

    #[test]
    fn rejects_names_that_could_escape_the_webroot_and_unknown_types() {
        let profile = moodle::profile();
        let mut tracker = PluginTracker::default();
        for component in
            ["mod_..%2F..%2Fetc", "mod_../x", "mod_a/b", "mod_Upper", "mod_1abc", "mod_", "rocket_x", "nounderscore"]
        {
            let url = format!("{INSTALLER}?installzipcomponent={component}");
            assert!(tracker.observe(&profile, "GET", &url, 200, || None).is_err(), "{component} must be rejected");
        }
        assert!(tracker.is_empty());
    }

    #[test]
    fn ignores_other_pages_failures_and_non_redirects() {
        let profile = moodle::profile();
        let mut tracker = PluginTracker::default();
        let elsewhere = "/site/index.php?installzipcomponent=mod_x";
        assert_eq!(tracker.observe(&profile, "GET", elsewhere, 200, || None).unwrap(), None);
        let failed = format!("{INSTALLER}?installzipcomponent=mod_x");
        assert_eq!(tracker.observe(&profile, "GET", &failed, 500, || None).unwrap(), None);
        assert_eq!(tracker.observe(&profile, "POST", INSTALLER, 200, || None).unwrap(), None);
        assert!(tracker.is_empty());
    }
}
