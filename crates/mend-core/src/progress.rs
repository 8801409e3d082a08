//! A couple's progress between sessions: each partner's series on each check-in measure, and the events of the course on the same time line.

use serde::Serialize;

use crate::checkin::{CheckinContent, Measure, MeasureRule, measure_rules, series};
use crate::day::format_day;
use crate::domain::Severity;
use crate::plan::points_of;
use crate::questionnaire::Questionnaire;
use crate::record::CoupleRecord;

/// What happened on a day of the course, for the time line under the charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// `session`, `new_disclosure`, `stage_change`, `flag` (raised by a check-in) or `resolved`.
    pub kind: &'static str,
    /// What happened, in words.
    pub text: String,
}

/// Both partners' check-ins over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The couple's short id.
    pub couple: String,
    /// The partners' names, in the record's order.
    pub partners: Vec<String>,
    /// How each measure is read, in the check-in's order (`instruments` in JSON).
    #[serde(rename = "instruments")]
    pub rules: Vec<MeasureRule>,
    /// For each measure, each partner's series; a partner with no points on it is left out.
    pub measures: Vec<Measure>,
    /// The course's events, oldest first.
    pub events: Vec<Event>,
}

/// Works out the couple's progress from the record and the program's check-in (`None` when
/// the program has none); pure, like the planner.
pub fn progress(content: Option<&CheckinContent>, record: &CoupleRecord) -> Progress {
    let rules = content.map_or_else(Vec::new, |c| measure_rules(&c.checkin, &c.instruments));
    let mut measures = Vec::new();
    for rule in &rules {
        for partner in &record.partners {
            let points = points_of(rule, &partner.checkins);
            if !points.is_empty() {
                measures.push(series(rule, partner.name.as_str(), &points));
            }
        }
    }
    Progress {
        couple: record.id.clone(),
        partners: record.partners.iter().map(|p| p.name.to_string()).collect(),
        rules,
        measures,
        events: events(content.map(|c| &c.checkin), record),
    }
}

fn events(checkin: Option<&Questionnaire>, record: &CoupleRecord) -> Vec<Event> {
    let mut events = Vec::new();
    let mut stage: Option<&str> = None;
    let mut sessions: Vec<_> = record.sessions.iter().collect();
    sessions.sort_by_key(|s| s.number);
    for session in sessions {
        let date = format_day(session.held_on);
        if stage.is_some_and(|s| s != session.stage) {
            events.push(Event {
                date: date.clone(),
                kind: "stage_change",
                text: format!("stage now {}", session.stage),
            });
        }
        stage = Some(session.stage.as_str());
        let with = session.with.as_ref().map_or(String::new(), |w| format!(" with {w}"));
        events.push(Event { date: date.clone(), kind: "session", text: format!("session {}{with}", session.number) });
        if session.new_disclosure {
            events.push(Event { date, kind: "new_disclosure", text: "new facts came out".to_owned() });
        }
    }
    if let Some(checkin) = checkin {
        for partner in &record.partners {
            for sent in &partner.checkins {
                let raised = sent.questions(checkin).flags(&sent.answers);
                for flag in raised.iter().filter(|f| f.severity >= Severity::Caution) {
                    events.push(Event {
                        date: format_day(sent.day),
                        kind: "flag",
                        text: format!("{} {} ({})", flag.severity, flag.id, partner.name),
                    });
                }
            }
        }
    }
    for resolution in &record.resolved_flags {
        let date = resolution.resolved_at.get(..10).unwrap_or_default().to_owned();
        events.push(Event { date, kind: "resolved", text: format!("{} resolved", resolution.flag) });
    }
    // A stable sort keeps each day's events in the order they were added.
    events.sort_by(|a, b| a.date.cmp(&b.date));
    events
}
