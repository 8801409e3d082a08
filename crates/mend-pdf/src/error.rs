//! What can stop a sheet from printing, said so that the person can fix it.

/// Why a sheet could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// A character the embedded font cannot draw; printing it would leave an empty box.
    #[error(
        "cannot print {shown} ({code}) in the {place} \"{excerpt}\": the PDF font ({font}) has no \
         glyph for it, so it would print as an empty box; write the text without that character \
         (for example, leave out the emoji or spell the name in letters the font has)",
        shown = quoted(*.character),
        code = code_point(*.character),
        excerpt = excerpt(.text, *.character),
        font = crate::font::FONT_NAME,
    )]
    MissingGlyph {
        /// What the text is: "name", "practice name", "sheet `trust-log`", "text".
        place: String,
        /// The whole text that holds the character.
        text: String,
        /// The first character the font lacks.
        character: char,
    },
    /// Right-to-left writing, which the layout cannot order or join yet: it would print
    /// reversed even though the font has the letters.
    #[error(
        "cannot print {shown} ({code}) in the {place} \"{excerpt}\": mend lays text out left to right \
         only, so right-to-left writing (Hebrew, Arabic and others) would print reversed; write it in \
         a left-to-right script for now",
        shown = quoted(*.character),
        code = code_point(*.character),
        excerpt = excerpt(.text, *.character),
    )]
    RightToLeft {
        /// What the text is, as for [`PdfError::MissingGlyph`].
        place: String,
        /// The whole text that holds the character.
        text: String,
        /// The first right-to-left character.
        character: char,
    },
    /// Printing for a couple takes one or two names.
    #[error("a sheet is printed for one or two names, not {count}; give one name, two, or none for blank lines")]
    NameCount {
        /// How many names were given.
        count: usize,
    },
    /// Nothing was asked for.
    #[error("there are no sheets to print; choose at least one sheet")]
    NoSheets,
    /// printpdf reported an error while writing the file; a bug in mend, not the user's doing.
    #[error("the PDF could not be written ({0}); this is a bug in mend, please report it")]
    Writer(String),
    /// The embedded font could not be read; a broken build, not the user's doing.
    #[error("{0}; this is a bug in mend, please report it")]
    Font(String),
}

/// The character in quotes, with invisible ones spelled as escapes so the message shows them.
fn quoted(c: char) -> String {
    if c.is_control() || c.is_whitespace() { format!("'{}'", c.escape_unicode()) } else { format!("'{c}'") }
}

/// `U+1F389`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// At most about 60 characters of the text around the first occurrence of the character, so a
/// long paragraph does not flood the message.
fn excerpt(text: &str, c: char) -> String {
    const SPAN: usize = 30;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 2 * SPAN {
        return text.to_string();
    }
    let at = chars.iter().position(|&x| x == c).unwrap_or(0);
    let start = at.saturating_sub(SPAN);
    let end = (at + SPAN).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_glyph_names_the_character_its_code_and_the_text() {
        let error = PdfError::MissingGlyph { place: "name".into(), text: "Zoë 🎉".into(), character: '🎉' };
        let message = error.to_string();
        assert!(message.starts_with("cannot print '🎉' (U+1F389) in the name \"Zoë 🎉\": "), "{message}");
        assert!(message.contains("DejaVu Sans"));
    }

    #[test]
    fn control_characters_are_shown_as_escapes() {
        assert_eq!(quoted('\u{7}'), "'\\u{7}'");
        assert_eq!(code_point('\u{7}'), "U+0007");
    }

    #[test]
    fn long_texts_are_cut_around_the_character() {
        let text = format!("{}X{}", "a".repeat(100), "b".repeat(100));
        let cut = excerpt(&text, 'X');
        assert_eq!(cut, format!("…{}X{}…", "a".repeat(30), "b".repeat(29)));
    }
}
