//! Time fitting: cutting a drafted agenda to the session's length by one stated rule, and giving spare minutes back.

use std::fmt::Write as _;

use super::{AgendaItem, AgendaKind};

/// The rule a short session is cut by, stated in every plan that was cut.
const SHORTENING_RULE: &str = "when the time is short, cuts are made in this order until the agenda fits: \
exercises beyond the first for each partner are dropped, last listed first, and left for next time; the \
exercises kept are shortened, last first, to half their time; homework review is shortened to 3 minutes; \
closing is shortened to 2 minutes; exercises are dropped, last first, always keeping one. The safety check \
is never shortened or dropped, and check-in and closing are never dropped. Minutes freed beyond what is \
needed undo the latest cuts first (a dropped exercise comes back when at least half of it fits), then go to \
the exercises.";

/// An agenda item while the agenda is being fitted to the session's length.
pub(super) struct Draft {
    pub(super) item: AgendaItem,
    /// The length it is written for.
    base: u32,
    /// The shortest it may become before it is dropped.
    floor: u32,
    /// False only for an optional exercise, which is dropped before any essential one.
    pub(super) essential: bool,
    dropped: bool,
}

impl Draft {
    pub(super) fn new(kind: AgendaKind, title: impl Into<String>, base: u32, floor: u32) -> Self {
        let item = AgendaItem {
            kind,
            title: title.into(),
            starts_at: 0,
            minutes: base,
            role: None,
            partner: None,
            exercise: None,
            serves: Vec::new(),
            sheets: Vec::new(),
            what: Vec::new(),
            doers: None,
            steps: Vec::new(),
            prompts: Vec::new(),
        };
        Self { item, base, floor, essential: true, dropped: false }
    }

    pub(super) fn with_what(mut self, what: Vec<String>) -> Self {
        self.item.what = what;
        self
    }
}

/// An agenda fitted to its session.
pub(super) struct Fitted {
    /// The items kept, in order, their start times not yet set.
    pub(super) agenda: Vec<AgendaItem>,
    /// What was cut and by which rule, when anything was.
    pub(super) shortening_rule: Option<String>,
    /// The exercises dropped to fit, left for a later session.
    pub(super) left: Vec<String>,
}

/// Fits the drafts to `minutes`, and tells each exercise whose time changed how to use it.
pub(super) fn fit(mut drafts: Vec<Draft>, minutes: u32) -> Fitted {
    let full: u32 = drafts.iter().map(|d| d.base).sum();
    let cut = cut_to(&mut drafts, minutes);
    let shortening_rule = cut.then(|| shortening_statement(&drafts, full, minutes));
    let left = drafts.iter().filter(|d| d.dropped).filter_map(|d| d.item.exercise.clone()).collect();
    let agenda = drafts
        .into_iter()
        .filter(|d| !d.dropped)
        .map(|mut d| {
            if d.item.kind == AgendaKind::Exercise {
                d.item.what.extend(time_note(d.item.minutes, d.base));
            }
            d.item
        })
        .collect();
    Fitted { agenda, shortening_rule, left }
}

fn time_note(minutes: u32, base: u32) -> Option<String> {
    if minutes < base {
        Some(format!(
            "Shortened to {minutes} of its {base} minutes: do the first steps fully rather than all of them in a rush."
        ))
    } else if minutes > base {
        Some(format!("Given {minutes} minutes (written for {base}): go slowly and let each partner finish."))
    } else {
        None
    }
}

/// One cut made to fit the agenda, remembered so that minutes left over can undo it.
enum Cut {
    /// The item at this index lost this many minutes.
    Shortened(usize, u32),
    /// The item at this index was dropped.
    Dropped(usize),
}

/// A step of the shortening rule: given the minutes still too many, it cuts and records its cuts.
type Step = fn(&mut [Draft], u32, &mut Vec<Cut>);

/// Cuts the agenda to `total` minutes by the stated rule, undoes the latest cuts that the minutes
/// left over allow, then gives any spare minutes to the exercises and practice. Returns whether
/// anything stayed cut.
fn cut_to(drafts: &mut [Draft], total: u32) -> bool {
    let steps: [Step; 6] = [
        |d, excess, cuts| drop_last_first(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise && !d.essential),
        |d, excess, cuts| shorten(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise, true),
        |d, excess, cuts| {
            let fixed = |d: &Draft| matches!(d.item.kind, AgendaKind::HomeworkReview | AgendaKind::Homework);
            shorten(d, excess, cuts, fixed, false);
        },
        |d, excess, cuts| {
            let ends = |d: &Draft| matches!(d.item.kind, AgendaKind::CheckIn | AgendaKind::Closing);
            shorten(d, excess, cuts, ends, false);
        },
        |d, excess, cuts| drop_last_first(d, excess, cuts, |d| d.item.kind == AgendaKind::Exercise),
        squeeze_first_exercise,
    ];
    let mut cuts = Vec::new();
    for step in steps {
        let used = used_minutes(drafts);
        if used <= total {
            break;
        }
        step(drafts, used - total, &mut cuts);
    }
    let spare = undo_cuts(drafts, &cuts, total.saturating_sub(used_minutes(drafts)));
    spread(drafts, spare);
    drafts.iter().any(|d| d.dropped || d.item.minutes < d.base)
}

fn used_minutes(drafts: &[Draft]) -> u32 {
    drafts.iter().filter(|d| !d.dropped).map(|d| d.item.minutes).sum()
}

/// Shortens matching items towards their floor, by no more than `excess` in all; `last_first`
/// takes from the last matching item before the earlier ones.
fn shorten(drafts: &mut [Draft], mut excess: u32, cuts: &mut Vec<Cut>, matches: fn(&Draft) -> bool, last_first: bool) {
    let order: Vec<usize> = if last_first { (0..drafts.len()).rev().collect() } else { (0..drafts.len()).collect() };
    for i in order {
        let draft = &mut drafts[i];
        if excess == 0 {
            break;
        }
        if draft.dropped || !matches(draft) {
            continue;
        }
        let cut = excess.min(draft.item.minutes.saturating_sub(draft.floor));
        if cut > 0 {
            draft.item.minutes -= cut;
            excess -= cut;
            cuts.push(Cut::Shortened(i, cut));
        }
    }
}

/// Drops matching items, last first, until `excess` minutes are freed; the last exercise left is
/// always kept, so a session never loses the stage's work entirely.
fn drop_last_first(drafts: &mut [Draft], excess: u32, cuts: &mut Vec<Cut>, matches: fn(&Draft) -> bool) {
    let mut freed = 0;
    for i in (0..drafts.len()).rev() {
        if freed >= excess {
            break;
        }
        let kept_exercises = drafts.iter().filter(|d| !d.dropped && d.item.kind == AgendaKind::Exercise).count();
        let draft = &mut drafts[i];
        if draft.dropped || !matches(draft) || (draft.item.kind == AgendaKind::Exercise && kept_exercises <= 1) {
            continue;
        }
        draft.dropped = true;
        freed += draft.item.minutes;
        cuts.push(Cut::Dropped(i));
    }
}

/// The last resort: the one exercise left takes whatever time remains, below its floor if need be.
/// The fixed items' floors add up to far less than the shortest session, so at least 13 minutes remain.
fn squeeze_first_exercise(drafts: &mut [Draft], excess: u32, cuts: &mut Vec<Cut>) {
    if let Some((i, draft)) =
        drafts.iter_mut().enumerate().find(|(_, d)| !d.dropped && d.item.kind == AgendaKind::Exercise)
    {
        let cut = excess.min(draft.item.minutes.saturating_sub(1));
        draft.item.minutes -= cut;
        cuts.push(Cut::Shortened(i, cut));
    }
}

/// Undoes cuts, latest first, while the spare minutes cover them: a shortened item gets back what
/// it can, a dropped item returns when at least its floor fits. Returns the minutes still spare.
fn undo_cuts(drafts: &mut [Draft], cuts: &[Cut], mut spare: u32) -> u32 {
    for cut in cuts.iter().rev() {
        match *cut {
            Cut::Shortened(i, by) if !drafts[i].dropped => {
                let back = by.min(spare);
                drafts[i].item.minutes += back;
                spare -= back;
            }
            Cut::Dropped(i) if drafts[i].floor <= spare => {
                drafts[i].dropped = false;
                drafts[i].item.minutes = drafts[i].item.minutes.min(spare);
                spare -= drafts[i].item.minutes;
            }
            Cut::Shortened(..) | Cut::Dropped(_) => {}
        }
    }
    spare
}

/// Gives spare minutes to the kept exercises and practice in proportion to their length, the
/// remainder one minute at a time to the largest fractions, earlier items first on ties.
fn spread(drafts: &mut [Draft], spare: u32) {
    if spare == 0 {
        return;
    }
    let mut takers: Vec<usize> = (0..drafts.len())
        .filter(|&i| !drafts[i].dropped && matches!(drafts[i].item.kind, AgendaKind::Exercise | AgendaKind::Practice))
        .collect();
    if takers.is_empty() {
        // Not reachable with a stage's two exercises, but spare minutes must still land somewhere.
        takers = (0..drafts.len()).filter(|&i| !drafts[i].dropped).take(1).collect();
    }
    let weight: u64 = takers.iter().map(|&i| u64::from(drafts[i].item.minutes.max(1))).sum();
    let mut given = 0;
    let mut fractions: Vec<(u64, usize)> = Vec::new();
    for &i in &takers {
        let share = u64::from(spare) * u64::from(drafts[i].item.minutes.max(1));
        let whole = u32::try_from(share / weight).unwrap_or(0);
        drafts[i].item.minutes += whole;
        given += whole;
        fractions.push((share % weight, i));
    }
    // Largest fraction first; on equal fractions the earlier item wins, which keeps it deterministic.
    fractions.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in fractions.iter().cycle().take((spare - given) as usize) {
        drafts[i].item.minutes += 1;
    }
}

fn shortening_statement(drafts: &[Draft], full: u32, minutes: u32) -> String {
    let dropped: Vec<String> =
        drafts.iter().filter(|d| d.dropped).map(|d| format!("“{}” ({} min)", d.item.title, d.base)).collect();
    let shortened: Vec<String> = drafts
        .iter()
        .filter(|d| !d.dropped && d.item.minutes < d.base)
        .map(|d| format!("“{}” ({} → {} min)", d.item.title, d.base, d.item.minutes))
        .collect();
    let mut statement = format!("The full agenda needs {full} minutes; this session has {minutes}.");
    if !dropped.is_empty() {
        let _ = write!(statement, " Dropped: {}.", dropped.join(", "));
    }
    if !shortened.is_empty() {
        let _ = write!(statement, " Shortened: {}.", shortened.join(", "));
    }
    let _ = write!(statement, " Rule: {SHORTENING_RULE}");
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_proportional_and_exact() {
        let mut drafts = vec![
            Draft::new(AgendaKind::Exercise, "a", 10, 5),
            Draft::new(AgendaKind::Exercise, "b", 20, 10),
            Draft::new(AgendaKind::Closing, "c", 5, 3),
        ];
        spread(&mut drafts, 10);
        let minutes: Vec<u32> = drafts.iter().map(|d| d.item.minutes).collect();
        assert_eq!(minutes, vec![13, 27, 5]);
    }
}
