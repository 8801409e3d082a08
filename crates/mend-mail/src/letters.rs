//! What each message says. A message may be read by anyone at the partner's home, so it names
//! the practice, greets the partner by their first name and carries their own link, and says
//! nothing else: not the other partner, not what happened, not any answer, score or flag, and
//! no word that tells a reader what the work is about.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// A message to send: its subject and its plain-text body.
#[derive(Clone, PartialEq, Eq)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// The body, plain text, lines ending in `\n`.
    pub body: String,
}

impl std::fmt::Debug for Letter {
    /// The body holds a working link: it is never printed, only its size.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Letter").field("subject", &self.subject).field("body_bytes", &self.body.len()).finish()
    }
}

/// Who a message is from, as the practice's configuration says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The practice's name, as it signs its messages.
    pub practice: String,
    /// How to reach the practice: a phone number or an address.
    pub contact: String,
}

/// The last lines of every message: how to reach the practice, and a word for a stranger.
fn closing(from: &Sender) -> String {
    format!(
        "To reach {practice}: {contact}\n\n\
         If this message reached you by mistake, please delete it. No reply is needed.\n",
        practice = from.practice,
        contact = from.contact,
    )
}

/// When a link stops working, in words any reader knows: `Monday 14 December 2026, 09:30 UTC`.
const UNTIL: &[BorrowedFormatItem<'static>] =
    format_description!("[weekday] [day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
/// A day, in words: `3 December 2026`.
const DAY: &[BorrowedFormatItem<'static>] = format_description!("[day padding:none] [month repr:long] [year]");

fn until(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(UNTIL).unwrap_or_else(|_| at.to_string())
}

fn day(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(DAY).unwrap_or_else(|_| at.date().to_string())
}

/// The first word of a partner's display name: what a letter greets them by.
pub fn first_name(display_name: &str) -> &str {
    display_name.split_whitespace().next().unwrap_or(display_name)
}

/// The message that carries a partner's own link.
pub fn link_letter(from: &Sender, display_name: &str, url: &str, expires_at: OffsetDateTime) -> Letter {
    Letter {
        subject: format!("A private link from {}", from.practice),
        body: format!(
            "Hello {name},\n\n\
             {practice} has made a private link for you:\n\n\
             {url}\n\n\
             It works until {until}. It is for you alone: please do not pass it on.\n\n{closing}",
            name = first_name(display_name),
            practice = from.practice,
            until = until(expires_at),
            closing = closing(from),
        ),
    }
}

/// A reminder that a link is still waiting. The record keeps only a hash of each link, so a
/// reminder cannot carry the link again: it says which message or hand-over had it.
pub fn reminder_letter(
    from: &Sender,
    display_name: &str,
    made_at: OffsetDateTime,
    mailed_at: Option<OffsetDateTime>,
    expires_at: OffsetDateTime,
) -> Letter {
    let which = match mailed_at {
        Some(at) => format!("It is in the message from {} of {}.", from.practice, day(at)),
        None => "It is the link you were given.".to_owned(),
    };
    Letter {
        subject: format!("A reminder from {}", from.practice),
        body: format!(
            "Hello {name},\n\n\
             The private link {practice} made for you on {made} is still waiting, and it works until \
             {until}. {which} If you cannot find it, ask {practice} for a new one.\n\n{closing}",
            name = first_name(display_name),
            practice = from.practice,
            made = day(made_at),
            until = until(expires_at),
            closing = closing(from),
        ),
    }
}

/// A message to check the practice's mail settings, for `mend mail test`.
pub fn test_letter(from: &Sender) -> Letter {
    Letter {
        subject: format!("Test message from {}", from.practice),
        body: format!(
            "This is a test message, sent to check the mail settings of {}.\n\n{}",
            from.practice,
            closing(from)
        ),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    /// Words that would tell a reader at home what the messages are about.
    const TELLING: [&str; 22] = [
        "therap",
        "counsel",
        "couple",
        "partner",
        "relationship",
        "trust",
        "affair",
        "betray",
        "intake",
        "check-in",
        "session",
        "homework",
        "safety",
        "answer",
        "question",
        "score",
        "flag",
        "repair",
        "marriage",
        "mend",
        "feel",
        "hurt",
    ];

    fn sender() -> Sender {
        Sender { practice: "Harbour Street Practice".into(), contact: "01632 960 123".into() }
    }

    fn assert_discreet(letter: &Letter) {
        let all = format!("{}\n{}", letter.subject, letter.body).to_lowercase();
        for word in TELLING {
            assert!(!all.contains(word), "{word:?} in {all}");
        }
        assert!(letter.body.contains("by mistake"), "{}", letter.body);
        assert!(letter.body.contains("01632 960 123"));
    }

    #[test]
    fn a_link_letter_greets_by_first_name_and_carries_only_the_link() {
        let url = "https://forms.example.org/i/abc";
        let letter = link_letter(&sender(), "Zoë Whitfield", url, datetime!(2026-12-14 09:30 UTC));
        assert!(letter.body.starts_with("Hello Zoë,\n"), "{}", letter.body);
        assert!(!letter.body.contains("Whitfield"));
        assert!(letter.body.contains(url));
        assert!(letter.body.contains("Monday 14 December 2026, 09:30 UTC"), "{}", letter.body);
        assert_eq!(letter.subject, "A private link from Harbour Street Practice");
        assert_discreet(&letter);
        assert!(!format!("{letter:?}").contains(url), "Debug never shows the link");
    }

    #[test]
    fn a_reminder_says_where_the_link_is_without_carrying_it() {
        let made = datetime!(2026-12-01 10:00 UTC);
        let expires = datetime!(2026-12-15 10:00 UTC);
        let mailed = reminder_letter(&sender(), "José Núñez", made, Some(made), expires);
        assert!(mailed.body.contains("message from Harbour Street Practice of 1 December 2026"), "{}", mailed.body);
        assert!(!mailed.body.contains("https://"));
        assert_discreet(&mailed);
        let handed = reminder_letter(&sender(), "José Núñez", made, None, expires);
        assert!(handed.body.contains("the link you were given"));
        assert_discreet(&handed);
        assert_discreet(&test_letter(&sender()));
    }
}
