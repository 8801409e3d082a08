//! Whole courses: a couple walked through the shipped program, session by session, as a therapist would record it.
//!
//! Each week the couple is planned for, the exercises planned are recorded as done and the markers
//! they served as met, and the walk goes on until the last stage's markers are all met. A marker
//! served by a sheet is met when that sheet's homework is reviewed, the session after it was given.
//! Where both partners share an exercise's role, its marker is met once each has taken a turn.

use std::collections::BTreeSet;

use mend_core::content::Exercise;
use mend_core::plan::{AgendaKind, IndividualPurpose, Plan, PlanOptions, SessionKind, plan};
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

/// How many partners must take a turn at an exercise before what it serves is met: each partner
/// of its role for work done alone, or shared by partners of one role.
fn turns_needed(record: &CoupleRecord, exercise: &Exercise) -> usize {
    let of_role = record.partners.iter().filter(|p| p.roles.includes(exercise.role)).count().max(1);
    if exercise.role == Role::Both && !exercise.alone { 1 } else { of_role }
}

/// The markers of the plan's stage that the session just held meets, by the walk's rule.
fn met_by(program: &Program, record: &CoupleRecord, plan: &Plan, done: &[String]) -> Vec<String> {
    let stage = program.stage(&plan.stage.id).unwrap();
    let earlier: Vec<&SessionRecord> = record.sessions.iter().filter(|s| s.stage == stage.id).collect();
    // Homework is reviewed in a joint session; a session with one partner alone has no review.
    let reviewed: &[String] = match plan.session_kind {
        SessionKind::Joint => earlier.last().map_or(&[], |s| s.homework.as_slice()),
        SessionKind::Individual => &[],
    };
    let mut met = Vec::new();
    for marker in &stage.progress_markers {
        let by_exercise = stage.exercises.iter().filter(|e| marker.served_by.contains(&e.id)).any(|e| {
            let turns = earlier.iter().filter(|s| s.done.contains(&e.id)).count() + usize::from(done.contains(&e.id));
            done.contains(&e.id) && turns >= turns_needed(record, e)
        });
        let by_sheet = reviewed.iter().any(|sheet| marker.served_by.contains(sheet));
        if by_exercise || by_sheet {
            met.push(marker.id.clone());
        }
    }
    met
}

/// The sessions held at one stage of a walk: in all, and of those, with one partner alone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AtStage {
    stage: String,
    sessions: usize,
    alone: usize,
}

/// Walks a couple through the program at `minutes` a session; returns the sessions held at each
/// advancing stage, in the program's order. Individual sessions are held where the plan proposes
/// them and recorded with the partner seen.
fn walk(program: &Program, roles: [Roles; 2], minutes: u32) -> Vec<AtStage> {
    let mut record = couple(roles);
    let mut purposes: Vec<(IndividualPurpose, String, String)> = Vec::new();
    let start = mend_core::day::parse_day("2025-01-06").unwrap();
    let mut reached: Vec<String> = Vec::new();
    loop {
        let number = record.sessions.len() + 1;
        assert!(number <= STUCK_AFTER, "{minutes} minutes: stuck at {:?} after {STUCK_AFTER} sessions", reached.last());
        let held_on = start + time::Duration::weeks(i64::try_from(number).unwrap() - 1);
        let options = PlanOptions { minutes, stage_override: None, today: mend_core::day::format_day(held_on) };
        let plan = plan(program, &record, &options).unwrap_or_else(|e| panic!("session {number}: {e}"));
        let what = format!("{minutes} minutes, session {number} at {}", plan.stage.id);
        match plan.session_kind {
            SessionKind::Joint => assert!(plan.with.is_none() && plan.individual.is_none(), "{what}"),
            SessionKind::Individual => {
                let with =
                    plan.with.clone().unwrap_or_else(|| panic!("{what}: an individual session names its partner"));
                assert_eq!(plan.agenda.len(), 1, "{what}: one item, the whole session");
                assert_eq!(plan.agenda[0].partner.as_ref(), Some(&with), "{what}");
                purposes.push((plan.individual.unwrap(), with, plan.stage.id.clone()));
            }
        }
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

        let done: Vec<String> = plan
            .agenda
            .iter()
            .filter(|i| matches!(i.kind, AgendaKind::Exercise | AgendaKind::Individual))
            .filter_map(|i| i.exercise.clone())
            .collect();
        let met = met_by(program, &record, &plan, &done);
        let all_met = unmet.iter().all(|m| met.iter().any(|x| x == m));
        record.sessions.push(SessionRecord {
            number: u32::try_from(number).unwrap(),
            held_on,
            stage: plan.stage.id.clone(),
            homework: plan.homework.clone(),
            met,
            done,
            with: plan.with.clone(),
            new_disclosure: false,
            notes: String::new(),
            planned: false,
        });
        if all_met && program.stages.last().is_some_and(|s| s.id == stage.id) {
            break;
        }
    }
    assert_eq!(reached.len(), program.stages.len(), "{minutes} minutes: every stage is reached");
    check_individual_sessions(&record, &purposes);
    reached
        .into_iter()
        .map(|stage| {
            let held: Vec<&SessionRecord> = record.sessions.iter().filter(|s| s.stage == stage).collect();
            let alone = held.iter().filter(|s| s.with.is_some()).count();
            AtStage { stage, sessions: held.len(), alone }
        })
        .collect()
}

/// Each partner's private safety check-in comes first, before any joint session; each partner who
/// broke trust prepares the account alone before the disclosure stage's first joint session.
fn check_individual_sessions(record: &CoupleRecord, purposes: &[(IndividualPurpose, String, String)]) {
    let names: Vec<String> = record.partners.iter().map(|p| p.name.to_string()).collect();
    let check_ins: Vec<&str> =
        purposes.iter().filter(|p| p.0 == IndividualPurpose::SafetyCheckIn).map(|p| p.1.as_str()).collect();
    assert_eq!(check_ins, names, "each partner's check-in, once");
    assert!(record.sessions[..2].iter().all(|s| s.with.is_some()), "the check-ins come before joint work");
    let disclosing: Vec<String> =
        record.partners.iter().filter(|p| p.roles.includes(Role::BrokeTrust)).map(|p| p.name.to_string()).collect();
    let prepared: Vec<&str> =
        purposes.iter().filter(|p| p.0 == IndividualPurpose::PreparingDisclosure).map(|p| p.1.as_str()).collect();
    assert_eq!(prepared, disclosing, "each partner who broke trust prepares the account");
    let stage = "disclosure-and-accountability";
    let at_stage: Vec<&SessionRecord> = record.sessions.iter().filter(|s| s.stage == stage).collect();
    let first_joint = at_stage.iter().position(|s| s.with.is_none()).unwrap();
    assert_eq!(first_joint, disclosing.len(), "the preparation comes before the stage's joint work");
}

fn total(course: &[AtStage]) -> usize {
    course.iter().map(|s| s.sessions).sum()
}

fn report(what: &str, course: &[AtStage]) {
    let per_stage: Vec<String> = course
        .iter()
        .map(|s| match s.alone {
            0 => format!("{} {}", s.stage, s.sessions),
            alone => format!("{} {} ({alone} alone)", s.stage, s.sessions),
        })
        .collect();
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
    assert!(at_50.iter().all(|s| (1..=5).contains(&s.sessions)), "{at_50:?}");
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
    // Safety is done, and each partner has prepared their account alone.
    record.sessions =
        vec![all_met(&program, 1, "safety-and-stabilising"), alone(2, stage, "Ana"), alone(3, stage, "Ben")];
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
        number: 4,
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

/// A session with one partner alone at `stage`, recorded without saying what was done.
fn alone(number: u32, stage: &str, partner: &str) -> SessionRecord {
    let mut session = all_met(&embedded(), number, stage);
    session.met.clear();
    session.with = Some(partner.to_owned());
    session
}

fn individual(plan: &Plan) -> (Option<IndividualPurpose>, Option<&str>, Option<&str>) {
    let exercise = plan.agenda.first().and_then(|i| i.exercise.as_deref());
    (plan.individual, plan.with.as_deref(), exercise)
}

#[test]
fn each_partner_is_checked_in_alone_before_any_joint_session() {
    let program = embedded();
    let mut record = couple([Roles::BrokeTrust, Roles::Hurt]);
    for (number, name) in [(1, "Ana"), (2, "Ben")] {
        let plan = next(&program, &record);
        assert_eq!(plan.session_kind, SessionKind::Individual);
        assert_eq!(
            individual(&plan),
            (Some(IndividualPurpose::SafetyCheckIn), Some(name), Some("separate-safety-check")),
            "session {number}"
        );
        assert_eq!(plan.agenda.len(), 1);
        assert_eq!(plan.agenda[0].minutes, 50);
        assert_eq!(plan.agenda[0].serves, ["safety-screened", "no-ongoing-betrayal"]);
        assert!(plan.notice.as_deref().is_some_and(|n| n.contains(&format!("this session is with {name}"))));
        assert!(plan.next_steps.iter().any(|s| matches!(
            s,
            mend_core::plan::NextStep::RecordIndividual { stage, partner }
                if stage == "safety-and-stabilising" && partner == name
        )));
        record.sessions.push(alone(number, "safety-and-stabilising", name));
    }
    let joint = next(&program, &record);
    assert_eq!(joint.session_kind, SessionKind::Joint);
    assert_eq!(joint.session_number, 3);
    assert!(
        joint.agenda.iter().all(|i| i.exercise.as_deref() != Some("separate-safety-check")),
        "work done alone is never planned jointly"
    );
}

#[test]
fn a_partner_already_seen_alone_is_not_checked_in_again() {
    let program = embedded();
    let mut record = couple([Roles::BrokeTrust, Roles::Hurt]);
    record.sessions.push(alone(1, "safety-and-stabilising", "Ben"));
    assert_eq!(individual(&next(&program, &record)).1, Some("Ana"));
    // Joint work that has begun is not interrupted for a check-in.
    // Once joint work has begun there is no check-in; work the stage does alone is still done alone.
    let mut joint = all_met(&program, 1, "safety-and-stabilising");
    joint.met.clear();
    record.sessions = vec![joint];
    let expected = (Some(IndividualPurpose::WorkAlone), Some("Ana"), Some("separate-safety-check"));
    assert_eq!(individual(&next(&program, &record)), expected);
    record.sessions[0].met = vec!["safety-screened".to_owned(), "no-ongoing-betrayal".to_owned()];
    assert_eq!(next(&program, &record).session_kind, SessionKind::Joint);
}

#[test]
fn each_partner_who_broke_trust_prepares_the_account_alone_before_the_disclosure_session() {
    let program = embedded();
    let stage = "disclosure-and-accountability";
    for (roles, preparing) in
        [([Roles::BrokeTrust, Roles::Hurt], &["Ana"][..]), ([Roles::Mutual, Roles::Mutual], &["Ana", "Ben"][..])]
    {
        let mut record = couple(roles);
        record.sessions.push(all_met(&program, 1, "safety-and-stabilising"));
        for (number, name) in (2..).zip(preparing) {
            let plan = next(&program, &record);
            assert_eq!(plan.stage.id, stage);
            assert_eq!(individual(&plan), (Some(IndividualPurpose::PreparingDisclosure), Some(*name), None));
            assert!(plan.homework.contains(&"accountability-letter".to_owned()), "{:?}", plan.homework);
            record.sessions.push(alone(number, stage, name));
        }
        let joint = next(&program, &record);
        assert_eq!((joint.session_kind, joint.stage.id.as_str()), (SessionKind::Joint, stage));
    }
}

#[test]
fn the_review_sees_each_partner_alone_then_goes_back_to_the_program() {
    let program = embedded();
    let review = "is-repair-still-healthy";
    let mut record = couple([Roles::BrokeTrust, Roles::Hurt]);
    record.sessions.push(all_met(&program, 1, "safety-and-stabilising"));
    let options = PlanOptions { minutes: 50, stage_override: Some(review.to_owned()), today: "2025-06-02".to_owned() };
    let opened = plan(&program, &record, &options).unwrap();
    let expected = (Some(IndividualPurpose::Review), Some("Ana"), Some("warning-signs-review"));
    assert_eq!(individual(&opened), expected);
    record.sessions.push(alone(2, review, "Ana"));

    // The review goes on without the therapist choosing it again, until its work alone is done.
    // Issue 27: either partner also weighs, alone, whether they lean in or out.
    let alone_work = [
        (3, "Ana", "leaning-in-or-out"),
        (4, "Ben", "warning-signs-review"),
        (5, "Ben", "leaning-in-or-out"),
        (6, "Ben", "choosing-yourself"),
    ];
    for (number, name, exercise) in alone_work {
        let plan = next(&program, &record);
        assert_eq!(plan.stage.id, review, "{}", plan.stage_reason);
        assert_eq!(individual(&plan), (Some(IndividualPurpose::Review), Some(name), Some(exercise)));
        let mut held = alone(number, review, name);
        held.done = vec![exercise.to_owned()];
        record.sessions.push(held);
    }
    assert_eq!(next(&program, &record).stage.id, "disclosure-and-accountability");
}

/// A couple in the middle of consistent actions when new facts come out in session 5.
fn after_new_facts(program: &Program) -> CoupleRecord {
    let mut record = couple([Roles::BrokeTrust, Roles::Hurt]);
    let stages = ["safety-and-stabilising", "disclosure-and-accountability", "honesty-and-questions"];
    for (i, stage) in stages.into_iter().chain(["listening-to-feelings"]).enumerate() {
        record.sessions.push(all_met(program, u32::try_from(i).unwrap() + 1, stage));
    }
    let mut revealed = all_met(program, 5, "consistent-actions");
    revealed.met.clear();
    revealed.new_disclosure = true;
    revealed.notes = "A second affair came out.".to_owned();
    record.sessions.push(revealed);
    record
}

fn resolution_at(resolved_at: &str) -> mend_core::FlagResolution {
    mend_core::FlagResolution {
        flag: mend_core::plan::NEW_DISCLOSURE_FLAG.to_owned(),
        note: "Both seen alone; no new risk.".to_owned(),
        resolved_at: resolved_at.to_owned(),
    }
}

#[test]
fn resolving_the_new_disclosure_flag_stops_the_re_check() {
    let program = embedded();
    let mut record = after_new_facts(&program);
    let held_on = mend_core::day::format_day(record.sessions[4].held_on);
    let before = next(&program, &record);
    assert_eq!(individual(&before).0, Some(IndividualPurpose::NewDisclosure));
    assert!(before.next_steps.contains(&mend_core::plan::NextStep::ResolveFlag { flag: "new-disclosure".into() }));

    // A resolution made before the facts came out does not cover them.
    record.resolved_flags.push(resolution_at("2025-01-01T10:00:00Z"));
    assert_eq!(next(&program, &record).session_kind, SessionKind::Individual);

    record.resolved_flags.push(resolution_at(&format!("{held_on}T18:00:00Z")));
    let after = next(&program, &record);
    assert_eq!(after.session_kind, SessionKind::Joint, "no individual session is asked for");
    assert_eq!(after.stage.id, "disclosure-and-accountability", "the reopened work still comes first");
    let flag = after.flags.iter().find(|f| f.id == "new-disclosure").expect("the flag, resolved");
    assert!(flag.resolved);
    assert!(after.watch_fors.iter().all(|w| w.flag.as_deref() != Some("new-disclosure")));
    let safety = after.agenda.iter().find(|i| i.kind == AgendaKind::Safety).unwrap();
    assert!(safety.what.iter().all(|w| !w.contains("new-disclosure")), "{:?}", safety.what);
    assert_eq!(serde_json::to_string(&after).unwrap(), serde_json::to_string(&next(&program, &record)).unwrap());
}
