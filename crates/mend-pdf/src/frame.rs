//! What every page carries around its body: the practice, the couple and the date at the top;
//! a line saying who may read it and "page N of M" at the bottom.

use crate::font::Fonts;
use crate::layout::{Align, MARGIN_NAME, MARGIN_NOTE, Mark, set_text};

/// The footer's reminder that the sheet holds private things.
pub(crate) const CONFIDENTIAL: &str = "Confidential: for you and your therapist only. Keep it somewhere private.";

/// The footer of the therapist's session plan: unlike homework, it is not the couple's to keep.
pub(crate) const CLINICAL_NOTE: &str =
    "Clinical note for the therapist: confidential. File it with the couple's record; it is not given to them.";

/// Space between the header rule and the body, and between the body and the footer rule.
const BODY_GAP: f32 = 14.0;

/// A page's size and margins, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Geometry {
    pub(crate) width: f32,
    pub(crate) height: f32,
    /// The same on all four sides; at least 0.6 in so a home printer does not clip.
    pub(crate) margin: f32,
}

impl Geometry {
    /// The width between the margins.
    pub(crate) fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
}

/// The header and footer of one sheet, and the body area they leave.
#[derive(Debug, Clone)]
pub(crate) struct Frame<'a> {
    fonts: &'a Fonts,
    geometry: Geometry,
    header: Vec<Mark>,
    /// The footer's note, positioned on the page.
    note: Vec<Mark>,
    footer_text_top: f32,
    /// The page count the footer leaves room for.
    pub(crate) pages_guess: usize,
    /// Where the body starts and ends, from the top of the page.
    pub(crate) body_top: f32,
    body_bottom: f32,
}

impl<'a> Frame<'a> {
    /// Lays out the header (`left` in bold, `right` flush right) and the footer with its note,
    /// leaving room for "page N of M" with as many digits as `pages_guess`.
    pub(crate) fn new(
        fonts: &'a Fonts,
        geometry: Geometry,
        (left, right): (&str, &str),
        footer_note: &str,
        pages_guess: usize,
    ) -> Self {
        let (header, header_bottom) = header(fonts, geometry, left, right);
        let width = geometry.content_width();
        let reserve = fonts.face(MARGIN_NOTE.face).width(&page_label(pages_guess, pages_guess), MARGIN_NOTE.size);
        let note_width = width - reserve - 16.0;
        let note_height = set_text(fonts, MARGIN_NOTE, 0.0, 0.0, note_width, Align::Left, footer_note).height;
        let footer_rule = geometry.height - geometry.margin - note_height - 4.0;
        let footer_text_top = footer_rule + 4.0;
        let mut note =
            set_text(fonts, MARGIN_NOTE, geometry.margin, footer_text_top, note_width, Align::Left, footer_note).marks;
        note.push(rule(geometry, footer_rule));
        Frame {
            fonts,
            geometry,
            header,
            note,
            footer_text_top,
            pages_guess,
            body_top: header_bottom + BODY_GAP,
            body_bottom: footer_rule - BODY_GAP,
        }
    }

    /// The height left for the sheet's blocks.
    pub(crate) fn body_height(&self) -> f32 {
        self.body_bottom - self.body_top
    }

    /// The header's marks, the same on every page.
    pub(crate) fn header(&self) -> &[Mark] {
        &self.header
    }

    /// The footer's marks on page `page` (from 1) of `pages`.
    pub(crate) fn footer(&self, page: usize, pages: usize) -> Vec<Mark> {
        let mut marks = self.note.clone();
        let right = self.geometry.margin + self.geometry.content_width();
        let label = page_label(page, pages);
        let width = self.geometry.content_width();
        marks.extend(set_text(self.fonts, MARGIN_NOTE, right, self.footer_text_top, width, Align::Right, &label).marks);
        marks
    }
}

/// "page 2 of 3".
pub(crate) fn page_label(page: usize, pages: usize) -> String {
    format!("page {page} of {pages}")
}

/// The header's marks and where it ends: one line when both parts fit side by side,
/// otherwise the left part above the right, each wrapped.
fn header(fonts: &Fonts, geometry: Geometry, left: &str, right: &str) -> (Vec<Mark>, f32) {
    let width = geometry.content_width();
    let top = geometry.margin;
    let right_edge = geometry.margin + width;
    let left_width = fonts.face(MARGIN_NAME.face).width(left, MARGIN_NAME.size);
    let right_width = fonts.face(MARGIN_NOTE.face).width(right, MARGIN_NOTE.size);
    let side_by_side = left_width + right_width + 16.0 <= width;
    let left_set = set_text(fonts, MARGIN_NAME, geometry.margin, top, width, Align::Left, left);
    let right_top = if side_by_side { top } else { top + left_set.height };
    let right_set = set_text(fonts, MARGIN_NOTE, right_edge, right_top, width, Align::Right, right);
    let text_bottom = (top + left_set.height).max(right_top + right_set.height);
    let rule_y = text_bottom + 3.0;
    let mut marks = left_set.marks;
    marks.extend(right_set.marks);
    marks.push(rule(geometry, rule_y));
    (marks, rule_y)
}

fn rule(geometry: Geometry, y: f32) -> Mark {
    Mark::Rule { x1: geometry.margin, y1: y, x2: geometry.width - geometry.margin, y2: y, width: 0.5, gray: 0.6 }
}
