//! Line breaking with the font's real advance widths, so no line is wider than its box.

use crate::font::Metrics;

/// Widths are sums of the same thousandths of an em the viewer uses, so a hair of slack only
/// absorbs float rounding.
const SLACK: f32 = 0.01;

/// Breaks text into lines no wider than `width` points at `size`.
///
/// Runs of whitespace become one space; a blank line starts a new paragraph and is kept as an
/// empty line. A word wider than the whole line is broken between characters so that it
/// never runs off the page. Every returned line holds at least one character unless it is
/// a paragraph gap, so the result is finite even for a box narrower than one letter.
pub(crate) fn wrap(metrics: &Metrics, size: f32, width: f32, text: &str) -> Vec<String> {
    let mut wrapper = Wrapper::new(metrics, size, width);
    for (index, paragraph) in paragraphs(text).enumerate() {
        if index > 0 {
            wrapper.finish_line();
            wrapper.lines.push(String::new());
        }
        for word in paragraph.split_whitespace() {
            wrapper.word(word);
        }
    }
    wrapper.finish_line();
    wrapper.lines
}

/// The paragraphs of a text: pieces separated by lines holding only whitespace.
fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut current = String::new();
    let mut lines = text.lines().map(Some).chain(std::iter::once(None));
    std::iter::from_fn(move || {
        for line in lines.by_ref() {
            match line {
                Some(line) if line.trim().is_empty() => {
                    if !current.trim().is_empty() {
                        return Some(std::mem::take(&mut current));
                    }
                }
                Some(line) => {
                    current.push(' ');
                    current.push_str(line);
                }
                None => {
                    if !current.trim().is_empty() {
                        return Some(std::mem::take(&mut current));
                    }
                }
            }
        }
        None
    })
}

/// The state of greedy line filling.
struct Wrapper<'a> {
    metrics: &'a Metrics,
    size: f32,
    width: f32,
    space: f32,
    lines: Vec<String>,
    line: String,
    line_width: f32,
}

impl<'a> Wrapper<'a> {
    fn new(metrics: &'a Metrics, size: f32, width: f32) -> Self {
        let space = metrics.width(" ", size);
        Wrapper { metrics, size, width, space, lines: Vec::new(), line: String::new(), line_width: 0.0 }
    }

    /// Adds a word to the current line, or starts a new line for it.
    fn word(&mut self, word: &str) {
        let word_width = self.metrics.width(word, self.size);
        if !self.line.is_empty() {
            if self.line_width + self.space + word_width <= self.width + SLACK {
                self.line.push(' ');
                self.line.push_str(word);
                self.line_width += self.space + word_width;
                return;
            }
            self.finish_line();
        }
        if word_width <= self.width + SLACK {
            self.line.push_str(word);
            self.line_width = word_width;
        } else {
            self.break_inside(word);
        }
    }

    /// Places a word too wide for any line one character at a time; the current line is empty.
    fn break_inside(&mut self, word: &str) {
        let mut buffer = [0u8; 4];
        for c in word.chars() {
            let char_width = self.metrics.width(c.encode_utf8(&mut buffer), self.size);
            if !self.line.is_empty() && self.line_width + char_width > self.width + SLACK {
                self.finish_line();
            }
            self.line.push(c);
            self.line_width += char_width;
        }
    }

    fn finish_line(&mut self) {
        if !self.line.is_empty() {
            self.lines.push(std::mem::take(&mut self.line));
        }
        self.line_width = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::fonts;

    fn check(text: &str, width: f32, expected: &[&str]) {
        let metrics = &fonts().unwrap().regular;
        let lines = wrap(metrics, 10.0, width, text);
        assert_eq!(lines, expected, "wrapping {text:?} at {width}pt");
        for line in &lines {
            let has_room = metrics.width(line, 10.0) <= width + SLACK;
            assert!(has_room || line.chars().count() == 1, "{line:?} is wider than {width}pt");
        }
    }

    #[test]
    fn short_text_stays_on_one_line() {
        check("Talk for ten minutes.", 500.0, &["Talk for ten minutes."]);
    }

    #[test]
    fn lines_break_between_words_by_real_width() {
        // "iiii iiii" is narrow and "MM MM" is wide: the narrower text wraps
        // differently, which a guessed average width could not do.
        let width = fonts().unwrap().regular.width("iiii iiii", 10.0) + 1.0;
        check("iiii iiii", width, &["iiii iiii"]);
        check("MM MM", width, &["MM", "MM"]);
    }

    #[test]
    fn whitespace_collapses_and_blank_lines_split_paragraphs() {
        check("one\n  two\tthree\n\n\nfour", 500.0, &["one two three", "", "four"]);
    }

    #[test]
    fn a_word_longer_than_the_line_breaks_inside() {
        let lines = wrap(&fonts().unwrap().regular, 10.0, 40.0, "Wolfeschlegelsteinhausenbergerdorff");
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), "Wolfeschlegelsteinhausenbergerdorff");
    }

    #[test]
    fn a_box_narrower_than_one_letter_still_ends() {
        check("Zoë", 1.0, &["Z", "o", "ë"]);
    }

    #[test]
    fn empty_text_has_no_lines() {
        check("  \n ", 100.0, &[]);
    }
}
