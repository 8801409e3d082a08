//! Journey: links and reminders by e-mail, through a real SMTP server on loopback (Debian's
//! aiosmtpd, with STARTTLS required, a login, and a test CA). Each partner gets one message with
//! their own link and nothing that tells a reader at home what it is about; a partner who said
//! home is not safe gets nothing; `mend remind` twice reminds once; a mail server that is down,
//! refuses a recipient or shows a certificate mend cannot verify gives one clear line, the link
//! is still shown, and nothing is recorded as sent; `mend due` puts a stop flag first.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::answers::{IntakeAnswers, Role};
use crate::browser::Browser;
use crate::certs::TestCa;
use crate::mend::{Practice, link_for};
use crate::server::IntakeServer;

const INGRID: &str = "Ingrid Solberg";
const TOMAS: &str = "Tomás Ortega";
const LOGIN: (&str, &str) = ("harbour-practice", "tide-lantern-7");

/// Words a message must never hold: they would tell a reader at home what it is about.
const TELLING: [&str; 14] = [
    "therap",
    "counsel",
    "couple",
    "partner",
    "relationship",
    "trust",
    "affair",
    "intake",
    "check-in",
    "session",
    "homework",
    "answer",
    "question",
    "lies",
];

/// Debian's aiosmtpd, run by Debian's Python (the one on PATH may be another).
const PYTHON: &str = "/usr/bin/python3";

/// The SMTP server, and the folder it keeps each message in.
struct SmtpServer {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    kept: PathBuf,
}

impl SmtpServer {
    /// Starts the server, or `None` (the journey is skipped) where aiosmtpd is not installed.
    fn start(practice: &Practice, ca: &TestCa, refused: &[&str]) -> Option<Self> {
        let installed = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                std::env::var_os("MEND_REQUIRE_SMTP").is_none(),
                "MEND_REQUIRE_SMTP is set but aiosmtpd is not installed (apt-get install python3-aiosmtpd)"
            );
            eprintln!("skipped: Debian's aiosmtpd is not installed; apt-get install python3-aiosmtpd");
            return None;
        }
        let (cert, key, _) = ca.server_certificate(time::OffsetDateTime::now_utc() + time::Duration::days(30));
        fs::write(practice.path("smtp.crt"), cert).expect("write the mail server's certificate");
        fs::write(practice.path("smtp.key"), key).expect("write its key");
        let kept = practice.path("kept-mail");
        fs::create_dir_all(&kept).expect("a folder for the messages");
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp").join("server.py");
        let mut child = Command::new(PYTHON)
            .arg(script)
            .arg(port.to_string())
            .arg(practice.path("smtp.crt"))
            .arg(practice.path("smtp.key"))
            .arg(&kept)
            .args([LOGIN.0, LOGIN.1])
            .args(refused)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its log (a refused handshake prints a traceback) is kept beside, not in the test's.
            .stderr(fs::File::create(practice.path("smtp.log")).expect("a log file"))
            .spawn()
            .expect("start the SMTP server");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("its output")).read_line(&mut ready).expect("read its first line");
        assert!(ready.starts_with("ready"), "the SMTP server did not start: {ready:?}");
        let stdin = child.stdin.take();
        Some(Self { child, stdin, port, kept })
    }

    /// Every message kept so far, oldest first: (recipients, its subject and body as a reader sees them).
    fn messages(&self) -> Vec<(Vec<String>, String)> {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.kept)
            .expect("read the folder")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let kept: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(path).expect("read a message")).expect("JSON");
                assert_eq!(kept["tls"], true, "every message came over TLS");
                assert_eq!(kept["login"], LOGIN.0, "every message came after the login");
                assert_eq!(kept["content_type"], "text/plain", "plain text");
                let to = kept["to"].as_array().expect("recipients").iter().map(|t| t.to_string()).collect();
                let subject = kept["subject"].as_str().expect("a subject");
                (to, format!("Subject: {subject}\n\n{}", kept["body"].as_str().expect("a body")))
            })
            .collect()
    }

    fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "the SMTP server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The practice's configuration, with a `[mail]` table for `port` (and its CA unless `trust_ca`
/// is false).
fn configure(practice: &Practice, port: u16, trust_ca: bool, password: &str) {
    let password_file = practice.path("mail-password");
    fs::write(&password_file, format!("{password}\n")).expect("write the password file");
    fs::set_permissions(&password_file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod 600");
    let tls_root = if trust_ca { format!("tls_root = {:?}\n", practice.path("ca.pem")) } else { String::new() };
    let config = format!(
        "practice_name = \"Harbour Street Practice\"\n\n[mail]\nhost = \"localhost\"\nport = {port}\nsecurity = \"starttls\"\n\
         username = {user:?}\npassword_file = {password_file:?}\nfrom = \"Harbour Street Practice <office@harbour.example>\"\n\
         contact = \"01632 960 123\"\n{tls_root}",
        user = LOGIN.0,
    );
    fs::write(practice.path("config.toml"), config).expect("write the configuration");
}

/// Moves every link's making `days` into the past, in the encrypted record, as if the days had
/// gone by (the relay's own copy of the expiry is left alone).
fn days_pass(practice: &Practice, days: i64) {
    let key = mend_store::KeyFile::read(&practice.path("mend.key"))
        .and_then(|file| file.unlock(None))
        .expect("the practice's key, readable by its owner");
    let db = rusqlite::Connection::open(practice.path("mend.db")).expect("open the practice's database");
    db.pragma_update(None, "key", key.pragma_value().as_str()).expect("give SQLCipher the key");
    db.execute(
        "UPDATE invitations SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, ?1)",
        [format!("-{days} days")],
    )
    .expect("move the links back");
}

fn assert_discreet(message: &str, own_name: &str, other_name: &str) {
    let lower = message.to_lowercase();
    for word in TELLING {
        assert!(!lower.contains(word), "a message says {word:?}:\n{message}");
    }
    let first = own_name.split_whitespace().next().unwrap();
    assert!(message.contains(&format!("Hello {first},")), "greets by first name:\n{message}");
    for other in other_name.split_whitespace() {
        assert!(!message.contains(other), "a message names the other partner ({other}):\n{message}");
    }
    assert!(!message.contains(own_name.split_whitespace().nth(1).unwrap()), "no surname:\n{message}");
    assert!(message.contains("by mistake"), "a line for a stranger:\n{message}");
}

#[test]
fn links_by_mail_each_to_their_own_never_where_home_is_not_safe_and_failures_said_plainly() {
    let practice = Practice::new();
    let ca = TestCa::new();
    fs::write(practice.path("ca.pem"), &ca.pem).expect("write the CA");
    let Some(smtp) = SmtpServer::start(&practice, &ca, &["nobody@harbour.example"]) else { return };
    configure(&practice, smtp.port, true, LOGIN.1);

    // A mistyped address is refused as it is typed.
    let add = ["couple", "add", "--partner", INGRID, "--partner", TOMAS, "--breach", "lies", "--broke-trust", TOMAS];
    let bad = practice.run(&[&add[..], &["--email", "ingrid.example.org"]].concat());
    assert!(!bad.status.success());
    assert!(bad.stderr.contains("not an e-mail address") && bad.stderr.contains("--email"), "{}", bad.stderr);

    let emails = ["--email", "ingrid@example.org", "--email", "tomas@example.org", "--format", "json"];
    let couple = practice.json(&[&add[..], &emails[..]].concat());
    let id = couple["id"].as_str().expect("an id").to_owned();
    assert_eq!(couple["partners"][0]["email"], "ingrid@example.org");

    // The test message reports what the server said.
    let test = practice.ok(&["mail", "test", "office@harbour.example"]);
    assert!(test.contains("accepted") && test.contains("250"), "{test}");

    // Each partner gets one message, with their own link only.
    let links = practice.json(&["invite", &id, "--send", "--format", "json"]);
    let links = links.as_array().expect("an array").clone();
    let messages = smtp.messages();
    assert_eq!(messages.len(), 3, "the test message and one for each partner");
    for (name, other, address) in [(INGRID, TOMAS, "ingrid@example.org"), (TOMAS, INGRID, "tomas@example.org")] {
        let own = link_for(&links, name);
        let theirs = link_for(&links, other);
        let mine: Vec<_> = messages.iter().filter(|(to, _)| to == &[format!("{address:?}")]).collect();
        assert_eq!(mine.len(), 1, "{name} gets one message: {messages:?}");
        let body = &mine[0].1;
        assert!(body.contains(own), "{name}'s message carries their own link:\n{body}");
        assert!(!body.contains(theirs), "and not the other's");
        assert_discreet(body, name, other);
        let link = links.iter().find(|l| l["partner"] == name).unwrap();
        assert_eq!(link["mail"]["status"], "sent", "{link}");
    }

    // Ingrid says home is not safe for messages, and that she is afraid of Tomás; Tomás sends his.
    let server = IntakeServer::start(&practice);
    let browser = Browser::new();
    let unsafe_home = IntakeAnswers::steady(INGRID, Role::Hurt, "lies")
        .with("safe_to_contact", &["no"])
        .with("afraid_of_partner", &["yes"]);
    browser.fill_in_intake(&server.local(link_for(&links, INGRID)), INGRID, &unsafe_home);
    browser.fill_in_intake(
        &server.local(link_for(&links, TOMAS)),
        TOMAS,
        &IntakeAnswers::steady(TOMAS, Role::BrokeTrust, "lies"),
    );
    server.stop();

    // A check-in goes to Tomás by mail; Ingrid's is printed to hand over, and the reason said.
    let before = smtp.messages().len();
    let run = practice.run(&["checkin", &id, "--send"]);
    run.assert_success();
    let after = smtp.messages();
    assert_eq!(after.len(), before + 1, "only Tomás is e-mailed: {:?}", &after[before..]);
    assert_eq!(after[before].0, ["\"tomas@example.org\""]);
    assert!(run.stdout.contains("not e-mailed") && run.stdout.contains("not safe at home"), "{}", run.stdout);
    assert!(run.stdout.contains("/c/"), "both links are still shown: {}", run.stdout);

    // `mend due` puts Ingrid's stop flag before every waiting link.
    let due = practice.json(&["due", "--format", "json"]);
    let due = due["due"].as_array().expect("a list").clone();
    assert_eq!(due[0]["what"], "stop_flag", "{due:?}");
    assert_eq!(due[0]["partner"], INGRID);
    assert!(due.iter().skip(1).all(|d| d["urgency"] != "stop"));
    assert!(due.iter().any(|d| d["what"] == "link_unanswered" && d["partner"] == TOMAS), "{due:?}");

    // Three days on, `mend remind` reminds Tomás once, however often it runs; never Ingrid.
    days_pass(&practice, 3);
    let dry = practice.ok(&["remind", "--dry-run"]);
    assert!(dry.contains("would be e-mailed"), "{dry}");
    assert_eq!(smtp.messages().len(), before + 1, "a dry run sends nothing");
    let first = practice.ok(&["remind", "--format", "json"]);
    let second = practice.ok(&["remind", "--format", "json"]);
    let reminders = smtp.messages();
    assert_eq!(reminders.len(), before + 2, "one reminder: {first}\n{second}");
    let (to, reminder) = reminders.last().unwrap();
    assert_eq!(to, &["\"tomas@example.org\""]);
    assert!(!reminder.contains("https://") && !reminder.contains("http://"), "a reminder holds no link:\n{reminder}");
    assert_discreet(reminder, TOMAS, INGRID);
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(
        first["reminders"].as_array().unwrap().iter().any(|r| r["partner"] == INGRID && r["status"] == "withheld"),
        "Ingrid's reminder is withheld, and said: {first}"
    );

    // A recipient the server refuses: one clear line with its reply, the link shown, not sent.
    let refused = practice.run(&["mail", "test", "nobody@harbour.example"]);
    assert!(!refused.status.success());
    assert!(refused.stderr.contains("550"), "{}", refused.stderr);

    // A wrong password is a refused login.
    configure(&practice, smtp.port, true, "not-the-password");
    let login = practice.run(&["mail", "test", "office@harbour.example"]);
    assert!(!login.status.success());
    assert!(login.stderr.contains("535"), "{}", login.stderr);

    // A certificate mend cannot verify is refused: there is no switch to accept it.
    configure(&practice, smtp.port, false, LOGIN.1);
    let untrusted = practice.run(&["mail", "test", "office@harbour.example"]);
    assert!(!untrusted.status.success());
    assert!(untrusted.stderr.contains("TLS"), "{}", untrusted.stderr);
    let sent_so_far = smtp.messages().len();

    // The mail server is down: the command fails with one line, the link is still made and
    // shown, and `mend due` shows that its message failed.
    configure(&practice, smtp.port, true, LOGIN.1);
    let port = smtp.port;
    let kept = smtp.kept.clone();
    smtp.stop();
    let down = practice.run(&["invite", &id, "--partner", TOMAS, "--send"]);
    assert!(!down.status.success(), "a message that failed fails the command");
    let lines: Vec<&str> = down.stderr.lines().filter(|l| l.starts_with("mend:")).collect();
    assert_eq!(lines.len(), 1, "one line: {}", down.stderr);
    assert!(lines[0].contains(TOMAS) && lines[0].contains(&format!("localhost:{port}")), "{}", lines[0]);
    assert!(down.stdout.contains("/i/"), "the link is shown to pass on by hand: {}", down.stdout);
    let due = practice.json(&["due", "--format", "json"]);
    assert!(
        due["due"].as_array().unwrap().iter().any(|d| d["what"] == "mail_failed" && d["partner"] == TOMAS),
        "{due}"
    );
    assert_eq!(fs::read_dir(kept).unwrap().count(), sent_so_far, "nothing more arrived");
}
