//! Checks on the laid-out marks themselves: nothing leaves the margins and nothing overlaps.

use crate::fixtures;
use crate::font::{Fonts, fonts};
use crate::layout::Mark;
use crate::{ForWhom, Paper, SheetOptions, sheet_pages};
use mend_core::content::Sheet;

/// A box on the page: left, top, right, bottom.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f32,
    top: f32,
    right: f32,
    bottom: f32,
}

/// Overlaps are measured with a little tolerance, so that touching is not overlapping.
const TOLERANCE: f32 = 0.05;

impl Area {
    fn overlaps(&self, other: &Area) -> bool {
        self.left < other.right - TOLERANCE
            && other.left < self.right - TOLERANCE
            && self.top < other.bottom - TOLERANCE
            && other.top < self.bottom - TOLERANCE
    }
}

/// The ink box of a line of text: its advance width and the face's ascent and descent.
fn text_area<'a>(fonts: &Fonts, mark: &'a Mark) -> Option<(Area, &'a str)> {
    let Mark::Text { x, y, style, text } = mark else { return None };
    let metrics = fonts.face(style.face);
    let area = Area {
        left: *x,
        top: y - metrics.ascent * style.size,
        right: x + metrics.width(text, style.size),
        bottom: y + metrics.descent * style.size,
    };
    Some((area, text))
}

/// The strokes of a mark as thin boxes (a rectangle gives its four edges).
fn stroke_areas(mark: &Mark) -> Vec<Area> {
    let line = |x1: f32, y1: f32, x2: f32, y2: f32| Area {
        left: x1.min(x2),
        top: y1.min(y2),
        right: x1.max(x2),
        bottom: y1.max(y2),
    };
    match *mark {
        Mark::Rule { x1, y1, x2, y2, .. } => vec![line(x1, y1, x2, y2)],
        Mark::Rect { x, y, w, h, .. } => {
            vec![line(x, y, x + w, y), line(x, y + h, x + w, y + h), line(x, y, x, y + h), line(x + w, y, x + w, y + h)]
        }
        Mark::Text { .. } => Vec::new(),
    }
}

fn check_sheet(sheet: &Sheet, options: &SheetOptions) {
    let fonts = fonts().unwrap();
    let pages = sheet_pages(fonts, sheet, options);
    let geometry = options.paper.geometry();
    let inside = Area {
        left: geometry.margin,
        top: geometry.margin,
        right: geometry.width - geometry.margin,
        bottom: geometry.height - geometry.margin,
    };
    for (number, page) in pages.iter().enumerate() {
        let texts: Vec<(Area, &str)> = page.marks.iter().filter_map(|m| text_area(fonts, m)).collect();
        let strokes: Vec<Area> = page.marks.iter().flat_map(stroke_areas).collect();
        for (area, text) in &texts {
            let within = area.left >= inside.left - TOLERANCE
                && area.right <= inside.right + TOLERANCE
                && area.top >= inside.top - TOLERANCE
                && area.bottom <= inside.bottom + TOLERANCE;
            assert!(within, "page {}: {text:?} at {area:?} leaves the margins {inside:?}", number + 1);
        }
        for stroke in &strokes {
            let within = stroke.left >= inside.left - 1.0
                && stroke.right <= inside.right + 1.0
                && stroke.top >= inside.top - 1.0
                && stroke.bottom <= inside.bottom + 1.0;
            assert!(within, "page {}: a line at {stroke:?} leaves the margins", number + 1);
        }
        for (index, (a, text_a)) in texts.iter().enumerate() {
            for (b, text_b) in &texts[index + 1..] {
                assert!(!a.overlaps(b), "page {}: {text_a:?} overlaps {text_b:?}", number + 1);
            }
            for stroke in &strokes {
                assert!(!a.overlaps(stroke), "page {}: a line at {stroke:?} crosses {text_a:?}", number + 1);
            }
        }
    }
}

fn check_all_papers(sheet: &Sheet) {
    for paper in [Paper::Letter, Paper::A4] {
        check_sheet(sheet, &fixtures::options(paper, &["José Núñez", "Zoë"]));
        check_sheet(sheet, &SheetOptions { paper, for_whom: ForWhom::Blank, ..SheetOptions::default() });
    }
}

#[test]
fn every_block_stays_inside_the_margins_without_overlap() {
    check_all_papers(&fixtures::every_block());
}

#[test]
fn a_long_sheet_stays_inside_the_margins_without_overlap() {
    check_all_papers(&fixtures::long());
}

#[test]
fn long_words_and_names_stay_inside_the_margins_without_overlap() {
    check_all_papers(&fixtures::long_words());
    let long_names = ["Nguyễn".repeat(25), "Øyvind Łukasz ".repeat(12)];
    let names: Vec<&str> = long_names.iter().map(String::as_str).collect();
    check_sheet(&fixtures::long_words(), &fixtures::options(Paper::A4, &names));
}

#[test]
fn every_shipped_sheet_stays_inside_the_margins_without_overlap() {
    let program = mend_core::Program::embedded().expect("the shipped content loads");
    assert!(!program.sheets.is_empty(), "the program ships homework sheets");
    for sheet in program.sheets.values() {
        check_all_papers(sheet);
    }
}

#[test]
fn a_sheet_of_more_than_nine_pages_numbers_every_page_and_still_fits() {
    let mut sheet = fixtures::long();
    sheet.blocks.push(mend_core::content::Block::Lines { label: String::new(), count: 400 });
    let options = fixtures::options(Paper::Letter, &["Zoë"]);
    check_sheet(&sheet, &options);
    let pages = sheet_pages(fonts().unwrap(), &sheet, &options);
    assert!(pages.len() >= 10, "{} pages", pages.len());
    let label = format!("page {0} of {0}", pages.len());
    let last = pages.last().unwrap();
    assert!(last.marks.iter().any(|m| matches!(m, Mark::Text { text, .. } if *text == label)), "{label}");
}
