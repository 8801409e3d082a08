//! The week: what `mend due` lists and in what order, and whom a message may go to at all.

use mend_core::due::{CoupleWeek, DueKind, RemoteSync, Urgency, WaitingLink, checkins_due, due};
use mend_core::reach::{NoMessage, may_message};
use mend_core::{
    Answer, Answers, BreachKind, CoupleRecord, FlagResolution, PartnerName, PartnerRecord, Program, Roles,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn embedded() -> Program {
    Program::embedded().unwrap_or_else(|errors| panic!("the embedded program does not load:\n{errors}"))
}

const NOW: OffsetDateTime = datetime!(2026-12-07 09:00 UTC);

fn intake(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(id, value)| ((*id).to_owned(), Answer::Text((*value).to_owned()))).collect()
}

fn record(id: &str, intakes: [Option<Answers>; 2]) -> CoupleRecord {
    let [first, second] = intakes;
    let partner = |name: &str, roles, intake: Option<Answers>| PartnerRecord {
        name: PartnerName::parse(name).unwrap(),
        pronouns: None,
        roles,
        intake_sent_at: intake.as_ref().map(|_| "2026-12-01T10:00:00Z".to_owned()),
        intake,
        checkins: Vec::new(),
        intake_questionnaire: None,
    };
    CoupleRecord {
        id: id.into(),
        label: None,
        breach: BreachKind::Lies,
        partners: vec![partner("Ines", Roles::Hurt, first), partner("Tomas", Roles::BrokeTrust, second)],
        sessions: Vec::new(),
        resolved_flags: Vec::new(),
    }
}

fn link(partner: &str, checkin: bool, made_days_ago: i64, lasts_days: i64) -> WaitingLink {
    let made_at = NOW - Duration::days(made_days_ago);
    WaitingLink {
        partner: partner.into(),
        checkin,
        made_at,
        expires_at: made_at + Duration::days(lasts_days),
        mail_failure: None,
    }
}

fn week(record: &CoupleRecord, links: Vec<WaitingLink>) -> CoupleWeek<'_> {
    CoupleWeek { record, links, checkin_every: None, last_checkin_links: Vec::new() }
}

#[test]
fn a_stop_flag_comes_before_every_waiting_link_and_a_quiet_couple_has_no_line() {
    let program = embedded();
    let quiet = record("0a0a0a", [None, None]);
    let waiting = record("1b1b1b", [None, None]);
    let afraid = record("2c2c2c", [Some(intake(&[("afraid_of_partner", "yes")])), None]);
    let mut failed = link("Tomas", false, 1, 14);
    failed.mail_failure = Some("the mail server refused: 550 no such mailbox".into());
    let weeks = [
        week(&quiet, Vec::new()),
        week(&waiting, vec![link("Ines", false, 5, 14), link("Tomas", true, 3, 4), failed]),
        // Listed last among the couples, yet its stop flag comes first.
        week(&afraid, vec![link("Tomas", false, 20, 14)]),
    ];
    let items = due(&program, &weeks, None, NOW);
    let seen: Vec<(Option<&str>, Option<&str>, DueKind, Urgency)> =
        items.iter().map(|i| (i.couple.as_deref(), i.partner.as_deref(), i.what, i.urgency)).collect();
    assert_eq!(
        seen,
        [
            (Some("2c2c2c"), Some("Ines"), DueKind::StopFlag, Urgency::Stop),
            (Some("1b1b1b"), Some("Tomas"), DueKind::LinkExpiring, Urgency::High),
            (Some("1b1b1b"), Some("Tomas"), DueKind::MailFailed, Urgency::High),
            // The link that closed six days ago has waited longer than the one made five days ago.
            (Some("2c2c2c"), Some("Tomas"), DueKind::LinkExpired, Urgency::Normal),
            (Some("1b1b1b"), Some("Ines"), DueKind::LinkUnanswered, Urgency::Normal),
            (Some("1b1b1b"), Some("Tomas"), DueKind::LinkUnanswered, Urgency::Low),
        ],
        "{items:#?}"
    );
    assert!(items[0].why.starts_with("fear-of-partner (intake)"), "{}", items[0].why);
    assert!(items.iter().all(|i| i.couple.as_deref() != Some("0a0a0a")));
    assert_eq!(items[4].why, "the intake link has waited 5 days for an answer");
    assert!(due(&program, &[week(&quiet, Vec::new())], None, NOW).is_empty());
}

#[test]
fn a_resolved_flag_and_an_old_expired_link_drop_off() {
    let program = embedded();
    let mut afraid = record("2c2c2c", [Some(intake(&[("afraid_of_partner", "yes")])), None]);
    afraid.resolved_flags.push(FlagResolution {
        flag: "fear-of-partner".into(),
        note: "assessed alone".into(),
        resolved_at: "2026-12-02T10:00:00Z".into(),
    });
    let items = due(&program, &[week(&afraid, vec![link("Tomas", false, 40, 14)])], None, NOW);
    assert!(items.is_empty(), "{items:#?}");
}

#[test]
fn a_checkin_falls_due_by_the_schedule_for_each_partner_not_already_asked() {
    let program = embedded();
    let couple = record("3d3d3d", [None, None]);
    let mut scheduled = week(&couple, Vec::new());
    scheduled.checkin_every = Some(Duration::weeks(1));
    scheduled.last_checkin_links =
        vec![("Ines".into(), Some(NOW - Duration::days(7))), ("Tomas".into(), Some(NOW - Duration::days(2)))];
    assert_eq!(checkins_due(&scheduled, NOW), [("Ines".to_owned(), Some(NOW))]);
    // Due tomorrow counts as due: the check-in should be out before the day.
    scheduled.last_checkin_links[1].1 = Some(NOW - Duration::days(6));
    assert_eq!(checkins_due(&scheduled, NOW).len(), 2);
    // A check-in link out and working is waiting, not due.
    scheduled.links.push(link("Ines", true, 0, 4));
    let items = due(&program, &[scheduled], None, NOW);
    let due_for: Vec<_> =
        items.iter().filter(|i| i.what == DueKind::CheckinDue).map(|i| i.partner.as_deref()).collect();
    assert_eq!(due_for, [Some("Tomas")]);
}

#[test]
fn a_paired_relay_not_synced_for_a_day_is_a_line_of_its_own() {
    let program = embedded();
    let stale = due(&program, &[], Some(RemoteSync(Some(NOW - Duration::hours(30)))), NOW);
    assert_eq!(stale.len(), 1);
    assert_eq!((stale[0].what, stale[0].couple.as_deref()), (DueKind::RelayNotSynced, None));
    assert!(stale[0].why.contains("1 day ago"), "{}", stale[0].why);
    assert!(due(&program, &[], Some(RemoteSync(Some(NOW - Duration::hours(2)))), NOW).is_empty());
    assert_eq!(due(&program, &[], Some(RemoteSync(None)), NOW).len(), 1);
}

#[test]
fn no_message_goes_to_a_partner_who_said_home_is_not_safe_even_once_resolved() {
    let program = embedded();
    let mut couple = record("4e4e4e", [Some(intake(&[("safe_to_contact", "no")])), Some(intake(&[]))]);
    couple.resolved_flags.push(FlagResolution {
        flag: "not-safe-to-contact".into(),
        note: "agreed to phone her at work".into(),
        resolved_at: "2026-12-03T10:00:00Z".into(),
    });
    assert!(matches!(may_message(&program, &couple, "Ines"), Err(NoMessage::NotSafeAtHome { .. })));
    assert_eq!(may_message(&program, &couple, "Tomas"), Ok(()));
}

#[test]
fn no_message_goes_to_a_partner_with_an_open_monitoring_or_control_flag() {
    let program = embedded();
    let monitored = record("5f5f5f", [None, Some(intake(&[("monitored", "not-agreed")]))]);
    let err = may_message(&program, &monitored, "Tomas").unwrap_err();
    assert_eq!(err, NoMessage::Watched { partner: "Tomas".into(), flag: "monitoring".into() });
    assert!(err.to_string().contains("someone may read or control their messages"));
    let controlled = record("6a6a6a", [Some(intake(&[("controlled", "yes")])), None]);
    assert!(matches!(may_message(&program, &controlled, "Ines"), Err(NoMessage::Watched { .. })));
    // The other partner's own answers say nothing about whether their messages are watched.
    assert_eq!(may_message(&program, &controlled, "Tomas"), Ok(()));
}
