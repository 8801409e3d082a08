//! The therapist's week: everything across the practice that needs doing, most urgent first.
//! Pure, like the planner: the store reads the facts out, the CLI prints what this decides.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::content::Program;
use crate::day::format_day;
use crate::domain::Severity;
use crate::plan::{DETERIORATION_FLAG, PlanFlag, checkin_flags, raised_flags};
use crate::record::CoupleRecord;

/// A link open this long without an answer is worth a word to the partner.
pub const REMIND_AFTER: Duration = Duration::days(3);
/// A link closer than this to its expiry is worth a word too.
pub const EXPIRING_WITHIN: Duration = Duration::hours(48);
/// An expired link stays on the list this long, then the therapist has surely seen it.
const EXPIRED_SHOWN_FOR: Duration = Duration::days(14);
/// A paired relay not asked for answers for this long may hold answers no one has read.
const SYNC_STALE_AFTER: Duration = Duration::days(1);

/// How soon something needs the therapist, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// A stop flag: before any joint work.
    Stop,
    /// Today: a partner getting worse, a link about to close, a message that failed.
    High,
    /// This week.
    Normal,
    /// Worth knowing.
    Low,
}

/// What a line of the week is about; its JSON name is stable (see docs/json.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// An open stop flag, from an intake or a check-in.
    StopFlag,
    /// A reliable deterioration in a partner's check-in scores.
    Deterioration,
    /// The last message with a partner's link did not go.
    MailFailed,
    /// A link closes soon without an answer.
    LinkExpiring,
    /// A link waits for an answer.
    LinkUnanswered,
    /// A link closed without an answer.
    LinkExpired,
    /// A check-in is due by the couple's schedule.
    CheckinDue,
    /// A plan was saved for a session that was never recorded.
    PlanNotRecorded,
    /// The paired relay has not been asked for answers for more than a day.
    RelayNotSynced,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueItem {
    /// The couple's short id; `None` for the practice as a whole.
    pub couple: Option<String>,
    /// The partner it concerns, if one.
    pub partner: Option<String>,
    /// What it is.
    pub what: DueKind,
    /// Why, in words, naming no answer.
    pub why: String,
    /// How soon.
    pub urgency: Urgency,
    /// Since when (RFC 3339 UTC, or a day), for ordering and for "how long".
    pub since: Option<String>,
}

/// A link of the couple's that has not been answered or replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingLink {
    /// The partner's name.
    pub partner: String,
    /// A check-in link rather than an intake link.
    pub checkin: bool,
    /// When it was made.
    pub made_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// The last message with it failed, and how, if so.
    pub mail_failure: Option<String>,
}

/// One couple's facts for the week.
#[derive(Debug, Clone)]
pub struct CoupleWeek<'a> {
    /// The record the planner reads.
    pub record: &'a CoupleRecord,
    /// Links not answered and not replaced.
    pub links: Vec<WaitingLink>,
    /// The check-in schedule, if the therapist set one.
    pub checkin_every: Option<Duration>,
    /// For each partner by name, when their latest check-in link was made (`None`: never).
    pub last_checkin_links: Vec<(String, Option<OffsetDateTime>)>,
}

/// When the practice's paired relay was last asked for answers (`None`: never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteSync(pub Option<OffsetDateTime>);

/// Everything due across the practice at `now`, most urgent first, then oldest first. A couple
/// with nothing due has no line.
pub fn due(
    program: &Program,
    couples: &[CoupleWeek<'_>],
    relay: Option<RemoteSync>,
    now: OffsetDateTime,
) -> Vec<DueItem> {
    let mut items = Vec::new();
    if let Some(RemoteSync(synced)) = relay
        && synced.is_none_or(|at| now - at > SYNC_STALE_AFTER)
    {
        items.push(DueItem {
            couple: None,
            partner: None,
            what: DueKind::RelayNotSynced,
            why: match synced {
                Some(at) => format!("the relay was last asked for answers {} ago", ago(now - at)),
                None => "the relay has never been asked for answers".to_owned(),
            },
            urgency: Urgency::High,
            since: synced.map(stamp),
        });
    }
    for week in couples {
        flag_items(program, week.record, &mut items);
        link_items(week, now, &mut items);
        checkin_items(week, now, &mut items);
        plan_items(week.record, now, &mut items);
    }
    // Stable: within one urgency and moment, couples keep the record's order.
    items.sort_by(|a, b| a.urgency.cmp(&b.urgency).then_with(|| a.since.cmp(&b.since)));
    items
}

fn flag_items(program: &Program, record: &CoupleRecord, items: &mut Vec<DueItem>) {
    let flags: Vec<PlanFlag> =
        raised_flags(program, record).into_iter().chain(checkin_flags(program, record)).collect();
    for flag in flags.iter().filter(|f| !f.resolved) {
        let (what, urgency) = match (flag.severity, flag.id.as_str()) {
            (Severity::Stop, _) => (DueKind::StopFlag, Urgency::Stop),
            (_, DETERIORATION_FLAG) => (DueKind::Deterioration, Urgency::High),
            _ => continue,
        };
        let partner = record.partners.iter().find(|p| p.name.as_str() == flag.partner);
        let since = partner.and_then(|p| match flag.from_checkin {
            true => p.checkins.last().map(|c| c.sent_at.clone()),
            false => p.intake_sent_at.clone(),
        });
        let source = if flag.from_checkin { "check-in" } else { "intake" };
        items.push(DueItem {
            couple: Some(record.id.clone()),
            partner: Some(flag.partner.clone()),
            what,
            why: format!("{} ({source}): {}", flag.id, flag.message),
            urgency,
            since,
        });
    }
}

fn link_items(week: &CoupleWeek<'_>, now: OffsetDateTime, items: &mut Vec<DueItem>) {
    for link in &week.links {
        let form = if link.checkin { "check-in" } else { "intake" };
        let item = |what, urgency, why: String, since: OffsetDateTime| DueItem {
            couple: Some(week.record.id.clone()),
            partner: Some(link.partner.clone()),
            what,
            why,
            urgency,
            since: Some(stamp(since)),
        };
        if let Some(failure) = &link.mail_failure {
            items.push(item(
                DueKind::MailFailed,
                Urgency::High,
                format!(
                    "the message with the {form} link did not go ({failure}); pass the link on by hand or send it again"
                ),
                link.made_at,
            ));
        }
        if link.expires_at <= now {
            if now - link.expires_at <= EXPIRED_SHOWN_FOR {
                items.push(item(
                    DueKind::LinkExpired,
                    Urgency::Normal,
                    format!("the {form} link closed {} ago without an answer", ago(now - link.expires_at)),
                    link.expires_at,
                ));
            }
        } else if link.expires_at - now <= EXPIRING_WITHIN {
            items.push(item(
                DueKind::LinkExpiring,
                Urgency::High,
                format!(
                    "the {form} link closes in {} without an answer (open {})",
                    ago(link.expires_at - now),
                    ago(now - link.made_at)
                ),
                link.made_at,
            ));
        } else {
            let open = now - link.made_at;
            let urgency = if open >= REMIND_AFTER { Urgency::Normal } else { Urgency::Low };
            items.push(item(
                DueKind::LinkUnanswered,
                urgency,
                format!("the {form} link has waited {} for an answer", ago(open)),
                link.made_at,
            ));
        }
    }
}

/// The partners whose check-in is due by the couple's schedule at `now` (or within a day), each
/// with the moment it fell due (`None`: they never had one). A partner whose check-in link is
/// out and working is waiting, not due.
pub fn checkins_due(week: &CoupleWeek<'_>, now: OffsetDateTime) -> Vec<(String, Option<OffsetDateTime>)> {
    let Some(every) = week.checkin_every else { return Vec::new() };
    week.last_checkin_links
        .iter()
        .filter(|(partner, _)| !week.links.iter().any(|l| l.checkin && &l.partner == partner && l.expires_at > now))
        .filter_map(|(partner, last)| {
            let next = last.map(|at| at + every);
            next.is_none_or(|next| next - now <= Duration::days(1)).then(|| (partner.clone(), next))
        })
        .collect()
}

fn checkin_items(week: &CoupleWeek<'_>, now: OffsetDateTime, items: &mut Vec<DueItem>) {
    for (partner, next) in checkins_due(week, now) {
        let why = match next {
            Some(next) => format!("a check-in is due by the couple's schedule (from {})", format_day(next.date())),
            None => "a check-in is due by the couple's schedule (none was made for this partner yet)".to_owned(),
        };
        items.push(DueItem {
            couple: Some(week.record.id.clone()),
            partner: Some(partner),
            what: DueKind::CheckinDue,
            why,
            urgency: Urgency::Normal,
            since: next.map(stamp),
        });
    }
}

fn plan_items(record: &CoupleRecord, now: OffsetDateTime, items: &mut Vec<DueItem>) {
    for session in record.sessions.iter().filter(|s| s.is_replaceable_plan() && s.held_on < now.date()) {
        items.push(DueItem {
            couple: Some(record.id.clone()),
            partner: session.with.clone(),
            what: DueKind::PlanNotRecorded,
            why: format!(
                "session {} was planned for {} and never recorded (notes, met markers)",
                session.number,
                format_day(session.held_on)
            ),
            urgency: Urgency::Normal,
            since: Some(format_day(session.held_on)),
        });
    }
}

/// A span as people say it: `5 days`, `3 hours`, `less than an hour`.
pub fn ago(span: Duration) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    match (span.whole_days(), span.whole_hours()) {
        (days, _) if days >= 1 => plural(days, "day"),
        (_, hours) if hours >= 1 => plural(hours, "hour"),
        _ => "less than an hour".to_owned(),
    }
}

fn stamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(format).unwrap_or_default()
}
