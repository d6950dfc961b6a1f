//! Budgets: money reserved before a call is sent and reconciled after.
//!
//! A call first [`reserve`](Budget::reserve)s its quote. If the quote does not
//! fit in what is left (limit − spent − reserved by calls in flight), nothing
//! is sent. On success the reservation is [`settle`](Reservation::settle)d with
//! the actual cost. An attempt whose answer arrived but was turned down
//! (malformed, cut off, refused) was billed by the provider, so it is settled
//! too, with what the answer's usage cost, and a retry must fit in what is
//! then left. An attempt that failed before any answer arrived is dropped and
//! its money returns to the pool: it is never charged.
//!
//! The router reserves through the [`BudgetBackend`] trait, so where the
//! money is kept is pluggable:
//!
//! ```text
//! Router ──► dyn BudgetBackend ──► Budget (in memory: one `alkemy produce`)
//!                              └──► a store-backed budget (alkemy-jobs: holds
//!                                   in the database, shared by every worker)
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use alkemy_core::{Capability, ContentHash, Money};
use async_trait::async_trait;

/// How a refusal of the in-memory budget tells the user to get unstuck.
pub const RAISE_BUDGET: &str = "Raise the budget (--budget) or choose a cheaper provider";

/// A paid call about to be sent: what a budget reserves for.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// `provider:model`.
    pub model: &'a str,
    /// What the call does.
    pub capability: Capability,
    /// The shot it is for, if any.
    pub shot_id: Option<&'a str>,
    /// The canonical request sent to this model (its cache key).
    pub request_hash: ContentHash,
}

impl Call<'_> {
    /// How a refusal names the call (`fal:flux-dev image`).
    pub fn what(&self) -> String {
        format!("{} {}", self.model, self.capability)
    }
}

/// Why a budget did not hold money for a call. Either way nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// The call does not fit in what is left.
    #[error(transparent)]
    Over(#[from] OverBudget),
    /// The budget could not be consulted (its database failed, the job's
    /// claim was lost).
    #[error("the budget could not be checked, so nothing was sent: {0}")]
    Unavailable(String),
}

/// Where a router reserves money before each paid call and reconciles it
/// after: in memory ([`Budget`]) or elsewhere (a database shared by many
/// workers).
#[async_trait]
pub trait BudgetBackend: Send + Sync + std::fmt::Debug {
    /// The limit, if any (`None` when unknown until asked, or unlimited).
    fn limit(&self) -> Option<Money>;
    /// What calls settled through this handle have cost.
    fn spent(&self) -> Money;
    /// Holds `amount` for `call`, or refuses (then nothing may be sent).
    async fn hold(&self, amount: Money, call: &Call<'_>) -> Result<Box<dyn Held>, BudgetError>;
}

/// Money held for one call: settle it with the actual cost on success,
/// release it on failure. Dropping it unsettled releases it too, as far as
/// the backend can (a database hold also ends with its job's lease).
#[async_trait]
pub trait Held: Send + std::fmt::Debug {
    /// The amount held.
    fn amount(&self) -> Money;
    /// Records the actual cost and ends the hold.
    async fn settle(self: Box<Self>, actual: Money);
    /// Ends the hold unspent.
    async fn release(self: Box<Self>);
}

/// A request that does not fit in the budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} would cost {needed}, but only {left} of the {limit} budget is left \
     ({spent} spent, {reserved} reserved by calls in flight); nothing was sent. {hint}"
)]
pub struct OverBudget {
    /// What was asked for (`fal:flux-dev image`).
    pub what: String,
    /// The quote.
    pub needed: Money,
    /// What was left.
    pub left: Money,
    /// The limit.
    pub limit: Money,
    /// Spent so far.
    pub spent: Money,
    /// Reserved by calls in flight.
    pub reserved: Money,
    /// What to do about it (e.g. [`RAISE_BUDGET`]).
    pub hint: String,
}

impl OverBudget {
    /// Whether the money already spent leaves no room for the call, so no
    /// retry can fit it (unlike money held by calls in flight, which may
    /// come back).
    pub fn is_final(&self) -> bool {
        self.spent + self.needed > self.limit
    }
}

fn lock(state: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    // The critical sections only add and subtract; a panic elsewhere cannot
    // leave the numbers half-updated, so a poisoned lock is usable.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Default)]
struct Ledger {
    spent: Money,
    reserved: Money,
}

/// A spending limit shared by every call of a production.
#[derive(Debug)]
pub struct Budget {
    limit: Option<Money>,
    state: Arc<Mutex<Ledger>>,
}

impl Budget {
    /// A budget of `limit`; `None` means no limit (still accounted).
    pub fn new(limit: Option<Money>) -> Arc<Self> {
        Self::with_spent(limit, Money::ZERO)
    }

    /// A budget that has already spent `spent` (a resumed production).
    pub fn with_spent(limit: Option<Money>, spent: Money) -> Arc<Self> {
        Arc::new(Self {
            limit,
            state: Arc::new(Mutex::new(Ledger {
                spent,
                reserved: Money::ZERO,
            })),
        })
    }

    /// No limit.
    pub fn unlimited() -> Arc<Self> {
        Self::new(None)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        lock(&self.state)
    }

    /// The limit, if any.
    pub fn limit(&self) -> Option<Money> {
        self.limit
    }

    /// Settled spending so far.
    pub fn spent(&self) -> Money {
        self.lock().spent
    }

    /// Money held by calls in flight.
    pub fn reserved(&self) -> Money {
        self.lock().reserved
    }

    /// What is left to reserve (`None` without a limit).
    pub fn remaining(&self) -> Option<Money> {
        let l = self.lock();
        self.limit
            .map(|limit| limit.saturating_sub(l.spent + l.reserved))
    }

    /// Reserves `amount` for a call described by `what`, or refuses.
    pub fn reserve(&self, amount: Money, what: &str) -> Result<Reservation, OverBudget> {
        let mut l = self.lock();
        if let Some(limit) = self.limit {
            let left = limit.saturating_sub(l.spent + l.reserved);
            if amount > left {
                return Err(OverBudget {
                    what: what.to_owned(),
                    needed: amount,
                    left,
                    limit,
                    spent: l.spent,
                    reserved: l.reserved,
                    hint: RAISE_BUDGET.to_owned(),
                });
            }
        }
        l.reserved += amount;
        Ok(Reservation {
            state: Arc::clone(&self.state),
            amount,
            open: true,
        })
    }
}

/// Money held for one call. Dropping it releases the money unspent.
#[derive(Debug)]
#[must_use = "a reservation is released when dropped; settle it on success"]
pub struct Reservation {
    state: Arc<Mutex<Ledger>>,
    amount: Money,
    open: bool,
}

impl Reservation {
    /// The amount held.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// Records the actual cost and releases the hold.
    pub fn settle(mut self, actual: Money) {
        let mut l = lock(&self.state);
        l.reserved = l.reserved.saturating_sub(self.amount);
        l.spent += actual;
        self.open = false;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.open {
            let mut l = lock(&self.state);
            l.reserved = l.reserved.saturating_sub(self.amount);
        }
    }
}

#[async_trait]
impl BudgetBackend for Budget {
    fn limit(&self) -> Option<Money> {
        self.limit
    }

    fn spent(&self) -> Money {
        Budget::spent(self)
    }

    async fn hold(&self, amount: Money, call: &Call<'_>) -> Result<Box<dyn Held>, BudgetError> {
        Ok(Box::new(self.reserve(amount, &call.what())?))
    }
}

#[async_trait]
impl Held for Reservation {
    fn amount(&self) -> Money {
        self.amount
    }

    async fn settle(self: Box<Self>, actual: Money) {
        Reservation::settle(*self, actual);
    }

    async fn release(self: Box<Self>) {
        drop(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn reserve_settle_release() {
        let b = Budget::new(Some(usd("1.00")));
        let a = b.reserve(usd("0.40"), "a").unwrap();
        let c = b.reserve(usd("0.50"), "c").unwrap();
        assert_eq!(b.remaining(), Some(usd("0.10")));
        let err = b.reserve(usd("0.20"), "fal:flux-dev image").unwrap_err();
        assert_eq!(err.left, usd("0.10"));
        let msg = err.to_string();
        assert!(
            msg.contains("fal:flux-dev image") && msg.contains("nothing was sent"),
            "{msg}"
        );
        a.settle(usd("0.30")); // cheaper than quoted
        drop(c); // failed: released
        assert_eq!(b.spent(), usd("0.30"));
        assert_eq!(b.reserved(), Money::ZERO);
        assert_eq!(b.remaining(), Some(usd("0.70")));
        assert!(b.reserve(usd("0.70"), "exact fit").is_ok());
    }

    #[test]
    fn unlimited_budgets_still_account() {
        let b = Budget::unlimited();
        b.reserve(usd("1000"), "big").unwrap().settle(usd("999"));
        assert_eq!(b.spent(), usd("999"));
        assert_eq!(b.remaining(), None);
    }

    #[test]
    fn resumed_budgets_start_spent() {
        let b = Budget::with_spent(Some(usd("2")), usd("1.5"));
        assert!(b.reserve(usd("0.6"), "x").is_err());
        assert!(b.reserve(usd("0.5"), "x").is_ok());
    }
}
