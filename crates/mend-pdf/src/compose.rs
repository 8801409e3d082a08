//! A sheet's title, names, dates, purpose, instructions and blocks turned into units to place.

use mend_core::content::{Audience, Block, Sheet};

use crate::font::Fonts;
use crate::layout::{
    Align, BODY, CAPTION, COLUMN, HEADING, LABEL, Mark, Piece, SplitRule, Style, TITLE, Unit, baseline_offset, set_text,
};
use crate::wrap::wrap;
use crate::{ForWhom, SheetKind, SheetOptions, format_date};

/// Space between blocks.
const BLOCK_GAP: f32 = 12.0;
/// Space above a heading.
const HEADING_GAP: f32 = 18.0;
/// Space between items of a list.
const ITEM_GAP: f32 = 4.0;
/// Distance between ruled lines: about 8.5 mm, the spacing of wide-ruled paper.
const LINE_PITCH: f32 = 24.0;
/// Height of an empty table row, enough for a line of handwriting.
const ROW_HEIGHT: f32 = 30.0;
/// Inner padding of table heading cells.
const CELL_PAD: f32 = 4.0;
/// Room above a signature line to sign in.
const SIGNING_ROOM: f32 = 30.0;
/// Side of a checklist box.
const BOX_SIDE: f32 = 9.5;
/// Indent of list text after a number, bullet or box.
const LIST_INDENT: f32 = 20.0;
/// Thin lines people write on.
const WRITING_LINE: (f32, f32) = (0.6, 0.45);
/// Lines that frame boxes and tables.
const FRAME_LINE: f32 = 0.7;

/// Lays out one sheet in a column `width` points wide starting at `left`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Composer<'a> {
    pub(crate) fonts: &'a Fonts,
    pub(crate) left: f32,
    pub(crate) width: f32,
}

impl Composer<'_> {
    /// Every unit of the sheet in reading order.
    pub(crate) fn sheet(&self, sheet: &Sheet, options: &SheetOptions) -> Vec<Unit> {
        let mut units = vec![self.title(sheet, options)];
        if !sheet.purpose.trim().is_empty() {
            units.push(Unit {
                space_before: BLOCK_GAP,
                lead: vec![self.label_piece("Why this sheet")],
                body: self.line_pieces(BODY, self.left, self.width, &sheet.purpose),
                ..Unit::default()
            });
        }
        if !sheet.instructions.is_empty() {
            units.push(Unit {
                space_before: BLOCK_GAP,
                lead: vec![self.label_piece("How to do it")],
                body: self.list(&sheet.instructions, |_, top| self.marker_text("•", top)),
                ..Unit::default()
            });
        }
        let mut pending_heading: Option<Vec<Piece>> = None;
        for block in &sheet.blocks {
            if let Block::Heading { text } = block {
                if let Some(lead) = pending_heading.take() {
                    units.push(Unit { space_before: HEADING_GAP, lead, ..Unit::default() });
                }
                pending_heading = Some(vec![self.heading_piece(text)]);
                continue;
            }
            let mut unit = self.block(block);
            if let Some(mut lead) = pending_heading.take() {
                // A heading travels with the block under it so it never ends a page alone.
                lead.append(&mut unit.lead);
                unit.lead = lead;
                unit.space_before = HEADING_GAP;
            }
            units.push(unit);
        }
        if let Some(lead) = pending_heading {
            units.push(Unit { space_before: HEADING_GAP, lead, ..Unit::default() });
        }
        units
    }

    /// The title, who the sheet is for, the dates, and a rule under them. A session plan names
    /// the couple, the day and the session instead.
    fn title(&self, sheet: &Sheet, options: &SheetOptions) -> Unit {
        let mut body = self.line_pieces(TITLE, self.left, self.width, &sheet.title);
        body.push(Piece::gap(4.0));
        if let SheetKind::SessionPlan { session } = &options.kind {
            body.extend(self.session_rows(sheet, options, session));
            return Unit { body, ..Unit::default() };
        }
        let labels = ["For", "Filled in by", "Given", "Due"];
        let label_width =
            labels.iter().map(|l| self.fonts.face(LABEL.face).width(l, LABEL.size)).fold(0.0, f32::max) + 10.0;
        let value_x = self.left + label_width;
        let value_width = self.width - label_width;
        let row = |label: &str, (value, label_top): (Piece, f32)| self.meta_row(label, label_width, value, label_top);
        body.push(row("For", self.for_whom(sheet.audience, &options.for_whom, value_x, value_width)));
        body.push(row("Filled in by", self.value_text(sheet.audience.describe(), value_x, value_width)));
        let given = match options.given_on {
            Some(date) => self.value_text(&format_date(date), value_x, value_width),
            None => self.blank_rules(1, value_x, value_width),
        };
        body.push(row("Given", given));
        if let Some(due) = options.due_on {
            body.push(row("Due", self.value_text(&format_date(due), value_x, value_width)));
        }
        body.push(Piece {
            height: 10.0,
            marks: vec![self.rule(self.left, self.left + self.width, 7.0, (FRAME_LINE, 0.5))],
        });
        Unit { body, ..Unit::default() }
    }

    /// The rows under a session plan's title: the couple, the day, which session; then a rule.
    fn session_rows(&self, sheet: &Sheet, options: &SheetOptions, session: &str) -> Vec<Piece> {
        let labels = ["Couple", "Date", "Session"];
        let label_width =
            labels.iter().map(|l| self.fonts.face(LABEL.face).width(l, LABEL.size)).fold(0.0, f32::max) + 10.0;
        let value_x = self.left + label_width;
        let value_width = self.width - label_width;
        let row = |label: &str, (value, label_top): (Piece, f32)| self.meta_row(label, label_width, value, label_top);
        let date = match options.given_on {
            Some(date) => self.value_text(&format_date(date), value_x, value_width),
            None => self.blank_rules(1, value_x, value_width),
        };
        vec![
            row("Couple", self.for_whom(sheet.audience, &options.for_whom, value_x, value_width)),
            row("Date", date),
            row("Session", self.value_text(session, value_x, value_width)),
            Piece { height: 10.0, marks: vec![self.rule(self.left, self.left + self.width, 7.0, (FRAME_LINE, 0.5))] },
        ]
    }

    fn for_whom(&self, audience: Audience, for_whom: &ForWhom, x: f32, width: f32) -> (Piece, f32) {
        match for_whom {
            ForWhom::Names(names) => self.value_text(&names.join(" and "), x, width),
            ForWhom::Blank => self.blank_rules(if audience == Audience::Together { 2 } else { 1 }, x, width),
        }
    }

    /// A label in bold beside its value, its first line's box starting at `label_top` so
    /// that it shares the value's baseline; as tall as the taller of the two.
    fn meta_row(&self, label: &str, label_width: f32, value: Piece, label_top: f32) -> Piece {
        let label = set_text(self.fonts, LABEL, self.left, label_top, label_width - 4.0, Align::Left, label);
        let mut marks = label.marks;
        let height = value.height.max(label_top + label.height);
        marks.extend(value.marks);
        Piece { height, marks }
    }

    /// Text for a label's value; the label starts at the same top.
    fn value_text(&self, text: &str, x: f32, width: f32) -> (Piece, f32) {
        let set = set_text(self.fonts, BODY, x, 0.0, width, Align::Left, text);
        (Piece { height: set.height, marks: set.marks }, 0.0)
    }

    /// One or two lines to write on, joined by "and", with room above them for handwriting;
    /// the label goes on the last line of text, level with the lines.
    fn blank_rules(&self, count: usize, x: f32, width: f32) -> (Piece, f32) {
        const HEIGHT: f32 = 24.0;
        let text_top = HEIGHT - BODY.leading;
        let baseline = text_top + baseline_offset(self.fonts, BODY);
        let rule_y = baseline + 2.0;
        let and = " and ";
        let and_width = self.fonts.face(BODY.face).width(and, BODY.size);
        let each = if count > 1 { ((width - and_width) / 2.0).min(170.0) } else { width.min(170.0) };
        let mut marks = Vec::new();
        let mut at = x;
        for index in 0..count {
            if index > 0 {
                marks.push(Mark::Text { x: at, y: baseline, style: BODY, text: and.to_string() });
                at += and_width;
            }
            marks.push(self.rule(at, at + each, rule_y, WRITING_LINE));
            at += each;
        }
        // A little room under the lines so the next row does not sit on them.
        (Piece { height: HEIGHT + 5.0, marks }, text_top)
    }

    fn label_piece(&self, text: &str) -> Piece {
        let set = set_text(self.fonts, LABEL, self.left, 0.0, self.width, Align::Left, text);
        Piece { height: set.height + 2.0, marks: set.marks }
    }

    fn heading_piece(&self, text: &str) -> Piece {
        let set = set_text(self.fonts, HEADING, self.left, 0.0, self.width, Align::Left, text);
        Piece { height: set.height + 4.0, marks: set.marks }
    }

    fn block(&self, block: &Block) -> Unit {
        match block {
            Block::Heading { text } => Unit { lead: vec![self.heading_piece(text)], ..Unit::default() },
            Block::Paragraph { text } => Unit {
                space_before: BLOCK_GAP,
                body: self.line_pieces(BODY, self.left, self.width, text),
                ..Unit::default()
            },
            Block::Steps { items } => Unit {
                space_before: BLOCK_GAP,
                body: self.list(items, |index, top| self.marker_text(&format!("{}.", index + 1), top)),
                ..Unit::default()
            },
            Block::Checklist { items } => Unit {
                space_before: BLOCK_GAP,
                body: self.list(items, |_, top| self.check_box(top)),
                ..Unit::default()
            },
            Block::Lines { label, count } => self.lines(label, *count),
            Block::Table { columns, rows } => self.table(columns, *rows),
            Block::Scale { label, low, high } => self.scale(label, low, high),
            Block::Signature { signers } => self.signatures(signers),
        }
    }

    /// One piece per wrapped line, so that a long paragraph can break between lines.
    fn line_pieces(&self, style: Style, x: f32, width: f32, text: &str) -> Vec<Piece> {
        let metrics = self.fonts.face(style.face);
        let baseline = baseline_offset(self.fonts, style);
        wrap(metrics, style.size, width, text)
            .into_iter()
            .map(|line| Piece {
                height: style.leading,
                marks: if line.is_empty() {
                    Vec::new()
                } else {
                    vec![Mark::Text { x, y: baseline, style, text: line }]
                },
            })
            .collect()
    }

    /// Items with a marker (number, bullet or box) hanging in the left indent.
    fn list(&self, items: &[String], marker: impl Fn(usize, f32) -> Vec<Mark>) -> Vec<Piece> {
        let text_x = self.left + LIST_INDENT;
        let text_width = self.width - LIST_INDENT;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let top = if index == 0 { 0.0 } else { ITEM_GAP };
                let set = set_text(self.fonts, BODY, text_x, top, text_width, Align::Left, item);
                let mut marks = marker(index, top);
                marks.extend(set.marks);
                Piece { height: top + set.height.max(BODY.leading), marks }
            })
            .collect()
    }

    /// A number or bullet, right-aligned just before the item's text.
    fn marker_text(&self, text: &str, top: f32) -> Vec<Mark> {
        set_text(self.fonts, BODY, self.left + LIST_INDENT - 5.0, top, LIST_INDENT, Align::Right, text).marks
    }

    /// A box to tick, sitting on the first line's baseline like a capital letter.
    fn check_box(&self, top: f32) -> Vec<Mark> {
        let baseline = top + baseline_offset(self.fonts, BODY);
        let bottom = baseline + 1.0;
        vec![Mark::Rect {
            x: self.left + 2.0,
            y: bottom - BOX_SIDE,
            w: BOX_SIDE,
            h: BOX_SIDE,
            width: FRAME_LINE,
            fill: None,
        }]
    }

    /// An optional prompt and ruled lines; a long run breaks between lines.
    fn lines(&self, label: &str, count: u32) -> Unit {
        let lead = if label.trim().is_empty() {
            Vec::new()
        } else {
            let mut lead = self.line_pieces(BODY, self.left, self.width, label);
            lead.push(Piece::gap(2.0));
            lead
        };
        let body = (0..count)
            .map(|_| Piece {
                height: LINE_PITCH,
                marks: vec![self.rule(self.left, self.left + self.width, LINE_PITCH - 2.0, WRITING_LINE)],
            })
            .collect();
        Unit {
            space_before: BLOCK_GAP,
            lead,
            body,
            split: Some(SplitRule { repeat_head: false, min_body: 3 }),
            ..Unit::default()
        }
    }

    /// Column headings over empty rows; a long table breaks between rows and repeats its
    /// headings on every page it reaches.
    fn table(&self, columns: &[String], rows: u32) -> Unit {
        let count = columns.len().max(1);
        let column_width = self.width / count as f32;
        let x_of = |index: usize| self.left + index as f32 * column_width;
        let headings: Vec<_> = columns
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let width = column_width - 2.0 * CELL_PAD;
                set_text(self.fonts, COLUMN, x_of(index) + CELL_PAD, CELL_PAD, width, Align::Left, text)
            })
            .collect();
        let head_height = headings.iter().map(|h| h.height).fold(COLUMN.leading, f32::max) + 2.0 * CELL_PAD;
        let mut head_marks: Vec<Mark> = (0..count)
            .map(|index| Mark::Rect {
                x: x_of(index),
                y: 0.0,
                w: column_width,
                h: head_height,
                width: FRAME_LINE,
                fill: Some(0.9),
            })
            .collect();
        head_marks.extend(headings.into_iter().flat_map(|h| h.marks));
        let row = Piece {
            height: ROW_HEIGHT,
            marks: (0..count)
                .map(|index| Mark::Rect {
                    x: x_of(index),
                    y: 0.0,
                    w: column_width,
                    h: ROW_HEIGHT,
                    width: FRAME_LINE,
                    fill: None,
                })
                .collect(),
        };
        Unit {
            space_before: BLOCK_GAP,
            head: vec![Piece { height: head_height, marks: head_marks }],
            body: vec![row; rows as usize],
            split: Some(SplitRule { repeat_head: true, min_body: 2 }),
            ..Unit::default()
        }
    }

    /// A 0–10 line with ticks, numbers under them, and the words for each end.
    fn scale(&self, label: &str, low: &str, high: &str) -> Unit {
        const INSET: f32 = 14.0;
        const LINE_Y: f32 = 12.0;
        const TICK: f32 = 5.0;
        let number_style = Style { gray: 0.1, size: 9.5, ..CAPTION };
        let start = self.left + INSET;
        let step = (self.width - 2.0 * INSET) / 10.0;
        let mut marks = vec![self.rule(start, start + 10.0 * step, LINE_Y, (1.0, 0.0))];
        let numbers_top = LINE_Y + TICK + 2.0;
        for value in 0..=10 {
            let x = start + value as f32 * step;
            marks.push(Mark::Rule { x1: x, y1: LINE_Y - TICK, x2: x, y2: LINE_Y + TICK, width: 1.0, gray: 0.0 });
            marks.extend(
                set_text(self.fonts, number_style, x, numbers_top, step, Align::Center, &value.to_string()).marks,
            );
        }
        let words_top = numbers_top + number_style.leading + 2.0;
        let word_width = self.width * 0.45;
        let low = set_text(self.fonts, CAPTION, self.left, words_top, word_width, Align::Left, low);
        let high = set_text(self.fonts, CAPTION, self.left + self.width, words_top, word_width, Align::Right, high);
        let height = words_top + low.height.max(high.height) + 2.0;
        marks.extend(low.marks);
        marks.extend(high.marks);
        let mut lead = self.line_pieces(BODY, self.left, self.width, label);
        lead.push(Piece::gap(4.0));
        Unit { space_before: BLOCK_GAP, lead, body: vec![Piece { height, marks }], ..Unit::default() }
    }

    /// For each signer, a line to sign on and a shorter line for the date.
    fn signatures(&self, signers: &[String]) -> Unit {
        let sign_width = self.width * 0.6;
        let date_x = self.left + self.width * 0.68;
        let body = signers
            .iter()
            .map(|signer| {
                let mut marks = vec![
                    self.rule(self.left, self.left + sign_width, SIGNING_ROOM, (0.8, 0.0)),
                    self.rule(date_x, self.left + self.width, SIGNING_ROOM, (0.8, 0.0)),
                ];
                let caption_top = SIGNING_ROOM + 2.0;
                let who = set_text(self.fonts, CAPTION, self.left, caption_top, sign_width, Align::Left, signer);
                let date_width = self.left + self.width - date_x;
                let date = set_text(self.fonts, CAPTION, date_x, caption_top, date_width, Align::Left, "Date");
                let height = caption_top + who.height.max(date.height) + 4.0;
                marks.extend(who.marks);
                marks.extend(date.marks);
                Piece { height, marks }
            })
            .collect();
        Unit { space_before: BLOCK_GAP, body, ..Unit::default() }
    }

    fn rule(&self, x1: f32, x2: f32, y: f32, (width, gray): (f32, f32)) -> Mark {
        Mark::Rule { x1, y1: y, x2, y2: y, width, gray }
    }
}
