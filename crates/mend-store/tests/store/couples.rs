//! Couples: adding, listing, finding by short id or name, the planner's record.

use mend_core::{BreachKind, BrokeTrust, LookupError, NewCouple, PartnerId, Roles};
use mend_store::{
    EXPORT_FORMAT, EXPORT_VERSION, Export, ExportedCouple, ExportedPartner, NewSession, Store, StoreError,
    SubmitOutcome,
};
use time::macros::date;

use crate::helpers::{DAY, answers, at, checked, checked_on, couple, couple_with, form, fresh_store, name};

#[test]
fn an_added_couple_reads_back_as_given() {
    let (_dir, mut store) = fresh_store();
    let new = NewCouple::new(
        [name("José Núñez"), name("Zoë")],
        &BrokeTrust::Named("zoe".into()),
        BreachKind::Financial,
        Some("  referred by Dr Ōta  ".into()),
    )
    .unwrap();
    let added = store.add_couple(&new, at(0)).unwrap();

    assert_eq!(added.short_id.len(), 6);
    assert!(added.short_id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{}", added.short_id);
    assert_eq!(added.breach, BreachKind::Financial);
    assert_eq!(added.label.as_deref(), Some("referred by Dr Ōta"));
    assert_eq!(added.created_at, "2025-03-01T09:00:00Z");
    assert_eq!(added.current_stage, None);
    let partners: Vec<_> = added.partners.iter().map(|p| (p.name.as_str(), p.roles, p.pronouns.clone())).collect();
    assert_eq!(partners, vec![("José Núñez", Roles::Hurt, None), ("Zoë", Roles::BrokeTrust, None)]);
    assert_eq!(store.couple(added.id).unwrap(), added);
    assert_eq!(store.couples().unwrap(), vec![added.clone()]);

    let audit = store.audit_log().unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].action.as_str(), audit[0].couple.as_deref()), ("couple added", Some(added.short_id.as_str())));
}

#[test]
fn couples_are_listed_oldest_first_with_distinct_short_ids() {
    let (_dir, mut store) = fresh_store();
    let first = store.add_couple(&couple("Amara", "Bea"), at(0)).unwrap();
    let second = store.add_couple(&couple("Łukasz", "Zofia"), at(5)).unwrap();
    let listed: Vec<_> = store.couples().unwrap().into_iter().map(|c| c.short_id).collect();
    assert_eq!(listed, vec![first.short_id.clone(), second.short_id.clone()]);
    assert_ne!(first.short_id, second.short_id);
}

#[test]
fn mutual_breaches_are_stored_for_both_partners() {
    let (_dir, mut store) = fresh_store();
    let mutual = couple_with("Amara", "Bea", &BrokeTrust::Both, BreachKind::Affair);
    let added = store.add_couple(&mutual, at(0)).unwrap();
    assert!(added.partners.iter().all(|p| p.roles == Roles::Mutual));
}

/// Three couples with known short ids, brought in through an import.
fn three_couples() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = fresh_store();
    let exported = |id: &str, a: &str, b: &str| ExportedCouple {
        id: id.into(),
        breach: BreachKind::Lies,
        label: None,
        created_at: "2025-01-01T00:00:00Z".into(),
        current_stage: None,
        partners: [(a, Roles::BrokeTrust), (b, Roles::Hurt)]
            .into_iter()
            .map(|(n, roles)| ExportedPartner {
                name: name(n),
                pronouns: None,
                roles,
                email: None,
                invitations: vec![],
            })
            .collect(),
        sessions: vec![],
        resolved_flags: vec![],
        checkin_every_days: None,
    };
    let export = Export {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        couples: vec![
            exported("a1b2c3", "José Núñez", "Zoë"),
            exported("a1ffe0", "Łukasz Nowak", "Zofia Nowak"),
            exported("0c0ffe", "Amara", "Bea"),
        ],
        questionnaires: vec![],
    };
    store.import(&export).unwrap();
    (dir, store)
}

/// Each case lists the short ids found: none, the one couple, or the candidates of an ambiguity.
#[test]
fn couples_are_found_by_short_id_its_start_or_part_of_a_name() {
    let (_dir, store) = three_couples();
    let check = |query: &str, expected: &[&str]| {
        let found: Vec<String> = match store.find_couple(query) {
            Ok(c) => vec![c.short_id],
            Err(StoreError::Lookup(LookupError::AmbiguousCouple { candidates, .. })) => {
                candidates.iter().map(|c| c[..6].to_owned()).collect()
            }
            Err(StoreError::Lookup(LookupError::NoSuchCouple { .. })) => vec![],
            Err(other) => panic!("{query:?}: unexpected {other:?}"),
        };
        assert_eq!(found, expected, "query {query:?}");
    };
    check("a1b2c3", &["a1b2c3"]);
    check("A1B2C3", &["a1b2c3"]);
    check(" a1b ", &["a1b2c3"]);
    check("a1", &["a1b2c3", "a1ffe0"]);
    check("0c0", &["0c0ffe"]);
    check("zoë", &["a1b2c3"]);
    check("NÚÑEZ", &["a1b2c3"]);
    check("nowak", &["a1ffe0"]);
    check("ukasz", &["a1ffe0"]);
    check("z", &["a1b2c3", "a1ffe0"]);
    check("bea", &["0c0ffe"]);
    check("nobody", &[]);
    check("", &[]);
    check("   ", &[]);
}

#[test]
fn an_ambiguous_query_lists_the_candidates_with_their_names() {
    let (_dir, store) = three_couples();
    let err = store.find_couple("a1").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("a1b2c3 (José Núñez & Zoë)"), "{message}");
    assert!(message.contains("a1ffe0 (Łukasz Nowak & Zofia Nowak)"), "{message}");
    let err = store.find_couple("nobody").unwrap_err();
    assert_eq!(err.to_string(), "no couple matches \"nobody\"");
}

#[test]
fn a_partner_is_found_within_the_couple_by_name() {
    let (_dir, store) = three_couples();
    let found = store.find_couple("a1b2c3").unwrap();
    assert_eq!(found.partner("zoë").unwrap().name.as_str(), "Zoë");
    assert_eq!(found.partner("josé").unwrap().name.as_str(), "José Núñez");
    assert!(matches!(found.partner("o"), Err(LookupError::AmbiguousPartner { .. })));
    let err = found.partner("Bea").unwrap_err();
    let LookupError::NoSuchPartner { choices, .. } = err else { panic!("{err:?}") };
    assert_eq!(choices, ["José Núñez", "Zoë"], "the error lists the partners to choose from");
}

#[test]
fn pronouns_and_the_current_stage_can_be_set() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    store.set_pronouns(added.partners[1].id, Some(" she/her "), at(1)).unwrap();
    store.set_current_stage(&added, Some("atonement"), at(2)).unwrap();
    let again = store.couple(added.id).unwrap();
    assert_eq!(again.partners[1].pronouns.as_deref(), Some("she/her"));
    assert_eq!(again.partners[0].pronouns, None);
    assert_eq!(again.current_stage.as_deref(), Some("atonement"));

    store.set_pronouns(added.partners[1].id, None, at(3)).unwrap();
    assert_eq!(store.couple(added.id).unwrap().partners[1].pronouns, None);
    assert!(
        matches!(store.set_pronouns(PartnerId::from_row(9999), Some("they"), at(4)), Err(StoreError::UnknownPartnerId(id)) if id.get() == 9999)
    );
    assert!(matches!(store.set_current_stage(&added, Some("Not An Id"), at(5)), Err(StoreError::Invalid(_))));
}

#[test]
fn the_couple_record_holds_the_latest_answers_sessions_and_resolved_flags() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let [jose, zoe] = [added.partners[0].id, added.partners[1].id];

    let first = store.create_invitation(zoe, &form(1), at(1), at(DAY)).unwrap();
    assert_eq!(store.submit_intake(&first, &checked("first thoughts"), at(10)).unwrap(), SubmitOutcome::Stored);
    let second = store.create_invitation(zoe, &form(2), at(20), at(DAY)).unwrap();
    assert_eq!(store.submit_intake(&second, &checked_on(2, "second thoughts"), at(30)).unwrap(), SubmitOutcome::Stored);
    store.set_pronouns(zoe, Some("she/her"), at(31)).unwrap();
    let session = NewSession {
        held_on: date!(2025 - 03 - 04),
        stage: "safety".into(),
        plan_json: None,
        homework: vec!["trigger-log".into()],
        met: vec![],
        done: Vec::new(),
        with: None,
        new_disclosure: false,
        notes: "Agreed on a pause word.".into(),
        number: None,
    };
    store.record_session(&added, &session, at(40)).unwrap();
    store.resolve_flag(&added, "ongoing-affair", "Contact ended; confirmed with both.", at(50)).unwrap();

    let record = store.couple_record(&store.couple(added.id).unwrap(), &form(2)).unwrap();
    assert_eq!(record.id, added.short_id);
    assert_eq!(record.breach, BreachKind::Affair);
    assert_eq!(record.partners.len(), 2);
    assert_eq!(record.partners[0].name, name("José Núñez"));
    assert_eq!(record.partners[0].intake, None, "José {jose} has not answered");
    assert_eq!(record.partners[1].intake, Some(answers("second thoughts")));
    assert_eq!(record.partners[1].pronouns.as_deref(), Some("she/her"));
    assert_eq!(record.sessions.len(), 1);
    assert_eq!(record.sessions[0].homework, vec!["trigger-log".to_owned()]);
    assert_eq!(record.resolved_flags.len(), 1);
    assert_eq!(record.resolved_flags[0].resolved_at, "2025-03-01T09:50:00Z");

    let responses = store.intake_responses(&added).unwrap();
    let seen: Vec<_> =
        responses.iter().map(|r| (r.partner_name.as_str(), r.version, r.submitted_at.as_str())).collect();
    assert_eq!(seen, vec![("Zoë", 1, "2025-03-01T09:10:00Z"), ("Zoë", 2, "2025-03-01T09:30:00Z")]);
    assert_eq!(responses[0].answers, answers("first thoughts"));

    // What `mend progress` reads: the same record without the intakes.
    let mut without_intakes = record.clone();
    for partner in &mut without_intakes.partners {
        (partner.intake, partner.intake_sent_at, partner.intake_questionnaire) = (None, None, None);
    }
    assert_eq!(store.checkin_record(&store.couple(added.id).unwrap(), None).unwrap(), without_intakes);
}

#[test]
fn every_breach_kind_the_domain_knows_is_one_the_schema_accepts() {
    // The schema's CHECK list is fixed in a migration; this keeps it in step with
    // `BreachKind::ALL`, the one list the CLI and the domain use.
    let (_dir, mut store) = fresh_store();
    for (n, kind) in BreachKind::ALL.into_iter().enumerate() {
        let first = format!("Ana {n}");
        let added = store.add_couple(&couple_with(&first, "Bea", &BrokeTrust::Both, kind), at(0)).unwrap();
        assert_eq!(store.couple(added.id).unwrap().breach, kind);
    }
}
