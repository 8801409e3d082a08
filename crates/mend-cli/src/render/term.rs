//! Terminal text for every renderer: one `Palette` decides once whether to colour, and one `wrap` fits lines to 80 columns.

/// The widest a line of terminal text may be.
const WIDTH: usize = 80;

/// How a piece of text stands out on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Headings and agenda items.
    Bold,
    /// A notice that a stop flag holds joint work.
    RedBold,
    /// A watch-for of stop severity.
    Red,
    /// A watch-for of caution severity.
    Yellow,
}

impl Style {
    /// The ANSI escape that starts the style.
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "\x1b[1m",
            Style::RedBold => "\x1b[1;31m",
            Style::Red => "\x1b[31m",
            Style::Yellow => "\x1b[33m",
        }
    }
}

/// The escape that ends any style.
const RESET: &str = "\x1b[0m";

/// Whether text is coloured, decided once by the caller and handed to every part of a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Palette {
    color: bool,
}

impl Palette {
    /// A palette that colours when `color` is set and otherwise leaves text as it is.
    pub(crate) fn new(color: bool) -> Self {
        Self { color }
    }

    /// `text` in `style`, or `text` unchanged when this palette does not colour.
    pub(crate) fn paint(self, style: Style, text: &str) -> String {
        if self.color { format!("{}{text}{RESET}", style.code()) } else { text.to_owned() }
    }
}

/// Wraps `text` into lines of at most 80 characters, the first starting with `first` and the rest
/// with `rest`. A command in backticks stays on one line when it fits on a line of its own, so it
/// can be copied whole; words longer than a line are split. Every line ends with a newline.
pub(super) fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut line_len = first.chars().count();
    let mut empty = true;
    let rest_len = rest.chars().count();
    for unit in wrap_units(text, WIDTH.saturating_sub(rest_len)) {
        let mut word = unit;
        loop {
            let word_len = word.chars().count();
            let needed = if empty { word_len } else { word_len + 1 };
            if line_len + needed <= WIDTH {
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                line_len += needed;
                empty = false;
                break;
            }
            if empty {
                // The word alone is too long for a line: put what fits here and carry the rest.
                let fits = WIDTH.saturating_sub(line_len).max(1);
                let head: String = word.chars().take(fits).collect();
                line.push_str(&head);
                word = word.chars().skip(fits).collect();
            }
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
            line_len = rest_len;
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || out.is_empty() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The words of `text`, with each backtick span joined into one unit when it is at most `max` long.
fn wrap_units(text: &str, max: usize) -> Vec<String> {
    let mut units = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        let opens_or_closes = word.matches('`').count() % 2 == 1;
        if span.is_empty() && !opens_or_closes {
            units.push(word.to_owned());
            continue;
        }
        span.push(word);
        if span.len() > 1 && opens_or_closes {
            let joined = span.join(" ");
            if joined.chars().count() <= max {
                units.push(joined);
            } else {
                units.extend(span.iter().map(|w| (*w).to_owned()));
            }
            span.clear();
        }
    }
    // An unclosed backtick: the words go out one by one.
    units.extend(span.iter().map(|w| (*w).to_owned()));
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_splits_long_words() {
        let text = format!("{} short {}", "word ".repeat(40), "x".repeat(200));
        let wrapped = wrap(&text, "  - ", "    ");
        for line in wrapped.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        assert!(wrapped.starts_with("  - word"));
        assert_eq!(wrapped.matches('x').count(), 200);
    }

    #[test]
    fn wrap_keeps_a_command_in_backticks_on_one_line() {
        let text = "Mark them with `mend session record a7c2 --stage disclosure-and-accountability --met ID` soon.";
        let wrapped = wrap(text, "Why:   ", "       ");
        assert!(
            wrapped.contains("\n       `mend session record a7c2 --stage disclosure-and-accountability --met ID`"),
            "{wrapped}"
        );
        let unclosed = wrap("a `b c", "", "");
        assert_eq!(unclosed, "a `b c\n");
    }
}
