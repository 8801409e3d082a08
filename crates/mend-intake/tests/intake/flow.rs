//! The partner's journey: open the link, save and come back, fix mistakes, send once.

use mend_core::{Answer, InvitationToken};
use mend_store::InvitationState;
use time::OffsetDateTime;

use crate::helpers::*;

#[test]
fn both_partners_fill_in_and_send_their_own_forms() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["José Núñez", "Zoë Łukasz"]);

    for (token, name, other, nickname) in
        [(&invited.tokens[0], "José", "Zoë", "Pepe"), (&invited.tokens[1], "Zoë", "José", "Zo")]
    {
        let page = get(&app.link(token));
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("Hello, {name}.")), "greets the partner by first name");
        assert!(!page.body.contains(other), "never shows the other partner's name");
        assert_eq!(page.title(), "Before we meet");
        assert!(!page.body.contains(token.as_str()), "the page never repeats the token");

        let sent = send_valid(&app, token, nickname);
        assert_eq!(sent.status, 303, "{}", sent.body);
        assert_eq!(sent.header("location"), Some("/thanks"));
    }

    let thanks = get(&app.url("/thanks"));
    assert_eq!(thanks.status, 200);
    assert!(thanks.body.contains("What happens next"));

    let stored = stored_answers(&app, &invited.couple);
    assert_eq!(stored.len(), 2, "one response per partner");
    let jose = &stored["José Núñez"];
    assert_eq!(jose["nickname"], Answer::Text("Pepe".into()));
    assert_eq!(jose["worries"], Answer::Choices(vec!["sleep".into(), "children".into()]));
    assert_eq!(jose["commitment"], Answer::Number(7));
    assert_eq!(jose["found_out_how"], Answer::Text("A message on a shared tablet.".into()));
    assert_eq!(stored["Zoë Łukasz"]["nickname"], Answer::Text("Zo".into()));

    for token in &invited.tokens {
        assert_eq!(get(&app.link(token)).status, 404, "a used link no longer opens the form");
    }
}

#[test]
fn a_saved_draft_comes_back_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mend.sqlite3");
    let first = spawn_on(&db, |_| {});
    let invited = invite_couple(&first, ["Łukasz", "Ana"]);
    let token = &invited.tokens[0];

    let page = get(&first.link(token));
    let csrf = page.csrf();
    let partial = vec![
        ("nickname", "Łukasz <the careful>".to_owned()),
        ("worries", "money".to_owned()),
        ("commitment", "4".to_owned()),
        ("notes", "Line one\nline two".to_owned()),
        ("afraid", "yes".to_owned()),
    ];
    let saved = post_form(&first.link(token), &with_controls("save", &csrf, &partial));
    assert_eq!(saved.status, 200);
    assert!(saved.body.contains("Your answers are saved"));
    assert!(saved.body.contains("your answers to the safety questions are not kept"), "the partner is told");
    assert!(saved.body.contains(r#"name="afraid" value="yes" checked"#), "but saving does not empty the page");
    assert!(!saved.title().starts_with("Error"), "saving is not an error");
    drop(first);

    let second = spawn_on(&db, |_| {});
    let resumed = get(&second.link(token));
    assert_eq!(resumed.status, 200);
    assert!(
        resumed.body.contains(r#"value="Łukasz &#60;the careful&#62;""#)
            || resumed.body.contains(r#"value="Łukasz &lt;the careful&gt;""#),
        "{}",
        resumed.body
    );
    assert!(resumed.body.contains(r#"value="money" checked"#));
    assert!(resumed.body.contains(r#"id="q-commitment-5" name="commitment" value="4" checked"#));
    assert!(resumed.body.contains("Line one\nline two</textarea>"));
    // The safety answer was never kept, so whoever opens the link next cannot see it.
    assert!(!resumed.body.contains(r#"name="afraid" value="yes" checked"#), "{}", resumed.body);
    assert!(resumed.body.contains(r#"name="afraid" value="yes""#), "the question itself is still asked");
    let draft_row: Vec<u8> = rusqlite::Connection::open(second.relay_db())
        .unwrap()
        .query_row("SELECT draft FROM links WHERE draft IS NOT NULL", [], |row| row.get(0))
        .unwrap();
    assert!(!String::from_utf8_lossy(&draft_row).contains("careful"), "the relay keeps the draft sealed");
    let key = mend_relay::LinkKey::of(&InvitationToken::parse(token).unwrap());
    let opened = key.open(mend_relay::Sealed::Draft, &draft_row).expect("the link's own key opens it");
    let opened = String::from_utf8_lossy(&opened);
    assert!(opened.contains("careful") && !opened.contains("afraid"), "not in the draft either: {opened}");
    assert_eq!(resumed.csrf(), csrf, "the form secret survives a restart");

    let sent = send_valid(&second, token, "Łukasz");
    assert_eq!(sent.status, 303);
    let stored = stored_answers(&second, &invited.couple);
    assert_eq!(
        stored["Łukasz"]["worries"],
        Answer::Choices(vec!["sleep".into(), "children".into()]),
        "the sent answers win over the draft"
    );
}

#[test]
fn when_storing_fails_on_our_side_the_form_comes_back_with_every_answer() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Ana Lía", "Mateo"]);
    let token = &invited.tokens[0];
    let csrf = get(&app.link(token)).csrf();
    let answers = valid_answers("Ana <Lía>");
    // A real failure inside SQLite, made by a trigger, as a full disk or a broken file would.
    // On the relay: a sent form is an inserted answer, a draft an update of its link.
    let refuse = |table: &str, change: &str| {
        rusqlite::Connection::open(app.relay_db())
            .unwrap()
            .execute_batch(&format!(
                "CREATE TRIGGER refuse_{table} BEFORE {change} ON {table} BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;"
            ))
            .unwrap();
    };
    let allow = |table: &str| {
        rusqlite::Connection::open(app.relay_db())
            .unwrap()
            .execute_batch(&format!("DROP TRIGGER refuse_{table};"))
            .unwrap();
    };

    for (action, table, change) in [("send", "answers", "INSERT"), ("save", "links", "UPDATE")] {
        refuse(table, change);
        let failed = post_form(&app.link(token), &with_controls(action, &csrf, &answers));
        assert_eq!(failed.status, 503, "{action}: {}", failed.body);
        assert!(failed.body.contains("Your answers were not saved"), "{action}");
        assert!(failed.title().starts_with("Error: "), "{action}: the title tells screen readers too");
        assert!(failed.body.contains("press the same button again"), "{action}");
        assert!(failed.body.contains("A message on a shared tablet."), "{action}: every answer is still there");
        assert!(failed.body.contains("Ana &#60;Lía&#62;") || failed.body.contains("Ana &lt;Lía&gt;"), "{action}");
        assert!(failed.body.contains(r#"value="children" checked"#), "{action}");
        assert_eq!(failed.csrf(), csrf, "{action}: the form can be sent again as it is");
        allow(table);
    }
    assert!(stored_answers(&app, &invited.couple).is_empty(), "nothing was stored");
    let logs = logs();
    assert!(logs.contains("answers could not be stored"), "the cause is logged:\n{logs}");
    assert!(!logs.contains("shared tablet"), "but never an answer");

    // Once the trouble has passed, the same page sends as it is.
    let sent = post_form(&app.link(token), &with_controls("send", &csrf, &answers));
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(stored_answers(&app, &invited.couple)["Ana Lía"]["nickname"], Answer::Text("Ana <Lía>".into()));
}

/// Sends the form with one change to valid answers and checks the page that comes back.
fn check_error(change: (&'static str, Option<&str>), field: &str, message: &str) {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let token = &invited.tokens[0];
    let csrf = get(&app.link(token)).csrf();
    let mut answers: Vec<(&'static str, String)> =
        valid_answers("Zoë").into_iter().filter(|(name, _)| *name != change.0).collect();
    if let Some(value) = change.1 {
        answers.push((change.0, value.to_owned()));
    }
    let page = post_form(&app.link(token), &with_controls("send", &csrf, &answers));

    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.title().starts_with("Error: "), "title: {}", page.title());
    let main = &page.body[page.body.find("<main").unwrap()..];
    let summary = main.find("There is a problem").expect("an error summary");
    assert!(summary < main.find("<h1>").unwrap(), "the summary comes first in <main>");
    assert!(main.contains(&format!(r##"<a href="#q-{field}">{message}</a>"##)), "summary links to the field:\n{main}");
    assert!(
        main.contains(&format!(r#"id="q-{field}-error"><span class="visually-hidden">Error:</span> {message}</p>"#)),
        "message beside the field"
    );
    let error_id = format!("q-{field}-error");
    let described: Vec<&str> =
        main.split("aria-describedby=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(described.iter().any(|ids| ids.split(' ').any(|id| id == error_id)), "the control points at its message");
    for (name, value) in &answers {
        if *name == change.0 || value.contains('\n') {
            continue;
        }
        let kept = main.contains(&format!(r#"name="{name}" value="{value}" checked"#))
            || main.contains(&format!(r#"name="{name}" value="{value}""#))
            || main.contains(&format!(">{value}</textarea>"));
        assert!(kept, "{name}={value} is kept");
    }
    if let Some(value) = change.1.filter(|_| ["nickname", "met_on"].contains(&change.0)) {
        assert!(main.contains(&format!(r#"value="{value}""#)), "a refused text is kept too");
    }
    assert!(stored_answers(&app, &invited.couple).is_empty(), "nothing is stored");
}

#[test]
fn each_kind_of_mistake_is_shown_beside_its_field_and_answers_are_kept() {
    check_error(("nickname", None), "nickname", "Enter what we should call you");
    check_error(("found_out", None), "found_out", "Choose how it came to light");
    check_error(("worries", Some("pets")), "worries", "Choose only from the options shown");
    check_error(("commitment", Some("11")), "commitment", "Choose a number from 0 to 10");
    check_error(("afraid", None), "afraid", "Choose yes or no");
    check_error(("met_on", Some("2015-02-30")), "met_on", "Enter a real date, for example 2024-03-17");
    check_error(
        ("secrets_agreement", None),
        "secrets_agreement",
        "Tick the box to show you have read how secrets are handled",
    );
    let long = "x".repeat(201);
    check_error(("nickname", Some(long.as_str())), "nickname", "Shorten your answer to 200 characters or fewer");
}

#[test]
fn a_date_outside_the_record_or_after_today_is_refused_and_answers_are_kept() {
    const NOT_A_DATE: &str = "Enter a real date, for example 2024-03-17";
    for typed in ["+2015-06-01", "-2015-06-01", "0000-01-01", "1899-12-31", "20150-06-01"] {
        check_error(("met_on", Some(typed)), "met_on", NOT_A_DATE);
    }
    // `met_on` asks about the past: a day that has not come anywhere on earth is refused.
    check_error(
        ("met_on", Some("9999-12-31")),
        "met_on",
        "Enter a date that has already come: this one is after today",
    );
}

#[test]
fn a_required_answer_of_invisible_characters_is_missing() {
    // A zero-width space, a word joiner and a byte-order mark: nothing anyone could read.
    check_error(("nickname", Some("\u{200B}\u{2060}\u{FEFF}")), "nickname", "Enter what we should call you");
}

#[test]
fn a_date_is_stored_in_one_form() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let mut answers = valid_answers("Zoë");
    answers.retain(|(name, _)| *name != "met_on");
    answers.push(("met_on", " 2015-06-01\t".to_owned()));
    let csrf = get(&link).csrf();
    assert_eq!(post_form(&link, &with_controls("send", &csrf, &answers)).status, 303);
    assert_eq!(stored_answers(&app, &invited.couple)["Zoë"]["met_on"], Answer::Text("2015-06-01".into()));
}

#[test]
fn every_error_is_listed_when_the_form_is_sent_empty() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let token = &invited.tokens[0];
    let csrf = get(&app.link(token)).csrf();
    let page = post_form(&app.link(token), &[("_csrf", &csrf), ("_action", "send")]);
    assert_eq!(page.status, 422);
    for field in ["nickname", "found_out", "worries", "commitment", "afraid", "secrets_agreement"] {
        assert!(page.body.contains(&format!(r##"href="#q-{field}""##)), "{field} is in the summary");
        assert!(page.body.contains(&format!(r#"id="q-{field}""#)), "the link target {field} exists");
    }
    assert!(!page.body.contains(r##"href="#q-found_out_how""##), "a follow-up that does not apply is not required");
}

#[test]
fn answers_to_follow_ups_that_do_not_apply_are_not_stored() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let token = &invited.tokens[0];
    let csrf = get(&app.link(token)).csrf();
    let mut answers = valid_answers("Zoë");
    for (name, value) in &mut answers {
        if *name == "found_out" {
            *value = "told".to_owned();
        }
    }
    let sent = post_form(&app.link(token), &with_controls("send", &csrf, &answers));
    assert_eq!(sent.status, 303);
    let stored = &stored_answers(&app, &invited.couple)["Zoë"];
    assert!(!stored.contains_key("found_out_how"), "{stored:?}");
    assert_eq!(stored["found_out"], Answer::Text("told".into()));
}

#[test]
fn sending_twice_stores_once_and_both_clicks_land_on_thanks() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let token = invited.tokens[0].clone();
    let csrf = get(&app.link(&token)).csrf();
    let answers = valid_answers("Zoë");
    let body = encode(&with_controls("send", &csrf, &answers));

    // Two clicks racing each other, then a reload of the POST after the fact.
    let link = app.link(&token);
    let racing: Vec<_> = (0..2)
        .map(|_| {
            let (link, body) = (link.clone(), body.clone());
            std::thread::spawn(move || post_raw(&link, "application/x-www-form-urlencoded", body.as_bytes(), &[]))
        })
        .collect();
    for reply in racing.into_iter().map(|t| t.join().unwrap()) {
        assert_eq!((reply.status, reply.header("location")), (303, Some("/thanks")));
    }
    let reload = post_raw(&link, "application/x-www-form-urlencoded", body.as_bytes(), &[]);
    assert_eq!((reload.status, reload.header("location")), (303, Some("/thanks")));

    assert_eq!(app.store().intake_responses(&invited.couple).unwrap().len(), 1, "stored once");

    let forged = post_form(&link, &[("_csrf", "00"), ("_action", "send")]);
    assert_eq!(forged.status, 404, "without the form's value, a used link is just a link that does not work");
}

#[test]
fn unknown_expired_retired_and_used_links_look_exactly_alike() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let mut store = app.store();
    let now = OffsetDateTime::now_utc();
    let questionnaire = &app.program.questionnaire;
    let partner = invited.couple.partners[1].id;
    let expired = app
        .make_link(
            &mut store,
            partner,
            questionnaire,
            None,
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        )
        .unwrap();
    // Inviting the first partner again retires their first link.
    let retired = InvitationToken::parse(&invited.tokens[0]).unwrap();
    let fresh = app
        .make_link(&mut store, invited.couple.partners[0].id, questionnaire, None, now, now + time::Duration::days(3))
        .unwrap();
    assert_eq!(store.lookup_invitation(&retired, now).unwrap().unwrap().state, InvitationState::Retired);
    assert_eq!(store.lookup_invitation(&expired, now).unwrap().unwrap().state, InvitationState::Expired);
    assert_eq!(send_valid(&app, fresh.expose(), "Zoë").status, 303);
    let used = fresh;
    let unknown = "0".repeat(64);

    let mut replies = Vec::new();
    for token in [unknown.as_str(), expired.expose(), retired.expose(), used.expose(), "not%20a%20token", "%FF%FE"] {
        let shown = get(&app.link(token));
        let posted = post_form(&app.link(token), &[("_action", "send"), ("nickname", "x")]);
        replies.push((token.to_owned(), shown));
        replies.push((token.to_owned(), posted));
    }
    let (_, first) = &replies[0];
    assert_eq!(first.status, 404);
    assert!(first.body.contains("Ask your therapist for a new link."));
    assert!(first.title().contains("This link does not work"));
    for (token, reply) in &replies {
        assert_eq!((reply.status, &reply.body), (first.status, &first.body), "token {token}");
    }
    assert_eq!(get(&app.url("/no/such/page")).body, first.body, "any other address shows the same page");
}

#[test]
fn markup_in_answers_and_names_comes_back_escaped() {
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë<b>", "Sam"]);
    let token = &invited.tokens[0];
    let page = get(&app.link(token));
    assert!(!page.body.contains("Zoë<b>"), "the name is escaped");
    let csrf = page.csrf();
    let script = "<script>alert('x')</script>";
    let answers = vec![
        ("nickname", format!("\"><img src=x onerror=alert(1)>{script}")),
        ("notes", format!("</textarea>{script}")),
    ];
    let reply = post_form(&app.link(token), &with_controls("send", &csrf, &answers));
    assert_eq!(reply.status, 422);
    assert!(!reply.body.contains("<script>alert"), "no script comes back as markup");
    assert!(!reply.body.contains("<img src=x"), "no element comes back as markup");
    assert!(!reply.body.contains("</textarea><script>"));
    assert!(
        reply.body.contains("&#60;script&#62;") || reply.body.contains("&lt;script&gt;"),
        "the text is kept, escaped"
    );
}

#[test]
fn sensitive_questions_show_their_help_beside_them() {
    let app = spawn_app_with(|config| {
        config.secrets_policy = Some("I keep no secrets\nbetween partners.\n\nAsk me anything.".into())
    });
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let page = get(&app.link(&invited.tokens[0]));
    let afraid = page.body.find(r#"aria-describedby="q-afraid-help""#).unwrap();
    let help = page.body.find("Call 112.").unwrap();
    let next = page.body.find(r#"for="q-met_on""#).unwrap();
    assert!(afraid < help && help < next, "the help sits inside the question's own block");
    assert!(page.body.contains(r#"aria-describedby="q-afraid-help""#));
    let policy = page.body.find("I keep no secrets between partners.").expect("the therapist's policy is shown");
    let agreement = page.body.find("What you tell your therapist alone").unwrap();
    assert!(policy < agreement, "the policy comes above the secrets agreement");
    assert!(page.body.contains("<p>Ask me anything.</p>"));
}

#[test]
fn the_real_questionnaire_renders_accessibly_and_accepts_complete_answers() {
    use mend_core::questionnaire::QuestionKind;

    let program = std::sync::Arc::new(mend_core::Program::embedded().expect("the embedded content is valid"));
    let app = spawn_app_with(|config| config.program = std::sync::Arc::clone(&program));
    let invited = invite_couple(&app, ["José Núñez", "Zoë"]);
    let link = app.link(&invited.tokens[0]);
    let page = get(&link);
    assert_eq!(page.status, 200);
    assert_eq!(page.title(), program.questionnaire.title);
    assert_eq!(page.body.matches("<h1>").count(), 1, "one h1");
    assert!(page.body.contains(r#"<html lang="en">"#) && page.body.contains(r##"href="#main""##));
    // A way out at once, as a plain link that works without JavaScript, before the form itself.
    let exit = page.body.find(r#"<a class="exit" href="https://www.google.com/" rel="noreferrer">Leave this page</a>"#);
    assert!(exit.is_some_and(|at| at < page.body.find("<form").unwrap_or(0)), "the form offers a quick exit first");
    assert!(!get(&app.url("/thanks")).body.contains("Leave this page"), "only the form needs it");

    // Every control has a label tied to it, and every id is unique.
    let ids: Vec<&str> = page.body.split(" id=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids");
    let controls: Vec<&str> = page.body.split("<input").skip(1).chain(page.body.split("<textarea").skip(1)).collect();
    assert!(controls.len() > program.questionnaire.questions().count());
    for control in controls {
        let tag = control.split('>').next().unwrap_or_default();
        if tag.contains(r#"type="hidden""#) {
            continue;
        }
        let id = tag.split(" id=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("every control has an id");
        assert!(page.body.contains(&format!(r#"for="{id}""#)), "the control {id} has a label");
    }
    // Groups sit in fieldsets with the question as legend.
    for question in program.questionnaire.questions() {
        let grouped = !matches!(question.kind, QuestionKind::ShortText | QuestionKind::LongText | QuestionKind::Date);
        assert!(page.body.contains(&format!(r#"id="q-{}""#, question.id)), "{} has a control", question.id);
        if grouped {
            let control = page.body.find(&format!(r#"id="q-{}""#, question.id)).unwrap();
            let field = page.body[..control].rfind(r#"<div class="field"#).unwrap();
            assert!(page.body[field..control].contains("<legend"), "{} has a legend", question.id);
        }
    }

    // The first option, the lowest number or a short text for every question is a complete set.
    let csrf = page.csrf();
    let mut fields = vec![("_csrf".to_owned(), csrf), ("_action".to_owned(), "send".to_owned())];
    for question in program.questionnaire.questions() {
        let value = match question.kind {
            QuestionKind::YesNo => "no".to_owned(),
            QuestionKind::Single | QuestionKind::Multiple => question.options[0].value.clone(),
            QuestionKind::Scale => question.min.unwrap_or(0).to_string(),
            QuestionKind::Date => "2024-03-17".to_owned(),
            QuestionKind::Consent => "yes".to_owned(),
            QuestionKind::ShortText | QuestionKind::LongText => "José Núñez".to_owned(),
        };
        fields.push((question.id.clone(), value));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = post_form(&link, &fields);
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(stored_answers(&app, &invited.couple).len(), 1);
}
