//! Journey: the relay speaks HTTPS itself. From certificate files, read again when they are
//! replaced; and from a certificate it obtains by ACME from a real ACME server (Debian's
//! `pebble`), kept so that a restart serves the same one. Plain HTTP only redirects.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;

use crate::certs::{TestCa, roots_from_pem};
use crate::mend::Practice;
use crate::server::IntakeServer;

/// How long a certificate may take to be reloaded or obtained.
const PATIENCE: Duration = Duration::from_secs(60);

/// Connects to `port` on 127.0.0.1 as `name`, verifying against `roots`, and sends `GET path`.
/// Returns the certificate the server presented and the whole answer.
fn fetch(port: u16, name: &str, roots: rustls::RootCertStore, path: &str) -> Result<(Vec<u8>, String), String> {
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = ServerName::try_from(name.to_owned()).map_err(|e| e.to_string())?;
    let connection = rustls::ClientConnection::new(Arc::new(config), server_name).map_err(|e| e.to_string())?;
    let socket = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    // A server that closes without close_notify ends the read with an error after the bytes.
    let _ = tls.read_to_end(&mut answer);
    let presented = tls
        .conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or("no certificate presented")?;
    Ok((presented, String::from_utf8_lossy(&answer).into_owned()))
}

fn port_of(origin: &str) -> u16 {
    origin.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {origin:?}"))
}

fn write_pair(dir: &Path, cert: &str, key: &str) {
    // Written beside and renamed in, as a renewer does, so the server never reads half a file.
    fs::write(dir.join("cert.pem.new"), cert).expect("write the certificate");
    fs::write(dir.join("key.pem.new"), key).expect("write the key");
    fs::rename(dir.join("key.pem.new"), dir.join("key.pem")).expect("rename the key");
    fs::rename(dir.join("cert.pem.new"), dir.join("cert.pem")).expect("rename the certificate");
}

#[test]
fn certificate_files_are_served_over_https_and_read_again_when_replaced() {
    let practice = Practice::new();
    let id = practice.add_couple("Mira Osei", "Dario Lindqvist");
    let links = practice.json(&["invite", &id, "--format", "json"]);
    let link = links[0]["url"].as_str().expect("a link").to_owned();
    let ca = TestCa::new();
    let in_a_year = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let (cert, key, first_der) = ca.server_certificate(in_a_year);
    let dir = practice.path("");
    write_pair(&dir, &cert, &key);
    let (cert_path, key_path) = (practice.path("cert.pem"), practice.path("key.pem"));
    let serve = practice.command(&[
        "serve",
        "--https-addr",
        "127.0.0.1:0",
        "--http-addr",
        "127.0.0.1:0",
        "--tls-cert",
        cert_path.to_str().expect("UTF-8"),
        "--tls-key",
        key_path.to_str().expect("UTF-8"),
    ]);
    let mut server = IntakeServer::start_command(&practice, serve);
    assert!(server.origin().starts_with("https://"), "{}", server.origin());
    let port = port_of(server.origin());

    // The form, over HTTPS, verified against the test CA, with HSTS.
    let path = &link[link.find("/i/").expect("an intake link")..];
    let (presented, answer) = fetch(port, "localhost", ca.roots(), path).expect("HTTPS answers");
    assert_eq!(presented, first_der, "the server presents the certificate in the files");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"), "{answer}");
    assert!(answer.contains("<form"), "the form is served: {answer}");

    // Plain HTTP redirects the same path to HTTPS, keeping the method (308).
    let redirect_line = server.next_line();
    let redirect = redirect_line
        .strip_prefix("mend serve: plain HTTP on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no redirect address in {redirect_line:?}"))
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().into();
    let answer = agent.get(&format!("{redirect}/healthz")).call().expect("plain HTTP answers");
    assert_eq!(answer.status(), 308);
    let location = answer.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(location, format!("https://127.0.0.1:{port}/healthz"));

    // A renewer replaces the files: the new certificate is served without a restart.
    let (cert, key, second_der) = ca.server_certificate(in_a_year);
    write_pair(&dir, &cert, &key);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (presented, _) = fetch(port, "localhost", ca.roots(), "/healthz").expect("HTTPS answers");
        if presented == second_der {
            break;
        }
        assert!(Instant::now() < deadline, "the replaced certificate was not served within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A key that is not the certificate's, written over the pair: logged, and the certificate
    // already loaded keeps serving.
    let (_, other_key, _) = ca.server_certificate(in_a_year);
    fs::write(practice.path("key.pem"), other_key).expect("write a wrong key");
    std::thread::sleep(Duration::from_secs(5));
    let (presented, _) = fetch(port, "localhost", ca.roots(), "/healthz").expect("HTTPS still answers");
    assert_eq!(presented, second_der, "the good certificate keeps serving");
    server.stop();
    let log = fs::read_to_string(practice.path("serve.stderr")).expect("the server's log");
    assert!(log.contains("does not belong to the certificate"), "{log}");
    assert!(!log.contains(&path[3..]), "the log holds no token");
}

#[test]
fn bad_certificate_files_stop_the_start_with_one_clear_line() {
    let practice = Practice::new();
    let ca = TestCa::new();
    let now = time::OffsetDateTime::now_utc();
    let (cert, _, _) = ca.server_certificate(now + time::Duration::days(30));
    let (_, other_key, _) = ca.server_certificate(now + time::Duration::days(30));
    let (expired_cert, expired_key, _) = ca.server_certificate(now - time::Duration::days(1));
    let cases = [
        ("missing", None, None, "cannot read"),
        ("mismatched", Some(cert.as_str()), Some(other_key.as_str()), "does not belong to the certificate"),
        ("expired", Some(expired_cert.as_str()), Some(expired_key.as_str()), "expired on"),
        ("not PEM", Some("hello"), Some(expired_key.as_str()), "holds no certificate"),
    ];
    for (what, cert, key, expected) in cases {
        let (cert_path, key_path) = (practice.path(&format!("{what}.crt")), practice.path(&format!("{what}.key")));
        if let (Some(cert), Some(key)) = (cert, key) {
            fs::write(&cert_path, cert).expect("write");
            fs::write(&key_path, key).expect("write");
        }
        let run = practice.run(&[
            "serve",
            "--https-addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert_path.to_str().expect("UTF-8"),
            "--tls-key",
            key_path.to_str().expect("UTF-8"),
        ]);
        assert!(!run.status.success(), "{what}: the server must not start");
        assert!(run.stderr.contains(expected), "{what}: {:?}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
        assert!(!run.stdout.contains("listening on http://"), "{what}: no fall-back to plain HTTP");
    }
    let run = practice.run(&["serve", "--https-addr", "127.0.0.1:0"]);
    assert!(!run.status.success() && run.stderr.contains("HTTPS needs a certificate"), "{}", run.stderr);
}

/// Debian's pebble, running on loopback with a listener certificate from `ca`.
struct Pebble {
    child: Child,
    directory: String,
    management_port: u16,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("its address").port()
}

fn start_pebble(practice: &Practice, ca: &TestCa, tls_port: u16) -> Option<Pebble> {
    let found = Command::new("pebble").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(
            std::env::var_os("MEND_REQUIRE_PEBBLE").is_none(),
            "MEND_REQUIRE_PEBBLE is set but pebble is not installed (apt-get install pebble)"
        );
        eprintln!("skipped: pebble (Debian's ACME test server) is not installed; apt-get install pebble");
        return None;
    }
    let (cert, key, _) = ca.server_certificate(time::OffsetDateTime::now_utc() + time::Duration::days(30));
    fs::write(practice.path("pebble.crt"), cert).expect("write");
    fs::write(practice.path("pebble.key"), key).expect("write");
    let (port, management_port) = (free_port(), free_port());
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{port}"),
        "managementListenAddress": format!("127.0.0.1:{management_port}"),
        "certificate": practice.path("pebble.crt"),
        "privateKey": practice.path("pebble.key"),
        "httpPort": free_port(),
        "tlsPort": tls_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false
    }});
    fs::write(practice.path("pebble.json"), config.to_string()).expect("write pebble's configuration");
    let child = Command::new("pebble")
        .arg("-config")
        .arg(practice.path("pebble.json"))
        // No waiting before each check, and every nonce accepted: a test of mend, not of retries.
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(fs::File::create(practice.path("pebble.log")).expect("pebble's log"))
        .stderr(fs::File::create(practice.path("pebble.stderr")).expect("pebble's log"))
        .spawn()
        .expect("start pebble");
    let pebble = Pebble { child, directory: format!("https://127.0.0.1:{port}/dir"), management_port };
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "pebble did not listen within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(pebble)
}

#[test]
fn a_certificate_obtained_by_acme_is_served_and_kept_across_a_restart() {
    let practice = Practice::new();
    let ca = TestCa::new();
    let https_port = free_port();
    let Some(pebble) = start_pebble(&practice, &ca, https_port) else { return };
    fs::write(practice.path("pebble-listener-ca.pem"), &ca.pem).expect("write the CA");
    let https_addr = format!("127.0.0.1:{https_port}");
    let root_path = practice.path("pebble-listener-ca.pem");
    let args = [
        "serve",
        "--https-addr",
        https_addr.as_str(),
        "--domain",
        "localhost",
        "--acme-contact",
        "therapist@example.org",
        "--acme-directory",
        pebble.directory.as_str(),
        "--acme-root",
        root_path.to_str().expect("UTF-8"),
    ];
    let server = IntakeServer::start_command(&practice, practice.command(&args));

    // pebble makes a new root at every start; its management port gives it.
    let (_, root_answer) =
        fetch(pebble.management_port, "localhost", ca.roots(), "/roots/0").expect("pebble's management port");
    let root_pem = &root_answer[root_answer.find("-----BEGIN").expect("a PEM root in pebble's answer")..];
    let roots = || roots_from_pem(root_pem.as_bytes());
    let deadline = Instant::now() + PATIENCE;
    let (obtained, answer) = loop {
        match fetch(https_port, "localhost", roots(), "/healthz") {
            Ok(done) => break done,
            Err(error) => {
                let log = fs::read_to_string(practice.path("serve.stderr")).unwrap_or_default();
                assert!(Instant::now() < deadline, "no certificate from pebble within {PATIENCE:?}: {error}\n{log}");
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop();

    let kept = practice.path("mend.relay/tls/acme-certificate.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&kept).expect("the certificate is kept").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the relay's user reads the kept key");
    }

    // A restart serves the same certificate at once: no new order.
    let server = IntakeServer::start_command(&practice, practice.command(&args));
    let (again, _) = fetch(https_port, "localhost", roots(), "/healthz").expect("HTTPS after the restart");
    assert_eq!(again, obtained, "the kept certificate is served after a restart");
    server.stop();
    let log = fs::read_to_string(practice.path("serve.stderr")).expect("the log");
    assert!(log.contains("serving the certificate kept"), "{log}");
    assert!(!log.contains("ordering a certificate"), "no new order after the restart: {log}");
}
