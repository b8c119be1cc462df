//! The cookie jar of the one browser user, kept OUTSIDE the disposable PHP
//! runtime so a login survives a crash or a rotation.
//!
//! The iframe's requests reach us through a Service Worker, which cannot see or
//! set real browser cookies for synthetic responses; so the worker plays the
//! browser's part: it remembers `Set-Cookie` and sends `Cookie`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    /// Applies one `Set-Cookie` header value. A cookie set to an empty value,
    /// with `Max-Age` ≤ 0, or with an `Expires` in the past is deleted, as
    /// PHP's `setcookie(name, '', time() - 3600)` and `session_destroy` intend.
    pub fn apply_set_cookie(&mut self, header: &str, now_unix_seconds: f64) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let value = value.trim().trim_matches('"');
        let mut expired = value.is_empty() || value == "deleted";
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "max-age" => expired |= val.trim().parse::<i64>().map(|age| age <= 0).unwrap_or(false),
                "expires" => expired |= parse_http_date(val.trim()).map(|t| t <= now_unix_seconds).unwrap_or(false),
                _ => {}
            }
        }
        if expired {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_string(), value.to_string());
        }
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Every cookie, name → value (what a save keeps).
    pub fn all(&self) -> &BTreeMap<String, String> {
        &self.cookies
    }

    pub fn from_map(cookies: BTreeMap<String, String>) -> Self {
        CookieJar { cookies }
    }

    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The `Cookie` request header, merged with one the page already sent.
    pub fn cookie_header(&self, sent_by_page: Option<&str>) -> Option<String> {
        let mut merged: BTreeMap<&str, &str> = BTreeMap::new();
        for pair in sent_by_page.unwrap_or("").split(';') {
            if let Some((name, value)) = pair.split_once('=') {
                merged.insert(name.trim(), value.trim());
            }
        }
        for (name, value) in &self.cookies {
            merged.insert(name, value);
        }
        if merged.is_empty() {
            return None;
        }
        Some(merged.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; "))
    }
}

/// Parses the IMF-fixdate form PHP emits (`Thu, 01 Jan 1970 00:00:01 GMT`) into Unix seconds.
fn parse_http_date(text: &str) -> Option<f64> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, _] = fields.as_slice() else { return None };
    let day: i64 = day.parse().ok()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    Some((days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_800_000_000.0;

    #[test]
    fn remembers_and_sends_cookies() {
        let mut jar = CookieJar::default();
        jar.apply_set_cookie("MoodleSession=abc123; path=/; HttpOnly", NOW);
        assert_eq!(jar.cookie_header(None).as_deref(), Some("MoodleSession=abc123"));
        jar.apply_set_cookie("MoodleSession=def456; path=/", NOW);
        assert_eq!(jar.get("MoodleSession"), Some("def456"));
    }

    #[test]
    fn honours_deletion_and_expiry() {
        let mut jar = CookieJar::default();
        jar.set("MoodleSession", "abc");
        jar.apply_set_cookie("MoodleSession=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0", NOW);
        assert!(jar.is_empty());
        jar.set("a", "1");
        jar.apply_set_cookie("a=2; expires=Mon, 01 Jan 2001 00:00:00 GMT", NOW);
        assert_eq!(jar.get("a"), None);
        jar.apply_set_cookie("b=2; expires=Fri, 01 Jan 2100 00:00:00 GMT", NOW);
        assert_eq!(jar.get("b"), Some("2"));
    }

    #[test]
    fn merges_with_the_page_header_preferring_the_jar() {
        let mut jar = CookieJar::default();
        jar.set("MoodleSession", "jar");
        assert_eq!(
            jar.cookie_header(Some("theme=dark; MoodleSession=page")).as_deref(),
            Some("MoodleSession=jar; theme=dark")
        );
    }

    #[test]
    fn parses_http_dates() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:01 GMT"), Some(1.0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777.0));
        assert_eq!(parse_http_date("garbage"), None);
    }
}
