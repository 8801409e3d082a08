//! E-mail for mend: the words of each message a partner may get ([`letters`]), which never say
//! what the work is about, and sending them by SMTP over rustls ([`send`]).
//!
//! Whether a partner may be written to at all is decided before this crate is asked, by
//! `mend_core::reach`; this crate only says and sends.

pub mod letters;
pub mod send;

pub use letters::{Letter, Sender, first_name, link_letter, reminder_letter, test_letter};
pub use send::{MailError, Security, Settings};
