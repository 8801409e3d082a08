//! The embedded DejaVu Sans faces, parsed once per process, and their real glyph widths.

use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::PdfError;

/// DejaVu Sans, whose licence is in `fonts/LICENSE-DejaVu.txt`.
const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, under the same licence.
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The font's name as a person would look for it, used in error messages.
pub(crate) const FONT_NAME: &str = "DejaVu Sans";

/// Which of the two embedded faces a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// Body text.
    Regular,
    /// Titles, headings and labels.
    Bold,
}

/// One parsed face with the numbers layout needs.
#[derive(Debug)]
pub(crate) struct Metrics {
    /// The parsed face, handed to printpdf for embedding.
    pub(crate) font: ParsedFont,
    /// Advances of the printable ASCII characters, in thousandths of an em, looked up once
    /// because nearly all text is ASCII and this is the hot path of wrapping.
    ascii: [u16; 95],
    /// Distance from the baseline to the top of the tallest letters, in ems.
    pub(crate) ascent: f32,
    /// Distance from the baseline to the bottom of descenders, in ems (positive).
    pub(crate) descent: f32,
}

impl Metrics {
    fn parse(bytes: &[u8], which: &str) -> Result<Self, String> {
        let trimmed = crate::sfnt::trim_for_print(bytes)
            .map_err(|why| format!("the embedded {FONT_NAME} {which} font could not be read: {why}"))?;
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(&trimmed, 0, &mut warnings)
            .ok_or_else(|| format!("the embedded {FONT_NAME} {which} font could not be read"))?;
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let ascent = f32::from(font.pdf_font_metrics.ascender) / units_per_em;
        let descent = -f32::from(font.pdf_font_metrics.descender) / units_per_em;
        let mut metrics = Metrics { font, ascii: [0; 95], ascent, descent };
        let mut ascii = [0; 95];
        for (slot, code) in ascii.iter_mut().zip(0x20u32..0x7f) {
            *slot = metrics.lookup_advance(code).unwrap_or(0);
        }
        metrics.ascii = ascii;
        Ok(metrics)
    }

    /// The advance of a character in thousandths of an em, computed exactly as printpdf
    /// writes the `/W` widths a viewer uses to place glyphs, or `None` if the face lacks it.
    fn lookup_advance(&self, code: u32) -> Option<u16> {
        let glyph = self.font.lookup_glyph_index(code)?;
        let units_per_em = u32::from(self.font.pdf_font_metrics.units_per_em.max(1));
        let advance = u32::from(self.font.get_horizontal_advance(glyph));
        u16::try_from(advance * 1000 / units_per_em).ok()
    }

    /// The advance of a character in thousandths of an em; whitespace counts as a space
    /// because layout turns it into one.
    fn advance(&self, c: char) -> u32 {
        let code = if c.is_whitespace() { 0x20 } else { u32::from(c) };
        match code {
            0x20..=0x7e => u32::from(self.ascii[(code - 0x20) as usize]),
            _ => u32::from(self.lookup_advance(code).unwrap_or(0)),
        }
    }

    /// Whether the face can draw the character.
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.font.lookup_glyph_index(u32::from(c)).is_some()
    }

    /// The width of a run of text at a size, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let thousandths: u32 = text.chars().map(|c| self.advance(c)).sum();
        thousandths as f32 * size / 1000.0
    }
}

/// Both faces, parsed together.
#[derive(Debug)]
pub(crate) struct Fonts {
    /// DejaVu Sans.
    pub(crate) regular: Metrics,
    /// DejaVu Sans Bold.
    pub(crate) bold: Metrics,
}

impl Fonts {
    /// The metrics of one face.
    pub(crate) fn face(&self, face: Face) -> &Metrics {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

/// The parsed faces, shared by every render in the process: parsing costs milliseconds and
/// the bytes never change, so it happens once.
pub(crate) fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    let parsed = FONTS.get_or_init(|| {
        Ok(Fonts { regular: Metrics::parse(REGULAR_TTF, "regular")?, bold: Metrics::parse(BOLD_TTF, "bold")? })
    });
    parsed.as_ref().map_err(|message| PdfError::Font(message.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_parse_and_measure_real_widths() {
        let fonts = fonts().unwrap();
        // In DejaVu Sans an "i" is much narrower than an "M", and bold is wider than regular.
        let regular = &fonts.regular;
        assert!(regular.width("i", 10.0) < regular.width("M", 10.0) / 2.0);
        assert!(fonts.bold.width("mend", 10.0) > regular.width("mend", 10.0));
        assert_eq!(regular.width("", 10.0), 0.0);
        assert!((regular.width("ab", 12.0) - regular.width("a", 12.0) - regular.width("b", 12.0)).abs() < 1e-4);
    }

    #[test]
    fn names_with_accents_have_glyphs_and_emoji_do_not() {
        let fonts = fonts().unwrap();
        for c in "José Núñez Zoë Łukasz Øyvind Nguyễn".chars() {
            assert!(fonts.regular.has_glyph(c) && fonts.bold.has_glyph(c), "{c}");
        }
        assert!(!fonts.regular.has_glyph('🎉'));
        assert!(!fonts.regular.has_glyph('李'));
    }
}
