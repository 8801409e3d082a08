//! How many connections the server holds at once, in all and from one address, so that a flood
//! of idle connections cannot use up the process's open files and stop it accepting partners.
//!
//! A connection over either cap is accepted and closed at once: leaving it in the kernel's queue
//! would keep its file and stall the accept loop behind it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The most connections one address may hold at once. Partners at home or behind a carrier's
/// NAT share an address; a browser opens up to six connections, so this leaves room for many
/// of them while one client cannot take the server's files for itself.
pub const PER_ADDRESS: usize = 100;

/// Files kept back from the connection cap for the relay's store, its log and the listeners.
const FILES_KEPT_BACK: u64 = 128;

/// The most connections at all when the open-files limit cannot be read.
const FALLBACK_TOTAL: usize = 896;

/// The open connections, in all and per address.
#[derive(Debug)]
pub(crate) struct Connections {
    total_cap: usize,
    per_address_cap: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One connection counted; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Place {
    connections: Arc<Connections>,
    address: IpAddr,
}

impl Connections {
    /// Caps worked out from the process's open-files limit.
    pub(crate) fn for_this_process() -> Arc<Connections> {
        let total = match rustix::process::getrlimit(rustix::process::Resource::Nofile).current {
            Some(limit) => usize::try_from(limit.saturating_sub(FILES_KEPT_BACK).max(16)).unwrap_or(usize::MAX),
            None => FALLBACK_TOTAL,
        };
        Arc::new(Connections { total_cap: total, per_address_cap: PER_ADDRESS, open: Mutex::default() })
    }

    /// The cap on all connections.
    pub(crate) fn total_cap(&self) -> usize {
        self.total_cap
    }

    /// A place for a new connection from `address`, or `None` when a cap is reached.
    pub(crate) fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Place> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.total_cap {
            return None;
        }
        let from_address = open.by_address.entry(address).or_insert(0);
        if *from_address >= self.per_address_cap {
            return None;
        }
        *from_address += 1;
        open.total += 1;
        Some(Place { connections: Arc::clone(self), address })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(count) = open.by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(total_cap: usize, per_address_cap: usize) -> Arc<Connections> {
        Arc::new(Connections { total_cap, per_address_cap, open: Mutex::default() })
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let connections = caps(10, 3);
        let guesser: IpAddr = [192, 0, 2, 1].into();
        let partner: IpAddr = [198, 51, 100, 7].into();
        let held: Vec<_> = (0..3).map(|_| connections.admit(guesser).unwrap()).collect();
        assert!(connections.admit(guesser).is_none());
        assert!(connections.admit(partner).is_some());
        drop(held);
        assert!(connections.admit(guesser).is_some());
    }

    #[test]
    fn the_total_cap_holds_across_addresses() {
        let connections = caps(4, 3);
        let held: Vec<_> = (0..4u8).map(|n| connections.admit([10, 0, 0, n].into()).unwrap()).collect();
        assert!(connections.admit([10, 0, 0, 9].into()).is_none());
        drop(held);
        assert_eq!(connections.open.lock().unwrap().total, 0);
        assert!(connections.open.lock().unwrap().by_address.is_empty());
    }
}
