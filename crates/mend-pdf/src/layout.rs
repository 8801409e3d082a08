//! Marks on a page, the pieces blocks are made of, and the pagination that keeps them apart.
//!
//! Every position here is in points with y growing downwards, as a person reads; only the
//! PDF writer turns it the other way up.

use crate::font::{Face, Fonts};
use crate::wrap::wrap;

/// Something drawn: a run of text, a straight line or a rectangle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
    /// One line of text, already wrapped, with its baseline at `y`.
    Text { x: f32, y: f32, style: Style, text: String },
    /// A straight stroke.
    Rule { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: f32 },
    /// A rectangle with its top-left corner at (`x`, `y`), stroked and optionally filled.
    Rect { x: f32, y: f32, w: f32, h: f32, width: f32, fill: Option<f32> },
}

impl Mark {
    /// The same mark moved down by `dy`.
    pub(crate) fn shifted(&self, dy: f32) -> Mark {
        let mut mark = self.clone();
        match &mut mark {
            Mark::Text { y, .. } | Mark::Rect { y, .. } => *y += dy,
            Mark::Rule { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        mark
    }
}

/// How a kind of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub(crate) face: Face,
    pub(crate) size: f32,
    /// Distance between baselines.
    pub(crate) leading: f32,
    /// 0 is black, 1 is white.
    pub(crate) gray: f32,
}

/// The sheet's title.
pub(crate) const TITLE: Style = Style { face: Face::Bold, size: 17.0, leading: 21.0, gray: 0.0 };
/// A heading inside the sheet.
pub(crate) const HEADING: Style = Style { face: Face::Bold, size: 12.5, leading: 16.0, gray: 0.0 };
/// The labels "Why this sheet", "How to do it" and those beside names and dates.
pub(crate) const LABEL: Style = Style { face: Face::Bold, size: 10.5, leading: 14.5, gray: 0.0 };
/// Running text.
pub(crate) const BODY: Style = Style { face: Face::Regular, size: 10.5, leading: 14.5, gray: 0.0 };
/// Table column headings.
pub(crate) const COLUMN: Style = Style { face: Face::Bold, size: 9.5, leading: 12.0, gray: 0.0 };
/// Captions under lines and scales.
pub(crate) const CAPTION: Style = Style { face: Face::Regular, size: 8.5, leading: 11.0, gray: 0.3 };
/// Header and footer text.
pub(crate) const MARGIN_NOTE: Style = Style { face: Face::Regular, size: 8.0, leading: 10.0, gray: 0.35 };
/// The practice name in the header.
pub(crate) const MARGIN_NAME: Style = Style { face: Face::Bold, size: 8.0, leading: 10.0, gray: 0.2 };

/// Where a line of text hangs from its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// x is the left edge.
    Left,
    /// x is the right edge.
    Right,
    /// x is the centre.
    Center,
}

/// Text set in a box: its marks (relative to the box's top) and its height.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SetText {
    pub(crate) marks: Vec<Mark>,
    pub(crate) lines: usize,
    pub(crate) height: f32,
}

/// Wraps text to `width` and places each line, the first line's box starting at `top`.
pub(crate) fn set_text(fonts: &Fonts, style: Style, x: f32, top: f32, width: f32, align: Align, text: &str) -> SetText {
    let metrics = fonts.face(style.face);
    let lines = wrap(metrics, style.size, width, text);
    let first_baseline = top + baseline_offset(fonts, style);
    let marks = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(index, line)| {
            let line_width = metrics.width(line, style.size);
            let left = match align {
                Align::Left => x,
                Align::Right => x - line_width,
                Align::Center => x - line_width / 2.0,
            };
            Mark::Text { x: left, y: first_baseline + index as f32 * style.leading, style, text: line.clone() }
        })
        .collect();
    SetText { marks, lines: lines.len(), height: lines.len() as f32 * style.leading }
}

/// Where the baseline sits below the top of a line box, centring the face's ascent and
/// descent in the leading.
pub(crate) fn baseline_offset(fonts: &Fonts, style: Style) -> f32 {
    let metrics = fonts.face(style.face);
    let ink = (metrics.ascent + metrics.descent) * style.size;
    (style.leading - ink) / 2.0 + metrics.ascent * style.size
}

/// A slice of a block that is never split: one line, one row, one item.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Piece {
    pub(crate) height: f32,
    /// Marks with y relative to the top of the piece.
    pub(crate) marks: Vec<Mark>,
}

impl Piece {
    /// A piece of a given height with nothing drawn, to hold space.
    pub(crate) fn gap(height: f32) -> Self {
        Piece { height, marks: Vec::new() }
    }
}

/// How a block may be divided between pages when it does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SplitRule {
    /// Whether the head (a table's column headings) is drawn again at the top of each
    /// continuation page.
    pub(crate) repeat_head: bool,
    /// How many body pieces must follow the head on the first page.
    pub(crate) min_body: usize,
}

/// One block laid out, ready to be placed.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Unit {
    /// Space above the unit, dropped at the top of a page.
    pub(crate) space_before: f32,
    /// Pieces placed once at the start, such as a heading or a prompt.
    pub(crate) lead: Vec<Piece>,
    /// Pieces that open the block and may repeat on continuation pages.
    pub(crate) head: Vec<Piece>,
    /// The pieces between which the block may break.
    pub(crate) body: Vec<Piece>,
    /// `Some` for blocks that split when long (tables, ruled lines); others move to the next
    /// page whole and split only when taller than a page.
    pub(crate) split: Option<SplitRule>,
}

impl Unit {
    fn height(&self) -> f32 {
        self.lead.iter().chain(&self.head).chain(&self.body).map(|p| p.height).sum()
    }
}

/// Places units on pages of a given body height and returns each page's marks, with y
/// relative to the top of the body area.
pub(crate) fn paginate(units: &[Unit], body_height: f32) -> Vec<Vec<Mark>> {
    let mut pages = Pages { done: Vec::new(), current: Vec::new(), cursor: 0.0, body_height };
    for unit in units {
        pages.place_unit(unit);
    }
    pages.done.push(pages.current);
    pages.done
}

/// The pages filled so far and the position on the last one.
struct Pages {
    done: Vec<Vec<Mark>>,
    current: Vec<Mark>,
    cursor: f32,
    body_height: f32,
}

/// Room for rounding so that a block of exactly the remaining height still fits.
const EPSILON: f32 = 0.01;

impl Pages {
    fn at_top(&self) -> bool {
        self.cursor <= 0.0
    }

    fn fits(&self, unit: &Unit, height: f32) -> bool {
        let space = if self.at_top() { 0.0 } else { unit.space_before };
        self.cursor + space + height <= self.body_height + EPSILON
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.current));
        self.cursor = 0.0;
    }

    fn place(&mut self, piece: &Piece) {
        self.current.extend(piece.marks.iter().map(|m| m.shifted(self.cursor)));
        self.cursor += piece.height;
    }

    fn open(&mut self, unit: &Unit) {
        if !self.at_top() {
            self.cursor += unit.space_before;
        }
    }

    fn place_unit(&mut self, unit: &Unit) {
        if unit.lead.is_empty() && unit.head.is_empty() && unit.body.is_empty() {
            // An empty block (no items, no lines) takes no room, not even its spacing.
            return;
        }
        let height = unit.height();
        let long = height > self.body_height / 2.0;
        // A table or run of lines also splits when at least half of its rows fit here, rather
        // than leaving a half-empty page behind it.
        let half: f32 = unit
            .lead
            .iter()
            .chain(&unit.head)
            .chain(unit.body.iter().take(unit.body.len().div_ceil(2)))
            .map(|p| p.height)
            .sum();
        let half_fits = !unit.body.is_empty() && self.fits(unit, half);
        if self.fits(unit, height) {
            self.place_whole(unit);
        } else if let (Some(rule), true) = (unit.split, long || half_fits) {
            self.place_split(unit, rule);
        } else if height <= self.body_height + EPSILON {
            self.new_page();
            self.place_whole(unit);
        } else {
            // Taller than a whole page: there is no choice but to break it.
            self.place_split(unit, unit.split.unwrap_or(SplitRule { repeat_head: false, min_body: 2 }));
        }
    }

    fn place_whole(&mut self, unit: &Unit) {
        self.open(unit);
        for piece in unit.lead.iter().chain(&unit.head).chain(&unit.body) {
            self.place(piece);
        }
    }

    fn place_split(&mut self, unit: &Unit, rule: SplitRule) {
        let opening: f32 =
            unit.lead.iter().chain(&unit.head).chain(unit.body.iter().take(rule.min_body)).map(|p| p.height).sum();
        if !self.fits(unit, opening) && !self.at_top() {
            self.new_page();
        }
        self.open(unit);
        for piece in unit.lead.iter().chain(&unit.head) {
            self.place(piece);
        }
        let mut body_on_page = 0;
        for piece in &unit.body {
            if self.cursor + piece.height > self.body_height + EPSILON && body_on_page > 0 {
                self.new_page();
                body_on_page = 0;
                if rule.repeat_head {
                    for head in &unit.head {
                        self.place(head);
                    }
                }
            }
            self.place(piece);
            body_on_page += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_piece(height: f32) -> Piece {
        Piece { height, marks: vec![Mark::Rule { x1: 0.0, y1: height, x2: 10.0, y2: height, width: 1.0, gray: 0.0 }] }
    }

    fn unit(body: usize, height: f32, split: Option<SplitRule>) -> Unit {
        Unit {
            space_before: 10.0,
            head: vec![rule_piece(5.0)],
            body: (0..body).map(|_| rule_piece(height)).collect(),
            split,
            ..Unit::default()
        }
    }

    /// The y of every mark on each page, to check order and bounds.
    fn ys(pages: &[Vec<Mark>]) -> Vec<Vec<f32>> {
        pages
            .iter()
            .map(|page| {
                page.iter()
                    .map(|m| match m {
                        Mark::Rule { y1, .. } => *y1,
                        _ => unreachable!(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_block_that_does_not_fit_moves_whole() {
        let pages = paginate(&[unit(5, 10.0, None), unit(5, 10.0, None)], 100.0);
        assert_eq!(ys(&pages), vec![vec![5.0, 15.0, 25.0, 35.0, 45.0, 55.0], vec![5.0, 15.0, 25.0, 35.0, 45.0, 55.0]]);
    }

    #[test]
    fn a_long_table_splits_and_repeats_its_head() {
        let table = SplitRule { repeat_head: true, min_body: 1 };
        let pages = paginate(&[unit(15, 10.0, Some(table))], 100.0);
        assert_eq!(pages.len(), 2);
        // The head (at 5) opens both pages, and no mark passes the bottom.
        let ys = ys(&pages);
        assert_eq!(ys[0][0], 5.0);
        assert_eq!(ys[1][0], 5.0);
        assert_eq!(ys[0].len() + ys[1].len(), 17);
        assert!(ys.iter().flatten().all(|&y| y <= 100.0));
    }

    #[test]
    fn space_before_is_dropped_at_the_top_of_a_page() {
        let pages = paginate(&[unit(1, 10.0, None)], 100.0);
        assert_eq!(ys(&pages), vec![vec![5.0, 15.0]]);
    }

    #[test]
    fn a_block_taller_than_a_page_breaks_between_pieces() {
        let pages = paginate(&[unit(30, 10.0, None)], 100.0);
        assert_eq!(pages.len(), 4);
        assert!(ys(&pages).iter().flatten().all(|&y| y <= 100.0));
    }
}
