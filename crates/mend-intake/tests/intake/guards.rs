//! The guards: forgery checks, size and format limits, headers on every response, the rate
//! limit on failed links, and logs that hold neither tokens nor answers.

use crate::helpers::*;

const FORM: &str = "application/x-www-form-urlencoded";

/// The headers every response must carry.
fn assert_guard_headers(reply: &Reply, what: &str) {
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(reply.header("cross-origin-resource-policy"), Some("same-origin"), "{what}");
    assert!(reply.header("permissions-policy").is_some_and(|p| p.contains("microphone=()")), "{what}");
    let csp = reply.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'none'",
        "style-src 'self'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp:?}");
    }
}

/// An error page of ours: HTML with a heading, not a blank or technical body.
fn assert_page(reply: &Reply, status: u16, heading: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{:?}", reply.headers);
    assert!(reply.body.starts_with("<!DOCTYPE html>"), "{}", reply.body);
    assert!(reply.body.contains(&format!("<h1>{heading}</h1>")), "{}", reply.body);
    assert_guard_headers(reply, heading);
}

#[test]
fn a_post_without_the_form_value_or_from_another_site_is_refused() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let answers = valid_answers("Zoë");
    let csrf = get(&link).csrf();

    let missing = post_form(&link, &with_controls("send", "", &answers)[1..]);
    assert_page(&missing, 403, "Your answers could not be sent from this page");
    let wrong = post_form(&link, &with_controls("send", &"ab".repeat(32), &answers));
    assert_page(&wrong, 403, "Your answers could not be sent from this page");
    let other_link = get(&app.link(&invited.tokens[1])).csrf();
    let borrowed = post_form(&link, &with_controls("send", &other_link, &answers));
    assert_eq!(borrowed.status, 403, "a value is bound to its own link");

    let body = encode(&with_controls("send", &csrf, &answers));
    let cross_site =
        post_raw(&link, FORM, body.as_bytes(), &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")]);
    assert_page(&cross_site, 403, "Your answers could not be sent from this page");
    let foreign_origin = post_raw(&link, FORM, body.as_bytes(), &[("origin", "https://evil.example")]);
    assert_eq!(foreign_origin.status, 403, "an old browser posting from another origin");

    assert!(stored_answers(&app, &invited.couple).is_empty(), "nothing was stored by refused posts");

    // An old browser on our own page sends `Origin: null` and no Sec-Fetch-Site.
    let old_browser = post_raw(&link, FORM, body.as_bytes(), &[("origin", "null")]);
    assert_eq!(old_browser.status, 303, "{}", old_browser.body);
}

#[test]
fn a_body_over_the_limit_is_refused_with_a_page() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let csrf = get(&link).csrf();
    let huge = "x".repeat(mend_intake::body_limit(&app.program.questionnaire));
    let fields = [("_csrf", csrf.as_str()), ("_action", "send"), ("notes", huge.as_str())];
    let reply = post_form(&link, &fields);
    assert_page(&reply, 413, "Your answers are too long to send");
}

#[test]
fn unreadable_bodies_get_a_page_not_an_error() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let csrf = get(&link).csrf();
    let prefix = format!("_csrf={csrf}&_action=send&");
    for (body, content_type) in [
        (format!("{prefix}nickname=%FF%FE").into_bytes(), FORM),
        ([prefix.as_bytes(), b"nickname=\xff\xfe"].concat(), FORM),
        (format!("{prefix}nickname=%E2%82").into_bytes(), FORM),
        (format!("{prefix}nickname=%zz").into_bytes(), FORM),
        (format!("{prefix}=nameless").into_bytes(), FORM),
        (format!("{prefix}_action=save").into_bytes(), FORM),
        (format!("{prefix}nickname=Zo%C3%AB").into_bytes(), "application/json"),
        (format!("{prefix}nickname=Zo%C3%AB").into_bytes(), "multipart/form-data; boundary=x"),
    ] {
        let reply = post_raw(&link, content_type, &body, &[]);
        assert_page(&reply, 400, "Your answers could not be read");
    }
    let unknown_action = post_form(&link, &[("_csrf", &csrf), ("_action", "delete")]);
    assert_eq!(unknown_action.status, 400);
}

#[test]
fn every_response_carries_the_guard_headers() {
    let app = spawn_app_with(|config| config.rate_limit = mend_intake::RateLimit { burst: 1, per_second: 0.001 });
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let form = get(&link);
    let csrf = form.csrf();
    let big = "x".repeat(mend_intake::body_limit(&app.program.questionnaire) + 10);
    let replies = [
        ("form", form),
        ("errors", post_form(&link, &[("_csrf", &csrf), ("_action", "send")])),
        ("saved", post_form(&link, &[("_csrf", &csrf), ("_action", "save")])),
        ("forbidden", post_form(&link, &[("_action", "send")])),
        ("bad request", post_raw(&link, FORM, b"a=%ff", &[])),
        ("too large", post_form(&link, &[("_csrf", &csrf), ("notes", &big)])),
        ("method", put(&link)),
        ("health", get(&app.url("/healthz"))),
        ("css", get(&app.url("/static/intake.css"))),
        ("js", get(&app.url("/static/intake.js"))),
        ("thanks", get(&app.url("/thanks"))),
        ("sent", send_valid(&app, &invited.tokens[1], "Sam")),
        ("not found", get(&app.url("/admin"))),
        ("invalid link", get(&app.link("deadbeef"))),
        ("rate limited", get(&app.link("deadbeef"))),
    ];
    let statuses: Vec<u16> = replies.iter().map(|(_, r)| r.status).collect();
    assert_eq!(statuses, [200, 422, 200, 403, 400, 413, 405, 200, 200, 200, 200, 303, 404, 404, 429]);
    for (what, reply) in &replies {
        assert_guard_headers(reply, what);
    }
    assert_page(&replies[6].1, 405, "This page cannot do that");
    assert!(replies[8].1.header("content-type").is_some_and(|t| t.starts_with("text/css")));
    assert!(replies[9].1.header("content-type").is_some_and(|t| t.starts_with("text/javascript")));
    assert_eq!(replies[7].1.body, "ok\n");
}

#[test]
fn repeated_bad_links_are_slowed_but_a_working_link_never_is() {
    let app = spawn_app_with(|config| config.rate_limit = mend_intake::RateLimit { burst: 3, per_second: 0.001 });
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);

    // A partner who opens and saves their form many times is never counted.
    let csrf = get(&link).csrf();
    for _ in 0..15 {
        assert_eq!(get(&link).status, 200);
        assert_eq!(post_form(&link, &[("_csrf", &csrf), ("_action", "save"), ("nickname", "Zoë")]).status, 200);
    }

    // A guesser gets the burst, then waits.
    for n in 0..3 {
        assert_eq!(get(&app.link(&format!("{n:064}"))).status, 404, "attempt {n}");
    }
    let limited = get(&app.link(&"9".repeat(64)));
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)));
    assert!(limited.body.contains("Too many attempts"));
    let limited_post = post_form(&app.link(&"8".repeat(64)), &[("_action", "send")]);
    assert_eq!(limited_post.status, 429);

    // The partner shares the guesser's address (home Wi-Fi): their own link still opens, saves
    // and sends, and nothing they typed is lost.
    assert_eq!(get(&link).status, 200, "a working link opens from an exhausted address");
    let saved = post_form(&link, &[("_csrf", &csrf), ("_action", "save"), ("nickname", "Zoë")]);
    assert_eq!(saved.status, 200, "a signed save is never refused");
    assert_eq!(send_valid(&app, &invited.tokens[0], "Zoë").status, 303, "nor a signed send");
    assert_eq!(get(&app.link(&"7".repeat(64))).status, 429, "while guessing stays slowed");
}

#[test]
fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    for trust_proxy in [false, true] {
        let app = spawn_app_with(|config| {
            config.trust_proxy = trust_proxy;
            config.rate_limit = mend_intake::RateLimit { burst: 1, per_second: 0.001 };
        });
        let bad = app.link(&"1".repeat(64));
        assert_eq!(get_with(&bad, &[("x-forwarded-for", "198.51.100.7")]).status, 404);
        let other_client = get_with(&bad, &[("x-forwarded-for", "198.51.100.8")]).status;
        let same_client = get_with(&bad, &[("x-forwarded-for", "203.0.113.1, 198.51.100.7")]).status;
        if trust_proxy {
            assert_eq!((other_client, same_client), (404, 429), "each client has its own budget");
        } else {
            assert_eq!((other_client, same_client), (429, 429), "the header is ignored: one peer, one budget");
        }
    }
}

#[test]
fn forwarded_addresses_are_believed_only_from_the_trusted_proxy() {
    // The proxy is at 127.0.0.2; a client reaching the server around it, from 127.0.0.1, cannot
    // pick a fresh address for each guess by naming one in X-Forwarded-For.
    let app = spawn_app_with(|config| {
        config.trust_proxy = true;
        config.trusted_proxies = vec!["127.0.0.2/32".parse().expect("a block")];
        config.rate_limit = mend_intake::RateLimit { burst: 1, per_second: 0.001 };
    });
    let bad = app.link(&"1".repeat(64));
    assert_eq!(status_from("127.0.0.2", &bad, "198.51.100.7"), 404);
    assert_eq!(status_from("127.0.0.2", &bad, "198.51.100.8"), 404, "behind the proxy, each client has its own budget");
    assert_eq!(status_from("127.0.0.2", &bad, "198.51.100.7"), 429);
    assert_eq!(status_from("127.0.0.1", &bad, "203.0.113.1"), 404);
    assert_eq!(status_from("127.0.0.1", &bad, "203.0.113.2"), 429, "around it, the header is ignored");
}

#[test]
fn every_answer_carries_the_isolation_headers_and_a_random_request_id() {
    let app = spawn_app();
    let mut ids = Vec::new();
    for url in [format!("{}/healthz", app.base), app.link(&"2".repeat(64))] {
        let reply = get(&url);
        assert_eq!(reply.header("cross-origin-resource-policy"), Some("same-origin"), "{url}");
        let permissions = reply.header("permissions-policy").unwrap_or_default();
        assert!(permissions.contains("camera=()") && permissions.contains("geolocation=()"), "{permissions}");
        ids.push(reply.header("x-request-id").expect("a request id").to_owned());
    }
    for _ in 0..3 {
        ids.push(get(&format!("{}/healthz", app.base)).header("x-request-id").expect("a request id").to_owned());
    }
    // 64 random bits, not a count: two answers in a row are not one apart.
    for id in &ids {
        assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    }
    let numbers: Vec<u64> = ids.iter().map(|id| u64::from_str_radix(id, 16).expect("hex")).collect();
    assert!(numbers.windows(2).all(|pair| pair[1].abs_diff(pair[0]) > 1_000), "{ids:?}");
}

#[test]
fn logs_hold_neither_tokens_nor_answers() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let token = &invited.tokens[0];
    let link = app.link(token);
    let csrf = get(&link).csrf();
    let secret = "Łukasz-private-answer-9731";
    let mut answers = valid_answers(secret);
    answers.push(("notes", format!("{secret} in the notes")));
    answers.retain(|(n, v)| *n != "notes" || v.contains(secret));
    assert_eq!(post_form(&link, &with_controls("save", &csrf, &answers)).status, 200);
    assert_eq!(post_form(&link, &[("_csrf", &csrf), ("_action", "send"), ("nickname", secret)]).status, 422);
    assert_eq!(post_form(&link, &with_controls("send", &csrf, &answers)).status, 303);
    assert_eq!(post_form(&link, &with_controls("send", &csrf, &answers)).status, 303);
    assert_eq!(get(&link).status, 404);

    // A failure on our side: a link for a version of the questions the record does not keep
    // (as a link made before mend kept versions, for an older one, would be).
    let mut store = app.store();
    let now = time::OffsetDateTime::now_utc();
    let questionnaire = &app.program.questionnaire;
    let stale = app
        .make_link(&mut store, invited.couple.partners[1].id, questionnaire, None, now, now + time::Duration::days(1))
        .unwrap();
    rusqlite::Connection::open(app.relay_db())
        .unwrap()
        .execute("UPDATE links SET version = 99 WHERE token_sha256 = ?1", [stale.sha256()])
        .unwrap();
    let apology = get(&app.link(stale.expose()));
    assert_page(&apology, 500, "Sorry, something went wrong on our side");

    let logs = logs();
    assert!(logs.contains("route=/i/{token}"), "requests are logged by route template:\n{logs}");
    assert!(logs.contains("status=303") && logs.contains("status=422"));
    assert!(logs.contains("questionnaire \"fixture\" version 99"), "the cause of a 500 is logged:\n{logs}");
    for needle in [token.as_str(), stale.expose(), secret, &csrf] {
        assert!(!logs.contains(needle), "{needle} leaked into the log:\n{logs}");
    }
    assert!(!apology.body.contains("version"), "the apology does not show the cause");
}

#[test]
fn the_server_finishes_and_stops_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = mend_intake::Config::new(mend_sync::default_folder(&db));
    let app = runtime.block_on(mend_intake::Application::build(config, "127.0.0.1:0".parse().unwrap())).unwrap();
    let url = format!("http://{}/healthz", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    assert_eq!(get(&url).status, 200);
    stop.send(()).unwrap();
    let finished = runtime.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), server).await });
    assert!(matches!(finished, Ok(Ok(Ok(())))), "the server returns cleanly: {finished:?}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_let_go() {
    use std::io::{Read, Write};

    let app = spawn_app();
    let address = app.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // Begin a request and never end its headers, as a client holding connections open would.
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ").unwrap();
    stream.flush().unwrap();
    let started = std::time::Instant::now();
    stream.set_read_timeout(Some(mend_intake::HEADER_TIMEOUT * 3)).unwrap();
    let mut reply = Vec::new();
    let closed = stream.read_to_end(&mut reply);
    assert!(closed.is_ok(), "the server closed the connection rather than the read timing out: {closed:?}");
    assert!(started.elapsed() >= mend_intake::HEADER_TIMEOUT / 2, "not closed before the timeout");
    assert!(started.elapsed() < mend_intake::HEADER_TIMEOUT * 2, "closed at the timeout, not later");
    // And the server still answers everyone else.
    assert_eq!(get(&format!("{}/healthz", app.base)).status, 200);
}

#[test]
fn a_client_that_sends_too_slowly_is_answered_and_let_go() {
    use std::io::{Read, Write};

    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let address = app.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // Promise a body, send a little of it, then go quiet, as a slow or hostile client would.
    write!(
        stream,
        "POST /i/{} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {FORM}\r\nContent-Length: 1000\r\n\r\n_csrf=",
        invited.tokens[0]
    )
    .unwrap();
    stream.flush().unwrap();
    let started = std::time::Instant::now();
    stream.set_read_timeout(Some(mend_intake::REQUEST_TIMEOUT * 3)).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("<h1>This took too long</h1>"));
    assert!(reply.to_ascii_lowercase().contains("cache-control: no-store"));
    assert!(started.elapsed() < mend_intake::REQUEST_TIMEOUT * 2, "answered at the timeout, not later");
}

/// Sends `request` as it is on a fresh connection and returns the status line of the reply.
fn raw_status(app: &TestApp, request: &str) -> String {
    use std::io::{Read, Write};

    let address = app.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(mend_intake::REQUEST_TIMEOUT)).unwrap();
    // A refused request may be answered before all of it is written; that is not a failure.
    let _ = stream.write_all(request.as_bytes());
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    reply.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn an_http_1_1_request_without_exactly_one_host_is_refused() {
    let app = spawn_app();
    let address = app.base.trim_start_matches("http://").to_owned();
    for (what, headers, status) in [
        ("no Host", String::new(), "HTTP/1.1 400"),
        ("two different Hosts", format!("Host: {address}\r\nHost: evil.example\r\n"), "HTTP/1.1 400"),
        ("the same Host twice", format!("Host: {address}\r\nHost: {address}\r\n"), "HTTP/1.1 400"),
        ("one Host", format!("Host: {address}\r\n"), "HTTP/1.1 200"),
    ] {
        let request = format!("GET /healthz HTTP/1.1\r\n{headers}Connection: close\r\n\r\n");
        assert!(raw_status(&app, &request).starts_with(status), "{what}");
    }
    // HTTP/1.0 had no Host requirement.
    assert!(raw_status(&app, "GET /healthz HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200"));
}

#[test]
fn headers_larger_than_a_browser_sends_are_refused() {
    let app = spawn_app();
    let address = app.base.trim_start_matches("http://").to_owned();
    let request = |extra: &str| format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n{extra}Connection: close\r\n\r\n");
    // A browser's few hundred bytes, and some room above them, are fine.
    let usual = format!("User-Agent: {}\r\nAccept-Language: {}\r\n", "M".repeat(300), "de".repeat(200));
    assert!(raw_status(&app, &request(&usual)).starts_with("HTTP/1.1 200"));
    // One header of 100 KB, and many headers adding up to far more than the limit.
    let one_huge = format!("X-Big: {}\r\n", "a".repeat(100 * 1024));
    let many: String = (0..90).map(|n| format!("X-Filler-{n}: {}\r\n", "b".repeat(4000))).collect();
    for (what, extra) in [("one huge header", one_huge), ("many large headers", many)] {
        let status = raw_status(&app, &request(&extra));
        assert!(status.is_empty() || status.starts_with("HTTP/1.1 431"), "{what}: {status}");
    }
    assert!(raw_status(&app, &request("")).starts_with("HTTP/1.1 200"), "the server still answers");
}

#[test]
fn a_form_in_any_script_at_every_answer_limit_is_sent_and_stored_whole() {
    use mend_core::questionnaire::{LONG_TEXT_MAX, SHORT_TEXT_MAX};

    let app = spawn_app();
    // Two, three and four bytes of UTF-8 a character: up to twelve once percent-encoded.
    for (script, letter) in [("Cyrillic", 'ж'), ("Chinese", '中'), ("Greek", 'λ'), ("Arabic", 'ع'), ("emoji", '🌿')]
    {
        let invited = invite_couple(&app, ["Zoë", "Sam"]);
        let link = app.link(&invited.tokens[0]);
        let short: String = std::iter::repeat_n(letter, SHORT_TEXT_MAX).collect();
        let long: String = std::iter::repeat_n(letter, LONG_TEXT_MAX).collect();
        let mut answers = valid_answers("Zoë");
        for (name, value) in &mut answers {
            match *name {
                "nickname" => *value = short.clone(),
                "found_out_how" | "notes" => *value = long.clone(),
                _ => {}
            }
        }
        let csrf = get(&link).csrf();
        let reply = post_form(&link, &with_controls("send", &csrf, &answers));
        assert_eq!(reply.status, 303, "{script}: {}", reply.body.chars().take(300).collect::<String>());
        let stored = stored_answers(&app, &invited.couple);
        let zoe = &stored["Zoë"];
        for (question, expected) in [("nickname", &short), ("found_out_how", &long), ("notes", &long)] {
            assert_eq!(zoe[question], mend_core::Answer::Text(expected.clone()), "{script}: {question} stored whole");
        }
    }
}
