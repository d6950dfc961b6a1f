//! Circuit breakers: stop calling a provider that keeps failing, for a while.
//!
//! After `threshold` consecutive failures that say "the service is unwell"
//! (5xx, timeouts, resets, garbage), the breaker opens for `cooldown`: calls
//! skip the provider and go down the chain at once instead of each paying the
//! full retry schedule. When the cooldown ends one trial call is let through
//! (half-open); its success closes the breaker, its failure opens it again.
//! Rate limits, safety refusals and bad requests say nothing about the
//! service's health and do not count.

use std::time::{Duration, Instant};

use alkemy_core::ProviderErrorKind;
use serde::{Deserialize, Serialize};

/// Breaker settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the breaker.
    pub threshold: u32,
    /// How long it stays open, in milliseconds.
    pub cooldown_ms: u64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            cooldown_ms: 30_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_out: bool },
}

/// One provider's breaker.
#[derive(Debug, Clone)]
pub(crate) struct Breaker {
    policy: BreakerPolicy,
    state: State,
}

/// Whether a failure of this kind counts against the provider's health.
pub(crate) fn counts(kind: &ProviderErrorKind) -> bool {
    matches!(
        kind,
        ProviderErrorKind::Server { .. }
            | ProviderErrorKind::Timeout
            | ProviderErrorKind::Connection
            | ProviderErrorKind::Malformed
    )
}

impl Breaker {
    pub(crate) fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: State::Closed { failures: 0 },
        }
    }

    /// Whether a call may go ahead now. In half-open state only one trial is
    /// let through until it reports.
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::Open { until } if now < until => false,
            State::Open { .. } => {
                self.state = State::HalfOpen { trial_out: true };
                true
            }
            State::HalfOpen { trial_out: true } => false,
            State::HalfOpen { trial_out: false } => {
                self.state = State::HalfOpen { trial_out: true };
                true
            }
        }
    }

    /// Whether the breaker is open (for quotes: skip without side effects).
    pub(crate) fn is_open(&self, now: Instant) -> bool {
        matches!(self.state, State::Open { until } if now < until)
    }

    pub(crate) fn on_success(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    /// A call that ended without saying anything about health (rate limit,
    /// safety refusal): a half-open trial slot is handed back.
    pub(crate) fn on_neutral(&mut self) {
        if let State::HalfOpen { .. } = self.state {
            self.state = State::HalfOpen { trial_out: false };
        }
    }

    pub(crate) fn on_failure(&mut self, kind: &ProviderErrorKind, now: Instant) {
        if !counts(kind) {
            self.on_neutral();
            return;
        }
        let open = State::Open {
            until: now + Duration::from_millis(self.policy.cooldown_ms),
        };
        self.state = match self.state {
            State::Closed { failures } if failures + 1 >= self.policy.threshold.max(1) => open,
            State::Closed { failures } => State::Closed {
                failures: failures + 1,
            },
            State::HalfOpen { .. } | State::Open { .. } => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: ProviderErrorKind = ProviderErrorKind::Server { status: 503 };

    #[test]
    fn opens_after_threshold_then_half_opens() {
        let mut b = Breaker::new(BreakerPolicy {
            threshold: 3,
            cooldown_ms: 1_000,
        });
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(b.allow(t0));
            b.on_failure(&E, t0);
        }
        assert!(b.allow(t0), "two failures keep it closed");
        b.on_failure(&E, t0);
        assert!(!b.allow(t0), "third failure opens it");
        assert!(b.is_open(t0 + Duration::from_millis(999)));
        let later = t0 + Duration::from_millis(1_001);
        assert!(b.allow(later), "one trial after the cooldown");
        assert!(!b.allow(later), "and only one");
        b.on_failure(&E, later);
        assert!(
            !b.allow(later + Duration::from_millis(10)),
            "failed trial reopens"
        );
        let much_later = later + Duration::from_millis(1_100);
        assert!(b.allow(much_later));
        b.on_success();
        assert!(b.allow(much_later) && b.allow(much_later), "closed again");
    }

    #[test]
    fn neutral_errors_do_not_count() {
        let mut b = Breaker::new(BreakerPolicy {
            threshold: 1,
            cooldown_ms: 1_000,
        });
        let t = Instant::now();
        b.on_failure(&ProviderErrorKind::SafetyBlocked, t);
        b.on_failure(
            &ProviderErrorKind::RateLimited {
                retry_after_ms: None,
            },
            t,
        );
        assert!(b.allow(t));
        b.on_success();
        b.on_failure(&ProviderErrorKind::Timeout, t);
        assert!(!b.allow(t));
    }
}
