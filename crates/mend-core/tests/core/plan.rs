//! Session planning: stage choice, timing, safety, notes, next steps, and plans as JSON.
//!
//! The behaviour tests run against a small fixture program built here from TOML, so they do not
//! move when the shipped content is edited; the snapshot tests use the embedded program. How a
//! plan reads as text or Markdown is the command line's work, and is tested there.

use mend_core::plan::{AgendaKind, Doers, NextStep, NoteAbout, Plan, PlanError, PlanOptions, SessionKind, plan};
use mend_core::{
    Answer, Answers, BreachKind, CoupleRecord, FlagResolution, PartnerName, PartnerRecord, Program, Roles,
    SessionRecord, Severity,
};

// ---------------------------------------------------------------------------------------------
// The fixture program: three stages, one review stage, four sheets, a tiny questionnaire.

const PROGRAM: &str = r#"
title = "Fixture program"
summary = "A small program for tests."
questionnaire = "mini"
stages = ["steadying", "telling", "rebuilding"]
review_stages = ["looking-back"]

[[sources]]
id = "notes"
title = "Fixture notes"
"#;

const INTAKE: &str = r#"
version = 1
title = "Fixture intake"
intro = ["Answer on your own."]

[[sections]]
id = "about"
title = "About you"

[[sections.questions]]
id = "found_out"
kind = "single"
label = "How did it come out?"
options = [
    { value = "told", label = "I was told" },
    { value = "discovered", label = "I found it" },
]

[[sections.questions]]
id = "all_answered"
kind = "yes_no"
label = "Have your questions been answered?"

[[sections.questions]]
id = "afraid"
kind = "yes_no"
label = "Are you afraid of your partner?"

[[sections.questions]]
id = "harm_thoughts"
kind = "yes_no"
label = "Have you thought of harming yourself?"

[[sections.questions]]
id = "interest"
kind = "scale"
label = "Little interest in things"
min = 0
max = 3

[[sections.questions]]
id = "down"
kind = "scale"
label = "Feeling low"
min = 0
max = 3

[[scores]]
id = "mood"
title = "Mood screen"
questions = ["interest", "down"]
cutoff = 3
meaning = "A positive screen asks for a closer look."
attribution = "Invented for tests."

[[flags]]
id = "fear"
severity = "stop"
message = "Says they are afraid of the other partner."
action = "Pause all joint sessions until this flag is resolved. See them alone and make a safety plan."
danger_from_partner = true
sheets_stay_in_session = true
when = { question = "afraid", equals = "yes" }

[[flags]]
id = "harm"
severity = "stop"
message = "Has thought of self-harm lately."
action = "Pause all joint sessions until this flag is resolved. Assess the risk today."
when = { question = "harm_thoughts", equals = "yes" }

[[flags]]
id = "low-mood"
severity = "caution"
message = "The mood screen is positive."
action = "Ask about mood every session."
when = { score = "mood", at_least = 3 }

[[start_rules]]
stage = "telling"
reason = "It was found, not told: begin with the telling."
when = { question = "found_out", equals = "discovered" }

[[start_rules]]
stage = "rebuilding"
reason = "Every question is answered: begin with rebuilding."
when = { question = "all_answered", equals = "yes" }
"#;

/// One exercise of a fixture stage: id, role, minutes, essential.
type ExerciseSpec = (&'static str, &'static str, u32, bool);

fn stage_toml(title: &str, exercises: &[ExerciseSpec], homework: &[&str], markers: &[&str]) -> String {
    let quoted = |items: &[&str]| items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", ");
    let mut toml = format!(
        r#"title = "{title}"
purpose = "Purpose of {title}."
goals = ["First goal of {title}.", "Second goal of {title}."]
key_ideas = ["An idea."]
homework = [{homework}]
watch_fors = ["Watch-for of {title}."]
sources = [{{ article = "notes", section = "One" }}]

[phases]
gottman = "atone"
baucom = "impact"
note = "Early."

[notes]
broke_trust = ["Owns the breach in {title}."]
hurt = ["Says what hurts in {title}."]
both = ["Both slow down in {title}."]
"#,
        homework = quoted(homework)
    );
    for (id, role, minutes, essential) in exercises {
        toml.push_str(&format!(
            r#"
[[exercises]]
id = "{id}"
title = "Exercise {id}"
role = "{role}"
minutes = {minutes}
essential = {essential}
purpose = "Purpose of {id}."
steps = ["Step one of {id}.", "Step two of {id}."]
prompts = ["Prompt of {id}?"]
"#
        ));
    }
    // Marker i is served by exercise i (round the list), so every marker has work that serves it.
    for (i, marker) in markers.iter().enumerate() {
        let served = exercises[i % exercises.len()].0;
        toml.push_str(&format!(
            "\n[[progress_markers]]\nid = \"{marker}\"\ntext = \"Marker {marker} is seen.\"\nserved_by = [\"{served}\"]\n"
        ));
    }
    toml
}

fn sheet_toml(title: &str, audience: &str) -> String {
    let private =
        if audience == "together" { String::new() } else { format!("{:?}, ", mend_core::content::PRIVATE_SHEET_LINE) };
    format!(
        r#"title = "{title}"
audience = "{audience}"
purpose = "Practise {title} at home."
instructions = [{private}"Fill it in."]
sources = [{{ article = "notes", section = "One" }}]

[[blocks]]
kind = "lines"
count = 3
"#
    )
}

/// The fixture's licence ledger: the one invented instrument its intake scores.
const INSTRUMENTS: &str = r#"
[[instruments]]
id = "mood"
name = "Mood screen"
rights_holder = "Nobody: invented for tests."
grant = "Free to use in tests."
grant_source = "This file."
published = "Nowhere."
attribution = "Invented for tests."
cutoffs = [3]
cutoffs_source = "Invented for tests."
"#;

fn fixture() -> Program {
    let files = vec![
        ("program.toml".to_owned(), PROGRAM.to_owned()),
        ("intake/mini.toml".to_owned(), INTAKE.to_owned()),
        ("instruments.toml".to_owned(), INSTRUMENTS.to_owned()),
        (
            "stages/steadying.toml".to_owned(),
            stage_toml(
                "Steadying",
                &[
                    ("calm-talk", "both", 20, true),
                    ("body-map", "hurt", 15, false),
                    ("own-it", "broke_trust", 10, false),
                ],
                &["safety-card", "calm-log"],
                &["calm", "safe"],
            ),
        ),
        (
            "stages/telling.toml".to_owned(),
            stage_toml(
                "Telling",
                &[
                    ("full-account", "broke_trust", 30, true),
                    ("asking", "hurt", 25, true),
                    ("pause", "both", 10, false),
                ],
                &["question-list"],
                &["told", "asked", "heard"],
            ),
        ),
        (
            "stages/rebuilding.toml".to_owned(),
            stage_toml(
                "Rebuilding",
                &[("kept-promises", "broke_trust", 15, true), ("hopes", "both", 10, false)],
                &["shared-hopes"],
                &["steady"],
            ),
        ),
        (
            "stages/looking-back.toml".to_owned(),
            stage_toml("Looking back", &[("weigh", "both", 20, true), ("decide", "both", 15, true)], &[], &["decided"]),
        ),
        ("homework/safety-card.toml".to_owned(), sheet_toml("Safety card", "each")),
        ("homework/calm-log.toml".to_owned(), sheet_toml("Calm log", "together")),
        ("homework/question-list.toml".to_owned(), sheet_toml("Question list", "hurt")),
        ("homework/shared-hopes.toml".to_owned(), sheet_toml("Shared hopes", "together")),
    ];
    match Program::from_files(files) {
        Ok(program) => program,
        Err(errors) => panic!("the fixture program does not load:\n{errors}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Couples.

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(id, value)| {
            let answer = value.parse::<i64>().map_or_else(|_| Answer::Text((*value).to_owned()), Answer::Number);
            ((*id).to_owned(), answer)
        })
        .collect()
}

fn partner(name: &str, roles: Roles, intake: Option<Answers>) -> PartnerRecord {
    // Sent the day before the test's resolutions are made.
    let intake_sent_at = intake.as_ref().map(|_| "2025-01-01T09:00:00Z".to_owned());
    let name = PartnerName::parse(name).unwrap();
    PartnerRecord {
        name,
        pronouns: None,
        roles,
        intake,
        intake_sent_at,
        checkins: Vec::new(),
        intake_questionnaire: None,
    }
}

pub(crate) fn session(number: u32, stage: &str, homework: &[&str], met: &[&str]) -> SessionRecord {
    SessionRecord {
        number,
        held_on: mend_core::day::parse_day(&format!("2025-01-{:02}", number.min(28))).unwrap(),
        stage: stage.to_owned(),
        homework: homework.iter().map(|s| (*s).to_owned()).collect(),
        met: met.iter().map(|s| (*s).to_owned()).collect(),
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: String::new(),
        planned: false,
    }
}

fn resolution(flag: &str) -> FlagResolution {
    FlagResolution {
        flag: flag.to_owned(),
        note: "Seen alone; safe to go on.".to_owned(),
        resolved_at: "2025-01-02T10:00:00Z".to_owned(),
    }
}

/// José broke trust, Zoë was hurt; intakes as given, no sessions.
fn couple(jose: Option<Answers>, zoe: Option<Answers>) -> CoupleRecord {
    CoupleRecord {
        id: "k3f9".to_owned(),
        label: None,
        breach: BreachKind::Affair,
        partners: vec![partner("José Núñez", Roles::BrokeTrust, jose), partner("Zoë", Roles::Hurt, zoe)],
        sessions: Vec::new(),
        resolved_flags: Vec::new(),
    }
}

/// The record after each partner's private safety check-in, held alone at the first stage before
/// any joint session, so that the next plan is joint.
fn seen_alone(mut record: CoupleRecord) -> CoupleRecord {
    for (number, name) in (1..).zip(["José Núñez", "Zoë"]) {
        let mut check_in = session(number, "steadying", &[], &[]);
        check_in.with = Some(name.to_owned());
        record.sessions.push(check_in);
    }
    record
}

fn calm_couple() -> CoupleRecord {
    couple(Some(answers(&[("found_out", "told")])), Some(answers(&[("found_out", "told")])))
}

fn with_sessions(mut record: CoupleRecord, sessions: Vec<SessionRecord>) -> CoupleRecord {
    record.sessions = sessions;
    record
}

fn options(minutes: u32) -> PlanOptions {
    PlanOptions { minutes, stage_override: None, today: "2025-03-14".to_owned() }
}

fn make(program: &Program, record: &CoupleRecord, options: &PlanOptions) -> Plan {
    match plan(program, record, options) {
        Ok(plan) => plan,
        Err(e) => panic!("planning failed: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Minutes.

/// Checks that a plan's minutes add up, start where the previous item ended, and keep what must stay.
fn check_minutes(plan: &Plan, what: &str) {
    let total: u32 = plan.agenda.iter().map(|i| i.minutes).sum();
    assert_eq!(total, plan.minutes, "{what}: minutes add up to {total}, not {}", plan.minutes);
    let mut clock = 0;
    for item in &plan.agenda {
        assert!(item.minutes >= 1, "{what}: {} has no time", item.title);
        assert_eq!(item.starts_at, clock, "{what}: {} starts at the wrong minute", item.title);
        clock += item.minutes;
    }
    let kinds: Vec<AgendaKind> = plan.agenda.iter().map(|i| i.kind).collect();
    match plan.session_kind {
        SessionKind::Joint => {
            for kept in [AgendaKind::CheckIn, AgendaKind::Safety, AgendaKind::Exercise, AgendaKind::Closing] {
                assert!(kinds.contains(&kept), "{what}: {kept:?} was dropped");
            }
            let safety = plan.agenda.iter().find(|i| i.kind == AgendaKind::Safety).unwrap();
            assert_eq!(safety.minutes, 3, "{what}: the safety check was shortened");
        }
        SessionKind::Individual => {
            assert!(kinds.iter().all(|k| *k == AgendaKind::Individual), "{what}: {kinds:?}");
            assert_eq!(kinds.len(), 1, "{what}: one partner, the whole session");
        }
    }
}

#[test]
fn minutes_add_up_for_every_length_joint_and_individual() {
    let program = fixture();
    let fearful = answers(&[("afraid", "yes")]);
    let cases: Vec<(&str, CoupleRecord, SessionKind)> = vec![
        ("first session, no intake", couple(None, None), SessionKind::Individual),
        ("first joint session, no intake", seen_alone(couple(None, None)), SessionKind::Joint),
        (
            "long exercises with homework review",
            with_sessions(
                couple(Some(answers(&[("found_out", "discovered")])), None),
                vec![session(1, "telling", &["question-list"], &[])],
            ),
            SessionKind::Joint,
        ),
        ("steadying, first session", seen_alone(calm_couple()), SessionKind::Joint),
        (
            "rebuilding, short stage",
            with_sessions(calm_couple(), vec![session(4, "rebuilding", &["shared-hopes"], &[])]),
            SessionKind::Joint,
        ),
        ("open stop flag", couple(None, Some(fearful.clone())), SessionKind::Individual),
        (
            "two open stop flags",
            couple(Some(answers(&[("harm_thoughts", "yes")])), Some(fearful)),
            SessionKind::Individual,
        ),
    ];
    for (what, record, kind) in &cases {
        for minutes in 30..=120 {
            let plan = make(&program, record, &options(minutes));
            assert_eq!(plan.session_kind, *kind, "{what}");
            check_minutes(&plan, &format!("{what} at {minutes} minutes"));
        }
    }
}

#[test]
fn minutes_outside_30_to_120_are_refused_with_the_range() {
    let program = fixture();
    for minutes in [0, 29, 121, 600] {
        let err = plan(&program, &calm_couple(), &options(minutes)).unwrap_err();
        assert_eq!(err, PlanError::MinutesOutOfRange { minutes });
        assert_eq!(
            err.to_string(),
            format!("a session of {minutes} minutes cannot be planned: sessions last 30 to 120 minutes")
        );
    }
}

#[test]
fn a_short_session_states_its_rule_and_keeps_check_in_and_safety() {
    let program = fixture();
    let record = with_sessions(calm_couple(), vec![session(1, "telling", &["question-list"], &[])]);
    // Telling needs 30 + 25 + 10 minutes of exercises: nothing of it fits whole in 30, 40 or 50 minutes.
    let cases = [
        (30, "Dropped: “Exercise asking” (25 min), “Exercise pause” (10 min). Shortened: “Review"),
        (40, "Dropped: “Exercise pause” (10 min). Shortened: “Review"),
        (50, "Dropped: “Exercise pause” (10 min). Shortened: “Exercise full-account” (30 → 19 min), “Exercise asking”"),
    ];
    for (minutes, says) in cases {
        let plan = make(&program, &record, &options(minutes));
        let rule = plan.shortening_rule.as_deref().unwrap_or_else(|| panic!("{minutes}: no rule stated"));
        assert!(rule.contains("The safety check is never shortened or dropped"), "{rule}");
        assert!(rule.contains(says), "{minutes}: {rule}");
        check_minutes(&plan, &format!("{minutes} minutes"));
    }
    let roomy = make(&program, &record, &options(120));
    assert_eq!(roomy.shortening_rule, None, "nothing is cut from 120 minutes");
    assert!(roomy.agenda.iter().any(|i| i.exercise.as_deref() == Some("pause")));
}

fn exercises_of(plan: &Plan) -> Vec<&str> {
    plan.agenda.iter().filter_map(|i| i.exercise.as_deref()).collect()
}

/// A session at `stage` that did `done` and met `met`.
fn held(number: u32, stage: &str, done: &[&str], met: &[&str]) -> SessionRecord {
    let mut held = session(number, stage, &[], met);
    held.done = done.iter().map(|s| (*s).to_owned()).collect();
    held
}

#[test]
fn only_work_serving_an_unmet_marker_is_planned() {
    let program = fixture();
    // Steadying: calm-talk (both, 20) serves calm, body-map (hurt, 15) serves safe, own-it serves nothing.
    let cases: [(CoupleRecord, u32, &[&str]); 4] = [
        (seen_alone(calm_couple()), 120, &["calm-talk", "body-map"]),
        (seen_alone(calm_couple()), 50, &["calm-talk", "body-map"]),
        (seen_alone(calm_couple()), 30, &["calm-talk"]),
        (with_sessions(calm_couple(), vec![held(1, "steadying", &["calm-talk"], &["calm"])]), 50, &["body-map"]),
    ];
    for (record, minutes, expected) in cases {
        let plan = make(&program, &record, &options(minutes));
        assert_eq!(exercises_of(&plan), expected, "{minutes} minutes after {} sessions", record.sessions.len());
        check_minutes(&plan, &format!("{minutes} minutes"));
    }
}

#[test]
fn the_next_session_at_a_stage_rotates_by_what_was_done() {
    let program = fixture();
    // Telling: full-account (broke trust, 30) serves told, asking (hurt, 25) asked, pause (both, 10) heard.
    let first = with_sessions(calm_couple(), vec![held(1, "telling", &[], &[])]);
    assert_eq!(exercises_of(&make(&program, &first, &options(50))), ["full-account", "asking"]);
    let second = with_sessions(calm_couple(), vec![held(1, "telling", &["full-account", "asking"], &[])]);
    let plan = make(&program, &second, &options(50));
    assert_eq!(exercises_of(&plan), ["pause", "full-account"], "what was not done last time comes first");
    let planned_not_done = with_sessions(calm_couple(), vec![held(1, "telling", &["pause"], &[])]);
    assert_eq!(exercises_of(&make(&program, &planned_not_done, &options(50))), ["full-account", "asking"]);
}

#[test]
fn exercise_items_name_the_markers_they_serve() {
    let program = fixture();
    let plan = make(&program, &with_sessions(calm_couple(), vec![held(1, "telling", &[], &[])]), &options(120));
    let serves: Vec<(&str, Vec<&str>)> = plan
        .agenda
        .iter()
        .filter_map(|i| i.exercise.as_deref().map(|e| (e, i.serves.iter().map(String::as_str).collect())))
        .collect();
    assert_eq!(serves, vec![("full-account", vec!["told"]), ("asking", vec!["asked"]), ("pause", vec!["heard"])]);
}

#[test]
fn exercise_items_carry_steps_prompts_and_role() {
    let program = fixture();
    let plan = make(&program, &seen_alone(calm_couple()), &options(120));
    let item = plan.agenda.iter().find(|i| i.exercise.as_deref() == Some("body-map")).unwrap();
    assert_eq!(item.role, Some(mend_core::Role::Hurt));
    assert_eq!(item.steps, vec!["Step one of body-map.", "Step two of body-map."]);
    assert_eq!(item.prompts, vec!["Prompt of body-map?"]);
    let doers = item.doers.as_ref().unwrap();
    assert_eq!(doers, &Doers::One { name: "Zoë".to_owned(), role: mend_core::Role::Hurt });
    assert_eq!(doers.to_string(), "For Zoë (the hurt partner).");
    // In JSON, it is the sentence after the exercise's purpose, as in plans saved before.
    let json = serde_json::to_value(item).unwrap();
    assert_eq!(json["what"][1], "For Zoë (the hurt partner).", "{json}");
}

// ---------------------------------------------------------------------------------------------
// Stage choice.

/// Plans with the given record and checks the stage and that the reason says each expected thing.
fn check_stage(program: &Program, record: &CoupleRecord, stage: &str, reason_has: &[&str]) {
    let plan = make(program, record, &options(50));
    assert_eq!(plan.stage.id, stage, "reason given: {}", plan.stage_reason);
    for needle in reason_has {
        assert!(plan.stage_reason.contains(needle), "{needle:?} missing from: {}", plan.stage_reason);
    }
}

#[test]
fn the_first_stage_comes_from_the_intake_start_rules() {
    let program = fixture();
    let found = || Some(answers(&[("found_out", "discovered")]));
    let answered = || Some(answers(&[("all_answered", "yes")]));
    let cases: Vec<(&str, CoupleRecord, &str, Vec<&str>)> = vec![
        ("no intake at all", couple(None, None), "steadying", vec!["No intake answers yet"]),
        ("no rule holds", calm_couple(), "steadying", vec!["match none of the start rules"]),
        (
            "one partner's answers",
            couple(None, found()),
            "telling",
            vec!["Zoë's answers", "begin with the telling", "José Núñez has not answered"],
        ),
        ("the first rule wins across partners", couple(answered(), found()), "telling", vec!["Zoë's answers"]),
        (
            "a later rule",
            couple(answered(), Some(answers(&[("found_out", "told")]))),
            "rebuilding",
            vec!["José Núñez's answers"],
        ),
        ("both partners match", couple(found(), found()), "telling", vec!["José Núñez's and Zoë's answers"]),
    ];
    for (what, record, stage, reason) in cases {
        eprintln!("case: {what}");
        check_stage(&program, &record, stage, &reason);
    }
}

#[test]
fn a_stage_advances_only_when_all_its_markers_are_met() {
    let program = fixture();
    // The intake would start at "telling"; once sessions exist, only the record counts.
    let base = || couple(Some(answers(&[("found_out", "discovered")])), None);
    let cases: Vec<(&str, Vec<SessionRecord>, &str, Vec<&str>)> = vec![
        (
            "all markers met in one session",
            vec![session(1, "steadying", &[], &["calm", "safe"])],
            "telling",
            vec!["All 2 progress markers", "were met by session 1"],
        ),
        (
            "markers met across sessions",
            vec![session(1, "steadying", &[], &["calm"]), session(2, "steadying", &[], &["safe"])],
            "telling",
            vec!["by session 2"],
        ),
        (
            "one marker unmet",
            vec![session(1, "steadying", &[], &["calm"])],
            "steadying",
            vec![
                "1 of its 2 progress markers are still unmet",
                "Marker safe is seen (safe)",
                "The couple moves on when all are met.",
            ],
        ),
        (
            "nothing met",
            vec![session(1, "telling", &[], &[])],
            "telling",
            vec!["3 of its 3", "(told)", "(asked)", "(heard)"],
        ),
        (
            "markers met at another stage do not count",
            vec![session(1, "telling", &[], &["told", "asked", "heard"]), session(2, "steadying", &[], &["told"])],
            "steadying",
            vec!["(calm)", "(safe)"],
        ),
        (
            "never more than one stage at a time",
            vec![session(1, "steadying", &[], &["calm", "safe", "told", "asked", "heard"])],
            "telling",
            vec!["moves on to the next stage"],
        ),
        (
            "the therapist records a later stage",
            vec![session(1, "steadying", &[], &[]), session(2, "rebuilding", &[], &[])],
            "rebuilding",
            vec!["Session 2 was recorded at “Rebuilding”, past “Telling”", "(steady)"],
        ),
        (
            "the last stage complete stays",
            vec![session(7, "rebuilding", &[], &["steady"])],
            "rebuilding",
            vec!["the last stage", "stays here to consolidate."],
        ),
        (
            "after a review, back to the stage before it",
            vec![session(1, "telling", &[], &["told"]), session(2, "looking-back", &[], &["decided"])],
            "telling",
            vec!["Session 2 was the review stage “Looking back”", "only by the therapist's decision", "2 of its 3"],
        ),
        (
            "a review as the only session falls back to the intake",
            vec![session(1, "looking-back", &[], &[])],
            "telling",
            vec!["review stage", "Zoë"],
        ),
    ];
    for (what, sessions, stage, reason) in cases {
        eprintln!("case: {what}");
        check_stage(&program, &with_sessions(base(), sessions), stage, &reason);
    }
}

#[test]
fn the_session_number_follows_the_last_recorded_one() {
    let program = fixture();
    let cases: Vec<(Vec<SessionRecord>, u32)> = vec![
        (vec![], 1),
        (vec![session(1, "steadying", &[], &[])], 2),
        // Out of order in the record: the highest number counts, and its stage is the latest.
        (vec![session(5, "telling", &[], &[]), session(3, "steadying", &[], &[])], 6),
    ];
    for (sessions, expected) in cases {
        let plan = make(&program, &with_sessions(calm_couple(), sessions), &options(50));
        assert_eq!(plan.session_number, expected);
        if expected == 6 {
            assert_eq!(plan.stage.id, "telling");
        }
    }
}

#[test]
fn override_chooses_any_stage_including_review() {
    let program = fixture();
    let record = with_sessions(calm_couple(), vec![session(1, "steadying", &[], &[])]);
    let cases = [
        (
            "looking-back",
            vec!["Chosen by the therapist.", "review stage", "Without that choice, the plan would be at “Steadying”"],
        ),
        ("rebuilding", vec!["Chosen by the therapist.", "would be at “Steadying”"]),
        ("steadying", vec!["Chosen by the therapist."]),
    ];
    for (stage, reason) in cases {
        let mut options = options(50);
        options.stage_override = Some(stage.to_owned());
        let plan = make(&program, &record, &options);
        assert_eq!(plan.stage.id, stage);
        assert_eq!(stage_step(&plan), None, "a stage the therapist chose needs no step to reach it");
        for needle in reason {
            assert!(plan.stage_reason.contains(needle), "{needle:?} missing from {}", plan.stage_reason);
        }
        check_minutes(&plan, stage);
    }
}

#[test]
fn an_unknown_stage_is_refused_with_every_stage_id() {
    let program = fixture();
    let mut options = options(50);
    options.stage_override = Some("reconcile".to_owned());
    let err = plan(&program, &calm_couple(), &options).unwrap_err();
    let known: Vec<String> = ["steadying", "telling", "rebuilding", "looking-back"].map(String::from).to_vec();
    assert_eq!(err, PlanError::UnknownStage { id: "reconcile".to_owned(), known });
    assert_eq!(
        err.to_string(),
        r#"the program has no stage "reconcile"; its stages are steadying, telling, rebuilding, looking-back"#
    );
}

#[test]
fn a_record_the_program_cannot_read_is_refused_with_its_cause() {
    let program = fixture();
    let mut one_partner = calm_couple();
    one_partner.partners.pop();
    let unknown_stage = with_sessions(calm_couple(), vec![session(1, "gone", &[], &[])]);
    let cases = [
        (
            one_partner,
            PlanError::NotTwoPartners { couple: "k3f9".to_owned(), partners: 1 },
            "couple k3f9 has 1 partner(s), and a plan needs exactly two",
        ),
        (
            unknown_stage,
            PlanError::UnknownRecordedStage { session: 1, stage: "gone".to_owned() },
            r#"session 1 is recorded at stage "gone", which this program does not have"#,
        ),
    ];
    for (record, expected, says) in cases {
        let err = plan(&program, &record, &options(50)).unwrap_err();
        assert_eq!(err, expected);
        assert_eq!(err.to_string(), says);
    }
    // An override does not need the record's stage, so it still plans.
    let mut with_override = options(50);
    with_override.stage_override = Some("telling".to_owned());
    let record = with_sessions(calm_couple(), vec![session(1, "gone", &[], &[])]);
    assert_eq!(make(&program, &record, &with_override).stage.id, "telling");
}

// ---------------------------------------------------------------------------------------------
// Safety.

/// Checks a plan made while stop flags are open: individual sessions, a notice naming each flag,
/// a step to resolve each, no joint work, only safety sheets.
fn check_held_for_safety(plan: &Plan, flags: &[&str]) {
    assert_eq!(plan.session_kind, SessionKind::Individual);
    let notice = plan.notice.as_deref().expect("a notice says why joint work waits");
    for flag in flags {
        assert!(notice.contains(&format!("{flag}, from ")), "{notice}");
    }
    let to_resolve: Vec<&str> = plan
        .next_steps
        .iter()
        .filter_map(|step| match step {
            NextStep::ResolveFlag { flag } => Some(flag.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(to_resolve, flags, "one step per open stop flag, and only those");
    assert!(plan.agenda.iter().all(|i| i.kind == AgendaKind::Individual && i.exercise.is_none()));
    let seen: Vec<&str> = plan.agenda.iter().filter_map(|i| i.partner.as_deref()).collect();
    assert_eq!(seen.len(), 1, "one partner at a time");
    assert_eq!(plan.with.as_deref(), seen.first().copied());
    if flags.contains(&"fear") {
        // Fear is open: the safety sheet, filled in alone, is gone through in the session and stays there.
        assert!(plan.homework.is_empty(), "no sheet filled in alone goes home: {:?}", plan.homework);
        assert!(plan.agenda[0].sheets.is_empty());
        assert!(
            plan.agenda[0].what.iter().any(|w| w.starts_with("While fear is open, no sheet filled in alone goes home")
                && w.contains("Safety card (safety-card)")),
            "{:?}",
            plan.agenda[0].what
        );
        assert!(!plan.next_steps.iter().any(|s| matches!(s, NextStep::PrintPacket { .. })));
    } else {
        assert_eq!(plan.homework, ["safety-card"], "only the first stage's safety sheet for one partner");
    }
    check_minutes(plan, "held for safety");
}

#[test]
fn sheets_filled_in_alone_stay_in_the_session_while_a_fear_flag_is_open() {
    let program = fixture();
    let mut record = seen_alone(couple(None, Some(answers(&[("afraid", "yes")]))));
    let held = make(&program, &record, &options(50));
    assert!(held.homework.is_empty(), "{:?}", held.homework);
    // Once it is resolved, the joint session's sheets go home again, the one filled in alone too.
    record.resolved_flags.push(resolution("fear"));
    let joint = make(&program, &record, &options(50));
    assert_eq!(joint.homework, ["safety-card", "calm-log"]);
    assert!(joint.next_steps.contains(&NextStep::PrintPacket { sheets: joint.homework.clone() }));
    // Harm alone keeps no sheet in the room: the safety sheet goes home.
    let harm = make(&program, &couple(None, Some(answers(&[("harm_thoughts", "yes")]))), &options(50));
    assert_eq!(harm.homework, ["safety-card"]);
}

#[test]
fn every_stop_flag_holds_joint_work_until_resolved() {
    let program = fixture();
    let cases = [("fear", ("afraid", "yes")), ("harm", ("harm_thoughts", "yes"))];
    let stop_rules: Vec<&str> =
        program.questionnaire.flags.iter().filter(|f| f.severity == Severity::Stop).map(|f| f.id.as_str()).collect();
    assert_eq!(stop_rules, cases.map(|(id, _)| id), "every stop flag of the fixture has a case");

    for (flag, answer) in cases {
        let record = couple(None, Some(answers(&[answer])));
        check_held_for_safety(&make(&program, &record, &options(50)), &[flag]);

        let mut resolved = seen_alone(record.clone());
        resolved.resolved_flags.push(resolution(flag));
        let plan = make(&program, &resolved, &options(50));
        assert_eq!(plan.session_kind, SessionKind::Joint, "{flag} was resolved");
        assert_eq!(plan.notice, None);
        assert!(plan.flags.iter().any(|f| f.id == flag && f.resolved));
        let safety = plan.agenda.iter().find(|i| i.kind == AgendaKind::Safety).unwrap();
        assert!(
            safety.what.iter().any(|w| w.contains(&format!("stop flag {flag} (Zoë) was resolved"))),
            "{:?}",
            safety.what
        );
    }

    // Two open flags: both are named, and resolving one is not enough.
    let mut record = couple(Some(answers(&[("harm_thoughts", "yes")])), Some(answers(&[("afraid", "yes")])));
    check_held_for_safety(&make(&program, &record, &options(50)), &["fear", "harm"]);
    record.resolved_flags.push(resolution("fear"));
    check_held_for_safety(&make(&program, &record, &options(50)), &["harm"]);
}

/// Secrets kept for safety: José, cast as having broken trust, says he is afraid of Zoë. What he
/// kept hidden may be what keeps him safe, so no accountability work is planned for him.
#[test]
fn a_partner_cast_as_having_broken_trust_who_reports_fear_gets_no_accountability_plan() {
    let program = fixture();
    let steadied = |jose: &[(&str, &str)]| {
        let mut record = seen_alone(couple(Some(answers(jose)), Some(answers(&[("found_out", "told")]))));
        record.sessions.push(session(3, "steadying", &[], &["calm", "safe"]));
        record
    };
    // Without the fear, the couple moves on to the telling, and José gives the full account.
    let calm = make(&program, &steadied(&[("afraid", "no")]), &options(50));
    assert_eq!(calm.stage.id, "telling");
    assert!(calm.agenda.iter().any(|i| i.exercise.as_deref() == Some("full-account")));
    assert_eq!(calm.notice, None);

    // Afraid, and the flag still open: joint work waits, as for any stop flag.
    let mut record = steadied(&[("afraid", "yes")]);
    assert_eq!(make(&program, &record, &options(50)).session_kind, SessionKind::Individual);

    // Resolved: a joint session, but the roles are not assigned.
    record.resolved_flags.push(resolution("fear"));
    let plan = make(&program, &record, &options(50));
    assert_eq!(plan.session_kind, SessionKind::Joint);
    assert_eq!(plan.stage.id, "steadying", "{}", plan.stage_reason);
    assert!(plan.stage_reason.contains("rather than “Telling”"), "{}", plan.stage_reason);
    let notice = plan.notice.as_deref().expect("a notice says why");
    assert!(notice.contains("José Núñez, cast as having broken trust") && notice.contains("(fear)"), "{notice}");
    assert!(notice.contains("roles are not assigned"), "{notice}");
    let exercises: Vec<&str> = plan.agenda.iter().filter_map(|i| i.exercise.as_deref()).collect();
    assert!(!exercises.is_empty());
    assert!(!exercises.contains(&"own-it") && !exercises.contains(&"body-map"), "{exercises:?}");
    assert!(plan.agenda.iter().all(|i| i.role.is_none_or(|r| r == mend_core::Role::Both)));
    for partner in &plan.partners {
        assert!(
            partner.notes.iter().all(|n| !matches!(n.about, NoteAbout::BrokeTrust | NoteAbout::Hurt)),
            "{:?}",
            partner.notes
        );
    }

    // The therapist's own choice of a later stage, once recorded, says the roles stand.
    record.sessions.push(session(4, "telling", &[], &[]));
    let chosen = make(&program, &record, &options(50));
    assert_eq!(chosen.stage.id, "telling");
    assert_eq!(chosen.notice, None);
    assert!(chosen.agenda.iter().any(|i| i.exercise.as_deref() == Some("full-account")));
}

#[test]
fn newer_answers_that_raise_a_resolved_flag_open_it_again() {
    let program = fixture();
    let mut record = seen_alone(couple(None, Some(answers(&[("afraid", "yes")]))));
    record.resolved_flags.push(resolution("fear"));
    assert_eq!(make(&program, &record, &options(50)).session_kind, SessionKind::Joint);

    // Zoë sends a new intake after the resolution, and is afraid again.
    record.partners[1].intake_sent_at = Some("2025-02-01T09:00:00Z".to_owned());
    let plan = make(&program, &record, &options(50));
    check_held_for_safety(&plan, &["fear"]);
    assert!(plan.flags.iter().any(|f| f.id == "fear" && !f.resolved), "{:?}", plan.flags);

    // A new assessment after those answers resolves it again.
    let mut again = resolution("fear");
    again.resolved_at = "2025-02-03T10:00:00Z".to_owned();
    record.resolved_flags.push(again);
    assert_eq!(make(&program, &record, &options(50)).session_kind, SessionKind::Joint);
}

#[test]
fn individual_sessions_do_not_reveal_a_partners_disclosure() {
    let program = fixture();
    let mut record = couple(None, Some(answers(&[("afraid", "yes")])));
    // The partner whose answers raised the flag is seen first, then the other, in turn.
    let first = make(&program, &record, &options(45));
    assert_eq!(first.with.as_deref(), Some("Zoë"));
    let zoe = &first.agenda[0];
    assert!(zoe.what.iter().any(|w| w.contains("Assess the stop flag fear")), "{:?}", zoe.what);
    assert_eq!(zoe.minutes, 45, "the whole session");
    let mut held = session(1, "steadying", &[], &[]);
    held.with = Some("Zoë".to_owned());
    record.sessions.push(held);
    let second = make(&program, &record, &options(45));
    assert_eq!(second.with.as_deref(), Some("José Núñez"));
    let jose = &second.agenda[0];
    assert!(jose.what.iter().any(|w| w.contains("Do not reveal what Zoë said")), "{:?}", jose.what);
    assert!(jose.what.iter().all(|w| !w.contains("afraid")), "{:?}", jose.what);
}

#[test]
fn watch_fors_hold_open_flags_with_partner_and_severity_then_the_stages_own() {
    let program = fixture();
    let mut record = couple(Some(answers(&[("interest", "2"), ("down", "2")])), Some(answers(&[("afraid", "yes")])));
    record.resolved_flags.push(resolution("fear"));
    let plan = make(&program, &record, &options(50));
    let watch: Vec<(Option<Severity>, Option<&str>, &str)> =
        plan.watch_fors.iter().map(|w| (w.severity, w.partner.as_deref(), w.text.as_str())).collect();
    assert_eq!(
        watch,
        [
            (Some(Severity::Caution), Some("José Núñez"), "The mood screen is positive."),
            (None, None, "Watch-for of Steadying."),
        ]
    );
    let flags: Vec<(&str, &str, bool)> =
        plan.flags.iter().map(|f| (f.id.as_str(), f.partner.as_str(), f.resolved)).collect();
    assert_eq!(flags, [("fear", "Zoë", true), ("low-mood", "José Núñez", false)]);
}

// ---------------------------------------------------------------------------------------------
// Partners.

/// Checks which note texts a partner gets, in order.
fn check_notes(plan: &Plan, name: &str, expected: &[(NoteAbout, &str)]) {
    let partner = plan.partners.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no partner {name}"));
    let notes: Vec<(NoteAbout, &str)> = partner.notes.iter().map(|n| (n.about, n.text.as_str())).collect();
    assert_eq!(notes, expected, "notes for {name}");
}

#[test]
fn notes_follow_each_partners_roles_and_intake() {
    let program = fixture();
    let low = answers(&[("interest", "3"), ("down", "1")]);
    let plan = make(&program, &seen_alone(couple(Some(low.clone()), None)), &options(50));
    check_notes(
        &plan,
        "José Núñez",
        &[
            (NoteAbout::Intake, "Caution flag low-mood: The mood screen is positive. Ask about mood every session."),
            (NoteAbout::BrokeTrust, "Owns the breach in Steadying."),
            (NoteAbout::Both, "Both slow down in Steadying."),
        ],
    );
    check_notes(
        &plan,
        "Zoë",
        &[
            (NoteAbout::Intake, "No intake answers from Zoë yet."),
            (NoteAbout::Hurt, "Says what hurts in Steadying."),
            (NoteAbout::Both, "Both slow down in Steadying."),
        ],
    );

    let mut mutual = couple(Some(low), Some(answers(&[])));
    mutual.breach = BreachKind::BrokenPromises;
    for partner in &mut mutual.partners {
        partner.roles = Roles::Mutual;
    }
    let plan = make(&program, &seen_alone(mutual), &options(50));
    check_notes(
        &plan,
        "Zoë",
        &[
            (NoteAbout::BrokeTrust, "Owns the breach in Steadying."),
            (NoteAbout::Hurt, "Says what hurts in Steadying."),
            (NoteAbout::Both, "Both slow down in Steadying."),
        ],
    );
    let own_it = plan.agenda.iter().find(|i| i.exercise.as_deref() == Some("calm-talk")).unwrap();
    let doers = own_it.doers.as_ref().map(ToString::to_string);
    assert_eq!(doers.as_deref(), Some("For both: José Núñez and Zoë."), "{:?}", own_it.doers);
}

// ---------------------------------------------------------------------------------------------
// Homework.

#[test]
fn homework_is_reviewed_by_title_and_given_from_the_stage() {
    let program = fixture();
    let record = with_sessions(calm_couple(), vec![session(1, "steadying", &["safety-card", "calm-log"], &["calm"])]);
    let plan = make(&program, &record, &options(60));
    assert_eq!(plan.homework, ["safety-card", "calm-log"]);
    let review = plan.agenda.iter().find(|i| i.kind == AgendaKind::HomeworkReview).expect("a review of last homework");
    assert_eq!(review.title, "Review of homework from session 1");
    assert_eq!(
        review.what[..2],
        [
            "Safety card (safety-card), one for each partner: ask each of them what they did with it, what was hard, \
             and what they noticed.",
            "Calm log (calm-log), done together: ask how doing it together went, what was hard, and what they noticed.",
        ]
    );
    let given = plan.agenda.iter().find(|i| i.kind == AgendaKind::Homework).expect("homework to give");
    assert_eq!(given.what[0], "Safety card (safety-card), one for each partner: Practise Safety card at home.");

    let first = make(&program, &calm_couple(), &options(60));
    assert!(first.agenda.iter().all(|i| i.kind != AgendaKind::HomeworkReview), "nothing to review at session 1");
}

// ---------------------------------------------------------------------------------------------
// Next steps.

/// The step that goes with the stage's reason, if any: inviting both partners, marking markers or
/// planning a review.
fn stage_step(plan: &Plan) -> Option<&NextStep> {
    plan.next_steps
        .iter()
        .find(|step| matches!(step, NextStep::InviteBoth | NextStep::MarkMarkers { .. } | NextStep::PlanReview { .. }))
}

#[test]
fn the_stage_reason_comes_with_the_step_that_moves_the_couple_on() {
    let program = fixture();
    let cases: Vec<(&str, CoupleRecord, Option<NextStep>)> = vec![
        ("no intake at all", couple(None, None), Some(NextStep::InviteBoth)),
        ("one partner answered and no start rule holds", couple(None, Some(answers(&[("found_out", "told")]))), None),
        (
            "markers unmet",
            with_sessions(calm_couple(), vec![session(1, "telling", &[], &["told"])]),
            Some(NextStep::MarkMarkers { stage: "telling".to_owned() }),
        ),
        (
            "markers met, moving on",
            with_sessions(calm_couple(), vec![session(1, "steadying", &[], &["calm", "safe"])]),
            None,
        ),
        (
            "the last stage complete",
            with_sessions(calm_couple(), vec![session(7, "rebuilding", &[], &["steady"])]),
            Some(NextStep::PlanReview { stage: "looking-back".to_owned() }),
        ),
    ];
    for (what, record, expected) in cases {
        let plan = make(&program, &record, &options(50));
        assert_eq!(stage_step(&plan), expected.as_ref(), "{what}: {:?}", plan.next_steps);
    }
}

#[test]
fn next_steps_come_in_order_safety_first_and_print_the_homework_last() {
    let program = fixture();
    let alone = make(&program, &couple(None, None), &options(50));
    assert_eq!(
        alone.next_steps,
        [
            NextStep::RecordIndividual { stage: "steadying".to_owned(), partner: "José Núñez".to_owned() },
            NextStep::InviteBoth,
            NextStep::InvitePartner { partner: "José Núñez".to_owned() },
            NextStep::InvitePartner { partner: "Zoë".to_owned() },
            NextStep::PrintPacket { sheets: vec!["safety-card".to_owned()] },
        ]
    );
    let joint = make(&program, &seen_alone(couple(None, None)), &options(50));
    assert_eq!(
        joint.next_steps,
        [
            NextStep::MarkMarkers { stage: "steadying".to_owned() },
            NextStep::InvitePartner { partner: "José Núñez".to_owned() },
            NextStep::InvitePartner { partner: "Zoë".to_owned() },
            NextStep::PrintPacket { sheets: vec!["safety-card".to_owned(), "calm-log".to_owned()] },
        ]
    );

    let held =
        make(&program, &couple(None, Some(answers(&[("afraid", "yes"), ("harm_thoughts", "yes")]))), &options(50));
    assert_eq!(
        held.next_steps,
        [
            NextStep::ResolveFlag { flag: "fear".to_owned() },
            NextStep::ResolveFlag { flag: "harm".to_owned() },
            NextStep::RecordIndividual { stage: "steadying".to_owned(), partner: "Zoë".to_owned() },
            NextStep::InvitePartner { partner: "José Núñez".to_owned() },
            // Fear is open: the safety sheet, filled in alone, stays in the session, so nothing is printed.
        ]
    );

    // Nothing to give, nobody to invite, no marker left: nothing to do outside the session.
    let mut options = options(50);
    options.stage_override = Some("looking-back".to_owned());
    assert_eq!(make(&program, &seen_alone(calm_couple()), &options).next_steps, []);
}

#[test]
fn a_plan_names_no_command_flag_or_colour_in_any_of_its_words() {
    let program = fixture();
    let embedded = embedded();
    let mut plans = vec![
        make(&program, &couple(None, None), &options(30)),
        make(&program, &couple(None, Some(answers(&[("afraid", "yes")]))), &options(50)),
        make(
            &program,
            &with_sessions(calm_couple(), vec![session(1, "telling", &["question-list"], &["told"])]),
            &options(40),
        ),
        make(&program, &with_sessions(calm_couple(), vec![session(7, "rebuilding", &[], &["steady"])]), &options(50)),
        make(&program, &with_sessions(calm_couple(), vec![session(1, "looking-back", &[], &[])]), &options(50)),
    ];
    let mut review = options(50);
    review.stage_override = Some("looking-back".to_owned());
    plans.push(make(&program, &with_sessions(calm_couple(), vec![session(1, "steadying", &[], &[])]), &review));
    for (record, options) in [affair_with_low_mood(), mutual_broken_promises(), lies_with_fear()] {
        plans.push(make(&embedded, &record, &options));
    }
    for plan in plans {
        let json = serde_json::to_string(&plan).unwrap();
        for banned in ["mend ", "--", "\\u001b", "`"] {
            assert!(!json.contains(banned), "{banned:?} in the plan for {}: {json}", plan.couple);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The same plan every time, and as JSON.

#[test]
fn the_same_inputs_give_the_same_plan_byte_for_byte() {
    let program = fixture();
    let record = with_sessions(
        couple(Some(answers(&[("interest", "3"), ("down", "3")])), Some(answers(&[("found_out", "discovered")]))),
        vec![session(1, "telling", &["question-list"], &["told"])],
    );
    let first = make(&program, &record, &options(75));
    let again = make(&program, &record.clone(), &options(75));
    assert_eq!(serde_json::to_string_pretty(&first).unwrap(), serde_json::to_string_pretty(&again).unwrap());
    let back: Plan = serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap();
    assert_eq!(back, first, "the JSON reads back as the same plan");

    // A plan saved before plans had next steps still reads, with none.
    let mut older = serde_json::to_value(&first).unwrap();
    older.as_object_mut().unwrap().remove("next_steps");
    let read: Plan = serde_json::from_value(older).unwrap();
    assert_eq!(read.next_steps, []);
}

// ---------------------------------------------------------------------------------------------
// The shipped program: three invented couples, their plans snapshotted as JSON.

fn embedded() -> Program {
    match Program::embedded() {
        Ok(program) => program,
        Err(errors) => panic!("the embedded program does not load:\n{errors}"),
    }
}

fn text(value: &str) -> Answer {
    Answer::Text(value.to_owned())
}

fn choices(values: &[&str]) -> Answer {
    Answer::Choices(values.iter().map(|v| (*v).to_owned()).collect())
}

/// An intake with nothing alarming in it, for one partner's role; each couple changes what is theirs.
fn intake(role: &str, breach: &str, changes: &[(&str, Answer)]) -> Answers {
    let mut answers: Answers = [
        ("breach", choices(&[breach])),
        ("role", text(role)),
        ("came_to_light", text("told")),
        ("how_long_ago", text("1-6-months")),
        ("happened_before", text("no")),
        ("commitment", Answer::Number(8)),
        ("hope", text("repair")),
        ("phq2_interest", Answer::Number(1)),
        ("phq2_down", Answer::Number(1)),
        ("gad2_nervous", Answer::Number(1)),
        ("gad2_worry", Answer::Number(0)),
        ("arguments", choices(&["one-withdraws"])),
        ("feel_heard", Answer::Number(5)),
        ("told_imagining", text("never")),
        ("afraid_of_partner", text("no")),
        ("hurt_or_threatened", text("no")),
        ("controlled", text("no")),
        ("self_harm_thoughts", text("no")),
        ("earlier_therapy", text("no")),
    ]
    .into_iter()
    .map(|(id, answer)| (id.to_owned(), answer))
    .collect();
    if matches!(role, "hurt" | "both") {
        answers.insert("questions_open".to_owned(), text("no"));
        answers.insert("partner_accountable".to_owned(), text("yes"));
    }
    if matches!(role, "broke_trust" | "both") {
        answers.insert("accepts_responsibility".to_owned(), text("yes"));
    }
    if matches!(breach, "affair" | "emotional-betrayal") {
        answers.insert("outside_relationship_ended".to_owned(), text("yes"));
    }
    for (id, answer) in changes {
        answers.insert((*id).to_owned(), answer.clone());
    }
    answers
}

/// Ana found out about Łukasz's affair; her mood screen is positive. Session 3, 50 minutes.
fn affair_with_low_mood() -> (CoupleRecord, PlanOptions) {
    let ana = intake(
        "hurt",
        "affair",
        &[
            ("came_to_light", text("discovered")),
            ("questions_open", text("yes")),
            ("partner_accountable", text("partly")),
            ("phq2_interest", Answer::Number(2)),
            ("phq2_down", Answer::Number(2)),
            ("feel_heard", Answer::Number(3)),
        ],
    );
    let lukasz = intake("broke_trust", "affair", &[("came_to_light", text("partly"))]);
    let record = CoupleRecord {
        id: "a7c2".to_owned(),
        label: Some("referred by their GP".to_owned()),
        breach: BreachKind::Affair,
        partners: vec![
            partner("Łukasz Nowak", Roles::BrokeTrust, Some(lukasz)),
            partner("Ana Lima", Roles::Hurt, Some(ana)),
        ],
        sessions: vec![
            session(
                1,
                "disclosure-and-accountability",
                &["accountability-letter", "feelings-journal"],
                &["transparency-agreed"],
            ),
            session(
                2,
                "disclosure-and-accountability",
                &["accountability-letter", "feelings-journal"],
                &["excuses-set-aside"],
            ),
        ],
        resolved_flags: Vec::new(),
    };
    (record, PlanOptions { minutes: 50, stage_override: None, today: "2025-03-14".to_owned() })
}

/// Zoë and Sam both broke promises; listening is done, so they move on. Session 4, 80 minutes.
fn mutual_broken_promises() -> (CoupleRecord, PlanOptions) {
    let zoe = intake("both", "broken-promises", &[("earlier_therapy", text("yes"))]);
    let sam =
        intake("both", "broken-promises", &[("gad2_nervous", Answer::Number(2)), ("gad2_worry", Answer::Number(2))]);
    let record = CoupleRecord {
        id: "m4p8".to_owned(),
        label: None,
        breach: BreachKind::BrokenPromises,
        partners: vec![
            partner("Zoë Fischer", Roles::Mutual, Some(zoe)),
            partner("Sam Okafor", Roles::Mutual, Some(sam)),
        ],
        sessions: vec![
            session(1, "listening-to-feelings", &["reflective-listening"], &["feelings-reflected"]),
            session(2, "listening-to-feelings", &["reflective-listening", "check-in-guide"], &[]),
            session(3, "listening-to-feelings", &["check-in-guide"], &["hurt-partner-feels-heard", "check-ins-held"]),
        ],
        resolved_flags: vec![FlagResolution {
            flag: "gad2-positive".to_owned(),
            note: "Anxiety assessed; Sam sees a GP about it.".to_owned(),
            resolved_at: "2025-02-20T09:30:00Z".to_owned(),
        }],
    };
    (record, PlanOptions { minutes: 80, stage_override: None, today: "2025-03-14".to_owned() })
}

/// José lied; Mei says she is sometimes afraid of him. Before session 1, 60 minutes: individual sessions.
fn lies_with_fear() -> (CoupleRecord, PlanOptions) {
    let mei = intake(
        "hurt",
        "lies",
        &[
            ("afraid_of_partner", text("yes")),
            ("came_to_light", text("discovered")),
            ("arguments", choices(&["shouting"])),
        ],
    );
    let jose = intake("broke_trust", "lies", &[("came_to_light", text("discovered"))]);
    let record = CoupleRecord {
        id: "j2n5".to_owned(),
        label: None,
        breach: BreachKind::Lies,
        partners: vec![
            partner("José Núñez", Roles::BrokeTrust, Some(jose)),
            partner("Mei Chen", Roles::Hurt, Some(mei)),
        ],
        sessions: Vec::new(),
        resolved_flags: Vec::new(),
    };
    (record, PlanOptions { minutes: 60, stage_override: None, today: "2025-03-14".to_owned() })
}

/// Plans for the couple and snapshots the plan as JSON, as the command line prints it. The
/// command line snapshots the same plans as text and Markdown, from a copy of this JSON.
fn snapshot_json(name: &str, (record, options): (CoupleRecord, PlanOptions)) -> Plan {
    let plan = make(&embedded(), &record, &options);
    insta::assert_snapshot!(format!("{name}_json"), serde_json::to_string_pretty(&plan).unwrap());
    plan
}

#[test]
fn snapshot_affair_discovered_with_low_mood() {
    let plan = snapshot_json("affair_low_mood", affair_with_low_mood());
    assert_eq!(plan.stage.id, "disclosure-and-accountability");
    assert!(plan.flags.iter().any(|f| f.id == "phq2-positive" && f.partner == "Ana Lima" && !f.resolved));
}

#[test]
fn snapshot_mutual_broken_promises() {
    let plan = snapshot_json("mutual_promises", mutual_broken_promises());
    assert_eq!(plan.stage.id, "consistent-actions");
    assert_eq!(plan.session_number, 4);
}

#[test]
fn snapshot_lies_with_fear_holds_joint_work() {
    let plan = snapshot_json("lies_fear", lies_with_fear());
    assert_eq!(plan.session_kind, SessionKind::Individual);
}

#[test]
fn the_shipped_program_plans_every_stage_at_every_length() {
    let program = embedded();
    let (record, _) = affair_with_low_mood();
    let (held, _) = lies_with_fear();
    for stage in program.all_stages() {
        for minutes in 30..=120 {
            let options =
                PlanOptions { minutes, stage_override: Some(stage.id.clone()), today: "2025-03-14".to_owned() };
            for record in [&record, &held] {
                let plan = make(&program, record, &options);
                check_minutes(&plan, &format!("{} at {minutes} minutes", stage.id));
            }
        }
    }
}

/// Before the work turns to touch and sex, each partner is asked alone whether any sexual contact
/// has felt pressured or forced: the shipped reconnection stage opens with that check, alone.
#[test]
fn entering_reconnection_each_partner_is_first_asked_alone_about_sexual_pressure() {
    let program = Program::embedded().expect("the embedded program loads");
    let reconnection = program.stage_index("reconnection").expect("the program has a reconnection stage");
    let mut record = couple(None, None);
    for (number, name) in (1..).zip(["José Núñez", "Zoë"]) {
        let mut check_in = session(number, &program.stages[0].id, &[], &[]);
        check_in.with = Some(name.to_owned());
        record.sessions.push(check_in);
    }
    for (number, stage) in (3..).zip(&program.stages[..reconnection]) {
        let markers: Vec<&str> = stage.progress_markers.iter().map(|m| m.id.as_str()).collect();
        record.sessions.push(session(number, &stage.id, &[], &markers));
    }
    let first = u32::try_from(record.sessions.len()).unwrap() + 1;
    for (next, name) in (first..).zip(["José Núñez", "Zoë"]) {
        let alone = make(&program, &record, &options(50));
        assert_eq!(alone.stage.id, "reconnection");
        assert_eq!(alone.session_kind, SessionKind::Individual, "{name}: {:?}", alone.notice);
        assert_eq!(alone.with.as_deref(), Some(name));
        assert_eq!(alone.agenda[0].exercise.as_deref(), Some("closeness-alone-check"));
        let mut held = session(next, "reconnection", &[], &[]);
        held.with = Some(name.to_owned());
        held.done = vec!["closeness-alone-check".to_owned()];
        record.sessions.push(held);
    }
    let joint = make(&program, &record, &options(50));
    assert_eq!(joint.session_kind, SessionKind::Joint);
    assert!(joint.agenda.iter().all(|i| i.exercise.as_deref() != Some("closeness-alone-check")));
}
