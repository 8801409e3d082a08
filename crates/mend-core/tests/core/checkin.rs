//! The check-in: its content, the questions a positive screen adds, reliable change, and the flags a series of check-ins raises.

use std::collections::BTreeMap;

use mend_core::checkin::{
    Change, CheckinContent, change, due_sections, for_link, homework_done, measure_rules, scores_of, series,
};
use mend_core::plan::{
    DETERIORATION_FLAG, NextStep, PlanOptions, SessionKind, TRUST_DISTRESS_FLAG, checkin_flags, plan,
    trust_falls_as_distress_rises,
};
use mend_core::questionnaire::RawAnswers;
use mend_core::{
    BreachKind, CheckinRecord, CoupleRecord, FlagResolution, PartnerName, PartnerRecord, Program, Questionnaire, Roles,
};

fn embedded() -> Program {
    Program::embedded().unwrap_or_else(|errors| panic!("the embedded program does not load:\n{errors}"))
}

fn checkin(program: &Program) -> &Questionnaire {
    program.checkin.as_ref().expect("the shipped program has a check-in")
}

fn today() -> time::Date {
    mend_core::day::parse_day("2025-06-01").unwrap()
}

/// A complete check-in: no safety answer, trust items each `trust`, mood items each `mood`, worry
/// items each `worry` (the fuller items only where the screen asks them).
fn answers(trust: i64, mood: i64, worry: i64) -> RawAnswers {
    let mut raw = RawAnswers::new();
    let mut put = |id: &str, value: String| {
        raw.insert(id.to_owned(), vec![value]);
    };
    for id in ["afraid_of_partner", "hurt_or_threatened", "controlled"] {
        put(id, "no".into());
    }
    put("monitored", "no".into());
    put("sexual_pressure", "no".into());
    put("harassed", "no".into());
    put("self_harm_thoughts", "no".into());
    for id in ["trust_boundaries", "trust_honest", "trust_best_interest", "trust_promises", "trust_safety"] {
        put(id, trust.to_string());
    }
    for n in 1..=9 {
        put(&format!("phq9_{n}"), mood.to_string());
    }
    for n in 1..=7 {
        put(&format!("gad7_{n}"), worry.to_string());
    }
    raw
}

fn scores(raw: &RawAnswers) -> BTreeMap<String, i64> {
    let program = embedded();
    let q = checkin(&program);
    let checked = q.check(raw, today()).unwrap_or_else(|errors| panic!("the answers are refused: {errors:?}"));
    scores_of(q, checked.answers())
}

#[test]
fn the_shipped_checkin_scores_only_what_the_ledger_allows() {
    let program = embedded();
    let q = checkin(&program);
    for score in &q.scores {
        if score.own {
            assert!(score.cutoff.is_none(), "{}: mend's own items have no cut-off", score.id);
        } else {
            assert!(program.instrument(&score.id).is_some(), "{}: in the licence ledger", score.id);
        }
    }
    // The ledger leaves the CSI-4 out until its grant is quoted, so the check-in must not ask it.
    assert!(q.scores.iter().all(|s| s.id != "csi4"), "the CSI-4 is not scored");
    assert!(program.instrument("csi4").is_none(), "the CSI-4 is not in the ledger");
    let thresholds: Vec<(String, Option<i64>)> = measure_rules(program.checkin.as_ref().unwrap(), &program.instruments)
        .into_iter()
        .map(|r| (r.instrument, r.reliable_change))
        .collect();
    assert_eq!(
        thresholds,
        [("phq2", None), ("gad2", None), ("phq9", Some(6)), ("gad7", Some(4)), ("pcl5", Some(10)), ("trust", None)]
            .map(|(id, t)| (id.to_owned(), t))
    );
}

#[test]
fn the_fuller_measures_are_asked_only_after_a_positive_screen() {
    // (phq9_1, phq9_2, whether the PHQ-9 is scored)
    let cases = [(0, 0, false), (1, 1, false), (0, 2, false), (1, 2, true), (2, 1, true), (3, 0, true), (0, 3, true)];
    for (first, second, scored) in cases {
        let mut raw = answers(2, 0, 0);
        raw.insert("phq9_1".into(), vec![first.to_string()]);
        raw.insert("phq9_2".into(), vec![second.to_string()]);
        let scores = scores(&raw);
        assert_eq!(scores.contains_key("phq9"), scored, "PHQ-2 items {first} and {second}");
        assert_eq!(scores["phq2"], first + second);
    }
}

#[test]
fn scores_sum_the_items() {
    let cases = [
        // (trust item, mood item, worry item) → (trust, phq2, gad2, phq9, gad7)
        ((4, 0, 0), (20, 0, 0, None, None)),
        ((1, 2, 1), (5, 4, 2, Some(18), None)),
        ((0, 3, 3), (0, 6, 6, Some(27), Some(21))),
    ];
    for ((trust, mood, worry), (t, p2, g2, p9, g7)) in cases {
        let scores = scores(&answers(trust, mood, worry));
        assert_eq!(scores["trust"], t);
        assert_eq!(scores["phq2"], p2);
        assert_eq!(scores["gad2"], g2);
        assert_eq!(scores.get("phq9").copied(), p9);
        assert_eq!(scores.get("gad7").copied(), g7);
    }
}

#[test]
fn change_is_reliable_only_past_the_threshold_in_the_measure_s_direction() {
    use Change::*;
    // (from, to, threshold, higher is better) → change
    let cases = [
        (10, 4, 6, false, Improved),
        (10, 5, 6, false, NoReliableChange),
        (4, 10, 6, false, Deteriorated),
        (4, 9, 6, false, NoReliableChange),
        (12, 8, 4, false, Improved),
        (8, 12, 4, false, Deteriorated),
        (8, 8, 4, false, NoReliableChange),
        (5, 15, 4, true, Improved),
        (15, 5, 4, true, Deteriorated),
    ];
    for (from, to, threshold, higher, expected) in cases {
        assert_eq!(change(from, to, threshold, higher), expected, "{from} → {to} (threshold {threshold})");
    }
}

#[test]
fn each_point_is_marked_against_the_first_and_the_previous() {
    let program = embedded();
    let phq9 = measure_rules(program.checkin.as_ref().unwrap(), &program.instruments)
        .into_iter()
        .find(|r| r.instrument == "phq9")
        .unwrap();
    let day = |d: u8| time::Date::from_calendar_date(2025, time::Month::March, d).unwrap();
    let measure = series(&phq9, "Ines", &[(day(1), 20), (day(8), 16), (day(15), 12), (day(22), 19)]);
    let marks: Vec<(i64, Option<Change>, Option<Change>)> =
        measure.points.iter().map(|p| (p.score, p.change, p.since_first)).collect();
    use Change::*;
    assert_eq!(
        marks,
        [
            (20, None, None),
            (16, Some(NoReliableChange), Some(NoReliableChange)),
            (12, Some(NoReliableChange), Some(Improved)),
            (19, Some(Deteriorated), Some(NoReliableChange)),
        ]
    );
    assert_eq!(measure.points[0].date, "2025-03-01");
}

#[test]
fn a_link_shows_one_homework_question_per_sheet_given() {
    let program = embedded();
    let q = checkin(&program);
    let titles = ["Trigger log".to_owned(), "Feelings journal".to_owned()];
    let shown = for_link(q, &titles, &[]);
    let labels: Vec<&str> =
        shown.questions().filter(|q| q.id.starts_with("homework_")).map(|q| q.label.as_str()).collect();
    assert_eq!(labels, ["Trigger log", "Feelings journal"]);
    assert!(for_link(q, &[], &[]).sections.iter().all(|s| s.id != "homework"), "no sheets, no homework section");

    let mut raw = answers(2, 0, 0);
    raw.insert("homework_1".into(), vec!["done".into()]);
    raw.insert("homework_2".into(), vec!["not-yet".into()]);
    let checked = q.check(&raw, today()).unwrap();
    let sheets = ["trigger-log".to_owned(), "feelings-journal".to_owned()];
    let done: Vec<(String, Option<String>)> =
        homework_done(q, &sheets, checked.answers()).into_iter().map(|h| (h.sheet, h.status)).collect();
    assert_eq!(
        done,
        [
            ("trigger-log".to_owned(), Some("done".to_owned())),
            ("feelings-journal".to_owned(), Some("not-yet".to_owned()))
        ]
    );
}

/// A couple whose first partner (Ines, hurt) sent these check-ins, one a week from 2025-03-01.
fn couple_with(program: &Program, weeks: &[RawAnswers]) -> CoupleRecord {
    let q = checkin(program);
    let checkins = weeks
        .iter()
        .enumerate()
        .map(|(n, raw)| {
            let answers = q.check(raw, today()).unwrap().answers().clone();
            let day =
                time::Date::from_calendar_date(2025, time::Month::March, 1).unwrap() + time::Duration::weeks(n as i64);
            CheckinRecord {
                sent_at: format!("{}T10:00:00Z", mend_core::day::format_day(day)),
                day,
                version: q.version,
                scores: scores_of(q, &answers),
                answers,
                homework: Vec::new(),
                sections: Vec::new(),
                questionnaire: None,
            }
        })
        .collect();
    let partner = |name: &str, roles, checkins| PartnerRecord {
        name: PartnerName::parse(name).unwrap(),
        pronouns: None,
        roles,
        intake: None,
        intake_sent_at: None,
        checkins,
        intake_questionnaire: None,
    };
    CoupleRecord {
        id: "ch3ck1".into(),
        label: None,
        breach: BreachKind::Lies,
        partners: vec![partner("Ines", Roles::Hurt, checkins), partner("Tomas", Roles::BrokeTrust, Vec::new())],
        // Each partner has had the private safety check-in the program starts with, so the next
        // plan is a joint one unless a check-in says otherwise.
        sessions: (1..)
            .zip(["Ines", "Tomas"])
            .map(|(number, name)| {
                let mut check_in = crate::plan::session(number, &program.stages[0].id, &[], &[]);
                check_in.with = Some(name.to_owned());
                check_in
            })
            .collect(),
        resolved_flags: Vec::new(),
    }
}

fn flag_ids(program: &Program, record: &CoupleRecord) -> Vec<String> {
    checkin_flags(program, record).into_iter().filter(|f| !f.resolved).map(|f| f.id).collect()
}

#[test]
fn a_series_of_checkins_raises_the_flags_it_should() {
    let program = embedded();
    let with = |mut raw: RawAnswers, id: &str, value: &str| {
        raw.insert(id.to_owned(), vec![value.to_owned()]);
        raw
    };
    // (the weeks' answers, the open flags of the latest)
    let cases: Vec<(Vec<RawAnswers>, Vec<&str>)> = vec![
        (vec![answers(3, 0, 0)], vec![]),
        (vec![with(answers(3, 0, 0), "afraid_of_partner", "yes")], vec!["fear-of-partner"]),
        (vec![with(answers(3, 0, 0), "self_harm_thoughts", "often")], vec!["self-harm"]),
        (vec![with(answers(3, 0, 0), "monitored", "not-agreed")], vec!["monitoring"]),
        // Item 9 is asked once the PHQ-2 screen is positive.
        (vec![with(answers(3, 2, 0), "phq9_9", "1")], vec!["phq9-item-9"]),
        // The PHQ-9 from 16 (item 9 kept at 0) to 24: a rise of 8, past the threshold of 6.
        (vec![with(answers(3, 2, 0), "phq9_9", "0"), with(answers(3, 3, 0), "phq9_9", "0")], vec![DETERIORATION_FLAG]),
        // Trust 15 → 10 → 5 as low mood and worry rise 0 → 2 → 4: falling trust, rising distress.
        (vec![answers(3, 0, 0), answers(2, 0, 1), answers(1, 1, 1)], vec![TRUST_DISTRESS_FLAG]),
        // Trust falls but distress does not rise: no flag.
        (vec![answers(3, 0, 0), answers(2, 0, 0), answers(1, 0, 0)], vec![]),
        // Only two check-ins: too few to speak of a trend.
        (vec![answers(3, 0, 0), answers(1, 1, 1)], vec![]),
    ];
    for (weeks, expected) in cases {
        let record = couple_with(&program, &weeks);
        assert_eq!(flag_ids(&program, &record), expected, "{} week(s)", weeks.len());
    }
}

#[test]
fn trust_and_distress_trend_needs_three_points() {
    let program = embedded();
    let rules = measure_rules(program.checkin.as_ref().unwrap(), &program.instruments);
    let record = couple_with(&program, &[answers(3, 0, 0), answers(2, 0, 1), answers(1, 1, 1)]);
    assert!(trust_falls_as_distress_rises(&rules, &record.partners[0].checkins));
    assert!(!trust_falls_as_distress_rises(&rules, &record.partners[0].checkins[1..]));
}

#[test]
fn a_safety_answer_in_a_checkin_stops_joint_work_until_resolved_after_it() {
    let program = embedded();
    let mut unsafe_week = answers(3, 0, 0);
    unsafe_week.insert("hurt_or_threatened".into(), vec!["yes".into()]);
    let mut record = couple_with(&program, &[answers(3, 0, 0), unsafe_week]);
    let options = PlanOptions::new("2025-03-10");
    let held = plan(&program, &record, &options).unwrap();
    assert_eq!(held.session_kind, SessionKind::Individual);
    assert!(held.next_steps.contains(&NextStep::ResolveFlag { flag: "violence-or-threats".into() }));
    assert_eq!(held.checkins.len(), 1, "Ines's latest check-in is in the plan");
    assert_eq!(held.checkins[0].flags, ["violence-or-threats"]);

    // A resolution made before the check-in was sent does not cover it.
    let resolve = |at: &str| FlagResolution {
        flag: "violence-or-threats".into(),
        note: "seen alone".into(),
        resolved_at: at.into(),
    };
    record.resolved_flags.push(resolve("2025-03-07T09:00:00Z"));
    assert_eq!(plan(&program, &record, &options).unwrap().session_kind, SessionKind::Individual);
    record.resolved_flags.push(resolve("2025-03-09T09:00:00Z"));
    assert_eq!(plan(&program, &record, &options).unwrap().session_kind, SessionKind::Joint);
}

#[test]
fn a_checkin_caution_proposes_the_review_stage() {
    let program = embedded();
    let record = couple_with(&program, &[answers(3, 0, 0), answers(2, 0, 1), answers(1, 1, 1)]);
    let planned = plan(&program, &record, &PlanOptions::new("2025-03-20")).unwrap();
    assert_eq!(planned.session_kind, SessionKind::Joint);
    assert!(planned.next_steps.contains(&NextStep::PlanReview { stage: "is-repair-still-healthy".into() }));
    let latest = &planned.checkins[0];
    assert_eq!(latest.date, "2025-03-15");
    let trust = latest.scores.iter().find(|s| s.instrument == "trust").unwrap();
    assert_eq!(trust.score, 5);
}

#[test]
fn the_check_in_read_alone_is_the_one_the_whole_program_holds() {
    // `mend progress` reads only the check-in and the ledger of the embedded content; they
    // must come out as the whole program's load makes them, attributions included.
    let alone = CheckinContent::embedded().unwrap_or_else(|errors| panic!("{errors}")).expect("a check-in");
    assert_eq!(Some(alone), CheckinContent::of(&embedded()));
}

/// The shipped check-in's scheduled section: the PCL-5 for the partner who was hurt.
const PCL5: &str = "since-you-found-out";

#[test]
fn the_pcl5_is_shown_only_by_the_links_that_ask_it_and_scored_only_when_complete() {
    let program = embedded();
    let q = checkin(&program);
    let has = |shown: &Questionnaire| shown.sections.iter().any(|s| s.id == PCL5);
    assert!(!has(&for_link(q, &[], &[])), "a link that does not name it leaves it out");
    assert!(has(&for_link(q, &[], &[PCL5.to_owned()])));

    // Its questions are optional, so a form from a link without it checks; twenty answers score.
    let mut raw = answers(0, 0, 0);
    assert!(!scores_of(q, q.check(&raw, today()).unwrap().answers()).contains_key("pcl5"));
    for item in 1..=20 {
        raw.insert(format!("pcl5_{item}"), vec![if item <= 10 { "2" } else { "1" }.into()]);
    }
    assert_eq!(scores_of(q, q.check(&raw, today()).unwrap().answers()).get("pcl5"), Some(&30));
    raw.remove("pcl5_20");
    assert!(!scores_of(q, q.check(&raw, today()).unwrap().answers()).contains_key("pcl5"), "19 of 20: no total");
}

#[test]
fn the_pcl5_is_due_for_the_hurt_partner_at_the_first_check_in_and_every_fourth_after() {
    let program = embedded();
    let q = checkin(&program);
    let sent = |asked: &[bool]| -> Vec<CheckinRecord> {
        asked
            .iter()
            .map(|asked| CheckinRecord {
                sent_at: "2025-03-01T10:00:00Z".into(),
                day: time::Date::from_calendar_date(2025, time::Month::March, 1).unwrap(),
                version: q.version,
                answers: Default::default(),
                homework: Vec::new(),
                sections: if *asked { vec![PCL5.to_owned()] } else { Vec::new() },
                scores: Default::default(),
                questionnaire: None,
            })
            .collect()
    };
    let cases: [(Roles, &[bool], bool); 8] = [
        // (roles, which earlier check-ins asked it, oldest first; due now?)
        (Roles::Hurt, &[], true),
        (Roles::Hurt, &[true], false),
        (Roles::Hurt, &[true, false, false], false),
        (Roles::Hurt, &[true, false, false, false], true),
        (Roles::Hurt, &[false, false], true),
        (Roles::Mutual, &[], true),
        (Roles::BrokeTrust, &[], false),
        (Roles::BrokeTrust, &[false, false, false, false], false),
    ];
    for (roles, asked, due) in cases {
        let expected: Vec<String> = if due { vec![PCL5.to_owned()] } else { Vec::new() };
        let pcl5: Vec<String> = due_sections(q, roles, &sent(asked)).into_iter().filter(|s| s == PCL5).collect();
        assert_eq!(pcl5, expected, "{roles:?} after {asked:?}");
    }
}

#[test]
fn contact_and_new_facts_are_asked_every_time_of_the_partner_each_is_about() {
    let program = embedded();
    let q = checkin(&program);
    let cases: [(Roles, &[&str]); 3] = [
        (Roles::BrokeTrust, &["contact"]),
        (Roles::Hurt, &["new-facts", PCL5]),
        (Roles::Mutual, &["contact", "new-facts", PCL5]),
    ];
    for (roles, expected) in cases {
        assert_eq!(due_sections(q, roles, &[]), expected, "{roles:?}");
    }
}

#[test]
fn a_check_in_is_flagged_by_the_version_it_was_answered_on() {
    // A later check-in renames the question about being hurt or threatened; Ines answered the
    // older one "yes". Read by the questions she was asked, her answer still holds joint work.
    let program = embedded();
    let asked = checkin(&program).clone();
    let mut unsafe_week = answers(3, 0, 0);
    unsafe_week.insert("hurt_or_threatened".into(), vec!["yes".into()]);
    let mut record = couple_with(&program, &[unsafe_week]);
    let mut renamed = program.clone();
    for question in renamed.checkin.as_mut().unwrap().sections.iter_mut().flat_map(|s| &mut s.questions) {
        if question.id == "hurt_or_threatened" {
            question.id = "harmed_or_threatened".into();
        }
    }
    for flag in &mut renamed.checkin.as_mut().unwrap().flags {
        if flag.when.question.as_deref() == Some("hurt_or_threatened") {
            flag.when.question = Some("harmed_or_threatened".into());
        }
    }
    let options = PlanOptions::new("2025-03-10");
    assert_eq!(
        plan(&renamed, &record, &options).unwrap().session_kind,
        SessionKind::Joint,
        "read by the new questions"
    );
    record.partners[0].checkins[0].questionnaire = Some(std::sync::Arc::new(asked));
    let held = plan(&renamed, &record, &options).unwrap();
    assert_eq!(held.session_kind, SessionKind::Individual, "read by the questions she was asked");
    assert_eq!(held.checkins[0].flags, ["violence-or-threats"]);
}

#[test]
fn every_flag_a_record_can_raise_has_its_id_once() {
    let program = embedded();
    let ids = mend_core::plan::flag_ids(&program);
    let checkin = checkin(&program);
    for id in program.questionnaire.flags.iter().chain(&checkin.flags).map(|f| f.id.as_str()) {
        assert!(ids.contains(&id), "{id} is missing from {ids:?}");
    }
    for id in [DETERIORATION_FLAG, TRUST_DISTRESS_FLAG, mend_core::plan::NEW_DISCLOSURE_FLAG] {
        assert!(ids.contains(&id), "{id} is missing from {ids:?}");
    }
    let once: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(once.len(), ids.len(), "each id once: {ids:?}");
}

#[test]
fn a_link_says_how_long_its_form_is_from_the_questions_it_asks() {
    let program = embedded();
    let q = checkin(&program);
    let intro = |shown: &Questionnaire| shown.intro.join(" ");
    assert!(q.intro.iter().any(|p| p.contains(mend_core::checkin::LENGTH_PLACEHOLDER)));
    let usual = intro(&for_link(q, &[], &[]));
    assert!(
        usual.contains("This check-in has 17 questions, and up to 12 more if some of your answers call for them. It takes about 5 minutes."),
        "{usual}"
    );
    assert!(!usual.contains(mend_core::checkin::LENGTH_PLACEHOLDER));
    let with_pcl5 = intro(&for_link(q, &["Trigger log".to_owned()], &[PCL5.to_owned()]));
    assert!(
        with_pcl5.contains("This check-in has 38 questions") && with_pcl5.contains("about 10 minutes"),
        "{with_pcl5}"
    );
}
