//! Check-ins in the plan: each partner's latest check-in read for the therapist, and the flags check-ins raise.
//!
//! A safety answer raises the intake's stop flag of the same id, so joint work waits on it in the
//! same way. Three signs raise a caution flag that proposes the review stage: a reliable
//! deterioration on a published measure, a PHQ-9 item 9 above 0 (a rule of the check-in's own), and
//! trust falling while distress rises over the last three check-ins.

use serde::{Deserialize, Serialize};

use super::PlanFlag;
use crate::checkin::{Change, HomeworkDone, MeasureRule, homework_done, measure_rules, open_answer, series};
use crate::content::Program;
use crate::domain::Severity;
use crate::record::{CheckinRecord, CoupleRecord, PartnerRecord};

/// The id of the caution flag a reliable deterioration raises.
pub const DETERIORATION_FLAG: &str = "checkin-deterioration";
/// The id of the caution flag falling trust with rising distress raises.
pub const TRUST_DISTRESS_FLAG: &str = "trust-falling-distress-rising";

/// One score of a partner's latest check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinScore {
    /// The instrument's id.
    pub instrument: String,
    /// Its name.
    pub title: String,
    /// The total.
    pub score: i64,
    /// Against the previous check-in.
    pub change: Option<Change>,
    /// Against the first check-in.
    pub since_first: Option<Change>,
}

/// A partner's latest check-in, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestCheckin {
    /// The partner's display name.
    pub partner: String,
    /// The day it was sent.
    pub date: String,
    /// Its scores, in the check-in's order.
    pub scores: Vec<CheckinScore>,
    /// How far they got with each sheet the link asked about.
    pub homework: Vec<HomeworkDone>,
    /// What they want the therapist to know before the session.
    pub open_answer: Option<String>,
    /// The ids of the flags it raised, open or resolved.
    pub flags: Vec<String>,
}

/// Each partner's latest check-in, in the record's order; partners without one are left out.
pub fn latest_checkins(program: &Program, record: &CoupleRecord, flags: &[PlanFlag]) -> Vec<LatestCheckin> {
    let Some(checkin) = &program.checkin else { return Vec::new() };
    let rules = measure_rules(checkin, &program.instruments);
    record
        .partners
        .iter()
        .filter_map(|partner| {
            let latest = partner.checkins.last()?;
            let name = partner.name.to_string();
            Some(LatestCheckin {
                scores: latest_scores(&rules, partner),
                homework: homework_done(latest.questions(checkin), &latest.homework, &latest.answers),
                open_answer: open_answer(latest.questions(checkin), &latest.answers).map(str::to_owned),
                flags: flags.iter().filter(|f| f.partner == name && f.from_checkin).map(|f| f.id.clone()).collect(),
                date: crate::day::format_day(latest.day),
                partner: name,
            })
        })
        .collect()
}

fn latest_scores(rules: &[MeasureRule], partner: &PartnerRecord) -> Vec<CheckinScore> {
    rules
        .iter()
        .filter_map(|rule| {
            let points = points_of(rule, &partner.checkins);
            let measure = series(rule, partner.name.as_str(), &points);
            let last = measure.points.last()?;
            // Only a measure the latest check-in scored is shown as its latest.
            let latest_day = partner.checkins.last().map(|c| crate::day::format_day(c.day));
            (Some(&last.date) == latest_day.as_ref()).then(|| CheckinScore {
                instrument: rule.instrument.clone(),
                title: rule.title.clone(),
                score: last.score,
                change: last.change,
                since_first: last.since_first,
            })
        })
        .collect()
}

/// A partner's scores on one measure, oldest first, from the check-ins that scored it.
pub fn points_of(rule: &MeasureRule, checkins: &[CheckinRecord]) -> Vec<(time::Date, i64)> {
    checkins.iter().filter_map(|c| c.scores.get(&rule.instrument).map(|score| (c.day, *score))).collect()
}

/// Every flag the partners' latest check-ins raise, open unless resolved after that check-in.
pub fn checkin_flags(program: &Program, record: &CoupleRecord) -> Vec<PlanFlag> {
    let Some(checkin) = &program.checkin else { return Vec::new() };
    let rules = measure_rules(checkin, &program.instruments);
    let review = program.review_stages.first().map_or("the review stage", |s| s.id.as_str());
    let mut flags = Vec::new();
    for partner in &record.partners {
        let Some(latest) = partner.checkins.last() else { continue };
        let name = partner.name.to_string();
        let flag = |id: &str, severity, message: String, action: String| PlanFlag {
            resolved: record.resolution_of(id, Some(&latest.sent_at)).is_some(),
            id: id.to_owned(),
            severity,
            message,
            action,
            partner: name.clone(),
            from_checkin: true,
        };
        let raised = latest.questions(checkin).flags(&latest.answers);
        flags.extend(raised.into_iter().map(|f| flag(&f.id, f.severity, f.message, f.action)));
        let worse: Vec<String> = rules
            .iter()
            .filter_map(|rule| {
                let measure = series(rule, &name, &points_of(rule, &partner.checkins));
                let last = measure.points.last().filter(|p| p.date == crate::day::format_day(latest.day))?;
                let since = match (last.change, last.since_first) {
                    (Some(Change::Deteriorated), _) => "the previous check-in",
                    (_, Some(Change::Deteriorated)) => "the first check-in",
                    _ => return None,
                };
                Some(format!("{} {} since {since}", rule.title, last.score))
            })
            .collect();
        if !worse.is_empty() {
            flags.push(flag(
                DETERIORATION_FLAG,
                Severity::Caution,
                format!("Reliable deterioration in this partner's check-in: {}.", worse.join("; ")),
                format!(
                    "See this partner alone to ask what has changed, and weigh whether repair is still healthy: \
                     consider a session at the review stage ({review})."
                ),
            ));
        }
        if trust_falls_as_distress_rises(&rules, &partner.checkins) {
            flags.push(flag(
                TRUST_DISTRESS_FLAG,
                Severity::Caution,
                "Over this partner's last three check-ins, trust has fallen while low mood and worry have risen."
                    .to_owned(),
                format!(
                    "Ask this partner alone what lies behind it; repair that brings no change and growing distress \
                     may no longer be healthy: consider a session at the review stage ({review})."
                ),
            ));
        }
    }
    flags
}

/// Whether, over the last three check-ins, trust never rose and fell overall, while distress (the
/// published measures all three scored, summed) never fell and rose overall.
pub fn trust_falls_as_distress_rises(rules: &[MeasureRule], checkins: &[CheckinRecord]) -> bool {
    let Some(last) = checkins.len().checked_sub(3).map(|from| &checkins[from..]) else { return false };
    let total = |higher_is_better: bool| -> Option<Vec<i64>> {
        let chosen: Vec<&MeasureRule> = rules
            .iter()
            .filter(|r| r.higher_is_better == higher_is_better)
            .filter(|r| last.iter().all(|c| c.scores.contains_key(&r.instrument)))
            .collect();
        if chosen.is_empty() {
            return None;
        }
        Some(last.iter().map(|c| chosen.iter().map(|r| c.scores[&r.instrument]).sum()).collect())
    };
    let (Some(trust), Some(distress)) = (total(true), total(false)) else { return false };
    let falls = trust.windows(2).all(|w| w[1] <= w[0]) && trust[2] < trust[0];
    let rises = distress.windows(2).all(|w| w[1] >= w[0]) && distress[2] > distress[0];
    falls && rises
}
