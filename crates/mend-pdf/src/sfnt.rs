//! Trims a TrueType font to what a printed PDF needs, once, before it is parsed and subset.
//!
//! DejaVu Sans carries its licence twice in the `name` table (about 14 KB), screen hinting
//! programs in every glyph, and shaping tables mend never uses. Subsetting keeps the first
//! two, so a one-page sheet would embed some 25 KB of font. Here the font keeps its outlines,
//! metrics, character map and names, plus one copy of the licence notice; glyph names go too.

use std::collections::BTreeMap;

/// The tables a subset for PDF is built from; everything else is dropped.
const KEPT_TABLES: [&[u8; 4]; 10] =
    [b"OS/2", b"cmap", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name", b"post"];

/// `name` records kept: copyright, family, style, unique id, full name, version, PostScript
/// name, and the licence text and URL.
const KEPT_NAMES: [u16; 9] = [0, 1, 2, 3, 4, 5, 6, 13, 14];

/// Returns the font trimmed for printing, or why it could not be read.
pub(crate) fn trim_for_print(font: &[u8]) -> Result<Vec<u8>, String> {
    let tables = read_tables(font)?;
    let get = |tag: &[u8; 4]| tables.get(tag).copied().ok_or_else(|| format!("no `{}` table", tag.escape_ascii()));
    let mut head = get(b"head")?.to_vec();
    let maxp = get(b"maxp")?;
    let glyph_count = usize::from(read_u16(maxp, 4)?);
    let long_offsets = read_u16(&head, 50)? == 1;
    let offsets = read_loca(get(b"loca")?, glyph_count, long_offsets)?;
    let (glyf, loca) = strip_instructions(get(b"glyf")?, &offsets)?;
    // The new `loca` always uses 32-bit offsets, and the file checksum is filled in last.
    head[50..52].copy_from_slice(&1u16.to_be_bytes());
    head[8..12].copy_from_slice(&0u32.to_be_bytes());
    let mut maxp = maxp.to_vec();
    if maxp.len() >= 28 {
        // maxSizeOfInstructions: there are none left.
        maxp[26..28].copy_from_slice(&0u16.to_be_bytes());
    }
    let name = trim_names(get(b"name")?)?;
    // Version 3 of `post` has no glyph names: PDF text goes through ToUnicode, and reading
    // six thousand names on every subset is most of the table's cost.
    let mut post = get(b"post")?.get(..32).ok_or("the `post` table is truncated")?.to_vec();
    post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    let mut out = BTreeMap::new();
    for tag in KEPT_TABLES {
        out.insert(*tag, get(tag)?.to_vec());
    }
    for (tag, data) in
        [(b"head", head), (b"maxp", maxp), (b"glyf", glyf), (b"loca", loca), (b"name", name), (b"post", post)]
    {
        out.insert(*tag, data);
    }
    Ok(write_font(&out))
}

fn read_u16(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| format!("the font ends at byte {at}"))
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("the font ends at byte {at}"))
}

/// The table directory: each table's bytes by tag.
fn read_tables(font: &[u8]) -> Result<BTreeMap<[u8; 4], &[u8]>, String> {
    let count = usize::from(read_u16(font, 4)?);
    let mut tables = BTreeMap::new();
    for index in 0..count {
        let record = 12 + 16 * index;
        let tag: [u8; 4] =
            font.get(record..record + 4).and_then(|t| t.try_into().ok()).ok_or("truncated table directory")?;
        let offset = read_u32(font, record + 8)? as usize;
        let length = read_u32(font, record + 12)? as usize;
        let data = font
            .get(offset..offset + length)
            .ok_or_else(|| format!("table `{}` is out of range", tag.escape_ascii()))?;
        tables.insert(tag, data);
    }
    Ok(tables)
}

/// The start of every glyph in `glyf`, plus the end of the last.
fn read_loca(loca: &[u8], glyph_count: usize, long: bool) -> Result<Vec<usize>, String> {
    (0..=glyph_count)
        .map(|index| {
            if long {
                read_u32(loca, 4 * index).map(|o| o as usize)
            } else {
                read_u16(loca, 2 * index).map(|o| 2 * usize::from(o))
            }
        })
        .collect()
}

/// A new `glyf` without hinting instructions, and its `loca` with 32-bit offsets.
fn strip_instructions(glyf: &[u8], offsets: &[usize]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut new_loca = Vec::with_capacity(offsets.len() * 4);
    for pair in offsets.windows(2) {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let glyph = glyf.get(pair[0]..pair[1]).ok_or("a glyph is out of range")?;
        if !glyph.is_empty() {
            strip_glyph(glyph, &mut new_glyf)?;
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    Ok((new_glyf, new_loca))
}

/// Copies one glyph without its instructions.
fn strip_glyph(glyph: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let contours = read_u16(glyph, 0)? as i16;
    if contours >= 0 {
        // Header, then the end point of each contour, then the instructions.
        let length_at = 10 + 2 * contours as usize;
        let instructions = usize::from(read_u16(glyph, length_at)?);
        let rest = glyph.get(length_at + 2 + instructions..).ok_or("a glyph's instructions are out of range")?;
        out.extend_from_slice(&glyph[..length_at]);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
        return Ok(());
    }
    // A composite glyph: components follow the header; instructions, if any, follow the last.
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAS_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAS_XY_SCALE: u16 = 0x0040;
    const HAS_TWO_BY_TWO: u16 = 0x0080;
    const HAS_INSTRUCTIONS: u16 = 0x0100;
    out.extend_from_slice(glyph.get(..10).ok_or("a composite glyph is truncated")?);
    let mut at = 10;
    loop {
        let flags = read_u16(glyph, at)?;
        let mut size = 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        size += match () {
            _ if flags & HAS_SCALE != 0 => 2,
            _ if flags & HAS_XY_SCALE != 0 => 4,
            _ if flags & HAS_TWO_BY_TWO != 0 => 8,
            _ => 0,
        };
        let component = glyph.get(at..at + size).ok_or("a composite glyph is truncated")?;
        let flags_at = out.len();
        out.extend_from_slice(component);
        out[flags_at..flags_at + 2].copy_from_slice(&(flags & !HAS_INSTRUCTIONS).to_be_bytes());
        at += size;
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    Ok(())
}

/// The `name` table with only the records in [`KEPT_NAMES`], and the licence only once (in
/// its Macintosh record, which holds it in one byte per character).
fn trim_names(name: &[u8]) -> Result<Vec<u8>, String> {
    let count = usize::from(read_u16(name, 2)?);
    let strings_at = usize::from(read_u16(name, 4)?);
    let mut records = Vec::new();
    let mut strings = Vec::new();
    for index in 0..count {
        let record = 6 + 12 * index;
        let platform = read_u16(name, record)?;
        let name_id = read_u16(name, record + 6)?;
        let licence_twice = name_id == 13 && platform != 1;
        if !KEPT_NAMES.contains(&name_id) || licence_twice {
            continue;
        }
        let length = usize::from(read_u16(name, record + 8)?);
        let offset = usize::from(read_u16(name, record + 10)?);
        let text = name.get(strings_at + offset..strings_at + offset + length).ok_or("a name is out of range")?;
        let mut kept = name[record..record + 10].to_vec();
        kept.extend_from_slice(&(strings.len() as u16).to_be_bytes());
        records.push(kept);
        strings.extend_from_slice(text);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    out.extend_from_slice(&((6 + 12 * records.len()) as u16).to_be_bytes());
    out.extend(records.concat());
    out.extend(strings);
    Ok(out)
}

/// Sums a table as big-endian 32-bit words, as the font format's checksums do.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Writes a TrueType file from its tables, with a correct directory and checksums.
fn write_font(tables: &BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    let count = tables.len() as u16;
    // The largest power of two not above the table count, as the directory header wants.
    let power = 1u16 << (15 - count.leading_zeros());
    let search_range = power * 16;
    let entry_selector = power.trailing_zeros() as u16;
    let range_shift = count * 16 - search_range;
    let mut out = Vec::new();
    for value in [search_range, entry_selector, range_shift] {
        out.extend_from_slice(&value.to_be_bytes());
    }
    let mut header = 0x0001_0000u32.to_be_bytes().to_vec();
    header.extend_from_slice(&count.to_be_bytes());
    header.extend(out);
    let mut directory = Vec::new();
    let mut body = Vec::new();
    let body_start = header.len() + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        if tag == b"head" {
            head_at = Some(body_start + body.len());
        }
        directory.extend_from_slice(tag);
        directory.extend_from_slice(&checksum(data).to_be_bytes());
        directory.extend_from_slice(&((body_start + body.len()) as u32).to_be_bytes());
        directory.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    let mut font = header;
    font.extend(directory);
    font.extend(body);
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&font));
        font[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    font
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

    #[test]
    fn trimmed_font_keeps_its_tables_glyphs_and_licence() {
        let trimmed = trim_for_print(REGULAR).unwrap();
        assert!(trimmed.len() < REGULAR.len());
        let tables = read_tables(&trimmed).unwrap();
        let tags: Vec<&[u8; 4]> = tables.keys().collect();
        let mut expected = KEPT_TABLES.to_vec();
        expected.sort();
        assert_eq!(tags, expected);
        let original = read_tables(REGULAR).unwrap();
        assert_eq!(tables[b"maxp"][4..6], original[b"maxp"][4..6], "same number of glyphs");
        assert_eq!(tables[b"hmtx"], original[b"hmtx"], "same widths");
        let licence = String::from_utf8_lossy(tables[b"name"]);
        assert!(licence.contains("Bitstream"));
        assert_eq!(checksum(&trimmed), 0xB1B0_AFBA, "the whole-file checksum is right");
    }
}
