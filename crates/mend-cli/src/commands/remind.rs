//! `mend remind`: run daily (cron, or the mend-remind.timer the package ships). One reminder for
//! each link that has waited three days or closes within two, and a fresh check-in link for each
//! partner whose check-in the couple's schedule calls for. Each reminder goes at most once; what
//! cannot be sent safely is listed for the therapist, never sent.
//!
//! It prints no link: its output may be mailed by cron to a mailbox the therapist does not
//! watch, or kept in a journal.

use std::process::ExitCode;

use anyhow::Result;
use mend_core::due::{EXPIRING_WITHIN, REMIND_AFTER, checkins_due};
use mend_mail::reminder_letter;
use mend_store::MailPurpose;
use serde::Serialize;
use time::Duration;

use crate::args::{Format, RemindArgs};
use crate::context::{Context, now};
use crate::links::{CheckinsMade, make_checkins, send_each};
use crate::mailing::{Delivery, address_for, deliver};
use crate::output::{json, outln};
use crate::week::PracticeWeek;

/// A link made less than this long ago is not reminded of, however soon it closes.
const NOT_BEFORE: Duration = Duration::days(1);

/// One line of what `mend remind` did or would do.
#[derive(Debug, Serialize)]
struct Done {
    couple: String,
    partner: String,
    /// `reminder` or `checkin`.
    what: &'static str,
    /// What became of it; `would_send` with `--dry-run`.
    #[serde(flatten)]
    delivery: Outcome,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Outcome {
    Delivery(Delivery),
    WouldSend { status: &'static str },
}

pub(crate) fn run(ctx: &Context, args: RemindArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    // A dry run says what would go, so it needs no mail server, but it reads the settings when
    // there are some, to show a broken [mail] before the real run.
    let mail = match args.dry_run {
        true => crate::mailing::configured(ctx)?,
        false => Some(crate::mailing::required(ctx, "`mend remind`")?),
    };
    let mut store = ctx.store_taking_in()?;
    let now = now().replace_nanosecond(0)?;
    let week = PracticeWeek::read(&store, program)?;
    let mut done = Vec::new();

    // Reminders of links still waiting.
    for link in &week.links {
        let waited = now - link.made_at;
        let left = link.expires_at - now;
        let worth_it = waited >= REMIND_AFTER || (left <= EXPIRING_WITHIN && waited >= NOT_BEFORE);
        if link.reminded || link.expires_at <= now || !worth_it {
            continue;
        }
        let Some((couple, record)) = week.couple(link.couple) else { continue };
        let partner = link.partner_name.to_string();
        let line =
            |delivery| Done { couple: couple.short_id.clone(), partner: partner.clone(), what: "reminder", delivery };
        if let Err(why) = address_for(program, record, couple, &partner) {
            done.push(line(Outcome::Delivery(Delivery::Withheld { why })));
            continue;
        }
        let Some(mail) = mail.as_ref().filter(|_| !args.dry_run) else {
            done.push(line(Outcome::WouldSend { status: "would_send" }));
            continue;
        };
        let letter = reminder_letter(&mail.sender, &partner, link.made_at, link.mailed_at, link.expires_at);
        let delivery = deliver(
            mail,
            &mut store,
            program,
            record,
            couple,
            &partner,
            link.invitation,
            MailPurpose::Reminder,
            &letter,
        )?;
        done.push(line(Outcome::Delivery(delivery)));
    }

    // Check-ins the schedules call for.
    if let Some(checkin) = &program.checkin {
        for (couple_week, couple) in week.weeks().iter().zip(&week.couples) {
            let due: Vec<String> = checkins_due(couple_week, now).into_iter().map(|(partner, _)| partner).collect();
            let mut to_make = Vec::new();
            for name in &due {
                let Some(partner) = couple.partners.iter().find(|p| p.name.as_str() == name) else { continue };
                let line = |delivery| Done {
                    couple: couple.short_id.clone(),
                    partner: name.clone(),
                    what: "checkin",
                    delivery,
                };
                match address_for(program, couple_week.record, couple, name).err() {
                    Some(why) => done.push(line(Outcome::Delivery(Delivery::Withheld { why }))),
                    None if args.dry_run || mail.is_none() => {
                        done.push(line(Outcome::WouldSend { status: "would_send" }))
                    }
                    None => to_make.push(partner.clone()),
                }
            }
            let Some(mail) = mail.as_ref().filter(|_| !to_make.is_empty() && !args.dry_run) else { continue };
            let expires = now + args.expires;
            let CheckinsMade { mut links, .. } = make_checkins(
                ctx,
                &mut store,
                program,
                checkin,
                couple,
                &to_make,
                expires,
                args.base_url.as_ref(),
                now,
            )?;
            send_each(mail, &mut store, program, couple, &mut links)?;
            for link in links {
                done.push(Done {
                    couple: couple.short_id.clone(),
                    partner: link.partner.clone(),
                    what: "checkin",
                    delivery: Outcome::Delivery(link.mail.unwrap_or(Delivery::Withheld { why: "not sent".into() })),
                });
            }
        }
    }

    let failed = done.iter().any(|d| matches!(&d.delivery, Outcome::Delivery(delivery) if delivery.failed()));
    if args.format.format == Format::Json {
        json(&serde_json::json!({ "reminders": done }))?;
    } else if done.is_empty() {
        outln!("Nothing to remind anyone of today.")?;
    } else {
        for line in &done {
            let what = match line.what {
                "reminder" => "reminder of the waiting link",
                _ => "a check-in link, by the schedule",
            };
            let outcome = match &line.delivery {
                Outcome::WouldSend { .. } => "would be e-mailed (dry run)".to_owned(),
                Outcome::Delivery(delivery) => delivery.describe(),
            };
            outln!("{} {}: {what}: {outcome}", line.couple, line.partner)?;
        }
    }
    for line in &done {
        if let Outcome::Delivery(Delivery::Failed { why, .. }) = &line.delivery {
            eprintln!("mend: the {} for {} ({}) was not sent: {why}", line.what, line.partner, line.couple);
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
