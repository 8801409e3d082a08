//! A small per-address limiter that charges only failed token lookups, so guessing is slow and
//! a partner on a working link is never held up.
//!
//! tower_governor's layer counts every request, which would slow a partner who saves often; so
//! the handlers use this token bucket instead: they ask before a lookup whether the address may
//! try at all, and charge a token only when the lookup fails.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::RateLimit;

/// The most addresses remembered at once; beyond it, addresses with a full bucket are forgotten
/// first, and if that is not enough the table starts over, so memory stays bounded.
const MAX_TRACKED: usize = 50_000;

/// One address's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Failed-lookup budgets, by client address.
#[derive(Debug)]
pub(crate) struct Limiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Limiter {
    /// A limiter allowing `burst` failures at once, refilled at `per_second`.
    pub(crate) fn new(limit: &RateLimit) -> Self {
        Self {
            burst: f64::from(limit.burst.max(1)),
            // A zero or negative rate would never refill and lock an address out for good.
            per_second: if limit.per_second.is_finite() && limit.per_second > 0.0 { limit.per_second } else { 1e-3 },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `address` may try a token now; if not, how long until it may.
    pub(crate) fn check(&self, address: IpAddr) -> Result<(), Duration> {
        let key = address_key(address);
        let now = Instant::now();
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bucket) = buckets.get(&key) else { return Ok(()) };
        let tokens = self.refilled(bucket, now);
        if tokens >= 1.0 { Ok(()) } else { Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second)) }
    }

    /// Records one failed lookup from `address`.
    pub(crate) fn charge(&self, address: IpAddr) {
        let key = address_key(address);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            buckets.retain(|_, bucket| self.refilled(bucket, now) < self.burst);
            if buckets.len() >= MAX_TRACKED {
                buckets.clear();
            }
        }
        let tokens = buckets.get(&key).map_or(self.burst, |bucket| self.refilled(bucket, now));
        buckets.insert(key, Bucket { tokens: (tokens - 1.0).max(0.0), updated: now });
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

/// The key an address is counted under: IPv4 as is, IPv6 by its /64 network, since one
/// subscriber is usually given a whole /64 and could otherwise rotate through it.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32) -> Limiter {
        Limiter::new(&RateLimit { burst, per_second: 0.001 })
    }

    #[test]
    fn an_address_is_refused_after_its_burst_of_failures() {
        let limiter = limiter(3);
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(address).is_ok());
            limiter.charge(address);
        }
        let wait = limiter.check(address).unwrap_err();
        assert!(wait > Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check("192.0.2.8".parse().unwrap()).is_ok(), "other addresses are not affected");
    }

    #[test]
    fn an_address_that_never_fails_is_never_refused() {
        let limiter = limiter(1);
        let address: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..100 {
            assert!(limiter.check(address).is_ok());
        }
    }

    #[test]
    fn ipv6_addresses_in_one_network_share_a_bucket() {
        let limiter = limiter(1);
        limiter.charge("2001:db8:1:2::1".parse().unwrap());
        assert!(limiter.check("2001:db8:1:2:ffff::9".parse().unwrap()).is_err());
        assert!(limiter.check("2001:db8:1:3::1".parse().unwrap()).is_ok());
        limiter.charge("::ffff:192.0.2.1".parse().unwrap());
        assert!(limiter.check("192.0.2.1".parse().unwrap()).is_err(), "mapped IPv4 counts as IPv4");
    }

    #[test]
    fn budgets_refill_over_time() {
        let limiter = Limiter::new(&RateLimit { burst: 1, per_second: 1000.0 });
        let address: IpAddr = "192.0.2.10".parse().unwrap();
        limiter.charge(address);
        let bucket = Bucket { tokens: 0.0, updated: Instant::now() - Duration::from_millis(5) };
        assert!(limiter.refilled(&bucket, Instant::now()) >= 1.0);
    }
}
