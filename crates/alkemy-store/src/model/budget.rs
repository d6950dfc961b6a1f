//! Budget holds: money a paid provider call reserves against its project's
//! budget before it is sent, tied to the claim of the job that makes it.
//!
//! A hold counts against the project's budget while the job still runs
//! under the lease that made it (a dead worker's holds stop counting when
//! its lease runs out); once settled with the call's actual cost it counts
//! as spent until the job's commit turns it into usage.

use alkemy_core::{Capability, ContentHash, Money};
use serde::{Deserialize, Serialize};

/// The paid call a hold is for (what a refusal names, and what a settled
/// hold of a failed attempt is recorded as).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetCall {
    /// `provider:model`.
    pub model: String,
    /// What the call does.
    pub capability: Capability,
    /// The shot it is for, if any.
    pub shot_id: Option<String>,
    /// The canonical request's hash.
    pub request_hash: ContentHash,
}

/// Money held for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetHold {
    /// The hold (to settle or release it).
    pub id: uuid::Uuid,
    /// The amount held.
    pub amount: Money,
}

/// Where a project's budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BudgetStatus {
    /// The project's limit (`settings.budget`); `None`: no limit.
    pub limit: Option<Money>,
    /// Recorded usage plus settled holds not yet recorded.
    pub spent: Money,
    /// Held by calls in flight (live leases only).
    pub held: Money,
}

impl BudgetStatus {
    /// What is left to reserve (`None` without a limit).
    pub fn left(&self) -> Option<Money> {
        self.limit.map(|l| l.saturating_sub(self.spent + self.held))
    }
}

/// A reservation the budget did not allow; nothing was held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRefusal {
    /// What was asked for.
    pub needed: Money,
    /// The budget when it was refused.
    pub status: BudgetStatus,
}

impl BudgetRefusal {
    /// Whether the money already spent leaves no room, so no retry can
    /// succeed (as opposed to money held by calls still in flight, which
    /// may come back).
    pub fn is_final(&self) -> bool {
        self.status
            .limit
            .is_none_or(|limit| self.status.spent + self.needed > limit)
    }
}

/// The outcome of a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    /// Held: send the call, then settle or release the hold.
    Held(BudgetHold),
    /// Refused: do not send the call.
    Refused(BudgetRefusal),
}
