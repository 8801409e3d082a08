//! Starting the server on a free port against a fresh database, inviting couples, and talking
//! to it with a blocking HTTP client that never follows redirects.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use mend_core::{Answer, BreachKind, InvitationToken, PartnerId, PartnerName, Program, Questionnaire};
use mend_core::{BrokeTrust, Couple, NewCouple};
use mend_intake::{AddressBlock, Application, Config, RateLimit};
use mend_relay::LinkDetails;
use mend_store::{CheckinAsks, LinkRequest, Store};
use mend_sync::{NewLink, Practice};
use tempfile::TempDir;
use time::OffsetDateTime;

/// The questionnaire every test serves.
pub(crate) const FIXTURE: &str = include_str!("fixture.toml");

/// The fixture questionnaire, checked the way content is checked when it is loaded.
pub(crate) fn fixture_questionnaire() -> Questionnaire {
    let mut questionnaire: Questionnaire = toml::from_str(FIXTURE).expect("the fixture questionnaire parses");
    questionnaire.id = "fixture".to_owned();
    questionnaire
}

/// A program around the fixture questionnaire; the server needs nothing else from it.
pub(crate) fn fixture_program() -> Arc<Program> {
    Arc::new(Program {
        title: "Test program".to_owned(),
        summary: "For tests.".to_owned(),
        sources: Vec::new(),
        stages: Vec::new(),
        review_stages: Vec::new(),
        sheets: BTreeMap::new(),
        questionnaire: fixture_questionnaire(),
        checkin: None,
        instruments: Vec::new(),
    })
}

/// Everything the server logged, from every test in this binary.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALL_LOGGER: Once = Once::new();

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every event at every level from every crate into [`LOGS`].
fn install_logger() {
    INSTALL_LOGGER.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init()
            .expect("no other logger is installed in this test binary");
    });
}

/// The captured log so far.
pub(crate) fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
}

/// The test's settings: the server's, and the therapist's side (the program links are made for,
/// the secrets policy pushed with them), which the server itself no longer holds.
pub(crate) struct TestConfig {
    /// The program whose questionnaire links are made for.
    pub(crate) program: Arc<Program>,
    /// The therapist's own words on secrets, pushed with every link.
    pub(crate) secrets_policy: Option<String>,
    pub(crate) trust_proxy: bool,
    pub(crate) trusted_proxies: Vec<AddressBlock>,
    pub(crate) rate_limit: RateLimit,
}

/// A running server on its own runtime, stopped when dropped, beside a practice record that
/// plays the therapist's mend: it makes the links and takes the answers in.
pub(crate) struct TestApp {
    pub(crate) base: String,
    /// The practice record (never opened by the server).
    pub(crate) db: PathBuf,
    /// The relay's folder, which the server serves.
    pub(crate) relay: PathBuf,
    pub(crate) program: Arc<Program>,
    pub(crate) secrets_policy: Option<String>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<TempDir>,
}

impl TestApp {
    /// A full URL for a path.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL of an invitation link.
    pub(crate) fn link(&self, token: &str) -> String {
        self.url(&format!("/i/{token}"))
    }

    /// The relay's database file.
    pub(crate) fn relay_db(&self) -> PathBuf {
        self.relay.join(mend_relay::RELAY_FILE)
    }

    /// Opens the practice record as the therapist's mend would, after taking in whatever the
    /// relay received.
    pub(crate) fn store(&self) -> Store {
        let mut store = Store::open(&self.db).expect("the test database opens");
        if let Some(practice) = Practice::of_record(&store).expect("the relay settings read") {
            practice.sync(&mut store, OffsetDateTime::now_utc()).expect("the answers are taken in");
        }
        store
    }

    /// Makes a link in the record and pushes it to the relay, as `mend invite` does.
    pub(crate) fn make_link(
        &self,
        store: &mut Store,
        partner: PartnerId,
        questionnaire: &Questionnaire,
        checkin: Option<&CheckinAsks>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<InvitationToken, mend_sync::PracticeError> {
        let practice = Practice::of_record_or_join(store, &self.relay, now)?;
        let couple =
            store.couples().expect("the couples read").into_iter().find(|c| c.partners.iter().any(|p| p.id == partner));
        let name = couple.and_then(|c| c.partners.iter().find(|p| p.id == partner).map(|p| p.name.to_string()));
        let sheets = checkin.map(|asks| {
            asks.homework
                .iter()
                .map(|id| self.program.sheet(id).map_or_else(|| id.clone(), |sheet| sheet.title.clone()))
                .collect()
        });
        let details = LinkDetails {
            partner_name: name,
            sheets: sheets.unwrap_or_default(),
            sections: checkin.map(|asks| asks.sections.clone()).unwrap_or_default(),
        };
        let link = NewLink { request: LinkRequest { partner, questionnaire, checkin, expires_at }, details };
        let made = practice.make_links(store, &[link], self.secrets_policy.as_deref(), now)?;
        Ok(made.into_iter().next().expect("one link made").token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// A server with the default settings and a fresh database.
pub(crate) fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// A server with adjusted settings and a fresh database.
pub(crate) fn spawn_app_with(adjust: impl FnOnce(&mut TestConfig)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("mend.sqlite3");
    let mut app = spawn_on(&db, adjust);
    app._dir = Some(dir);
    app
}

/// A server on an existing record and its relay folder beside it, as after a restart.
pub(crate) fn spawn_on(db: &Path, adjust: impl FnOnce(&mut TestConfig)) -> TestApp {
    install_logger();
    let mut config = TestConfig {
        program: fixture_program(),
        secrets_policy: None,
        trust_proxy: false,
        trusted_proxies: Vec::new(),
        rate_limit: RateLimit::default(),
    };
    adjust(&mut config);
    let relay = mend_sync::default_folder(db);
    let server = Config {
        data_dir: relay.clone(),
        trust_proxy: config.trust_proxy,
        trusted_proxies: config.trusted_proxies,
        rate_limit: config.rate_limit,
        https: None,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    let app = runtime.block_on(Application::build(server, addr)).expect("the server starts");
    assert_ne!(app.port(), 0);
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        db: db.to_owned(),
        relay,
        program: config.program,
        secrets_policy: config.secrets_policy,
        runtime: Some(runtime),
        stop: Some(stop),
        _dir: None,
    }
}

/// A couple with one invitation per partner, in the order of `names`.
pub(crate) struct Invited {
    pub(crate) couple: Couple,
    /// Each link's token, as text: what a partner's browser puts in the address.
    pub(crate) tokens: [String; 2],
}

/// Adds a couple to the record.
pub(crate) fn add_couple(store: &mut Store, names: [&str; 2]) -> Couple {
    store
        .add_couple(
            &NewCouple::new(
                names.map(|n| PartnerName::parse(n).expect("a valid name")),
                &BrokeTrust::Named(names[1].to_owned()),
                BreachKind::Affair,
                None,
            )
            .expect("a valid couple"),
            OffsetDateTime::now_utc(),
        )
        .expect("the couple is added")
}

/// Adds a couple and invites both partners to the fixture questionnaire for two weeks.
pub(crate) fn invite_couple(app: &TestApp, names: [&str; 2]) -> Invited {
    let mut store = app.store();
    let now = OffsetDateTime::now_utc();
    let couple = add_couple(&mut store, names);
    let questionnaire = &app.program.questionnaire;
    let tokens = [0, 1].map(|i| {
        app.make_link(&mut store, couple.partners[i].id, questionnaire, None, now, now + time::Duration::days(14))
            .expect("the invitation is made")
            .expose()
            .to_owned()
    });
    Invited { couple, tokens }
}

/// The answers stored for a couple, by partner name, once the record has taken them in.
pub(crate) fn stored_answers(app: &TestApp, couple: &Couple) -> BTreeMap<String, BTreeMap<String, Answer>> {
    app.store()
        .intake_responses(couple)
        .expect("responses read back")
        .into_iter()
        .map(|r| (r.partner_name.as_str().to_owned(), r.answers))
        .collect()
}

/// A response read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    /// The first value of a header, by lowercase name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The hidden `_csrf` value in a form page.
    pub(crate) fn csrf(&self) -> String {
        let start = self.body.find("name=\"_csrf\" value=\"").expect("the page has a _csrf field") + 20;
        let end = self.body[start..].find('"').expect("the value ends") + start;
        self.body[start..end].to_owned()
    }

    /// The text of the `<title>`.
    pub(crate) fn title(&self) -> &str {
        let start = self.body.find("<title>").map_or(0, |i| i + 7);
        let end = self.body[start..].find("</title>").map_or(start, |i| i + start);
        &self.body[start..end]
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    try_read(response).expect("the server answers")
}

fn try_read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, ureq::Error> {
    let mut response = response?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = response.body_mut().with_config().limit(10 * 1024 * 1024).read_to_string()?;
    Ok(Reply { status, headers, body })
}

/// `GET url`, with a failure to connect or read returned rather than panicking.
pub(crate) fn try_get(url: &str) -> Result<Reply, ureq::Error> {
    try_read(agent().get(url).call())
}

/// `POST url` with a urlencoded body, with a failure returned rather than panicking.
pub(crate) fn try_post(url: &str, body: &str) -> Result<Reply, ureq::Error> {
    try_read(agent().post(url).header("content-type", "application/x-www-form-urlencoded").send(body))
}

/// `GET url`.
pub(crate) fn get(url: &str) -> Reply {
    read(agent().get(url).call())
}

/// `GET url` with extra headers.
pub(crate) fn get_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.call())
}

/// The status of `GET url` sent from the local address `source` (such as 127.0.0.2, standing
/// for a proxy on another machine), with an `X-Forwarded-For` header.
pub(crate) fn status_from(source: &str, url: &str, forwarded_for: &str) -> u16 {
    use std::io::Read;
    let rest = url.strip_prefix("http://").expect("a plain-HTTP link");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let target: SocketAddr = host.parse().expect("the server's address");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.bind(SocketAddr::new(source.parse().expect("an address"), 0)).expect("bind to the source address");
        socket.connect(target).await.expect("connect")
    });
    let mut stream = stream.into_std().expect("a blocking stream");
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a timeout");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: {forwarded_for}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status: {reply:?}"))
}

/// `POST url` with a urlencoded body.
pub(crate) fn post_form(url: &str, fields: &[(&str, &str)]) -> Reply {
    post_raw(url, "application/x-www-form-urlencoded", encode(fields).as_bytes(), &[])
}

/// `POST url` with any body, content type and extra headers.
pub(crate) fn post_raw(url: &str, content_type: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().post(url).header("content-type", content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.send(body))
}

/// `PUT url`, a method the server does not answer.
pub(crate) fn put(url: &str) -> Reply {
    read(agent().put(url).send(&b""[..]))
}

/// Urlencodes fields as a browser does.
pub(crate) fn encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(n, v)| format!("{}={}", escape(n), escape(v))).collect::<Vec<_>>().join("&")
}

fn escape(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A complete, valid set of answers to the fixture questionnaire.
pub(crate) fn valid_answers(nickname: &str) -> Vec<(&'static str, String)> {
    vec![
        ("nickname", nickname.to_owned()),
        ("found_out", "discovered".to_owned()),
        ("found_out_how", "A message on a shared tablet.".to_owned()),
        ("worries", "sleep".to_owned()),
        ("worries", "children".to_owned()),
        ("commitment", "7".to_owned()),
        ("afraid", "no".to_owned()),
        ("met_on", "2015-06-01".to_owned()),
        ("notes", "Nothing more for now.".to_owned()),
        ("secrets_agreement", "yes".to_owned()),
    ]
}

/// Fields for a POST: the control fields, then the answers.
pub(crate) fn with_controls<'a>(
    action: &'a str,
    csrf: &'a str,
    answers: &'a [(&'static str, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("_csrf", csrf), ("_action", action)];
    fields.extend(answers.iter().map(|(n, v)| (*n, v.as_str())));
    fields
}

/// Opens a link and sends valid answers from the page it gives; returns the POST's reply.
pub(crate) fn send_valid(app: &TestApp, token: &str, nickname: &str) -> Reply {
    let page = get(&app.link(token));
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let answers = valid_answers(nickname);
    post_form(&app.link(token), &with_controls("send", &csrf, &answers))
}
