//! How long a sheet takes to render and how big it is, against a floor: the same words
//! written with printpdf's built-in Helvetica, one text operation per line, no layout.
//!
//! Run with `cargo bench -p mend-pdf`. Prints, per sheet, the median of many runs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use mend_core::content::{Block, Sheet};
use mend_pdf::{Paper, render};
use printpdf::{BuiltinFont, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, Rect, TextItem, TextMatrix};

/// Timed runs per sheet, after the warm-up runs.
const RUNS: usize = 60;
const WARM_UP: usize = 5;

fn main() {
    let mut sheets: Vec<(String, Sheet)> = vec![
        ("fixture: every block".into(), common::every_block()),
        ("fixture: long".into(), common::long()),
        ("fixture: long words".into(), common::long_words()),
    ];
    match mend_core::Program::embedded() {
        Ok(program) => sheets.extend(program.sheets),
        Err(errors) => println!("(the shipped sheets are left out: {errors})"),
    }
    let options = common::options(Paper::Letter, &["José Núñez", "Zoë"]);

    // The first render parses the fonts; a process pays that once.
    let first = Instant::now();
    let _ = render(&sheets[0].1, &options);
    println!("first render in the process (parses the fonts): {:.2} ms\n", ms(first.elapsed()));

    println!(
        "{:<36} {:>5} {:>9} {:>9} {:>11} {:>9} {:>7}",
        "sheet", "pages", "ms", "KB", "floor ms", "floor KB", "ratio"
    );
    let mut all = Vec::new();
    for (name, sheet) in &sheets {
        let (ours, rendered) = median(|| render(sheet, &options).expect("the sheet renders"));
        let (floor, floor_bytes) = median(|| baseline(sheet));
        let ratio = ours.as_secs_f64() / floor.as_secs_f64();
        all.push(ours);
        println!(
            "{:<36} {:>5} {:>9.3} {:>9.1} {:>11.3} {:>9.1} {:>7.2}",
            name,
            rendered.pages,
            ms(ours),
            rendered.bytes.len() as f64 / 1024.0,
            ms(floor),
            floor_bytes.len() as f64 / 1024.0,
            ratio
        );
    }
    all.sort();
    println!("\nmedian over all sheets: {:.3} ms; slowest: {:.3} ms", ms(all[all.len() / 2]), ms(all[all.len() - 1]));
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The median duration of [`RUNS`] calls, and the last result.
fn median<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    for _ in 0..WARM_UP {
        black_box(run());
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = black_box(run());
        times.push(start.elapsed());
        last = Some(result);
    }
    times.sort();
    (times[RUNS / 2], last.expect("RUNS is not zero"))
}

/// Every string the sheet prints, one per line, without wrapping.
fn lines(sheet: &Sheet) -> Vec<String> {
    let mut lines = vec![sheet.title.clone(), sheet.purpose.clone()];
    lines.extend(sheet.instructions.iter().cloned());
    for block in &sheet.blocks {
        match block {
            Block::Heading { text } | Block::Paragraph { text } => lines.push(text.clone()),
            Block::Steps { items } | Block::Checklist { items } => lines.extend(items.iter().cloned()),
            Block::Lines { label, .. } => lines.push(label.clone()),
            Block::Table { columns, .. } => lines.push(columns.join("  ")),
            Block::Scale { label, low, high } => lines.extend([label.clone(), format!("{low} 0 … 10 {high}")]),
            Block::Signature { signers } => lines.extend(signers.iter().cloned()),
        }
    }
    lines
}

/// The floor: the sheet's words in Helvetica, 50 lines a page, one text operation per line.
fn baseline(sheet: &Sheet) -> Vec<u8> {
    let pages = lines(sheet)
        .chunks(50)
        .map(|chunk| {
            let mut ops = vec![Op::StartTextSection];
            ops.push(Op::SetFont { font: PdfFontHandle::Builtin(BuiltinFont::Helvetica), size: Pt(10.0) });
            for (index, line) in chunk.iter().enumerate() {
                let y = Pt(738.0 - 14.0 * index as f32);
                ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(54.0), y) });
                ops.push(Op::ShowText { items: vec![TextItem::Text(line.clone())] });
            }
            ops.push(Op::EndTextSection);
            let media = Rect::from_wh(Pt(612.0), Pt(792.0));
            PdfPage { media_box: media.clone(), trim_box: media.clone(), crop_box: media, ops }
        })
        .collect();
    let mut document = PdfDocument::new(&sheet.title);
    document.with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new())
}
