//! mend's homework sheets as printable PDF: the couple's names, the dates, the instructions
//! and room to write, laid out with real font metrics and split cleanly across pages.
//!
//! ```no_run
//! # fn demo(sheet: &mend_core::Sheet) -> Result<(), mend_pdf::PdfError> {
//! use mend_pdf::{ForWhom, Paper, SheetKind, SheetOptions, render};
//! let options = SheetOptions {
//!     paper: Paper::A4,
//!     practice_name: Some("Harbour Couples Practice".into()),
//!     for_whom: ForWhom::Names(vec!["José Núñez".into(), "Zoë".into()]),
//!     given_on: Some(time::macros::date!(2025 - 03 - 04)),
//!     due_on: None,
//!     kind: SheetKind::Homework,
//! };
//! let rendered = render(sheet, &options)?;
//! std::fs::write("sheet.pdf", &rendered.bytes).ok();
//! # Ok(()) }
//! ```
//!
//! The pipeline: every string is checked against the embedded font ([`check_printable`]),
//! `compose` turns the sheet into units of unbreakable pieces (wrapped by `wrap` with the
//! font's advance widths), `layout` places them on pages inside the `frame` (header and
//! footer), and `pdf` writes the result through printpdf, which subsets the DejaVu Sans faces
//! that `font` parsed once per process after `sfnt` trimmed them for print. [`lay_out`] stops
//! before the last step: the [`Laid`] sheet knows its page count, and is written alone or
//! [`bind`]-ed with others, so a sheet printed twice is laid out once.

mod compose;
mod error;
mod font;
mod frame;
mod layout;
mod pdf;
mod plan_sheet;
mod progress_report;
mod sfnt;
mod wrap;

use mend_core::content::{Block, Sheet};

pub use error::PdfError;
pub use plan_sheet::render_plan;
pub use progress_report::render_progress;

use compose::Composer;
use font::{Fonts, fonts};
use frame::{Frame, Geometry};
use pdf::PageMarks;

/// The paper a sheet is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// US Letter, 8.5 × 11 in.
    #[default]
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    fn geometry(self) -> Geometry {
        // Three quarters of an inch: well above the 0.6 in that home printers may clip.
        let margin = 54.0;
        match self {
            Paper::Letter => Geometry { width: 612.0, height: 792.0, margin },
            Paper::A4 => Geometry { width: 595.276, height: 841.89, margin },
        }
    }
}

/// Whose sheet it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ForWhom {
    /// Lines on which to write the names by hand.
    #[default]
    Blank,
    /// One partner's name, or both.
    Names(Vec<String>),
}

/// What a sheet is, which decides the rows under its title and the note in its footer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SheetKind {
    /// Homework the couple fills in: whom it is for, who fills it in, when it was given.
    #[default]
    Homework,
    /// The therapist's own plan for one session, a clinical note: the couple, the date, and
    /// which session it is.
    SessionPlan {
        /// Which session, as printed on the sheet: its number, kind and length.
        session: String,
    },
}

impl SheetKind {
    /// The footer's reminder of who may read the sheet.
    pub(crate) fn footer_note(&self) -> &'static str {
        match self {
            SheetKind::Homework => frame::CONFIDENTIAL,
            SheetKind::SessionPlan { .. } => frame::CLINICAL_NOTE,
        }
    }
}

/// How and for whom to print a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetOptions {
    /// Letter or A4.
    pub paper: Paper,
    /// The practice's name, printed at the top of every page.
    pub practice_name: Option<String>,
    /// The partner or partners the sheet is for.
    pub for_whom: ForWhom,
    /// The day the homework is given; a line to write it on when `None`.
    pub given_on: Option<time::Date>,
    /// The day it is due, printed only when set.
    pub due_on: Option<time::Date>,
    /// Homework, or the therapist's session plan.
    pub kind: SheetKind,
}

/// A finished PDF.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// How many pages it has.
    pub pages: usize,
}

impl std::fmt::Debug for Rendered {
    /// The size rather than every byte, so that a failing test stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("pages", &self.pages)
            .finish()
    }
}

/// A sheet laid out on its pages and not yet written: its page count is known without making a
/// PDF, and the same layout is written alone ([`Laid::to_pdf`]) or with others ([`bind`]).
#[derive(Clone, PartialEq)]
pub struct Laid {
    /// The title the PDF carries when the sheet is written alone.
    title: String,
    /// The pages, header and footer included.
    pages: Vec<PageMarks>,
}

impl Laid {
    /// How many pages the sheet takes.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Writes the sheet alone as a PDF.
    pub fn to_pdf(&self) -> Result<Vec<u8>, PdfError> {
        pdf::write(&self.title, &self.pages, fonts()?)
    }
}

impl std::fmt::Debug for Laid {
    /// The title and the page count rather than every mark, so that a failing test stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Laid").field("title", &self.title).field("pages", &self.pages.len()).finish()
    }
}

/// Checks a sheet's text against the font and lays it out on pages of its paper, without
/// writing a PDF.
pub fn lay_out(sheet: &Sheet, options: &SheetOptions) -> Result<Laid, PdfError> {
    let fonts = fonts()?;
    check_sheet(fonts, sheet, options)?;
    Ok(Laid { title: sheet.title.clone(), pages: sheet_pages(fonts, sheet, options) })
}

/// Writes sheets already laid out into one PDF to print at once; each starts on a new page and
/// counts its own pages.
pub fn bind(sheets: &[Laid]) -> Result<Rendered, PdfError> {
    let fonts = fonts()?;
    let title = match sheets {
        [] => return Err(PdfError::NoSheets),
        [sheet] => sheet.title.as_str(),
        _ => "Homework sheets",
    };
    let pages: Vec<&PageMarks> = sheets.iter().flat_map(|sheet| &sheet.pages).collect();
    let bytes = pdf::write(title, pages.iter().copied(), fonts)?;
    Ok(Rendered { bytes, pages: pages.len() })
}

/// Renders one sheet as a PDF.
pub fn render(sheet: &Sheet, options: &SheetOptions) -> Result<Rendered, PdfError> {
    let laid = lay_out(sheet, options)?;
    Ok(Rendered { bytes: laid.to_pdf()?, pages: laid.pages() })
}

/// Renders several sheets into one PDF to print at once; each sheet starts on a new page and
/// counts its own pages.
pub fn render_many(sheets: &[(&Sheet, SheetOptions)]) -> Result<Rendered, PdfError> {
    let laid = sheets.iter().map(|(sheet, options)| lay_out(sheet, options)).collect::<Result<Vec<_>, _>>()?;
    bind(&laid)
}

/// Checks that the embedded font can draw every character of a text (whitespace is always
/// fine: layout turns it into spaces). Call it on names when they are entered, to refuse
/// early what could not be printed later.
pub fn check_printable(text: &str) -> Result<(), PdfError> {
    check_text(fonts()?, "text", text)
}

fn check_text(fonts: &Fonts, place: &str, text: &str) -> Result<(), PdfError> {
    for character in text.chars().filter(|c| !c.is_whitespace()) {
        let (place, text) = (place.to_string(), text.to_string());
        if is_right_to_left(character) {
            return Err(PdfError::RightToLeft { place, text, character });
        }
        if !(fonts.regular.has_glyph(character) && fonts.bold.has_glyph(character)) {
            return Err(PdfError::MissingGlyph { place, text, character });
        }
    }
    Ok(())
}

/// Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko and their
/// presentation forms, and historic ones), which DejaVu partly covers but which would need
/// reordering and joining that printpdf's plain text drawing does not do.
fn is_right_to_left(c: char) -> bool {
    matches!(u32::from(c), 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFE | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

/// Checks every string that will be printed, and the number of names.
fn check_sheet(fonts: &Fonts, sheet: &Sheet, options: &SheetOptions) -> Result<(), PdfError> {
    if let ForWhom::Names(names) = &options.for_whom {
        if names.is_empty() || names.len() > 2 {
            return Err(PdfError::NameCount { count: names.len() });
        }
        for name in names {
            check_text(fonts, "name", name)?;
        }
    }
    if let Some(practice) = &options.practice_name {
        check_text(fonts, "practice name", practice)?;
    }
    let place = if sheet.id.is_empty() { "sheet".to_string() } else { format!("sheet `{}`", sheet.id) };
    let texts = [&sheet.title, &sheet.purpose]
        .into_iter()
        .chain(&sheet.instructions)
        .chain(sheet.blocks.iter().flat_map(block_texts));
    for text in texts {
        check_text(fonts, &place, text)?;
    }
    Ok(())
}

/// Every string a block prints.
fn block_texts(block: &Block) -> Vec<&String> {
    match block {
        Block::Heading { text } | Block::Paragraph { text } => vec![text],
        Block::Steps { items } | Block::Checklist { items } => items.iter().collect(),
        Block::Lines { label, .. } => vec![label],
        Block::Table { columns, .. } => columns.iter().collect(),
        Block::Scale { label, low, high } => vec![label, low, high],
        Block::Signature { signers } => signers.iter().collect(),
    }
}

/// Lays out one sheet on pages of its paper, with header and footer.
///
/// The footer's "page N of M" needs M before the body's room is known, so the frame is laid
/// out for a guess and again if the page count has more digits than the guess.
fn sheet_pages(fonts: &Fonts, sheet: &Sheet, options: &SheetOptions) -> Vec<PageMarks> {
    let geometry = options.paper.geometry();
    let composer = Composer { fonts, left: geometry.margin, width: geometry.content_width() };
    let units = composer.sheet(sheet, options);
    let (left, right) = header_texts(sheet, options);
    let paginate = |guess: usize| {
        let frame = Frame::new(fonts, geometry, (&left, &right), options.kind.footer_note(), guess);
        let bodies = layout::paginate(&units, frame.body_height());
        (frame, bodies)
    };
    let (mut frame, mut bodies) = paginate(1);
    // A wider page label can only shrink the body, so the count only grows; three more
    // passes reach any count with up to four digits, far beyond a real sheet.
    for _ in 0..3 {
        if digits(bodies.len()) <= digits(frame.pages_guess) {
            break;
        }
        (frame, bodies) = paginate(bodies.len());
    }
    let count = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(index, body)| {
            // Header, body, footer: the order in which a reader or a screen reader meets them.
            let mut marks = frame.header().to_vec();
            marks.extend(body.iter().map(|m| m.shifted(frame.body_top)));
            marks.extend(frame.footer(index + 1, count));
            PageMarks { width: geometry.width, height: geometry.height, marks }
        })
        .collect()
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// The header's left part (the practice, or the sheet's title) and right part (names and date).
fn header_texts(sheet: &Sheet, options: &SheetOptions) -> (String, String) {
    let left = options.practice_name.clone().unwrap_or_else(|| sheet.title.clone());
    let mut right = Vec::new();
    if let ForWhom::Names(names) = &options.for_whom {
        right.push(names.join(" and "));
    }
    if let Some(date) = options.given_on {
        right.push(format_date(date));
    }
    (left, right.join(" · "))
}

/// "4 March 2025": the same on both sides of the Atlantic.
pub(crate) fn format_date(date: time::Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

// The unit tests share the integration tests' fixture sheets, which name the crate.
#[cfg(test)]
extern crate self as mend_pdf;

#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod fixtures;

#[cfg(test)]
mod geometry_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_same_everywhere() {
        assert_eq!(format_date(time::macros::date!(2025 - 03 - 04)), "4 March 2025");
    }

    #[test]
    fn the_fixed_words_mend_prints_are_printable() {
        let fonts = fonts().unwrap();
        for text in [
            frame::CONFIDENTIAL,
            frame::CLINICAL_NOTE,
            "Couple Session Why this sheet How to do it • · Date page 0123456789 of",
        ] {
            check_text(fonts, "text", text).unwrap();
        }
    }

    #[test]
    fn margins_survive_a_home_printer() {
        for paper in [Paper::Letter, Paper::A4] {
            assert!(paper.geometry().margin >= 0.6 * 72.0);
        }
    }
}
