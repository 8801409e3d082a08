//! The store on real SQLite files in temporary folders: opening, couples, invitations, sessions,
//! export and import, backups and deletion.

mod backup;
mod couples;
mod deletion;
mod encryption;
mod export;
mod helpers;
mod invitations;
mod opening;
mod sessions;
