//! Printing to people and to scripts: every write to standard output returns its error (a closed
//! pipe, a full disk) to the command instead of panicking as `println!` does.

use std::io::{self, Write};

use anyhow::Result;
use serde::Serialize;

/// Writes a line to standard output and returns the result for `?`, where `println!` would
/// panic on a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// Writes to standard output without a newline; see [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        write!(stdout, $($arg)*).and_then(|()| stdout.flush())
    }};
}

pub(crate) use {out, outln};

/// Prints a value as pretty JSON with a trailing newline, in one write: standard output flushes
/// at every newline, and a year of check-ins is thousands of lines.
pub(crate) fn json<T: Serialize>(value: &T) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    let mut out = io::stdout().lock();
    out.write_all(&text)?;
    out.flush()?;
    Ok(())
}

/// Wraps `text` to `width` columns, each line starting with `indent`.
pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Items joined with commas, or `none` when there are none.
pub(crate) fn list_or_none<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ") }
}

/// Text a partner typed or a file brought in, made safe to print to a terminal: control
/// characters (which could move the cursor, recolour or retitle the terminal, or overwrite a
/// line) and the bidirectional controls (which reorder what is shown) are dropped; line breaks
/// and tabs are kept.
pub(crate) fn terminal_safe(text: &str) -> String {
    text.chars().filter(|&c| !is_terminal_control(c)).collect()
}

/// Whether [`terminal_safe`] drops `c`.
fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidirectional_characters_never_reach_the_terminal() {
        assert_eq!(terminal_safe("calm\u{1b}[2J\u{1b}]0;owned\u{7}er"), "calm[2J]0;owneder");
        assert_eq!(terminal_safe("abc\u{202E}fed\u{2066}x\u{2069}\r\u{9b}"), "abcfedx");
        assert_eq!(terminal_safe("José\n\tNúñez ❤\u{FE0F} שלום"), "José\n\tNúñez ❤\u{FE0F} שלום");
    }
}
