//! Rate limits: a token bucket per client IP address and one per signed-in user or partner
//! client, each holding a minute's worth of requests and refilling steadily.
//!
//! State is in this process's memory: with several servers behind a load balancer each
//! enforces its own buckets, so the effective limit is the per-server limit times the number
//! of servers a client's requests spread over. That is deliberate: the limits protect each
//! server from overload, and need no shared store on the request path.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Config;

/// Buckets beyond which idle ones are dropped (those that are full again weigh nothing).
const PRUNE_ABOVE: usize = 50_000;

/// The buckets of one server.
pub struct RateLimits {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_client: Option<DefaultKeyedRateLimiter<String>>,
}

/// Refused: try again after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header (at least 1).
    pub fn seconds(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(per_minute).map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), RetryAfter> {
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
    limiter
        .check_key(key)
        .map_err(|not_until| RetryAfter(not_until.wait_time_from(DefaultClock::default().now())))
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            per_ip: limiter(config.rate_limit_per_ip),
            per_client: limiter(config.rate_limit_per_client),
        }
    }

    /// Takes one request from the address's bucket.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        self.per_ip.as_ref().map_or(Ok(()), |l| check(l, &ip))
    }

    /// Takes one request from the bucket of a signed-in user or partner client.
    pub fn check_client(&self, key: &str) -> Result<(), RetryAfter> {
        self.per_client
            .as_ref()
            .map_or(Ok(()), |l| check(l, &key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_a_minute_of_requests_then_refuses_with_a_wait() {
        let bucket = limiter::<String>(3).expect("on");
        let key = "user".to_owned();
        for _ in 0..3 {
            assert_eq!(check(&bucket, &key), Ok(()));
        }
        let refused = check(&bucket, &key).expect_err("fourth is refused");
        // One request comes back every 20 s.
        assert!(
            refused.seconds() >= 1 && refused.seconds() <= 20,
            "{refused:?}"
        );
        // Another key has its own bucket.
        assert_eq!(check(&bucket, &"other".to_owned()), Ok(()));
        assert!(limiter::<String>(0).is_none());
    }
}
