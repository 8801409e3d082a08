//! Whether a text shows anything: answers of only spaces, zero-width characters or byte-order
//! marks look empty on every screen and page, so they must count as no answer.

/// Whether `text` holds at least one character that draws something.
pub fn has_visible(text: &str) -> bool {
    text.chars().any(|c| !is_invisible(c))
}

/// Whether a character draws nothing by itself: white space, control and format characters,
/// the code points Unicode says to ignore when they cannot be shown (variation selectors,
/// fillers, tags), and the blank braille pattern, which is drawn as an empty cell.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_format_or_ignorable(c)
}

/// Unicode's format characters (general category Cf) and its Default_Ignorable_Code_Point
/// set, as of Unicode 15.1, plus U+2800 (braille pattern blank).
fn is_format_or_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_nothing_visible_is_found_out() {
        for blank in [
            "",
            " \t\n",
            "\u{200B}",
            "\u{2060}",
            "\u{FEFF}",
            "\u{00A0}\u{3000}",
            "\u{200D}\u{FE0F}",
            "\u{2800}",
            "\u{E0041}",
        ] {
            assert!(!has_visible(blank), "{blank:?} shows nothing");
        }
        for shown in ["a", "\u{200B}Zoë", "José Núñez", "❤\u{FE0F}", "王", "Ж", "·"] {
            assert!(has_visible(shown), "{shown:?} shows something");
        }
    }
}
