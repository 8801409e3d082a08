//! End-to-end tests of the practice record: the real `mend` binary adding couples, inviting
//! partners, reading their intakes, planning, recording sessions, resolving flags, and moving the
//! record out and back in, with every mistake refused in one line that changes nothing.

use std::path::Path;

use mend_core::{InvitationToken, Program, RawAnswers};
use mend_store::SubmitOutcome;
use serde_json::Value;

use crate::support::{Sandbox, contains_bytes, database_bytes, open_store, wal_path};

/// Where links point when neither a flag nor the configuration says otherwise.
const LOCAL_BASE: &str = "http://127.0.0.1:8080";

// ---------------------------------------------------------------------------------------------
// Helpers.

fn program() -> Program {
    Program::embedded().expect("the embedded program is valid")
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}):\n{text}"))
}

/// Adds a couple through the binary and returns its short id, read from the JSON it prints.
fn add_couple(sandbox: &Sandbox, first: &str, second: &str, breach: &str, broke_trust: &str) -> String {
    let added = parse_json(&sandbox.ok(&[
        "couple",
        "add",
        "--partner",
        first,
        "--partner",
        second,
        "--breach",
        breach,
        "--broke-trust",
        broke_trust,
        "--format",
        "json",
    ]));
    let id = added["id"].as_str().expect("the JSON has the couple's id").to_owned();
    assert_eq!(id.len(), 6, "short ids are six characters: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "short id {id}");
    id
}

/// Every invitation link `mend invite` printed, split into its base and its token.
fn links(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("http://") || line.starts_with("https://"))
        .map(|line| {
            let (base, token) = line.split_once("/i/").unwrap_or_else(|| panic!("not an invitation link: {line}"));
            (base.to_owned(), token.to_owned())
        })
        .collect()
}

/// How many bits of randomness a token can carry: hex holds 4 per character, base64url 6.
fn token_bits(token: &str) -> usize {
    assert!(
        token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "a token is URL-safe without escaping: {token}"
    );
    let per_character = if token.chars().all(|c| c.is_ascii_hexdigit()) { 4 } else { 6 };
    token.len() * per_character
}

/// Answers as a browser would send them: each pair adds one value, so a repeated question is a
/// multiple choice. Later pairs for the same single-valued question replace earlier ones.
fn raw_answers(base: &[(&str, &str)], own: &[(&str, &str)]) -> RawAnswers {
    let mut raw = RawAnswers::new();
    for (question, value) in base {
        raw.entry((*question).to_owned()).or_default().push((*value).to_owned());
    }
    for (question, value) in own {
        raw.insert((*question).to_owned(), vec![(*value).to_owned()]);
    }
    raw
}

/// What both partners of an affair couple answer alike: steady, safe, no screen positive.
const SHARED_ANSWERS: &[(&str, &str)] = &[
    ("breach", "affair"),
    ("came_to_light", "discovered"),
    ("how_long_ago", "1-6-months"),
    ("outside_relationship_ended", "yes"),
    ("still_going_on", "no"),
    ("happened_before", "no"),
    ("commitment", "8"),
    ("hope", "repair"),
    ("trust_boundaries", "2"),
    ("trust_honest", "1"),
    ("trust_best_interest", "2"),
    ("trust_promises", "1"),
    ("trust_safety", "2"),
    ("phq2_interest", "1"),
    ("phq2_down", "0"),
    ("gad2_nervous", "1"),
    ("gad2_worry", "1"),
    ("arguments", "calm-talks"),
    ("arguments", "one-withdraws"),
    ("feel_heard", "6"),
    ("told_imagining", "never"),
    ("afraid_of_partner", "no"),
    ("hurt_or_threatened", "no"),
    ("hurt_before", "no"),
    ("strangled", "no"),
    ("weapon", "no"),
    ("threatened_harm", "no"),
    ("suicide_threats", "no"),
    ("controlled", "no"),
    ("monitored", "no"),
    ("sexual_pressure", "no"),
    ("harassed", "no"),
    ("self_harm_thoughts", "no"),
    ("self_harm_past", "no"),
    ("substance_use", "no"),
    ("children_at_home", "no"),
    ("earlier_therapy", "no"),
    ("secrets_policy", "yes"),
    ("consent", "yes"),
];

/// The answers of a partner who broke trust and owns it.
fn answers_of_partner_who_broke_trust(name: &str) -> RawAnswers {
    raw_answers(
        SHARED_ANSWERS,
        &[("name", name), ("role", "broke_trust"), ("accepts_responsibility", "yes"), ("signature", name)],
    )
}

/// The answers of a hurt partner with open questions and, on top, `own`.
fn answers_of_hurt_partner(name: &str, own: &[(&str, &str)]) -> RawAnswers {
    let mut raw = raw_answers(
        SHARED_ANSWERS,
        &[
            ("name", name),
            ("role", "hurt"),
            ("questions_open", "yes"),
            ("partner_accountable", "yes"),
            ("signature", name),
        ],
    );
    for (question, value) in own {
        raw.insert((*question).to_owned(), vec![(*value).to_owned()]);
    }
    raw
}

/// Sends a partner's answers through their token, as the intake server does, straight into the
/// same database file the binary uses.
fn submit(db: &Path, token: &str, raw: &RawAnswers) -> SubmitOutcome {
    submit_at(db, token, raw, time::OffsetDateTime::now_utc())
}

/// [`submit`] at a given time.
fn submit_at(db: &Path, token: &str, raw: &RawAnswers, at: time::OffsetDateTime) -> SubmitOutcome {
    let checked = program().questionnaire.check(raw, mend_core::day::latest_today(at));
    let checked = checked.unwrap_or_else(|errors| panic!("the test's answers must pass the questionnaire: {errors:?}"));
    let token = InvitationToken::parse(token).expect("a token as `mend invite` prints it");
    let mut store = open_store(db);
    store.submit_intake(&token, &checked, at).expect("submit the intake")
}

/// The lines of `text` from the one that starts with `heading` up to the next blank line.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines().skip_while(|line| !line.starts_with(heading)).take_while(|line| !line.trim().is_empty()).collect()
}

/// Runs a command that must fail, and checks it failed cleanly, said `hint`, and left the
/// database byte for byte as it was.
fn refused_without_change(sandbox: &Sandbox, args: &[&str], hint: &str) -> String {
    let db = sandbox.db();
    let before = database_bytes(&db);
    let message = sandbox.fails(args);
    assert!(message.contains(hint), "mend {args:?} should say {hint:?}, said: {message}");
    assert!(database_bytes(&db) == before, "mend {args:?} failed but changed the database");
    message
}

fn couple_count(sandbox: &Sandbox) -> usize {
    parse_json(&sandbox.ok(&["couple", "list", "--format", "json"])).as_array().expect("a JSON array").len()
}

// ---------------------------------------------------------------------------------------------
// The journey.

#[test]
fn a_couple_goes_from_first_record_to_export_import_and_backup() {
    let sandbox = Sandbox::new();
    let db = sandbox.db();

    // Adding prints the new couple as JSON, with its short id and each partner's role.
    let added = parse_json(&sandbox.ok(&[
        "couple",
        "add",
        "--partner",
        "José Núñez",
        "--partner",
        "Zoë",
        "--breach",
        "affair",
        "--broke-trust",
        "José",
        "--format",
        "json",
    ]));
    let id = added["id"].as_str().expect("an id").to_owned();
    assert_eq!(id.len(), 6);
    assert_eq!(added["breach"], "affair");
    assert_eq!(added["partners"][0]["name"], "José Núñez");
    assert_eq!(added["partners"][0]["roles"], "broke_trust");
    assert_eq!(added["partners"][1]["name"], "Zoë");
    assert_eq!(added["partners"][1]["roles"], "hurt");

    // The list, for people and for scripts.
    let list = sandbox.ok(&["couple", "list"]);
    let row = list.lines().find(|line| line.starts_with(&id)).unwrap_or_else(|| panic!("{id} not listed:\n{list}"));
    assert!(row.contains("José Núñez & Zoë") && row.contains("affair") && row.contains("not started"), "{row}");
    let listed = parse_json(&sandbox.ok(&["couple", "list", "--format", "json"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["partners"][1]["name"], "Zoë");

    // One link per partner, found by part of a name, each with a long random token.
    let invited = sandbox.ok(&["invite", "núñez"]);
    let both = links(&invited);
    assert_eq!(both.len(), 2, "two links:\n{invited}");
    for (base, token) in &both {
        assert_eq!(base, LOCAL_BASE);
        assert!(token_bits(token) >= 128, "token {token} is too short to be unguessable");
    }
    assert_ne!(both[0].1, both[1].1, "each partner gets a token of their own");
    assert!(invited.contains("José Núñez") && invited.contains("Zoë"), "{invited}");

    // One partner's link alone, pointing at the address given, retires their first link.
    let again = sandbox.ok(&["invite", "núñez", "--partner", "Zoë", "--base-url", "https://x.example"]);
    let zoë_only = links(&again);
    assert_eq!(zoë_only.len(), 1, "one link:\n{again}");
    assert_eq!(zoë_only[0].0, "https://x.example");
    assert!(token_bits(&zoë_only[0].1) >= 128);
    let josé_token = both[0].1.clone();
    let zoë_first_token = both[1].1.clone();
    let zoë_token = zoë_only[0].1.clone();

    // The record is encrypted: neither names nor tokens can be found in the database or its log.
    // (A plain record stores only the tokens' hashes: see the deletion test.)
    let (main, wal) = database_bytes(&db);
    let everything = [main.clone(), wal.clone().unwrap_or_default()].concat();
    assert!(!contains_bytes(&everything, "Núñez".as_bytes()), "a name is readable in the encrypted record");
    for token in [&josé_token, &zoë_first_token, &zoë_token] {
        assert!(!contains_bytes(&main, token.as_bytes()), "a token is in the database file");
        assert!(!wal.as_ref().is_some_and(|wal| contains_bytes(wal, token.as_bytes())), "a token is in the log");
    }

    // Before anyone answers, the couple's page lists both open invitations.
    let shown = sandbox.ok(&["couple", "show", &id]);
    let open = section(&shown, "Open invitations:");
    assert!(open.iter().any(|l| l.contains("José Núñez")) && open.iter().any(|l| l.contains("Zoë")), "{shown}");
    assert!(shown.contains("Zoë: was hurt; no intake yet"), "{shown}");

    // Both partners answer; Zoë's low mood screens positive. Her first, retired link is dead.
    let zoë_answers = answers_of_hurt_partner("Zoë", &[("phq2_interest", "2"), ("phq2_down", "2")]);
    assert_eq!(submit(&db, &zoë_first_token, &zoë_answers), SubmitOutcome::NotActive);
    assert_eq!(submit(&db, &josé_token, &answers_of_partner_who_broke_trust("José")), SubmitOutcome::Stored);
    assert_eq!(submit(&db, &zoë_token, &zoë_answers), SubmitOutcome::Stored);
    assert_eq!(submit(&db, &zoë_token, &zoë_answers), SubmitOutcome::AlreadyUsed);

    // The intake, side by side: both names, both answers on one line, the flag, the start.
    let intake = sandbox.ok(&["intake", "zoë"]);
    assert!(intake.lines().next().is_some_and(|l| l.contains(&id) && l.contains("José Núñez & Zoë")), "{intake}");
    assert!(
        intake.lines().any(|l| l.contains("I broke trust") && l.contains("I was hurt by it")),
        "the roles are not side by side:\n{intake}"
    );
    assert!(
        intake.lines().any(|l| l.contains("[CAUTION] phq2-positive") && l.contains("Zoë")),
        "the PHQ-2 flag is missing:\n{intake}"
    );
    assert!(!intake.contains("STOP"), "no stop flag was raised:\n{intake}");
    assert!(intake.contains("Start at: ") && intake.contains("(disclosure-and-accountability)"), "{intake}");

    let view = parse_json(&sandbox.ok(&["intake", &id, "--format", "json"]));
    let names: Vec<&str> =
        view["partners"].as_array().expect("partners").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["José Núñez", "Zoë"]);
    assert!(view["partners"].as_array().expect("partners").iter().all(|p| p["answered"] == true));
    let rows = view["answers"].as_array().expect("answers");
    assert!(rows.iter().all(|row| row["answers"].as_array().map(Vec::len) == Some(2)), "one answer per partner");
    let role = rows.iter().find(|row| row["question"] == "role").expect("the role row");
    assert_eq!(role["answers"], serde_json::json!(["I broke trust", "I was hurt by it"]));
    let zoë_phq2 = view["scores"]
        .as_array()
        .expect("scores")
        .iter()
        .find(|s| s["partner"] == "Zoë" && s["id"] == "phq2")
        .expect("Zoë's PHQ-2 score");
    assert_eq!(zoë_phq2["value"], 4);
    assert_eq!(zoë_phq2["positive"], true);
    let flags = view["flags"].as_array().expect("flags");
    for flag in flags {
        assert!(flag["id"].is_string() && flag["severity"].is_string(), "{flag}");
        assert!(flag["message"].as_str().is_some_and(|m| !m.is_empty()) && flag["resolved"].is_boolean(), "{flag}");
    }
    let caution = flags.iter().find(|f| f["id"] == "phq2-positive").expect("the PHQ-2 flag");
    assert_eq!(caution["severity"], "caution");
    assert_eq!(caution["partner"], "Zoë");
    assert_eq!(caution["resolved"], false);
    assert_eq!(view["start_stage"]["id"], "disclosure-and-accountability");

    // A saved plan is session 1, at the stage the intake pointed to: the first partner's private
    // safety check-in, since no joint session comes before each partner is seen alone.
    let planned = sandbox.mend(&["plan", &id, "--save", "--format", "json"]);
    assert_eq!(planned.code, Some(0), "{planned:?}");
    assert!(planned.stderr.contains("Saved as session #1"), "{}", planned.stderr);
    let plan = parse_json(&planned.stdout);
    assert_eq!(plan["session_kind"], "individual");
    assert_eq!(plan["individual"], "safety_check_in");
    let stage_id = plan["stage"]["id"].as_str().expect("a stage").to_owned();
    assert_eq!(stage_id, "disclosure-and-accountability");

    // Recording the session held today adds to the saved one.
    let program = program();
    let stage = program.stage(&stage_id).expect("the stage exists");
    let sheet = program.sheets.keys().find(|s| !stage.homework.contains(s)).expect("a sheet outside the stage").clone();
    let marker = stage.progress_markers[0].id.clone();
    let recorded = sandbox.ok(&[
        "session",
        "record",
        &id,
        "--stage",
        &stage_id,
        "--homework",
        &sheet,
        "--met",
        &marker,
        "--notes",
        "calmer",
    ]);
    assert!(recorded.contains("session #1"), "{recorded}");

    let sessions = sandbox.ok(&["session", "list", &id]);
    assert!(sessions.contains("#1 on ") && sessions.contains(&stage_id), "{sessions}");
    assert!(sessions.contains(&sheet) && sessions.contains(&marker) && sessions.contains("calmer"), "{sessions}");
    let listed = parse_json(&sandbox.ok(&["session", "list", &id, "--format", "json"]));
    let listed = listed.as_array().expect("sessions");
    assert_eq!(listed.len(), 1, "the recording added to the planned session: {listed:?}");
    assert_eq!(listed[0]["met"], serde_json::json!([marker]));
    assert_eq!(listed[0]["notes"], "calmer");
    let planned_exercises: Vec<&Value> = plan["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .filter(|i| i["kind"] == "exercise")
        .map(|i| &i["exercise"])
        .collect();
    let done: Vec<&Value> = listed[0]["done"].as_array().expect("done").iter().collect();
    assert_eq!(done, planned_exercises, "by default, what the saved plan planned is recorded as done");
    assert_eq!(listed[0]["with"], "José Núñez", "the saved plan's partner, seen alone");
    let homework: Vec<&str> =
        listed[0]["homework"].as_array().expect("homework").iter().filter_map(Value::as_str).collect();
    assert!(homework.contains(&sheet.as_str()), "{homework:?}");
    let given: Vec<&str> = plan["homework"].as_array().expect("homework").iter().filter_map(Value::as_str).collect();
    assert!(!given.is_empty() && given.iter().all(|h| homework.contains(h)), "the plan's sheets are kept");

    // The couple's page now has everything.
    let shown = sandbox.ok(&["couple", "show", "josé"]);
    assert!(shown.contains("José Núñez: broke trust; intake received"), "{shown}");
    assert!(shown.contains("Zoë: was hurt; intake received"), "{shown}");
    assert!(shown.contains(&format!("Stage: {stage_id}")), "{shown}");
    assert!(section(&shown, "Sessions:").iter().any(|l| l.contains("#1") && l.contains(&sheet)), "{shown}");
    assert!(shown.contains("Open invitations: none"), "{shown}");

    // Export: a private file of JSON, with no token in it.
    let export = sandbox.path("practice.json");
    sandbox.ok(&["export", "--plaintext", "-o", export.to_str().expect("UTF-8 path")]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export).expect("the export exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the export holds health information");
    }
    let exported = std::fs::read_to_string(&export).expect("read the export");
    let exported_json = parse_json(&exported);
    assert_eq!(exported_json["format"], "mend-export");
    assert_eq!(exported_json["couples"][0]["id"], id.as_str());
    assert!(exported.contains("calmer") && exported.contains("Núñez"));
    for token in [&josé_token, &zoë_token] {
        assert!(!exported.contains(token.as_str()), "a token is in the export");
    }
    let to_stdout = sandbox.mend(&["export", "--plaintext", "-o", "-"]);
    assert_eq!(to_stdout.code, Some(0), "{}", to_stdout.stderr);
    assert_eq!(to_stdout.stdout.trim_end(), exported.trim_end(), "`-o -` writes the same JSON to standard output");
    assert!(!sandbox.path("-").exists(), "and no file named -");

    // Imported into a fresh file and exported again, it is the same JSON, byte for byte.
    let fresh = sandbox.path("fresh.db");
    let fresh = fresh.to_str().expect("UTF-8 path");
    sandbox.ok(&["--db", fresh, "import", export.to_str().expect("UTF-8 path")]);
    let round_trip = sandbox.path("round-trip.json");
    sandbox.ok(&["--db", fresh, "export", "--plaintext", "-o", round_trip.to_str().expect("UTF-8 path")]);
    assert_eq!(std::fs::read_to_string(&round_trip).expect("read the second export"), exported);
    assert!(sandbox.ok(&["--db", fresh, "intake", &id]).contains("[CAUTION] phq2-positive"));

    // A backup is a database that opens and holds the couple.
    let backup = sandbox.path("backups/mend-copy.db");
    sandbox.ok(&["backup", backup.to_str().expect("UTF-8 path")]);
    let copy = open_store(&backup);
    let couples = copy.couples().expect("list the backup's couples");
    assert_eq!(couples.len(), 1);
    assert_eq!(couples[0].short_id, id);
    assert_eq!(couples[0].names(), "José Núñez & Zoë");
    assert_eq!(copy.sessions(&couples[0]).expect("sessions").len(), 1);
}

#[test]
fn links_point_where_the_flag_or_the_configuration_says_and_nowhere_unusable() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox, "José Núñez", "Zoë", "lies", "José");
    std::fs::write(sandbox.path("config.toml"), "base_url = \"https://intake.example.org/\"\n")
        .expect("write the configuration");

    // The configuration's address, without its trailing slash, then the flag over it.
    let from_config = links(&sandbox.ok(&["invite", &id, "--partner", "zoë"]));
    assert_eq!(from_config.len(), 1);
    assert_eq!(from_config[0].0, "https://intake.example.org");
    let from_flag = links(&sandbox.ok(&["invite", &id, "--partner", "zoë", "--base-url", "http://10.0.0.5:8080"]));
    assert_eq!(from_flag[0].0, "http://10.0.0.5:8080");
    let plain = sandbox.mend(&["invite", &id, "--partner", "zoë", "--base-url", "http://10.0.0.5:8080"]);
    assert!(plain.stderr.contains("plain http"), "a warning on the side: {}", plain.stderr);
    let quiet = sandbox.mend(&["invite", &id, "--partner", "zoë"]);
    assert!(quiet.stderr.is_empty(), "an https address needs no warning: {}", quiet.stderr);

    // An address nobody could open is refused before any link is made or retired.
    for bad in ["not a url", "intake.example.org", "ftp://intake.example.org", "https://", "https://x.example/?a=1"] {
        refused_without_change(&sandbox, &["invite", &id, "--base-url", bad], "https://");
    }
    std::fs::write(sandbox.path("config.toml"), "base_url = \"intake.example.org\"\n")
        .expect("write the configuration");
    let message = refused_without_change(&sandbox, &["invite", &id], "config.toml");
    assert!(message.contains("base_url"), "{message}");
    std::fs::remove_file(sandbox.path("config.toml")).expect("remove the configuration");
    let local = sandbox.mend(&["invite", &id, "--partner", "zoë"]);
    assert_eq!(local.code, Some(0));
    assert!(local.stderr.contains("only this computer can open"), "the default address is local: {}", local.stderr);

    // A link that lasts hours says when to the minute, the same instant `couple show` reports.
    let before = time::OffsetDateTime::now_utc();
    let made = parse_json(&sandbox.ok(&["invite", &id, "--expires", "48h", "--format", "json"]));
    let made = made.as_array().expect("one entry per link");
    assert_eq!(made.len(), 2);
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let expires_at = made[0]["expires_at"].as_str().expect("an expiry");
    let expires = time::OffsetDateTime::parse(expires_at, rfc3339).expect("the expiry is RFC 3339");
    // Whole seconds are kept; a minute either way allows for a slow machine.
    let off_by = (expires - time::Duration::hours(48) - before).abs();
    assert!(off_by < time::Duration::minutes(1), "{expires_at} is not 48 hours after {before}");
    let shown = parse_json(&sandbox.ok(&["couple", "show", &id, "--format", "json"]));
    let open: Vec<&str> = shown["open_invitations"]
        .as_array()
        .expect("open invitations")
        .iter()
        .filter_map(|i| i["expires_at"].as_str())
        .collect();
    assert_eq!(open, [expires_at, expires_at], "only the two newest links are open");
    let text = sandbox.ok(&["invite", &id, "--partner", "José", "--expires", "2h"]);
    assert!(text.lines().any(|l| l.contains("José Núñez (until ") && l.contains(" UTC)")), "{text}");
}

#[test]
fn an_export_written_over_an_older_file_is_made_private() {
    let sandbox = Sandbox::new();
    add_couple(&sandbox, "Łukasz", "Zoë", "financial", "Łukasz");
    let export = sandbox.path("shared-folder-export.json");
    std::fs::write(&export, "an old file anyone could read").expect("write the older file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).expect("open the old file up");
    }
    // Without --force the older file is refused and left as it was.
    let refused = sandbox.fails(&["export", "--plaintext", "-o", export.to_str().expect("UTF-8 path")]);
    assert!(refused.contains("already exists") && refused.contains("--force"), "{refused}");
    assert_eq!(std::fs::read_to_string(&export).expect("read the older file"), "an old file anyone could read");
    sandbox.ok(&["export", "--plaintext", "--force", "-o", export.to_str().expect("UTF-8 path")]);
    assert!(std::fs::read_to_string(&export).expect("read the export").contains("Łukasz"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export).expect("the export exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the export holds health information");
    }
}

#[test]
#[cfg(unix)]
fn an_export_to_a_symbolic_link_is_refused_and_the_file_it_points_at_is_unchanged() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    add_couple(&sandbox, "Łukasz", "Zoë", "financial", "Łukasz");
    // A file someone else may read, and a link to it where the therapist will write the export.
    let target = sandbox.path("someone-elses-file.txt");
    std::fs::write(&target, "not yours to overwrite").expect("write the target");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("open the target up");
    let link = sandbox.path("export.json");
    std::os::unix::fs::symlink(&target, &link).expect("make the link");
    for force in [false, true] {
        let mut args = vec!["export", "--plaintext", "-o", link.to_str().expect("UTF-8 path")];
        if force {
            args.push("--force");
        }
        let refused = sandbox.fails(&args);
        assert!(refused.contains("symbolic link"), "{refused}");
        assert_eq!(std::fs::read_to_string(&target).expect("read the target"), "not yours to overwrite");
        let mode = std::fs::metadata(&target).expect("the target").permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "its mode is left alone too");
    }
    // A dangling link is no way in either: nothing is made where it points.
    let nowhere = sandbox.path("made-through-the-link.json");
    let dangling = sandbox.path("dangling.json");
    std::os::unix::fs::symlink(&nowhere, &dangling).expect("make the dangling link");
    let refused = sandbox.fails(&["export", "--plaintext", "-o", dangling.to_str().expect("UTF-8 path")]);
    assert!(refused.contains("symbolic link"), "{refused}");
    assert!(!nowhere.exists(), "no file was created through the link");
}

#[test]
fn two_sessions_on_one_day_stay_two_unless_the_first_was_a_saved_plan() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox, "José Núñez", "Zoë", "lies", "José");
    let record_on_one_day = |stage: &str, notes: &str| {
        sandbox.ok(&["session", "record", &id, "--stage", stage, "--notes", notes, "--date", "2026-03-02"])
    };
    let first = record_on_one_day("safety-and-stabilising", "one");
    assert!(first.contains("Recorded session #1"), "{first}");
    let second = record_on_one_day("honesty-and-questions", "two");
    assert!(second.contains("Recorded session #2"), "{second}");
    let earlier = refused_without_change(
        &sandbox,
        &["session", "record", &id, "--stage", "safety-and-stabilising", "--date", "2026-03-01"],
        "is before session #2 on 2026-03-02",
    );
    assert!(earlier.contains("in the order they were held"), "{earlier}");
    let sessions = parse_json(&sandbox.ok(&["session", "list", &id, "--format", "json"]));
    let stages: Vec<&str> = sessions.as_array().expect("sessions").iter().filter_map(|s| s["stage"].as_str()).collect();
    assert_eq!(stages, ["safety-and-stabilising", "honesty-and-questions"]);

    // An individual session with one partner is a session of its own.
    let alone = sandbox.ok(&[
        "session",
        "record",
        &id,
        "--stage",
        "safety-and-stabilising",
        "--with",
        "zoë",
        "--done",
        "separate-safety-check",
        "--date",
        "2026-03-02",
    ]);
    assert!(alone.contains("Recorded session #3"), "{alone}");
    let sessions = parse_json(&sandbox.ok(&["session", "list", &id, "--format", "json"]));
    assert_eq!(sessions[2]["with"], "Zoë");
    assert_eq!(sessions[2]["done"], serde_json::json!(["separate-safety-check"]));

    // A plan saved today is the session that the next recording today fills in; planning again
    // first replaces it rather than adding another.
    sandbox.ok(&["plan", &id, "--save"]);
    let again = sandbox.mend(&["plan", &id, "--save", "--minutes", "90"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stderr.contains("Replaced today's saved plan: session #4"), "{}", again.stderr);
    assert_eq!(
        parse_json(&sandbox.ok(&["session", "list", &id, "--format", "json"])).as_array().map(Vec::len),
        Some(4)
    );
    let filled = sandbox.ok(&["session", "record", &id, "--stage", "honesty-and-questions", "--notes", "three"]);
    assert!(filled.contains("Updated session #4"), "{filled}");
    let sessions = parse_json(&sandbox.ok(&["session", "list", &id, "--format", "json"]));
    assert_eq!(sessions.as_array().map(Vec::len), Some(4));
    assert_eq!(sessions[3]["notes"], "three");
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_sheet_for_one_partner_is_not_printed_for_the_other_by_mistake() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox, "Zoë Whitfield", "José Núñez", "affair", "José");
    let pdf = sandbox.path("letter.pdf");
    let pdf = pdf.to_str().expect("UTF-8 path");
    let print = |extra: &[&'static str]| -> Vec<String> {
        let base = ["homework", "print", "accountability-letter", "--couple", &id, "-o", pdf];
        base.iter().chain(extra).map(|arg| (*arg).to_owned()).collect()
    };

    let wrong = sandbox.fails(&strs(&print(&["--partner", "Zoë"])));
    assert!(
        wrong.contains("accountability-letter is for the partner who broke trust, and Zoë Whitfield is not"),
        "{wrong}"
    );
    assert!(wrong.contains("--anyway"), "{wrong}");
    assert!(!std::path::Path::new(pdf).exists(), "nothing was written");

    sandbox.ok(&strs(&print(&["--partner", "José"])));
    sandbox.ok(&strs(&print(&["--partner", "Zoë", "--anyway"])));
    assert!(std::path::Path::new(pdf).exists());

    let late = sandbox.fails(&strs(&print(&["--due", "2020-01-01"])));
    assert!(late.contains("the due date 2020-01-01 has passed"), "{late}");
}

// ---------------------------------------------------------------------------------------------
// A stop flag.

#[test]
fn a_partner_afraid_of_the_other_stops_joint_work_until_the_flag_is_resolved() {
    let sandbox = Sandbox::new();
    let db = sandbox.db();
    let id = add_couple(&sandbox, "Łukasz Wiśniewski", "Ana", "lies", "Łukasz");
    let invited = links(&sandbox.ok(&["invite", &id]));
    assert_eq!(invited.len(), 2);
    // Nothing is raised before the partners answer, so there is nothing to resolve yet.
    let early = refused_without_change(
        &sandbox,
        &["flag", "resolve", &id, "fear-of-partner", "--note", "Asked on the phone."],
        "is not raised by the partners' latest answers",
    );
    assert!(early.contains("none is open") && early.contains(&format!("mend intake {id}")), "{early}");
    assert_eq!(submit(&db, &invited[0].1, &answers_of_partner_who_broke_trust("Łukasz")), SubmitOutcome::Stored);
    let afraid = answers_of_hurt_partner("Ana", &[("breach", "lies"), ("afraid_of_partner", "yes")]);
    assert_eq!(submit(&db, &invited[1].1, &afraid), SubmitOutcome::Stored);

    // The stop flag comes first, under a banner, with the command that resolves it.
    let intake = sandbox.ok(&["intake", &id]);
    assert!(intake.contains("STOP: 1 safety flag(s) open"), "{intake}");
    let flags = section(&intake, "Flags");
    let first_flag = flags.iter().find(|l| l.trim_start().starts_with('[')).expect("a flag is listed");
    assert!(first_flag.contains("[STOP] fear-of-partner") && first_flag.contains("Ana"), "{intake}");
    assert!(intake.contains(&format!("mend flag resolve {id} fear-of-partner --note")), "{intake}");
    assert!(intake.contains("(safety-and-stabilising)"), "{intake}");

    // The plan is for individual sessions while it is open.
    let plan = parse_json(&sandbox.ok(&["plan", &id, "--format", "json"]));
    assert_eq!(plan["session_kind"], "individual");

    // While it is open, a sheet filled in alone stays in the session room: never printed to take home.
    let sheet = sandbox.path("safety-plan.pdf");
    let sheet = sheet.to_str().expect("UTF-8 path");
    let kept = sandbox.fails(&["homework", "print", "pause-and-safety-plan", "--couple", &id, "-o", sheet]);
    assert!(kept.contains("is filled in alone, and while fear-of-partner is open"), "{kept}");
    assert!(!std::path::Path::new(sheet).exists(), "nothing was written");
    let folder = sandbox.path("packet");
    let folder = folder.to_str().expect("UTF-8 path");
    let packet =
        sandbox.ok(&["homework", "packet", &id, "--sheets", "pause-and-safety-plan,check-in-guide", "-o", folder]);
    assert!(packet.contains("Left out pause-and-safety-plan"), "{packet}");
    assert!(!std::path::Path::new(folder).join("pause-and-safety-plan-ana.pdf").exists(), "{packet}");
    assert!(std::path::Path::new(folder).join("check-in-guide.pdf").exists(), "{packet}");

    let resolved = sandbox.ok(&[
        "flag",
        "resolve",
        &id,
        "fear-of-partner",
        "--note",
        "Seen alone twice; no violence, a safety plan agreed.",
    ]);
    assert!(resolved.contains("fear-of-partner"), "{resolved}");
    // Each partner was seen alone while the flag was open; recording it lets the plan move on.
    for partner in ["Ana", "Łukasz"] {
        sandbox.ok(&["session", "record", &id, "--stage", "safety-and-stabilising", "--with", partner]);
    }

    // Resolved, joint work may go ahead, and the intake says so.
    let plan = parse_json(&sandbox.ok(&["plan", &id, "--format", "json"]));
    assert_eq!(plan["session_kind"], "joint");
    let view = parse_json(&sandbox.ok(&["intake", &id, "--format", "json"]));
    let flag = view["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .find(|f| f["id"] == "fear-of-partner")
        .expect("the flag is still listed");
    assert_eq!(flag["severity"], "stop");
    assert_eq!(flag["resolved"], true);
    let intake = sandbox.ok(&["intake", &id]);
    assert!(!intake.contains("STOP:") && !intake.contains("mend flag resolve"), "{intake}");
    assert!(intake.lines().any(|l| l.contains("fear-of-partner") && l.contains("(resolved)")), "{intake}");
    assert!(intake.contains("Seen alone twice; no violence"), "the note is shown with the flag: {intake}");
    refused_without_change(
        &sandbox,
        &["flag", "resolve", &id, "fear-of-partner", "--note", "Again."],
        "is already resolved",
    );

    // Ana answers a new intake later and is afraid again: the flag is open again.
    let again = links(&sandbox.ok(&["invite", &id, "--partner", "Ana"]));
    let later = time::OffsetDateTime::now_utc() + time::Duration::minutes(5);
    assert_eq!(submit_at(&db, &again[0].1, &afraid, later), SubmitOutcome::Stored);
    let intake = sandbox.ok(&["intake", &id]);
    assert!(intake.contains("STOP: 1 safety flag(s) open"), "{intake}");
    assert_eq!(parse_json(&sandbox.ok(&["plan", &id, "--format", "json"]))["session_kind"], "individual");
}

// ---------------------------------------------------------------------------------------------
// Files that are missing, foreign or too new.

#[test]
fn a_missing_database_is_reported_and_never_created_by_reading() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("nowhere/mend.db");
    let missing = missing.to_str().expect("UTF-8 path");
    let export = sandbox.path("out.json");
    let export = export.to_str().expect("UTF-8 path");
    let commands: &[&[&str]] = &[
        &["couple", "list"],
        &["couple", "show", "zoë"],
        &["invite", "zoë"],
        &["intake", "zoë"],
        &["plan", "zoë"],
        &["session", "list", "zoë"],
        &["export", "--plaintext", "-o", export],
        &["backup", "copy.db"],
    ];
    for command in commands {
        let args: Vec<&str> = ["--db", missing].iter().chain(command.iter()).copied().collect();
        let message = sandbox.fails(&args);
        assert!(message.contains("no database at") && message.contains("mend couple add"), "{message}");
    }
    // The default path from MEND_DB behaves the same.
    let message = sandbox.fails(&["couple", "list"]);
    assert!(message.contains("mend couple add"), "{message}");
    // Adding a couple with a mistake in it does not create the database either.
    sandbox.fails(&["couple", "add", "--partner", "Zoë", "--breach", "lies", "--broke-trust", "Zoë"]);
    assert!(!sandbox.db().exists(), "a failed command created the database");
    assert!(!sandbox.path("nowhere").exists(), "a failed command created the folder");
    assert!(!sandbox.path("out.json").exists() && !sandbox.path("copy.db").exists());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let sandbox = Sandbox::new();
    let notes = sandbox.path("notes.txt");
    let text = "Zoë: call back on Tuesday.\n".repeat(10);
    std::fs::write(&notes, &text).expect("write the notes");
    let path = notes.to_str().expect("UTF-8 path");
    for command in [
        &["couple", "list"][..],
        &["couple", "add", "--partner", "José", "--partner", "Zoë", "--breach", "lies", "--broke-trust", "José"],
        &["intake", "zoë"],
    ] {
        let args: Vec<&str> = ["--db", path].iter().chain(command).copied().collect();
        let message = sandbox.fails(&args);
        assert!(message.contains("not a mend database") && message.contains("--db"), "{message}");
    }
    // A folder is no database either.
    let message = sandbox.fails(&["--db", sandbox.dir().to_str().expect("UTF-8 path"), "couple", "list"]);
    assert!(message.contains("--db"), "{message}");
    assert_eq!(std::fs::read_to_string(&notes).expect("read the notes"), text);
    assert!(!wal_path(&notes).exists(), "SQLite left a log next to the file");
}

#[test]
fn a_database_from_a_newer_mend_is_refused_and_left_untouched() {
    // A plain record, so that the test can raise its version with a plain SQLite connection.
    let sandbox = Sandbox::with_plain_record();
    let id = add_couple(&sandbox, "José Núñez", "Zoë", "financial", "both");
    {
        let conn = rusqlite::Connection::open(sandbox.db()).expect("open the database directly");
        conn.pragma_update(None, "user_version", mend_store::SCHEMA_VERSION + 7).expect("raise the schema version");
    }
    for command in [
        &["couple", "list"][..],
        &["couple", "show", &id],
        &["couple", "add", "--partner", "Łukasz", "--partner", "Ana", "--breach", "lies", "--broke-trust", "Ana"],
        &["invite", &id],
        &["session", "record", &id, "--stage", "safety-and-stabilising"],
    ] {
        let message = refused_without_change(&sandbox, command, "upgrade mend");
        assert!(message.contains("newer mend"), "{message}");
    }
    let conn = rusqlite::Connection::open(sandbox.db()).expect("open the database directly");
    let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).expect("read the version");
    assert_eq!(version, mend_store::SCHEMA_VERSION + 7, "the schema version was left as it was");
}

// ---------------------------------------------------------------------------------------------
// Mistakes on the command line.

#[test]
fn mistakes_on_the_command_line_are_refused_in_one_line_and_change_nothing() {
    let sandbox = Sandbox::new();
    let first = add_couple(&sandbox, "José Núñez", "Zoë", "affair", "José");
    let second = add_couple(&sandbox, "Łukasz", "Zofia", "emotional-betrayal", "Zofia");
    let stage = "honesty-and-questions";

    refused_without_change(&sandbox, &["couple", "show", "Quentin"], "mend couple list");
    refused_without_change(&sandbox, &["invite", "Quentin"], "mend couple list");
    let message = refused_without_change(&sandbox, &["intake", "zo"], "use the short id");
    assert!(message.contains(&first) && message.contains(&second), "both candidates are named: {message}");
    refused_without_change(&sandbox, &["invite", &first, "--partner", "Quentin"], "Zoë");

    refused_without_change(&sandbox, &["session", "record", &first, "--stage", "healing"], "use one of");
    let next_year = (time::OffsetDateTime::now_utc().year() + 1).to_string() + "-01-15";
    let message = refused_without_change(
        &sandbox,
        &["session", "record", &first, "--stage", stage, "--date", &next_year],
        "is after today",
    );
    assert!(message.contains(&next_year) && message.contains("mend plan"), "{message}");
    refused_without_change(
        &sandbox,
        &["session", "record", &first, "--stage", stage, "--homework", "trigger-log,daily-hugs"],
        "mend homework list",
    );
    let message = refused_without_change(
        &sandbox,
        &["session", "record", &first, "--stage", stage, "--met", "boundaries-written"],
        "use one of",
    );
    assert!(message.contains("questions-answered"), "the stage's markers are listed: {message}");
    let message = refused_without_change(
        &sandbox,
        &["session", "record", &first, "--stage", stage, "--done", "trust-map"],
        "is not an exercise of stage",
    );
    assert!(message.contains("questions-in-session"), "the stage's exercises are listed: {message}");
    refused_without_change(&sandbox, &["session", "record", &first, "--stage", stage, "--with", "Quentin"], "Zoë");
    refused_without_change(&sandbox, &["session", "record", &first, "--stage", stage, "--new-disclosure"], "--notes");
    for date in ["2026-02-30", "next tuesday", "01/12/2026"] {
        refused_without_change(
            &sandbox,
            &["session", "record", &first, "--stage", stage, "--date", date],
            "YYYY-MM-DD",
        );
    }

    for (expires, hint) in
        [("3x", "14d"), ("h", "14d"), ("0d", "1 hour to 90 days"), ("91d", "90 days"), ("99999999999999w", "90 days")]
    {
        refused_without_change(&sandbox, &["invite", &first, "--expires", expires], hint);
    }

    refused_without_change(
        &sandbox,
        &["couple", "add", "--partner", "Ana", "--partner", "Zoë", "--breach", "lies", "--broke-trust", "Quentin"],
        "--broke-trust",
    );
    refused_without_change(
        &sandbox,
        &["couple", "add", "--partner", "Ana", "--breach", "lies", "--broke-trust", "Ana"],
        "two partners",
    );
    refused_without_change(
        &sandbox,
        &["couple", "add", "--partner", "Ana", "--partner", "ana", "--breach", "lies", "--broke-trust", "both"],
        "distinct",
    );

    refused_without_change(&sandbox, &["couple", "delete", &first], "--yes");
    refused_without_change(&sandbox, &["flag", "resolve", &first, "not-a-flag", "--note", "x"], "use one of");
    refused_without_change(&sandbox, &["flag", "resolve", &first, "fear-of-partner", "--note", "  "], "--note");

    // Importing into a record that already holds couples would mix two practices.
    let export = sandbox.path("practice.json");
    sandbox.ok(&["export", "--plaintext", "-o", export.to_str().expect("UTF-8 path")]);
    refused_without_change(&sandbox, &["import", export.to_str().expect("UTF-8 path")], "--db");
    let not_export = sandbox.path("other.json");
    std::fs::write(&not_export, "{\"hello\": \"world\"}").expect("write a stray JSON file");
    refused_without_change(&sandbox, &["import", not_export.to_str().expect("UTF-8 path")], "not a mend export");

    assert_eq!(couple_count(&sandbox), 2, "no mistake added or removed a couple");
}

#[test]
fn a_deleted_couple_is_gone_from_the_list_and_the_file() {
    // A plain record, as an older mend made, whose bytes can be searched: deletion must overwrite
    // even where no encryption hides what is left. (Encrypted records: `encryption.rs`.)
    let sandbox = Sandbox::with_plain_record();
    let gone = add_couple(&sandbox, "José Núñez", "Zoë", "affair", "José");
    let kept = add_couple(&sandbox, "Łukasz", "Ana", "lies", "both");
    let invited = links(&sandbox.ok(&["invite", &gone]));
    // Only hashes of the links are stored, though the names alongside are found by the search.
    let (main, wal) = database_bytes(&sandbox.db());
    let everything = [main, wal.unwrap_or_default()].concat();
    assert!(contains_bytes(&everything, "Núñez".as_bytes()), "the search finds what is stored");
    for (_, token) in &invited {
        assert!(!contains_bytes(&everything, token.as_bytes()), "a token is in the database or its log");
    }
    assert_eq!(
        submit(&sandbox.db(), &invited[1].1, &answers_of_hurt_partner("Zoë", &[("anything_else", "Quetzalcoatl")])),
        SubmitOutcome::Stored
    );
    sandbox.ok(&["session", "record", &gone, "--stage", "honesty-and-questions", "--notes", "Xylophonist"]);

    let traces = ["Núñez", "Quetzalcoatl", "Xylophonist"];
    let (main, wal) = database_bytes(&sandbox.db());
    let everything = [main, wal.unwrap_or_default()].concat();
    assert!(traces.iter().all(|t| contains_bytes(&everything, t.as_bytes())), "the traces are stored before");

    let deleted = sandbox.ok(&["couple", "delete", &gone, "--yes"]);
    assert!(deleted.contains(&gone), "{deleted}");

    let list = sandbox.ok(&["couple", "list"]);
    assert!(!list.contains(&gone) && !list.contains("Zoë"), "{list}");
    assert!(list.contains(&kept), "{list}");
    assert_eq!(couple_count(&sandbox), 1);
    sandbox.fails(&["couple", "show", &gone]);

    // Deleted means overwritten: no name, answer or note survives in the file or its log.
    let (main, wal) = database_bytes(&sandbox.db());
    for trace in traces {
        assert!(!contains_bytes(&main, trace.as_bytes()), "{trace} is still in the database file");
        assert!(!wal.as_ref().is_some_and(|wal| contains_bytes(wal, trace.as_bytes())), "{trace} is in the log");
    }
}

#[test]
fn reading_the_record_leaves_the_file_alone_and_adds_its_audit_entry_to_the_kept_log() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox, "José Núñez", "Zoë", "affair", "José");
    let invited = links(&sandbox.ok(&["invite", &id]));
    let db = sandbox.db();
    assert_eq!(submit(&db, &invited[0].1, &answers_of_partner_who_broke_trust("José")), SubmitOutcome::Stored);
    assert_eq!(submit(&db, &invited[1].1, &answers_of_hurt_partner("Zoë", &[])), SubmitOutcome::Stored);

    // Writes leave the write-ahead log in place for the next command, rather than folding it
    // into the file and deleting it as SQLite does by default when the last connection closes.
    let (file, log) = database_bytes(&db);
    let mut log = log.expect("the log is kept after a write");
    let reads: [&[&str]; 6] = [
        &["plan", &id],
        &["intake", &id],
        &["couple", "show", &id],
        &["couple", "list"],
        &["homework", "list"],
        &["plan", &id, "--format", "json"],
    ];
    for args in reads {
        sandbox.ok(args);
        // No checkpoint: the file is untouched. The log was not reset or removed either: what it
        // held is still there, and the command's audit entry, if any, was appended after it.
        let (file_now, log_now) = database_bytes(&db);
        assert!(file_now == file, "mend {args:?} wrote to the database file");
        let log_now = log_now.unwrap_or_else(|| panic!("mend {args:?} removed the log"));
        assert!(log_now.starts_with(&log), "mend {args:?} rewrote the log instead of appending to it");
        log = log_now;
    }

    let store = open_store(&db);
    let read: Vec<(String, Option<String>)> = store
        .audit_log()
        .expect("read the audit trail")
        .into_iter()
        .filter(|entry| entry.action.contains("viewed") || entry.action.contains("prepared"))
        .map(|entry| (entry.action, entry.couple))
        .collect();
    let of = |action: &str| (action.to_owned(), Some(id.clone()));
    assert_eq!(read, [of("plan prepared"), of("intake viewed"), of("couple viewed"), of("plan prepared")]);
}

#[test]
fn answers_are_read_with_the_version_they_were_given_on_and_a_changed_form_needs_a_new_version() {
    use crate::content_check::{copy_tree, shipped};

    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox, "José Núñez", "Zoë", "affair", "José");
    let invited = links(&sandbox.ok(&["invite", &id]));
    let db = sandbox.db();
    assert_eq!(submit(&db, &invited[0].1, &answers_of_partner_who_broke_trust("José")), SubmitOutcome::Stored);

    // The therapist rewords the first question and raises the version.
    let content = sandbox.path("content");
    copy_tree(&shipped(), &content);
    let intake = content.join("intake/intake.toml");
    let shipped_text = std::fs::read_to_string(&intake).expect("the intake file");
    let version = program().questionnaire.version;
    let reworded = shipped_text.replace(
        "What name would you like your therapist to use for you?",
        "Which name should your therapist call you?",
    );
    let raised = reworded.replacen(&format!("version = {version}"), &format!("version = {}", version + 1), 1);
    std::fs::write(&intake, &raised).expect("write the new version");
    let dir = content.to_string_lossy().into_owned();

    let check = sandbox.ok(&["--content", &dir, "content", "check"]);
    assert!(check.contains(&format!("1 open link(s), 0 with a saved draft, on version {version}")), "{check}");
    assert!(check.contains(&format!("keep showing version {version}")), "{check}");

    let shown = sandbox.ok(&["--content", &dir, "intake", &id]);
    assert!(shown.contains(&format!("on version {version} of the form")), "{shown}");
    assert!(
        shown.contains("What name would you like your therapist to use"),
        "read with the questions asked:\n{shown}"
    );
    let json = parse_json(&sandbox.ok(&["--content", &dir, "intake", &id, "--format", "json"]));
    assert_eq!(json["partners"][0]["questionnaire_version"], version);
    assert_eq!(json["partners"][0]["questionnaire_sha256"].as_str().map(str::len), Some(64));

    // Rewording without raising the version is refused where it would reach a partner.
    std::fs::write(&intake, &reworded).expect("write the changed text under the old version");
    let refused = refused_without_change(&sandbox, &["--content", &dir, "invite", &id], "raise `version`");
    assert!(refused.contains("has changed since links were made"), "{refused}");
    let check = sandbox.mend(&["--content", &dir, "content", "check"]);
    assert_eq!(check.code, Some(1), "{}", check.stdout);
    assert!(check.stdout.contains(&format!("version {version} is already out with other content")), "{}", check.stdout);
}
