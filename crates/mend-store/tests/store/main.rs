//! The store on real SQLite files in temporary folders: opening, couples, invitations, check-ins, sessions,
//! export and import, backups and deletion.

mod backup;
mod checkins;
mod couples;
mod deletion;
mod encryption;
mod export;
mod helpers;
mod invitations;
mod opening;
mod sessions;
mod week;
