//! Which peers may say, in `X-Forwarded-For`, whom they forward for: a reverse proxy on this
//! machine (loopback), or the address blocks given with `--trusted-proxy`. Any other peer's
//! header is its own claim, and believing it would let a guesser pick a fresh address for every
//! try, or spend a partner's.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A block of addresses: `10.0.0.0/8`, `fd00::/8`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    base: IpAddr,
    prefix: u8,
}

/// Why a text is not an address block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an address or an address block such as 10.0.0.0/8 or fd00::/8")]
pub struct NotABlock(String);

impl FromStr for AddressBlock {
    type Err = NotABlock;

    fn from_str(text: &str) -> Result<Self, NotABlock> {
        let bad = || NotABlock(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let base: IpAddr = address.parse().map_err(|_| bad())?;
        let longest = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) if prefix.bytes().all(|b| b.is_ascii_digit()) && !prefix.is_empty() => {
                prefix.parse::<u8>().ok().filter(|p| *p <= longest).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
            None => longest,
        };
        Ok(AddressBlock { base: base.to_canonical(), prefix })
    }
}

impl fmt::Display for AddressBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

impl AddressBlock {
    /// Whether `address` is in the block (an IPv4 address written as IPv6, `::ffff:a.b.c.d`,
    /// counts as the IPv4 address).
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.base, address.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(base) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(base) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// Whether `peer`'s `X-Forwarded-For` is believed: with no blocks given, a peer on loopback (a
/// proxy on this machine); with blocks, a peer in one of them.
pub(crate) fn is_trusted_proxy(peer: IpAddr, blocks: &[AddressBlock]) -> bool {
    if blocks.is_empty() { peer.to_canonical().is_loopback() } else { blocks.iter().any(|b| b.contains(peer)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> AddressBlock {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_are_read_and_hold_their_addresses() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert!(block("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!block("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(block("192.0.2.7").contains(ip("192.0.2.7")) && !block("192.0.2.7").contains(ip("192.0.2.8")));
        assert!(block("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(block("fd00::/8").contains(ip("fd12::1")) && !block("fd00::/8").contains(ip("fe80::1")));
        assert!(block("127.0.0.2/32").contains(ip("::ffff:127.0.0.2")));
        assert!(!block("10.0.0.0/8").contains(ip("fd00::1")));
        for bad in ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "fd00::/129", "x/8", "10.0.0.0/-1", "10.0.0.0/+8"] {
            assert!(bad.parse::<AddressBlock>().is_err(), "{bad:?}");
        }
        assert_eq!(block("10.0.0.0/8").to_string(), "10.0.0.0/8");
    }

    #[test]
    fn only_loopback_is_trusted_unless_blocks_are_given() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert!(is_trusted_proxy(ip("127.0.0.1"), &[]) && is_trusted_proxy(ip("::1"), &[]));
        assert!(!is_trusted_proxy(ip("203.0.113.9"), &[]));
        let blocks = [block("10.1.0.0/16")];
        assert!(is_trusted_proxy(ip("10.1.2.3"), &blocks));
        assert!(!is_trusted_proxy(ip("127.0.0.1"), &blocks), "given blocks replace loopback");
    }
}
