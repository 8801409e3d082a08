//! Whole courses: a couple walked through the shipped program, session by session, as a therapist would record it.
//!
//! Each week the couple is planned for, the exercises planned are recorded as done and the markers
//! they served as met, and the walk goes on until the last stage's markers are all met. A marker
//! served by a sheet is met when that sheet's homework is reviewed, the session after it was given.
//! Where both partners share an exercise's role, its marker is met once each has taken a turn.

use std::collections::BTreeSet;

use mend_core::plan::{AgendaKind, Plan, PlanOptions, SessionKind, plan};
use mend_core::{BreachKind, CoupleRecord, PartnerName, PartnerRecord, Program, Role, Roles, SessionRecord};

/// The most sessions a walk may take before it is called stuck.
const STUCK_AFTER: usize = 80;

fn embedded() -> Program {
    match Program::embedded() {
        Ok(program) => program,
        Err(errors) => panic!("the embedded program does not load:\n{errors}"),
    }
}

fn couple(roles: [Roles; 2]) -> CoupleRecord {
    let partner = |name: &str, roles| PartnerRecord {
        name: PartnerName::parse(name).unwrap(),
        pronouns: None,
        roles,
        intake: None,
        intake_sent_at: None,
        intake_questionnaire: None,
        checkins: Vec::new(),
    };
    CoupleRecord {
        id: "c0ur5e".to_owned(),
        label: None,
        breach: BreachKind::Affair,
        partners: vec![partner("Ana", roles[0]), partner("Ben", roles[1])],
        sessions: Vec::new(),
        resolved_flags: Vec::new(),
    }
}

/// How many partners must take a turn at an exercise before what it serves is met.
fn turns_needed(record: &CoupleRecord, role: Role) -> usize {
    if role == Role::Both { 1 } else { record.partners.iter().filter(|p| p.roles.includes(role)).count().max(1) }
}

/// The markers of the plan's stage that the session just held meets, by the walk's rule.
fn met_by(program: &Program, record: &CoupleRecord, plan: &Plan, done: &[String]) -> Vec<String> {
    let stage = program.stage(&plan.stage.id).unwrap();
    let earlier: Vec<&SessionRecord> = record.sessions.iter().filter(|s| s.stage == stage.id).collect();
    let reviewed: &[String] = earlier.last().map_or(&[], |s| s.homework.as_slice());
    let mut met = Vec::new();
    for marker in &stage.progress_markers {
        let by_exercise = stage.exercises.iter().filter(|e| marker.served_by.contains(&e.id)).any(|e| {
            let turns = earlier.iter().filter(|s| s.done.contains(&e.id)).count() + usize::from(done.contains(&e.id));
            done.contains(&e.id) && turns >= turns_needed(record, e.role)
        });
        let by_sheet = reviewed.iter().any(|sheet| marker.served_by.contains(sheet));
        if by_exercise || by_sheet {
            met.push(marker.id.clone());
        }
    }
    met
}

/// Walks a couple through the program at `minutes` a session; returns the sessions held at each
/// advancing stage, in the program's order.
fn walk(program: &Program, roles: [Roles; 2], minutes: u32) -> Vec<(String, usize)> {
    let mut record = couple(roles);
    let start = mend_core::day::parse_day("2025-01-06").unwrap();
    let mut reached: Vec<String> = Vec::new();
    loop {
        let number = record.sessions.len() + 1;
        assert!(number <= STUCK_AFTER, "{minutes} minutes: stuck at {:?} after {STUCK_AFTER} sessions", reached.last());
        let held_on = start + time::Duration::weeks(i64::try_from(number).unwrap() - 1);
        let options = PlanOptions { minutes, stage_override: None, today: mend_core::day::format_day(held_on) };
        let plan = plan(program, &record, &options).unwrap_or_else(|e| panic!("session {number}: {e}"));
        let what = format!("{minutes} minutes, session {number} at {}", plan.stage.id);
        assert_eq!(plan.session_kind, SessionKind::Joint, "{what}");
        assert_eq!(plan.agenda.iter().map(|i| i.minutes).sum::<u32>(), minutes, "{what}: minutes do not add up");

        if reached.last() != Some(&plan.stage.id) {
            let expected = &program.stages[reached.len()].id;
            assert_eq!(&plan.stage.id, expected, "{what}: stages are reached in order");
            reached.push(plan.stage.id.clone());
        }
        let stage = program.stage(&plan.stage.id).unwrap();
        let already: BTreeSet<&str> = record
            .sessions
            .iter()
            .filter(|s| s.stage == stage.id)
            .flat_map(|s| s.met.iter().map(String::as_str))
            .collect();
        let unmet: BTreeSet<&str> =
            stage.progress_markers.iter().map(|m| m.id.as_str()).filter(|m| !already.contains(m)).collect();
        let mut served: BTreeSet<&str> = plan.agenda.iter().flat_map(|i| i.serves.iter().map(String::as_str)).collect();
        for sheet in &plan.homework {
            served.extend(stage.progress_markers.iter().filter(|m| m.served_by.contains(sheet)).map(|m| m.id.as_str()));
        }
        assert!(served.iter().any(|m| unmet.contains(m)), "{what}: the plan serves none of {unmet:?}");

        let done: Vec<String> =
            plan.agenda.iter().filter(|i| i.kind == AgendaKind::Exercise).filter_map(|i| i.exercise.clone()).collect();
        let met = met_by(program, &record, &plan, &done);
        let all_met = unmet.iter().all(|m| met.iter().any(|x| x == m));
        record.sessions.push(SessionRecord {
            number: u32::try_from(number).unwrap(),
            held_on,
            stage: plan.stage.id.clone(),
            homework: plan.homework.clone(),
            met,
            done,
            with: None,
            new_disclosure: false,
            notes: String::new(),
            planned: false,
        });
        if all_met && program.stages.last().is_some_and(|s| s.id == stage.id) {
            break;
        }
    }
    assert_eq!(reached.len(), program.stages.len(), "{minutes} minutes: every stage is reached");
    reached
        .into_iter()
        .map(|stage| {
            let held = record.sessions.iter().filter(|s| s.stage == stage).count();
            (stage, held)
        })
        .collect()
}

fn total(course: &[(String, usize)]) -> usize {
    course.iter().map(|(_, n)| n).sum()
}

fn report(what: &str, course: &[(String, usize)]) {
    let per_stage: Vec<String> = course.iter().map(|(stage, n)| format!("{stage} {n}")).collect();
    println!("{what}: {} sessions ({})", total(course), per_stage.join(", "));
}

#[test]
fn a_couple_is_carried_through_the_whole_program_at_50_and_80_minutes() {
    let program = embedded();
    let at_50 = walk(&program, [Roles::BrokeTrust, Roles::Hurt], 50);
    let at_80 = walk(&program, [Roles::BrokeTrust, Roles::Hurt], 80);
    report("50 minutes", &at_50);
    report("80 minutes", &at_80);
    assert!((12..=30).contains(&total(&at_50)), "{} sessions at 50 minutes", total(&at_50));
    assert!(total(&at_80) < total(&at_50), "80 minutes takes {} sessions, 50 takes {}", total(&at_80), total(&at_50));
    assert!(at_50.iter().all(|(_, n)| (1..=5).contains(n)), "{at_50:?}");
}

#[test]
fn when_both_broke_trust_each_partners_work_is_planned_in_turn() {
    let program = embedded();
    let course = walk(&program, [Roles::Mutual, Roles::Mutual], 50);
    report("both broke trust, 50 minutes", &course);
    assert!((12..=40).contains(&total(&course)), "{} sessions", total(&course));

    // At the disclosure stage, one partner acknowledges and the other speaks of the impact, then they swap.
    let mut record = couple([Roles::Mutual, Roles::Mutual]);
    let stage = "disclosure-and-accountability";
    let options = PlanOptions { minutes: 50, stage_override: Some(stage.to_owned()), today: "2025-03-03".to_owned() };
    let first = plan(&program, &record, &options).unwrap();
    let turns = |plan: &Plan| -> Vec<(String, Option<String>)> {
        plan.agenda.iter().filter_map(|i| i.exercise.clone().map(|e| (e, i.partner.clone()))).collect()
    };
    assert_eq!(
        turns(&first),
        [
            ("spoken-acknowledgement".to_owned(), Some("Ana".to_owned())),
            ("impact-statement".to_owned(), Some("Ben".to_owned()))
        ]
    );
    assert!(first.agenda.iter().all(|i| i.what.iter().all(|w| !w.contains("in turn"))), "never squeezed into one slot");
    record.sessions.push(SessionRecord {
        number: 1,
        held_on: mend_core::day::parse_day("2025-03-03").unwrap(),
        stage: stage.to_owned(),
        homework: Vec::new(),
        met: Vec::new(),
        done: vec!["spoken-acknowledgement".to_owned(), "impact-statement".to_owned()],
        with: None,
        new_disclosure: false,
        notes: String::new(),
        planned: false,
    });
    let options = PlanOptions { today: "2025-03-10".to_owned(), ..options };
    let second = plan(&program, &record, &options).unwrap();
    let second_turns = turns(&second);
    assert!(second_turns.contains(&("excuses-to-ownership".to_owned(), Some("Ana".to_owned()))), "{second_turns:?}");
    assert!(
        second_turns.iter().any(|(e, p)| e == "spoken-acknowledgement" && p.as_deref() == Some("Ben"))
            || second_turns.iter().any(|(e, p)| e == "impact-statement" && p.as_deref() == Some("Ana")),
        "the other partner takes their turn: {second_turns:?}"
    );
}

/// A session at `stage` held in week `number`, meeting every marker of the stage.
fn all_met(program: &Program, number: u32, stage: &str) -> SessionRecord {
    let markers = program.stage(stage).unwrap().progress_markers.iter().map(|m| m.id.clone()).collect();
    SessionRecord {
        number,
        held_on: mend_core::day::parse_day("2025-01-06").unwrap() + time::Duration::weeks(i64::from(number)),
        stage: stage.to_owned(),
        homework: Vec::new(),
        met: markers,
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: String::new(),
        planned: false,
    }
}

fn next(program: &Program, record: &CoupleRecord) -> Plan {
    let options = PlanOptions::new("2025-06-02");
    plan(program, record, &options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_second_disclosure_reopens_the_disclosure_work_after_each_partner_is_seen_alone() {
    let program = embedded();
    let mut record = couple([Roles::BrokeTrust, Roles::Hurt]);
    let stages = ["safety-and-stabilising", "disclosure-and-accountability", "honesty-and-questions"];
    for (i, stage) in stages.into_iter().chain(["listening-to-feelings"]).enumerate() {
        record.sessions.push(all_met(&program, u32::try_from(i).unwrap() + 1, stage));
    }
    let mut revealed = all_met(&program, 5, "consistent-actions");
    revealed.met = vec!["commitments-set".to_owned()];
    revealed.new_disclosure = true;
    revealed.notes = "A second affair came out.".to_owned();
    record.sessions.push(revealed);

    // Each partner is seen alone first, the partner who broke trust preparing the full account.
    for (number, name) in [(6, "Ana"), (7, "Ben")] {
        let alone = next(&program, &record);
        assert_eq!(alone.session_kind, SessionKind::Individual);
        assert_eq!(alone.with.as_deref(), Some(name));
        assert_eq!(alone.stage.id, "disclosure-and-accountability");
        assert!(alone.notice.as_deref().is_some_and(|n| n.contains("came out in session 5")), "{:?}", alone.notice);
        assert_eq!(alone.agenda.len(), 1);
        assert_eq!(alone.agenda[0].minutes, 50);
        let prepares = alone.agenda[0].what.iter().any(|w| w.contains("full account"));
        assert_eq!(prepares, name == "Ana", "{:?}", alone.agenda[0].what);
        let mut held = all_met(&program, number, "disclosure-and-accountability");
        held.met.clear();
        held.with = Some(name.to_owned());
        record.sessions.push(held);
    }

    // Then joint work goes back to the disclosure stage, with the caution flag followed up.
    let joint = next(&program, &record);
    assert_eq!(joint.session_kind, SessionKind::Joint);
    assert_eq!(joint.stage.id, "disclosure-and-accountability");
    assert!(
        joint.stage_reason.contains("New facts about the betrayal came out in session 5"),
        "{}",
        joint.stage_reason
    );
    let flag = joint.flags.iter().find(|f| f.id == mend_core::plan::NEW_DISCLOSURE_FLAG).expect("the caution flag");
    assert!(!flag.resolved);
    assert!(joint.watch_fors.iter().any(|w| w.flag.as_deref() == Some("new-disclosure")));
    let safety = joint.agenda.iter().find(|i| i.kind == AgendaKind::Safety).unwrap();
    assert!(safety.what.iter().any(|w| w.contains("new-disclosure")), "{:?}", safety.what);

    // Once the disclosure and honesty work is done again, the couple goes back to where it was.
    record.sessions.push(all_met(&program, 8, "disclosure-and-accountability"));
    assert_eq!(next(&program, &record).stage.id, "honesty-and-questions");
    record.sessions.push(all_met(&program, 9, "honesty-and-questions"));
    let back = next(&program, &record);
    assert_eq!(back.stage.id, "consistent-actions", "listening was done and is not done again");
    assert!(back.flags.iter().all(|f| f.id != "new-disclosure"), "the flag closes with the reopened work");
}
