//! Delays: how long to wait between retries of a failed call, and between
//! polls of a long-running job.
//!
//! Retries use exponential backoff with "equal jitter" (half fixed, half
//! random) so a burst of failures does not come back as a burst of retries,
//! and they honour a provider's `Retry-After` as a floor. Polls grow by half
//! each time up to a ceiling, so a short job is seen quickly and a long one
//! does not hammer the status endpoint.

use std::time::Duration;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Retry behaviour of the router for one provider call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per provider, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry, in milliseconds.
    pub base_delay_ms: u64,
    /// Longest delay between attempts, in milliseconds.
    pub max_delay_ms: u64,
    /// A `Retry-After` longer than this (milliseconds) gives up on the provider
    /// for this request instead of waiting.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_retry_after_ms: 120_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (0-based `attempt` just failed),
    /// or `None` when the provider should be given up for this request.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt + 1 >= self.max_attempts.max(1) {
            return None;
        }
        let cap = self.max_delay_ms.max(1);
        let exp = self
            .base_delay_ms
            .saturating_mul(1u64.checked_shl(attempt).unwrap_or(u64::MAX))
            .min(cap);
        let half = exp / 2;
        let jittered = half + rand::rng().random_range(0..=exp - half);
        let mut wait = Duration::from_millis(jittered);
        if let Some(asked) = retry_after {
            if asked > Duration::from_millis(self.max_retry_after_ms) {
                return None;
            }
            wait = wait.max(asked);
        }
        Some(wait)
    }
}

/// How a client polls a long-running job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// First wait after submitting.
    pub initial: Duration,
    /// Longest wait between polls.
    pub max_interval: Duration,
    /// Give up (and cancel) after this long.
    pub timeout: Duration,
    /// Consecutive failed polls tolerated before giving up.
    pub max_poll_errors: u32,
}

impl PollPolicy {
    /// Defaults for jobs of a kind: images are seconds, video and training
    /// minutes.
    pub fn for_timeout(timeout: Duration) -> Self {
        Self {
            initial: Duration::from_millis(500),
            max_interval: Duration::from_secs(10),
            timeout,
            max_poll_errors: 8,
        }
    }

    /// The wait before poll number `n` (0-based): ×1.5 each time, capped.
    pub fn interval(&self, n: u32) -> Duration {
        let mut d = self.initial;
        for _ in 0..n.min(64) {
            d = d.saturating_add(d / 2);
            if d >= self.max_interval {
                return self.max_interval;
            }
        }
        d.min(self.max_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_with_jitter_and_stop() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 100,
            max_delay_ms: 350,
            max_retry_after_ms: 1_000,
        };
        for _ in 0..200 {
            let d0 = p.delay(0, None).unwrap().as_millis();
            assert!((50..=100).contains(&d0), "{d0}");
            let d1 = p.delay(1, None).unwrap().as_millis();
            assert!((100..=200).contains(&d1), "{d1}");
            let d2 = p.delay(2, None).unwrap().as_millis();
            assert!((175..=350).contains(&d2), "capped: {d2}");
        }
        assert_eq!(p.delay(3, None), None, "four attempts in all");
    }

    #[test]
    fn retry_after_is_a_floor_and_a_long_one_gives_up() {
        let p = RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 10,
            max_delay_ms: 20,
            max_retry_after_ms: 1_000,
        };
        assert_eq!(
            p.delay(0, Some(Duration::from_millis(700))),
            Some(Duration::from_millis(700))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(5))), None);
    }

    #[test]
    fn poll_intervals_grow_by_half_to_the_cap() {
        let p = PollPolicy {
            initial: Duration::from_millis(100),
            max_interval: Duration::from_millis(300),
            timeout: Duration::from_secs(1),
            max_poll_errors: 1,
        };
        let got: Vec<u128> = (0..5).map(|n| p.interval(n).as_millis()).collect();
        assert_eq!(got, vec![100, 150, 225, 300, 300]);
    }
}
