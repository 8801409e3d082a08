//! Writes the test sheets as PDFs into a folder, to look at them: `cargo run -p mend-pdf
//! --example look -- /tmp/mend-pdf-look`, then `pdftoppm -png -r 60` on the files. It writes the
//! test fixtures and every shipped sheet.

#[path = "../tests/common/mod.rs"]
mod common;

use mend_pdf::{ForWhom, Paper, SheetOptions, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).unwrap_or_else(|| "/tmp/mend-pdf-look".into());
    std::fs::create_dir_all(&folder)?;
    let blank = SheetOptions { paper: Paper::A4, for_whom: ForWhom::Blank, ..SheetOptions::default() };
    let cases = [
        ("every-block-letter", common::every_block(), common::options(Paper::Letter, &["José Núñez", "Zoë"])),
        ("every-block-a4-blank", common::every_block(), blank),
        ("long-letter", common::long(), common::options(Paper::Letter, &["Łukasz"])),
        ("long-words-a4", common::long_words(), common::options(Paper::A4, &["Øyvind", &"Nguyễn".repeat(30)])),
    ];
    for (name, sheet, options) in cases {
        let rendered = render(&sheet, &options)?;
        let path = format!("{folder}/{name}.pdf");
        std::fs::write(&path, &rendered.bytes)?;
        println!("{path}: {} page(s), {} bytes", rendered.pages, rendered.bytes.len());
    }
    // The shipped sheets too, once the content is there.
    let program = mend_core::Program::embedded()?;
    for (id, sheet) in &program.sheets {
        let rendered = render(sheet, &common::options(Paper::Letter, &["José Núñez", "Zoë"]))?;
        let path = format!("{folder}/shipped-{id}.pdf");
        std::fs::write(&path, &rendered.bytes)?;
        println!("{path}: {} page(s), {} bytes", rendered.pages, rendered.bytes.len());
    }
    Ok(())
}
