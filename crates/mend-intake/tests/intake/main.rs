//! The intake server over real HTTP on 127.0.0.1 with a real relay folder and a record beside it: the whole journey,
//! check-ins, its guards, a real browser, and a crash in the middle of a stream of submissions.

mod browser;
mod checkin;
mod crash;
mod flow;
mod guards;
mod helpers;
mod relay;
mod versions;
