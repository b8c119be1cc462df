//! The supervisor owns the one PHP runtime and decides what happens to each
//! request: Booting → Serving (→ Recovering → Serving, or Failed).
//! It is plain Rust over the `PhpRuntime` trait: `cargo test` runs it with a fake.

use crate::boot::{self, BootInputs};
use crate::cookies::CookieJar;
use crate::php::{PhpError, PhpRuntime, RuntimeFactory, RuntimeOptions};
use crate::profile::Profile;
use crate::protocol::{Config, HttpRequest, HttpResponse, Outgoing, Stage};

/// Where the events for the page go.
pub type Events<'a> = &'a mut dyn FnMut(Outgoing);

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Booting,
    Serving,
    Failed { reason: String },
}

pub struct Supervisor<F: RuntimeFactory> {
    factory: F,
    config: Config,
    profile: Profile,
    site_files: Vec<(String, Vec<u8>)>,
    runtime: Option<F::Runtime>,
    jar: CookieJar,
    state: State,
    requests_served: u64,
}

impl<F: RuntimeFactory> Supervisor<F> {
    pub fn new(factory: F, config: Config) -> Result<Self, String> {
        let profile = Profile::by_name(&config.profile)
            .ok_or_else(|| format!("unknown profile {:?}; known profiles: moodle", config.profile))?;
        Ok(Supervisor {
            factory,
            config,
            profile,
            site_files: Vec::new(),
            runtime: None,
            jar: CookieJar::default(),
            state: State::Booting,
            requests_served: 0,
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn cookies(&self) -> &CookieJar {
        &self.jar
    }

    pub fn runtime(&self) -> Option<&F::Runtime> {
        self.runtime.as_ref()
    }

    pub fn requests_served(&self) -> u64 {
        self.requests_served
    }

    /// First boot: download the site, make a runtime, bootstrap it, log in.
    pub async fn start(&mut self, events: Events<'_>) -> Result<(), String> {
        let started = self.factory.now_ms();
        events(progress(Stage::Downloading, 0.0, "downloading the site bundle"));
        if !self.config.bundle_url.is_empty() {
            self.site_files = self
                .factory
                .fetch_bundle(&self.config.bundle_url)
                .await
                .map_err(|e| self.fail(format!("could not load the site bundle {}: {e}", self.config.bundle_url)))?;
        }
        let runtime = self.fresh_runtime(events).await.map_err(|e| self.fail(e))?;
        self.ensure_login(&runtime).await.map_err(|e| self.fail(e.to_string()))?;
        events(Outgoing::Ready {
            php_version: runtime.php_version(),
            boot_ms: self.factory.now_ms() - started,
            restart: false,
        });
        self.runtime = Some(runtime);
        self.state = State::Serving;
        Ok(())
    }

    /// Instantiates a runtime and runs the profile's full bootstrap on it.
    async fn fresh_runtime(&self, events: Events<'_>) -> Result<F::Runtime, String> {
        events(progress(Stage::Instantiating, 0.1, "instantiating PHP 8.3"));
        let options = RuntimeOptions {
            document_root: self.profile.webroot.into(),
            site_url: self.config.site_url.clone(),
            php_ini: self.config.php_ini.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let runtime = self.factory.create(&options).await.map_err(|e| format!("could not start PHP: {e}"))?;
        let steps = boot::plan(&self.profile);
        let inputs =
            BootInputs { profile: &self.profile, site_url: &self.config.site_url, site_files: &self.site_files };
        let total = steps.len() as f64;
        boot::run(&runtime, &steps, &inputs, |index, step| {
            events(progress(Stage::Bootstrapping, 0.2 + 0.7 * index as f64 / total, &step.describe()))
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(runtime)
    }

    /// Logs the admin in when the user has no session yet (first boot).
    async fn ensure_login(&mut self, runtime: &F::Runtime) -> Result<(), PhpError> {
        if self.jar.get(self.profile.session_cookie).is_some() {
            return Ok(());
        }
        let output = runtime.run_code(&self.profile.autologin_code).await?;
        let session_id = output.stdout.trim();
        if session_id.is_empty() || !session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b',') {
            return Err(PhpError::new("AutoLoginError", &format!("auto-login printed {:?}, not a session id", truncate(&output.stdout))));
        }
        self.jar.set(self.profile.session_cookie, session_id);
        Ok(())
    }

    /// Serves one request with the user's cookies and remembers the cookies it sets.
    pub async fn serve(&mut self, mut request: HttpRequest, _events: Events<'_>) -> HttpResponse {
        if let State::Failed { reason } = &self.state {
            return HttpResponse::explain(503, "The PHP runtime is not available", &[reason, "Restart the runtime to try again."]);
        }
        let Some(runtime) = self.runtime.as_ref() else {
            return HttpResponse::explain(503, "The PHP runtime is not ready", &["It has not finished booting."]);
        };
        if let Some(cookie) = self.jar.cookie_header(request.headers.get("cookie").map(String::as_str)) {
            request.headers.insert("cookie".into(), cookie);
        }
        self.requests_served += 1;
        match runtime.request(&request).await {
            Ok(response) => {
                let now_seconds = self.factory.now_ms() / 1000.0;
                for set_cookie in response.headers.get("set-cookie").into_iter().flatten() {
                    self.jar.apply_set_cookie(set_cookie, now_seconds);
                }
                response
            }
            Err(error) => HttpResponse::explain(
                502,
                "PHP failed to answer",
                &[&format!("{} {} failed: {error}", request.method, request.url)],
            ),
        }
    }

    /// Debug only: makes the current runtime fail for real on its next request.
    pub fn inject_fault(&self, kind: &str) -> Result<(), String> {
        let runtime = self.runtime.as_ref().ok_or("there is no PHP runtime to inject a fault into")?;
        runtime.inject_fault(kind).map_err(|e| format!("could not inject the fault {kind:?}: {e}"))
    }

    fn fail(&mut self, reason: String) -> String {
        self.state = State::Failed { reason: reason.clone() };
        reason
    }
}

fn progress(stage: Stage, fraction: f64, detail: &str) -> Outgoing {
    Outgoing::Progress { stage, fraction, detail: detail.into() }
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{block_on, FakeFactory};
    use std::collections::BTreeMap;
    use std::rc::Rc;

    fn started(factory: FakeFactory) -> (Supervisor<FakeFactory>, Vec<Outgoing>) {
        let mut events = vec![];
        let config = Config { bundle_url: "demo.zip".into(), ..Config::default() };
        let mut supervisor = Supervisor::new(factory, config).unwrap();
        block_on(supervisor.start(&mut |e| events.push(e))).unwrap();
        (supervisor, events)
    }

    #[test]
    fn boot_reports_progress_then_ready_and_logs_in() {
        let (supervisor, events) = started(FakeFactory::default());
        assert!(matches!(events.first(), Some(Outgoing::Progress { stage: Stage::Downloading, .. })));
        assert!(matches!(events.last(), Some(Outgoing::Ready { restart: false, .. })));
        assert_eq!(supervisor.cookies().get("MoodleSession"), Some("fake-session-id"));
        assert_eq!(supervisor.state(), &State::Serving);
    }

    #[test]
    fn sends_the_session_cookie_and_remembers_new_cookies() {
        let factory = FakeFactory {
            prepare: Some(Rc::new(|runtime, _| {
                runtime.on_request(Rc::new(|_, _| {
                    let mut headers = BTreeMap::new();
                    headers.insert("set-cookie".to_string(), vec!["MoodleSession=rotated; path=/".to_string()]);
                    Ok(HttpResponse { status: 200, headers, body: vec![] })
                }))
            })),
            ..Default::default()
        };
        let (mut supervisor, _) = started(factory);
        block_on(supervisor.serve(HttpRequest::get("/site/"), &mut |_| {}));
        let runtime = supervisor.runtime().unwrap();
        assert_eq!(runtime.requests.borrow()[0].headers["cookie"], "MoodleSession=fake-session-id");
        assert_eq!(supervisor.cookies().get("MoodleSession"), Some("rotated"));
    }

    #[test]
    fn unknown_profile_is_a_clear_error() {
        let config = Config { profile: "wordpress".into(), ..Config::default() };
        let error = Supervisor::new(FakeFactory::default(), config).err().unwrap();
        assert!(error.contains("unknown profile \"wordpress\""));
    }
}
