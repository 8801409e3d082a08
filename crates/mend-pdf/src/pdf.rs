//! Laid-out pages written as a PDF through printpdf, with the fonts subset and embedded.

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};

use crate::PdfError;
use crate::font::{Face, Fonts};
use crate::layout::Mark;

/// One finished page: its size and everything drawn on it, y measured from the top.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageMarks {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) marks: Vec<Mark>,
}

/// Writes the pages as one PDF document.
pub(crate) fn write<'a>(
    title: &str,
    pages: impl IntoIterator<Item = &'a PageMarks>,
    fonts: &Fonts,
) -> Result<Vec<u8>, PdfError> {
    let mut document = PdfDocument::new(title);
    document.metadata.info.creator = "mend".to_string();
    let ids = FontIds { regular: document.add_font(&fonts.regular.font), bold: document.add_font(&fonts.bold.font) };
    let pdf_pages = pages.into_iter().map(|page| pdf_page(page, &ids)).collect();
    let options = PdfSaveOptions { optimize: true, subset_fonts: true, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let bytes = document.with_pages(pdf_pages).save(&options, &mut warnings);
    if let Some(error) = warnings.iter().find(|w| w.severity == PdfParseErrorSeverity::Error) {
        return Err(PdfError::Writer(error.msg.clone()));
    }
    Ok(bytes)
}

/// The document's handles for the two faces.
struct FontIds {
    regular: FontId,
    bold: FontId,
}

/// The drawing state already set in the content stream, so that it is not repeated for
/// every line and rule (which keeps the stream, and the file, small).
#[derive(Default)]
struct State {
    fill: Option<f32>,
    stroke: Option<f32>,
    width: Option<f32>,
    font: Option<(Face, f32)>,
}

impl State {
    fn fill(&mut self, ops: &mut Vec<Op>, gray: f32) {
        if self.fill != Some(gray) {
            ops.push(Op::SetFillColor { col: gray_color(gray) });
            self.fill = Some(gray);
        }
    }

    fn stroke(&mut self, ops: &mut Vec<Op>, gray: f32, width: f32) {
        if self.stroke != Some(gray) {
            ops.push(Op::SetOutlineColor { col: gray_color(gray) });
            self.stroke = Some(gray);
        }
        if self.width != Some(width) {
            ops.push(Op::SetOutlineThickness { pt: Pt(width) });
            self.width = Some(width);
        }
    }
}

fn gray_color(gray: f32) -> Color {
    Color::Greyscale(Greyscale { percent: gray, icc_profile: None })
}

/// One page's drawing operations: shapes first, then text, so that text is never hidden
/// under a filled box.
fn pdf_page(page: &PageMarks, ids: &FontIds) -> PdfPage {
    let flip = |y: f32| Pt(page.height - y);
    let mut ops = Vec::new();
    let mut state = State::default();
    for mark in &page.marks {
        match *mark {
            Mark::Rule { x1, y1, x2, y2, width, gray } => {
                state.stroke(&mut ops, gray, width);
                let points = [(x1, y1), (x2, y2)]
                    .map(|(x, y)| LinePoint { p: Point { x: Pt(x), y: flip(y) }, bezier: false })
                    .to_vec();
                ops.push(Op::DrawLine { line: Line { points, is_closed: false } });
            }
            Mark::Rect { x, y, w, h, width, fill } => {
                // A filled rectangle with no stroke width is a shaded area without a border (a
                // chart's cut-off band): a stroke of width 0 would still draw the thinnest line.
                let stroked = width > 0.0 || fill.is_none();
                if stroked {
                    state.stroke(&mut ops, 0.0, width);
                }
                if let Some(gray) = fill {
                    state.fill(&mut ops, gray);
                }
                let mode = match (fill.is_some(), stroked) {
                    (true, true) => PaintMode::FillStroke,
                    (true, false) => PaintMode::Fill,
                    (false, _) => PaintMode::Stroke,
                };
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(x),
                        y: flip(y + h),
                        width: Pt(w),
                        height: Pt(h),
                        mode: Some(mode),
                        winding_order: None,
                    },
                });
            }
            Mark::Text { .. } => {}
        }
    }
    for mark in &page.marks {
        if let Mark::Text { x, y, style, ref text } = *mark {
            // One text object per line: extractors (lopdf, screen readers, copy and paste)
            // end a line at the end of a text object, so words on separate lines stay apart.
            ops.push(Op::StartTextSection);
            if state.font != Some((style.face, style.size)) {
                let id = match style.face {
                    Face::Regular => &ids.regular,
                    Face::Bold => &ids.bold,
                };
                ops.push(Op::SetFont { font: PdfFontHandle::External(id.clone()), size: Pt(style.size) });
                state.font = Some((style.face, style.size));
            }
            state.fill(&mut ops, style.gray);
            ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(x), flip(y)) });
            ops.push(Op::ShowText { items: vec![TextItem::Text(text.clone())] });
            ops.push(Op::EndTextSection);
        }
    }
    let media = Rect::from_wh(Pt(page.width), Pt(page.height));
    PdfPage { media_box: media.clone(), trim_box: media.clone(), crop_box: media, ops }
}
