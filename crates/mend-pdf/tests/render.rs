//! Renders sheets and reads the PDFs back with lopdf: pages, text, fonts, paper and errors.

mod common;

use common::{TITLE, flat, media_boxes, options, page_texts, read};
use lopdf::{Document, Object};
use mend_core::content::{Block, Sheet};
use mend_pdf::{ForWhom, Paper, PdfError, Rendered, SheetOptions, bind, check_printable, lay_out, render, render_many};

const DEJAVU_SANS_TTF_BYTES: usize = include_bytes!("../fonts/DejaVuSans.ttf").len();

/// Renders, parses and checks what every PDF must satisfy; returns the parsed document and
/// each page's flattened text.
fn check(sheet: &Sheet, options: &SheetOptions) -> (Rendered, Document, Vec<String>) {
    let rendered = render(sheet, options).expect("the sheet renders");
    let document = read(&rendered.bytes);
    assert_eq!(document.get_pages().len(), rendered.pages, "Rendered.pages matches the file");
    let texts: Vec<String> = page_texts(&document).iter().map(|t| flat(t)).collect();
    for (index, text) in texts.iter().enumerate() {
        let label = format!("page {} of {}", index + 1, rendered.pages);
        assert!(text.contains(&label), "page {} lacks {label:?}: {text}", index + 1);
        assert!(text.contains("Confidential"), "page {} lacks the confidentiality line", index + 1);
    }
    (rendered, document, texts)
}

#[test]
fn names_and_title_are_printed_and_extractable() {
    let pairs = [["José Núñez", "Zoë"], ["Łukasz", "Øyvind"], ["Nguyễn", "Zoë"]];
    for names in pairs {
        let (_, _, texts) = check(&common::every_block(), &options(Paper::Letter, &names));
        assert!(texts[0].contains(TITLE), "{}", texts[0]);
        for (index, text) in texts.iter().enumerate() {
            // The header carries both names on every page.
            let both = format!("{} and {}", names[0], names[1]);
            assert!(text.contains(&both), "page {} lacks {both:?}: {text}", index + 1);
            assert!(text.contains("4 March 2025"), "page {} lacks the date", index + 1);
            assert!(text.contains("Harbour Couples Practice"), "page {} lacks the practice", index + 1);
        }
        assert!(texts[0].contains("11 March 2025"), "the due date is printed");
    }
}

#[test]
fn every_block_kind_prints_its_words() {
    let (_, _, texts) = check(&common::every_block(), &options(Paper::A4, &["Zoë"]));
    let all = texts.join(" ");
    for expected in [
        "Why this sheet",
        "How to do it",
        "Before you start",
        "1. Each of you names one moment today",
        "We met at the agreed time.",
        "What did you notice about yourself tonight?",
        "How it felt (0–10)",
        "How safe did the conversation feel?",
        "not safe at all",
        "completely safe",
        "Partner who broke trust",
        "Date",
        "10",
    ] {
        assert!(all.contains(expected), "{expected:?} is missing from {all}");
    }
}

/// Every font in the document, as (base font name, embedded font program length).
fn embedded_fonts(document: &Document) -> Vec<(String, usize)> {
    let mut fonts = Vec::new();
    for object in document.objects.values() {
        let Ok(dictionary) = object.as_dict() else { continue };
        let is_descriptor = dictionary.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"FontDescriptor");
        if !is_descriptor {
            continue;
        }
        let name = String::from_utf8_lossy(dictionary.get(b"FontName").and_then(Object::as_name).unwrap()).to_string();
        let file =
            dictionary.get(b"FontFile2").and_then(Object::as_reference).expect("the font is embedded as FontFile2");
        let stream = document.get_object(file).and_then(Object::as_stream).unwrap();
        let program = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
        fonts.push((name, program.len()));
    }
    fonts
}

#[test]
fn fonts_are_embedded_and_subset() {
    let (_, document, _) = check(&common::every_block(), &options(Paper::Letter, &["José Núñez", "Zoë"]));
    let fonts = embedded_fonts(&document);
    assert_eq!(fonts.len(), 2, "regular and bold: {fonts:?}");
    for (name, length) in fonts {
        let (tag, family) = name.split_once('+').expect("a subset tag");
        assert!(tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()), "{name}");
        assert!(family.starts_with("DejaVuSans"), "{name}");
        assert!(length * 10 < DEJAVU_SANS_TTF_BYTES, "{name}: {length} bytes is not a subset");
    }
}

#[test]
fn text_is_extractable_through_a_to_unicode_map() {
    let (_, document, _) = check(&common::every_block(), &options(Paper::Letter, &["Zoë"]));
    let fonts_with_map = document
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0"))
        .filter(|d| d.get(b"ToUnicode").is_ok())
        .count();
    assert_eq!(fonts_with_map, 2);
}

#[test]
fn a_long_sheet_breaks_onto_more_pages_and_repeats_the_table_header() {
    let (rendered, _, texts) = check(&common::long(), &options(Paper::Letter, &["Łukasz"]));
    assert!(rendered.pages >= 4, "{} pages", rendered.pages);
    let table_pages: Vec<usize> = (0..texts.len()).filter(|&i| texts[i].contains("Date Promise Kept?")).collect();
    assert!(table_pages.len() >= 2, "the 45-row table spans pages, headed on each: {table_pages:?}");
    assert!(table_pages.windows(2).all(|w| w[1] == w[0] + 1), "on consecutive pages: {table_pages:?}");
    // The heading over the table is printed once, not repeated with the column headings.
    assert_eq!(texts.iter().filter(|t| t.contains("Daily log")).count(), 1);
    assert!(texts.last().unwrap().contains("Partner"), "the signature ends the sheet");
}

#[test]
fn the_same_sheet_takes_more_pages_on_narrower_paper_only_when_needed() {
    let letter = check(&common::long(), &options(Paper::Letter, &["Zoë"])).0.pages;
    let a4 = check(&common::long(), &options(Paper::A4, &["Zoë"])).0.pages;
    assert!(letter >= 4 && a4 >= 4, "letter {letter}, a4 {a4}");
}

#[test]
fn letter_and_a4_have_their_media_boxes() {
    let (_, letter, _) = check(&common::every_block(), &options(Paper::Letter, &["Zoë"]));
    let (_, a4, _) = check(&common::every_block(), &options(Paper::A4, &["Zoë"]));
    for media in media_boxes(&letter) {
        assert_eq!(media, vec![0.0, 0.0, 612.0, 792.0]);
    }
    for media in media_boxes(&a4) {
        assert!((media[2] - 595.28).abs() < 0.1 && (media[3] - 841.89).abs() < 0.1, "{media:?}");
    }
}

#[test]
fn blank_names_print_lines_and_no_names() {
    let blank = SheetOptions { paper: Paper::Letter, for_whom: ForWhom::Blank, ..SheetOptions::default() };
    let (_, _, texts) = check(&common::every_block(), &blank);
    assert!(texts[0].contains("For"));
    assert!(texts[0].contains(" and "), "two lines joined by 'and' for a sheet done together");
    assert!(!texts[0].contains("José"));
}

#[test]
fn long_words_and_names_break_instead_of_running_off() {
    let long_name = "Nguyễn".repeat(30);
    let (_, _, texts) = check(&common::long_words(), &options(Paper::A4, &["Øyvind", &long_name]));
    let all: String = texts.concat().split_whitespace().collect();
    assert!(all.contains(&long_name), "the whole name is there, only broken across lines");
}

#[test]
fn a_name_the_font_cannot_print_is_refused_with_the_character() {
    for (name, character) in [("Zoë 🎉", '🎉'), ("李雷", '李')] {
        let error = render(&common::every_block(), &options(Paper::Letter, &["José Núñez", name])).unwrap_err();
        assert_eq!(error, PdfError::MissingGlyph { place: "name".into(), text: name.into(), character });
        let message = error.to_string();
        let code = format!("U+{:04X}", u32::from(character));
        assert!(
            message.starts_with(&format!("cannot print '{character}' ({code}) in the name \"{name}\"")),
            "{message}"
        );
        assert!(matches!(check_printable(name), Err(PdfError::MissingGlyph { character: c, .. }) if c == character));
    }
}

#[test]
fn sheet_text_the_font_cannot_print_is_refused_with_the_sheet() {
    let mut sheet = common::every_block();
    sheet.blocks.push(Block::Checklist { items: vec!["We celebrated 🎉".into()] });
    let error = render(&sheet, &options(Paper::Letter, &["Zoë"])).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot print '🎉' (U+1F389) in the sheet `evening-check-in` \"We celebrated 🎉\""),
        "{error}"
    );
    let practice = SheetOptions { practice_name: Some("港湾 Practice".into()), ..SheetOptions::default() };
    let error = render(&common::every_block(), &practice).unwrap_err();
    assert!(matches!(error, PdfError::MissingGlyph { ref place, character: '港', .. } if place == "practice name"));
}

#[test]
fn printable_text_passes_the_check() {
    for text in ["José Núñez", "Zoë", "Łukasz", "Øyvind", "Nguyễn", "O'Brien-Smith", "tab\tand\nnewline"] {
        assert_eq!(check_printable(text), Ok(()), "{text}");
    }
}

#[test]
fn one_or_two_names_only() {
    for names in [vec![], vec!["A".to_string(), "B".into(), "C".into()]] {
        let count = names.len();
        let options = SheetOptions { for_whom: ForWhom::Names(names), ..SheetOptions::default() };
        assert_eq!(render(&common::every_block(), &options), Err(PdfError::NameCount { count }));
    }
}

#[test]
fn many_sheets_print_as_one_file_numbered_per_sheet() {
    let every = common::every_block();
    let long = common::long();
    let one = render(&every, &options(Paper::Letter, &["Zoë"])).unwrap().pages;
    let two = render(&long, &options(Paper::A4, &["Łukasz"])).unwrap().pages;
    let both =
        render_many(&[(&every, options(Paper::Letter, &["Zoë"])), (&long, options(Paper::A4, &["Łukasz"]))]).unwrap();
    let document = read(&both.bytes);
    assert_eq!(both.pages, one + two);
    assert_eq!(document.get_pages().len(), one + two);
    let texts: Vec<String> = page_texts(&document).iter().map(|t| flat(t)).collect();
    assert!(texts[one - 1].contains(&format!("page {one} of {one}")));
    assert!(texts[one].contains(&format!("page 1 of {two}")));
    assert!(texts[one].contains("Łukasz"));
    assert_eq!(render_many(&[]), Err(PdfError::NoSheets));
}

/// Each page's text as lopdf reads it back: printpdf draws the file's ID and its font subsets'
/// names at random, so two writings of the same pages differ in bytes but not in what they print.
fn printed(bytes: &[u8]) -> Vec<String> {
    page_texts(&read(bytes)).iter().map(|t| flat(t)).collect()
}

#[test]
fn a_sheet_laid_out_once_prints_the_same_alone_and_bound() {
    let every = common::every_block();
    let long = common::long();
    let (first, second) = (options(Paper::Letter, &["Zoë"]), options(Paper::A4, &["Łukasz"]));
    let laid = [lay_out(&every, &first).unwrap(), lay_out(&long, &second).unwrap()];
    let alone = render(&every, &first).unwrap();
    assert_eq!(laid[0].pages(), alone.pages);
    assert_eq!(printed(&laid[0].to_pdf().unwrap()), printed(&alone.bytes), "the same pages as render");
    let together = render_many(&[(&every, first), (&long, second)]).unwrap();
    let bound = bind(&laid).unwrap();
    assert_eq!(bound.pages, together.pages);
    assert_eq!(printed(&bound.bytes), printed(&together.bytes), "the same pages as render_many");
    assert_eq!(bind(&[]), Err(PdfError::NoSheets));
}

#[test]
fn sizes_stay_small() {
    let one_page = Sheet { blocks: common::every_block().blocks[..5].to_vec(), ..common::every_block() };
    let rendered = render(&one_page, &options(Paper::Letter, &["José Núñez", "Zoë"])).unwrap();
    assert_eq!(rendered.pages, 1);
    assert!(rendered.bytes.len() < 25_000, "a one-page sheet is {} bytes", rendered.bytes.len());
    let rendered = render(&common::long(), &options(Paper::Letter, &["José Núñez", "Zoë"])).unwrap();
    assert!(rendered.bytes.len() < 40_000, "a long sheet is {} bytes", rendered.bytes.len());
}

#[test]
fn every_shipped_sheet_renders_on_both_papers() {
    let program = mend_core::Program::embedded().expect("the shipped content loads");
    assert!(!program.sheets.is_empty(), "the program ships homework sheets");
    for (id, sheet) in &program.sheets {
        for paper in [Paper::Letter, Paper::A4] {
            let (rendered, _, texts) = check(sheet, &options(paper, &["José Núñez", "Zoë"]));
            assert!(texts[0].contains(&flat(&sheet.title)), "{id}: the title is on the first page");
            assert!(rendered.bytes.len() < 40_000, "{id}: {} bytes", rendered.bytes.len());
        }
    }
}

#[test]
fn extracted_text_reads_in_order() {
    let (_, document, _) = check(&common::every_block(), &options(Paper::Letter, &["José Núñez", "Zoë"]));
    let texts = page_texts(&document);
    let pages: Vec<String> = texts.iter().enumerate().map(|(i, t)| format!("--- page {} ---\n{t}", i + 1)).collect();
    insta::assert_snapshot!(pages.join("\n"));
}

#[test]
fn right_to_left_text_is_refused_rather_than_printed_reversed() {
    for (name, character) in [("נועה", 'נ'), ("Zoë مريم", 'م')] {
        let error = render(&common::every_block(), &options(Paper::Letter, &[name])).unwrap_err();
        assert_eq!(error, PdfError::RightToLeft { place: "name".into(), text: name.into(), character });
        assert!(error.to_string().contains("right-to-left writing"), "{error}");
    }
}

/// A plan for an invented couple at `stage`, on the shipped program.
fn plan_at(stage: &str, minutes: u32) -> mend_core::plan::Plan {
    let program = mend_core::Program::embedded().expect("the embedded program loads");
    let record: mend_core::CoupleRecord = serde_json::from_value(serde_json::json!({
        "id": "k3f9",
        "breach": "affair",
        "partners": [
            { "name": "José Núñez", "roles": "broke_trust" },
            { "name": "Zoë Łukasz-Øyvind", "roles": "hurt" }
        ],
        // Each partner's private safety check-in is held, so joint work can be planned.
        "sessions": [
            { "number": 1, "held_on": "2025-02-18", "stage": "safety-and-stabilising", "with": "José Núñez" },
            { "number": 2, "held_on": "2025-02-25", "stage": "safety-and-stabilising", "with": "Zoë Łukasz-Øyvind" }
        ]
    }))
    .expect("a couple record");
    let options = mend_core::plan::PlanOptions {
        minutes,
        stage_override: Some(stage.to_owned()),
        today: "2025-03-04".to_owned(),
    };
    mend_core::plan::plan(&program, &record, &options).expect("a plan")
}

#[test]
fn every_stage_plan_prints_on_one_page_with_its_agenda_and_room_for_notes() {
    let program = mend_core::Program::embedded().expect("the embedded program loads");
    for stage in program.all_stages() {
        for (paper, minutes) in [(Paper::Letter, 50), (Paper::A4, 80)] {
            let plan = plan_at(&stage.id, minutes);
            let options = SheetOptions {
                paper,
                practice_name: Some("Harbour Couples Practice".into()),
                given_on: Some(time::macros::date!(2025 - 03 - 04)),
                ..SheetOptions::default()
            };
            let rendered = mend_pdf::render_plan(&plan, &options).expect("the plan renders");
            assert_eq!(rendered.pages, 1, "{} at {minutes} minutes takes {} pages", stage.id, rendered.pages);
            let document = read(&rendered.bytes);
            let text = flat(&page_texts(&document)[0]);
            for expected in [
                "Therapist's session plan",
                "Couple",
                "José Núñez",
                "Zoë Łukasz-Øyvind",
                "4 March 2025",
                "Session 3",
                "Agenda",
                "0:00",
                "Session notes",
                "Clinical note for the therapist: confidential",
                "page 1 of 1",
            ] {
                assert!(text.contains(expected), "{}: {expected:?} is missing from {text}", stage.id);
            }
            for item in &plan.agenda {
                assert!(text.contains(&item.title), "{}: {:?} is missing from {text}", stage.id, item.title);
            }
        }
    }
}
