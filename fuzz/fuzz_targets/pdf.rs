//! Homework sheets printed for arbitrary Unicode names, practice names and an extra paragraph,
//! through mend-pdf's public entry.
//!
//! Text the font cannot draw must be refused with an error, never a panic; and once every
//! character the font lacks is left out, the sheet must print.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use mend_core::{Block, Program, Sheet};
use mend_pdf::{ForWhom, Paper, SheetKind, SheetOptions, check_printable, render};

static PROGRAM: LazyLock<Program> = LazyLock::new(|| Program::embedded().expect("the embedded program loads"));

#[derive(Debug, Arbitrary)]
struct Input {
    /// Which of the program's sheets.
    sheet: u8,
    a4: bool,
    names: Vec<String>,
    practice: Option<String>,
    /// A paragraph added to the sheet, to lay out arbitrary text as well as names.
    paragraph: Option<String>,
    /// Days after 2000-01-01 for the day given, if any.
    given: Option<u16>,
}

fuzz_target!(|input: Input| {
    let sheets: Vec<&Sheet> = PROGRAM.sheets.values().collect();
    let mut sheet = sheets[usize::from(input.sheet) % sheets.len()].clone();
    let base = time::macros::date!(2000 - 01 - 01);
    let given_on = input.given.and_then(|days| base.checked_add(time::Duration::days(i64::from(days))));
    let paper = if input.a4 { Paper::A4 } else { Paper::Letter };

    // As given: an error is fine, a panic is not.
    let options = |names: Vec<String>, practice: Option<String>| SheetOptions {
        paper,
        practice_name: practice,
        for_whom: if names.is_empty() { ForWhom::Blank } else { ForWhom::Names(names) },
        given_on,
        due_on: None,
        kind: SheetKind::Homework,
    };
    if let Some(text) = &input.paragraph {
        sheet.blocks.push(Block::Paragraph { text: text.clone() });
    }
    let _ = render(&sheet, &options(input.names.clone(), input.practice.clone()));

    // Only what the font can draw, one or two names: this must print.
    let names: Vec<String> = input.names.iter().take(2).map(|name| printable(name)).collect();
    if let Some(Block::Paragraph { text }) = sheet.blocks.last_mut().filter(|_| input.paragraph.is_some()) {
        *text = printable(text);
    }
    let practice = input.practice.as_deref().map(printable);
    if let Err(err) = render(&sheet, &options(names.clone(), practice.clone())) {
        panic!("printable text was refused: {err}\nnames {names:?}, practice {practice:?}");
    }
});

/// The text without the characters the embedded font cannot draw.
fn printable(text: &str) -> String {
    text.chars().filter(|c| check_printable(c.encode_utf8(&mut [0; 4])).is_ok()).collect()
}
