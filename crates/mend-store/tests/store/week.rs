//! The week's facts: addresses, check-in schedules, links waiting, and the mail attempts on them.

use mend_core::EmailAddress;
use mend_store::{CheckinAsks, MailAttempt, MailPurpose};
use time::Duration;

use crate::helpers::{DAY, at, checked, checkin_form, couple, form, fresh_store};

#[test]
fn addresses_are_kept_with_the_partner_and_can_be_forgotten() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let zoe = &added.partners[1];
    let address = EmailAddress::parse("zoe@example.org").unwrap();
    store.set_email(zoe.id, Some(&address), at(1)).unwrap();
    let found = store.find_couple("zoë").unwrap();
    assert_eq!(found.partners[1].email.as_ref(), Some(&address));
    assert_eq!(found.partners[0].email, None);
    store.set_email(zoe.id, None, at(2)).unwrap();
    assert_eq!(store.find_couple("zoë").unwrap().partners[1].email, None);
    // The trail says an address changed, never which.
    let trail = store.audit_log().unwrap();
    assert!(trail.iter().any(|e| e.action == "e-mail address set"));
    assert!(trail.iter().all(|e| !e.detail.as_deref().unwrap_or_default().contains("example.org")));
}

#[test]
fn waiting_links_carry_the_latest_attempt_and_whether_a_reminder_went() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let [jose, zoe] = [added.partners[0].id, added.partners[1].id];
    let used = store.create_invitation(jose, &form(1), at(1), at(14 * DAY)).unwrap();
    store.submit_intake(&used, &checked("sent"), at(2)).unwrap();
    store.create_invitation(zoe, &form(1), at(3), at(14 * DAY)).unwrap();

    let waiting = store.waiting_links().unwrap();
    assert_eq!(waiting.len(), 1, "the answered link no longer waits");
    let link = &waiting[0];
    assert_eq!((link.partner, link.checkin, link.last_mail.clone(), link.reminded), (zoe, false, None, false));

    let failed = MailAttempt { sent: false, reply_code: Some(550), failure: Some("550 no such mailbox".into()) };
    store.record_mail(link.invitation, MailPurpose::Link, &failed, at(4)).unwrap();
    assert_eq!(store.waiting_links().unwrap()[0].last_mail.as_ref(), Some(&failed));
    let sent = MailAttempt { sent: true, reply_code: Some(250), failure: None };
    store.record_mail(link.invitation, MailPurpose::Link, &sent, at(5)).unwrap();
    let link = &store.waiting_links().unwrap()[0];
    assert_eq!((link.last_mail.as_ref(), link.mailed_at, link.reminded), (Some(&sent), Some(at(5)), false));
    store.record_mail(link.invitation, MailPurpose::Reminder, &sent, at(3 * DAY)).unwrap();
    assert!(store.waiting_links().unwrap()[0].reminded);
}

#[test]
fn schedules_count_from_each_partners_latest_checkin_link() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    assert!(store.checkin_schedules().unwrap().is_empty());
    store.set_checkin_schedule(&added, Some(7), at(1)).unwrap();
    store
        .create_checkin_link(added.partners[1].id, &checkin_form(), &CheckinAsks::default(), at(2), at(4 * DAY))
        .unwrap();
    let schedules = store.checkin_schedules().unwrap();
    let schedule = &schedules[&added.id];
    assert_eq!(schedule.every, Duration::days(7));
    assert_eq!(schedule.last_links, vec![(added.partners[0].id, None), (added.partners[1].id, Some(at(2)))]);
    assert!(store.set_checkin_schedule(&added, Some(91), at(3)).is_err(), "over 90 days is refused");
    store.set_checkin_schedule(&added, None, at(3)).unwrap();
    assert!(store.checkin_schedules().unwrap().is_empty());
}

#[test]
fn addresses_and_schedules_travel_in_an_export() {
    let (_dir, mut store) = fresh_store();
    let added = store.add_couple(&couple("José Núñez", "Zoë"), at(0)).unwrap();
    let address = EmailAddress::parse("jose@example.org").unwrap();
    store.set_email(added.partners[0].id, Some(&address), at(1)).unwrap();
    store.set_checkin_schedule(&added, Some(14), at(1)).unwrap();
    let export = store.export(None).unwrap();
    let (_other_dir, mut other) = fresh_store();
    other.import(&mend_store::Export::from_json(&export.to_json().unwrap()).unwrap()).unwrap();
    let back = other.find_couple("josé").unwrap();
    assert_eq!(back.partners[0].email.as_ref(), Some(&address));
    assert_eq!(other.checkin_schedules().unwrap()[&back.id].every, Duration::days(14));
}
