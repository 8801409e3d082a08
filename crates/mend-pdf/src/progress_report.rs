//! The one-page progress report: for each check-in measure, both partners as vector lines over time, with axes and cut-off bands, readable in black and white.
//!
//! The two partners are told apart without colour: the first by a thick black line with filled
//! squares, the second by a thin grey line with open squares, as the legend shows. Cut-off bands
//! are pale greys that darken with severity, drawn under the lines.

use mend_core::checkin::{Change, Measure, MeasureRule};
use mend_core::progress::Progress;

use crate::font::Fonts;
use crate::frame::Frame;
use crate::layout::{Align, BODY, CAPTION, HEADING, Mark, Style, TITLE, set_text};
use crate::pdf::PageMarks;
use crate::{PdfError, Rendered, SheetOptions, check_text, fonts, format_date};

/// The most charts on the page; the check-in has five measures.
const MAX_CHARTS: usize = 6;
/// The tallest a plot may be, so that a report with few measures does not stretch.
const MAX_PLOT: f32 = 110.0;
/// Room left of the plot for the y-axis labels.
const AXIS_LABELS: f32 = 24.0;
/// Room under a plot for the dates.
const DATE_ROW: f32 = 12.0;
/// A small label on the axes.
const TICK: Style = Style { face: crate::font::Face::Regular, size: 7.0, leading: 9.0, gray: 0.25 };

/// How one partner's line is drawn.
struct Pen {
    width: f32,
    gray: f32,
    filled: bool,
}

const PENS: [Pen; 2] = [Pen { width: 1.6, gray: 0.0, filled: true }, Pen { width: 0.9, gray: 0.45, filled: false }];

/// Renders a couple's progress as a one-page PDF report.
pub fn render_progress(progress: &Progress, options: &SheetOptions) -> Result<Rendered, PdfError> {
    let fonts = fonts()?;
    for name in &progress.partners {
        check_text(fonts, "name", name)?;
    }
    if let Some(practice) = &options.practice_name {
        check_text(fonts, "practice name", practice)?;
    }
    let geometry = options.paper.geometry();
    let left = options.practice_name.clone().unwrap_or_else(|| "Progress report".to_owned());
    let mut right = vec![progress.partners.join(" and ")];
    right.extend(options.given_on.map(format_date));
    let frame = Frame::new(fonts, geometry, (&left, &right.join(" · ")), crate::frame::CONFIDENTIAL, 1);
    let mut marks = frame.header().to_vec();
    let x = geometry.margin;
    let width = geometry.content_width();
    let mut y = frame.body_top;

    let title = format!("Progress between sessions: {}", progress.partners.join(" and "));
    let set = set_text(fonts, TITLE, x, y, width, Align::Left, &title);
    y += set.height + 4.0;
    marks.extend(set.marks);
    let days = timeline(progress);
    let summary = match (days.first(), days.last()) {
        (Some(first), Some(last)) => format!(
            "{} check-in days from {first} to {last}. A mark above a point: + reliably improved, ! reliably \
             worse, against the check-in before. Shaded bands are the published cut-offs; they describe symptom \
             severity and are not a diagnosis.",
            days.len()
        ),
        _ => "No check-ins yet.".to_owned(),
    };
    let set = set_text(fonts, BODY, x, y, width, Align::Left, &summary);
    y += set.height + 4.0;
    marks.extend(set.marks);
    y = legend(fonts, &mut marks, progress, x, y) + 8.0;

    let charted: Vec<&MeasureRule> = progress
        .rules
        .iter()
        .filter(|rule| progress.measures.iter().any(|m| m.instrument == rule.instrument))
        .take(MAX_CHARTS)
        .collect();
    if !charted.is_empty() {
        let room = frame.body_top + frame.body_height() - y;
        let heading = HEADING.leading + CAPTION.leading + 2.0;
        let each = room / charted.len() as f32;
        let plot = (each - heading - DATE_ROW - 10.0).clamp(30.0, MAX_PLOT);
        for rule in charted {
            let set = set_text(fonts, HEADING, x, y, width, Align::Left, &rule.title);
            marks.extend(set.marks);
            let set = set_text(fonts, CAPTION, x, y + HEADING.leading, width, Align::Left, &describe(rule));
            marks.extend(set.marks);
            y += heading;
            let area = Area { left: x + AXIS_LABELS, top: y, width: width - AXIS_LABELS, height: plot };
            chart(fonts, &mut marks, rule, progress, &days, &area);
            y += plot + DATE_ROW + 10.0;
        }
    }
    marks.extend(frame.footer(1, 1));
    let page = PageMarks { width: geometry.width, height: geometry.height, marks };
    let bytes = crate::pdf::write(&title, &[page], fonts)?;
    Ok(Rendered { bytes, pages: 1 })
}

/// The measure's range, direction and threshold, in a line.
fn describe(rule: &MeasureRule) -> String {
    let better = if rule.higher_is_better { "higher is better" } else { "lower is better" };
    let change = match rule.reliable_change {
        Some(points) => format!("reliable change: {points} points"),
        None => "no reliable-change threshold".to_owned(),
    };
    format!("0 to {}, {better}; {change}", rule.max)
}

/// Every day either partner checked in, oldest first.
fn timeline(progress: &Progress) -> Vec<String> {
    let mut days: Vec<String> =
        progress.measures.iter().flat_map(|m| m.points.iter().map(|p| p.date.clone())).collect();
    days.sort();
    days.dedup();
    days
}

/// The legend: each partner's name beside a sample of their line. Returns the y below it.
fn legend(fonts: &Fonts, marks: &mut Vec<Mark>, progress: &Progress, x: f32, top: f32) -> f32 {
    let mut left = x;
    for (partner, pen) in progress.partners.iter().zip(&PENS) {
        let mid = top + BODY.leading / 2.0;
        marks.push(Mark::Rule { x1: left, y1: mid, x2: left + 28.0, y2: mid, width: pen.width, gray: pen.gray });
        marker(marks, left + 14.0, mid, pen);
        let set = set_text(fonts, BODY, left + 34.0, top, 200.0, Align::Left, partner);
        marks.extend(set.marks);
        left += 34.0 + fonts.face(BODY.face).width(partner, BODY.size) + 24.0;
    }
    top + BODY.leading
}

/// A point's marker: a small square, filled or open.
fn marker(marks: &mut Vec<Mark>, cx: f32, cy: f32, pen: &Pen) {
    let size = 3.6;
    let fill = if pen.filled { Some(pen.gray) } else { Some(1.0) };
    marks.push(Mark::Rect { x: cx - size / 2.0, y: cy - size / 2.0, w: size, h: size, width: 0.7, fill });
}

/// Where a plot is drawn.
struct Area {
    left: f32,
    top: f32,
    width: f32,
    height: f32,
}

impl Area {
    fn y(&self, score: i64, max: i64) -> f32 {
        let max = max.max(1) as f32;
        self.top + self.height - (score.clamp(0, max as i64) as f32 / max) * self.height
    }

    fn x(&self, index: usize, count: usize) -> f32 {
        if count <= 1 {
            self.left + self.width / 2.0
        } else {
            self.left + self.width * index as f32 / (count - 1) as f32
        }
    }
}

/// One measure's chart: cut-off bands, axes with labels, then each partner's line and points.
fn chart(fonts: &Fonts, marks: &mut Vec<Mark>, rule: &MeasureRule, progress: &Progress, days: &[String], area: &Area) {
    let bottom = area.top + area.height;
    // Bands under everything else, from each cut-off up to the next, darker as severity rises.
    let mut edges: Vec<i64> = rule.cutoffs.iter().copied().filter(|c| *c < rule.max).collect();
    edges.push(rule.max);
    for (n, pair) in edges.windows(2).enumerate() {
        let (low, high) = (area.y(pair[0], rule.max), area.y(pair[1], rule.max));
        let gray = 0.95 - 0.04 * n as f32;
        marks.push(Mark::Rect { x: area.left, y: high, w: area.width, h: low - high, width: 0.0, fill: Some(gray) });
    }
    let mut labels: Vec<i64> = vec![0, rule.max];
    labels.extend(rule.cutoffs.iter().copied().filter(|c| *c < rule.max));
    for value in labels {
        let y = area.y(value, rule.max);
        if value != 0 && value != rule.max {
            marks.push(Mark::Rule { x1: area.left, y1: y, x2: area.left + area.width, y2: y, width: 0.4, gray: 0.55 });
        }
        let set = set_text(
            fonts,
            TICK,
            area.left - 4.0,
            y - TICK.leading / 2.0,
            AXIS_LABELS,
            Align::Right,
            &value.to_string(),
        );
        marks.extend(set.marks);
    }
    marks.push(Mark::Rule { x1: area.left, y1: area.top, x2: area.left, y2: bottom, width: 0.8, gray: 0.0 });
    marks.push(Mark::Rule { x1: area.left, y1: bottom, x2: area.left + area.width, y2: bottom, width: 0.8, gray: 0.0 });
    // Dates: the first, the last, and the middle when there is room.
    let mut shown: Vec<usize> = vec![0];
    if days.len() > 2 {
        shown.push(days.len() / 2);
    }
    if days.len() > 1 {
        shown.push(days.len() - 1);
    }
    for index in shown {
        let x = area.x(index, days.len());
        marks.push(Mark::Rule { x1: x, y1: bottom, x2: x, y2: bottom + 3.0, width: 0.6, gray: 0.0 });
        let align = if index == 0 && days.len() > 1 {
            Align::Left
        } else if index + 1 == days.len() && days.len() > 1 {
            Align::Right
        } else {
            Align::Center
        };
        let set = set_text(fonts, TICK, x, bottom + 3.0, 90.0, align, &days[index]);
        marks.extend(set.marks);
    }
    for (partner, pen) in progress.partners.iter().zip(&PENS) {
        let Some(measure) = progress.measures.iter().find(|m| m.instrument == rule.instrument && &m.partner == partner)
        else {
            continue;
        };
        line(fonts, marks, rule, measure, days, area, pen);
    }
}

/// One partner's series: segments between consecutive points, a marker on each, and a sign above
/// each point that changed reliably.
fn line(
    fonts: &Fonts,
    marks: &mut Vec<Mark>,
    rule: &MeasureRule,
    measure: &Measure,
    days: &[String],
    area: &Area,
    pen: &Pen,
) {
    let points: Vec<(f32, f32, Option<Change>)> = measure
        .points
        .iter()
        .filter_map(|p| {
            days.iter().position(|d| d == &p.date).map(|i| (area.x(i, days.len()), area.y(p.score, rule.max), p.change))
        })
        .collect();
    for pair in points.windows(2) {
        let ((x1, y1, _), (x2, y2, _)) = (pair[0], pair[1]);
        marks.push(Mark::Rule { x1, y1, x2, y2, width: pen.width, gray: pen.gray });
    }
    // Markers only while they stay apart; a year of weekly points reads better as a line.
    let spaced = points.len() < 2 || area.width / points.len() as f32 >= 6.0;
    for &(x, y, change) in &points {
        if spaced {
            marker(marks, x, y, pen);
        }
        let sign = match change {
            Some(Change::Improved) => "+",
            Some(Change::Deteriorated) => "!",
            _ => continue,
        };
        marks.extend(set_text(fonts, TICK, x, y - 4.0 - TICK.leading, 20.0, Align::Center, sign).marks);
    }
}
