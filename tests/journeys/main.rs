//! Whole journeys through mend, as a therapist and two partners take them, with real processes.
//!
//! Every journey runs the real `mend` binary against a database and configuration of its own in
//! a temporary folder, talks to a real `mend serve` over HTTP on 127.0.0.1, and reads the PDFs
//! it writes back with lopdf. The helpers come first; the journeys are the last modules.

mod answers;
mod browser;
mod certs;
mod form;
mod mend;
mod pdf;
mod server;

mod backup_while_serving;
mod checkins;
mod demo;
mod flood;
mod https;
mod imports;
mod intake_to_homework;
mod mail;
mod paired;
mod relay;
mod revoke;
mod stop_flag;
mod sync_killed;
