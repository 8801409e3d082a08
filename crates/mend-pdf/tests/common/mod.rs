//! Sheets built in Rust for the tests and the benchmark, and helpers that read PDFs back.

#![allow(dead_code, unreachable_pub)] // Each test binary uses a different part of this module.

use mend_core::content::{Audience, Block, Sheet};
use mend_pdf::{ForWhom, Paper, SheetKind, SheetOptions};

/// The words a test looks for in the extracted text of every page.
pub const TITLE: &str = "Evening check-in";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A one-page sheet with one block of every kind.
pub fn every_block() -> Sheet {
    Sheet {
        id: "evening-check-in".into(),
        title: TITLE.into(),
        audience: Audience::Together,
        purpose: "A short, regular conversation keeps small worries from growing in silence. \
                  It gives the hurt partner a set time to ask, and the other partner a set time to answer."
            .into(),
        instructions: strings(&[
            "Sit down together at the same time each evening, phones away.",
            "Take turns: one speaks, the other listens without correcting.",
        ]),
        blocks: vec![
            Block::Heading { text: "Before you start".into() },
            Block::Paragraph {
                text: "Agree on a quiet place. If either of you feels flooded, pause for twenty minutes and come back."
                    .into(),
            },
            Block::Steps {
                items: strings(&[
                    "Each of you names one moment today when you felt close.",
                    "Each of you names one moment that was hard, without blame.",
                    "Ask one question you have been holding, and answer it plainly.",
                ]),
            },
            Block::Checklist { items: strings(&["We met at the agreed time.", "We both spoke.", "We ended kindly."]) },
            Block::Lines { label: "What did you notice about yourself tonight?".into(), count: 3 },
            Block::Table { columns: strings(&["Day", "Who asked", "What was asked", "How it felt (0–10)"]), rows: 4 },
            Block::Scale {
                label: "How safe did the conversation feel?".into(),
                low: "not safe at all".into(),
                high: "completely safe".into(),
            },
            Block::Signature { signers: strings(&["Partner who broke trust", "Hurt partner"]) },
        ],
        sources: Vec::new(),
    }
}

/// A sheet far longer than a page: long paragraphs, a long table and many lines.
pub fn long() -> Sheet {
    let paragraph = "Trust returns slowly, through small promises kept on ordinary days. ".repeat(40);
    Sheet {
        id: "long-log".into(),
        title: "A very long log that runs across several pages".into(),
        audience: Audience::Each,
        purpose: paragraph.clone(),
        instructions: strings(&["Write one row each day.", "Bring every page to the next session."]),
        blocks: vec![
            Block::Paragraph { text: paragraph.clone() },
            Block::Heading { text: "Daily log".into() },
            Block::Table { columns: strings(&["Date", "Promise", "Kept?"]), rows: 45 },
            Block::Lines { label: "Anything else?".into(), count: 40 },
            Block::Checklist { items: (1..=30).map(|n| format!("Item number {n} of a long checklist.")).collect() },
            Block::Signature { signers: strings(&["Partner"]) },
        ],
        sources: Vec::new(),
    }
}

/// A sheet whose words and names are too long for any line.
pub fn long_words() -> Sheet {
    let word = "Unbreakablewordthatgoesonandonwithoutanyspaceatallforwellovertheedgeofthepage".repeat(2);
    Sheet {
        id: "long-words".into(),
        title: format!("Title {word}"),
        audience: Audience::Hurt,
        purpose: format!("Purpose {word} end."),
        instructions: vec![word.clone()],
        blocks: vec![
            Block::Table { columns: vec![word.clone(), "Short".into()], rows: 2 },
            Block::Scale { label: word.clone(), low: word.clone(), high: word.clone() },
            Block::Signature { signers: vec![word.clone()] },
            Block::Lines { label: word.clone(), count: 2 },
        ],
        sources: Vec::new(),
    }
}

/// Options for a couple, on the given paper.
pub fn options(paper: Paper, names: &[&str]) -> SheetOptions {
    SheetOptions {
        paper,
        practice_name: Some("Harbour Couples Practice".into()),
        for_whom: ForWhom::Names(strings(names)),
        given_on: Some(time::macros::date!(2025 - 03 - 04)),
        due_on: Some(time::macros::date!(2025 - 03 - 11)),
        kind: SheetKind::Homework,
    }
}

/// The PDF parsed by lopdf, failing the test if it does not parse.
pub fn read(bytes: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(bytes).expect("the PDF parses")
}

/// Each page's extracted text, through the fonts' ToUnicode maps.
pub fn page_texts(document: &lopdf::Document) -> Vec<String> {
    document.get_pages().keys().map(|&number| document.extract_text(&[number]).expect("text is extractable")).collect()
}

/// The whole text with runs of whitespace made single spaces, so that line breaks in the
/// PDF do not hide a phrase.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each page's media box.
pub fn media_boxes(document: &lopdf::Document) -> Vec<Vec<f32>> {
    document
        .get_pages()
        .values()
        .map(|&id| {
            let page = document.get_dictionary(id).expect("page dictionary");
            let media = page.get(b"MediaBox").expect("media box").as_array().expect("array");
            media.iter().map(|n| n.as_float().expect("number")).collect()
        })
        .collect()
}
