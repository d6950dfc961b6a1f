//! The project budget of queued productions: a worker's provider router
//! reserves every paid call as a hold in the store, against the budget of
//! the project whose job makes the call, so any number of workers on any
//! number of machines share one limit.
//!
//! ```text
//! Budgeted handler ── scope(JobClaim { lease }) ──► handler ──► router
//!                                                     │  hold(quote, call)
//!                                                     ▼
//!                     StoreBudget ──► Store::reserve_budget(lease, …) ─► held / refused
//!                     success ──► settle_budget(actual)   failure ──► release_budget
//! ```
//!
//! Design decision: the router is built once per worker (its breakers,
//! concurrency limits and cache serve every job), so the job a call
//! belongs to travels as a task-local claim set around each handler run
//! ([`Budgeted`]) rather than through the capability traits. A paid call
//! made outside a job finds no claim and is refused before anything is
//! sent.
//!
//! Holds are tied to the job's lease: a worker that dies stops holding
//! money when its lease runs out, and the job's commit turns what was
//! spent into usage records exactly once (see `alkemy_store`).

use std::sync::{Arc, Mutex, PoisonError};

use alkemy_core::Money;
use alkemy_providers::{BudgetBackend, BudgetError, Call, Held, OverBudget};
use alkemy_store::model::{BudgetCall, BudgetHold, JobOutput, Lease, Reserved};
use alkemy_store::{JobContext, JobError, JobHandler, Store};
use async_trait::async_trait;

/// What a refusal tells the user to do.
pub const RAISE_PROJECT_BUDGET: &str = "Raise the project's budget (`alkemy submit --project ID \
     --budget USD` sets it and queues the production again) or choose a cheaper provider";

tokio::task_local! {
    static CLAIM: Arc<JobClaim>;
}

/// The job paid calls are made for, and the last refusal its budget gave.
struct JobClaim {
    store: Arc<dyn Store>,
    lease: Lease,
    refusal: Mutex<Option<OverBudget>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Guarded sections are single assignments.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A budget kept in the store: each hold is a row tied to the current
/// job's lease (see the module documentation).
#[derive(Debug, Default)]
pub struct StoreBudget {
    spent: Arc<Mutex<Money>>,
}

impl StoreBudget {
    /// A store budget for a worker's router.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
}

#[async_trait]
impl BudgetBackend for StoreBudget {
    /// Each project has its own limit, read when a call is reserved.
    fn limit(&self) -> Option<Money> {
        None
    }

    fn spent(&self) -> Money {
        *lock(&self.spent)
    }

    async fn hold(&self, amount: Money, call: &Call<'_>) -> Result<Box<dyn Held>, BudgetError> {
        let Ok(claim) = CLAIM.try_with(Arc::clone) else {
            return Err(BudgetError::Unavailable(format!(
                "{} is a paid call outside a job; queued productions reserve against their \
                 project's budget",
                call.what()
            )));
        };
        let what = BudgetCall {
            model: call.model.to_owned(),
            capability: call.capability,
            shot_id: call.shot_id.map(str::to_owned),
            request_hash: call.request_hash,
        };
        match claim
            .store
            .reserve_budget(&claim.lease, amount, &what)
            .await
        {
            Ok(Reserved::Held(hold)) => Ok(Box::new(StoreHeld {
                claim,
                hold,
                spent: Arc::clone(&self.spent),
                open: true,
            })),
            Ok(Reserved::Refused(r)) => {
                let over = OverBudget {
                    what: call.what(),
                    needed: r.needed,
                    left: r.status.left().unwrap_or(Money::ZERO),
                    limit: r.status.limit.unwrap_or(Money::ZERO),
                    spent: r.status.spent,
                    reserved: r.status.held,
                    hint: RAISE_PROJECT_BUDGET.to_owned(),
                };
                *lock(&claim.refusal) = Some(over.clone());
                Err(BudgetError::Over(over))
            }
            Err(e) => Err(BudgetError::Unavailable(format!(
                "reserving {amount} for {}: {e}",
                call.what()
            ))),
        }
    }
}

/// A hold in the store.
struct StoreHeld {
    claim: Arc<JobClaim>,
    hold: BudgetHold,
    spent: Arc<Mutex<Money>>,
    open: bool,
}

impl std::fmt::Debug for StoreHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHeld")
            .field("hold", &self.hold)
            .field("job", &self.claim.lease.job_id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Held for StoreHeld {
    fn amount(&self) -> Money {
        self.hold.amount
    }

    async fn settle(mut self: Box<Self>, actual: Money) {
        self.open = false;
        *lock(&self.spent) += actual;
        // The usage itself is committed with the job; a settle that fails
        // leaves the hold counting at its quote until the lease ends.
        if let Err(e) = self
            .claim
            .store
            .settle_budget(&self.claim.lease, self.hold.id, actual)
            .await
        {
            tracing::warn!(
                "job {}: settling budget hold {}: {e}",
                self.claim.lease.job_id,
                self.hold.id
            );
        }
    }

    async fn release(mut self: Box<Self>) {
        self.open = false;
        release(&self.claim, self.hold).await;
    }
}

async fn release(claim: &JobClaim, hold: BudgetHold) {
    if let Err(e) = claim.store.release_budget(&claim.lease, hold.id).await {
        tracing::warn!(
            "job {}: releasing budget hold {}: {e}",
            claim.lease.job_id,
            hold.id
        );
    }
}

impl Drop for StoreHeld {
    fn drop(&mut self) {
        // Dropped unsettled (the call was cancelled): give the money back
        // now if a runtime is there to do it; otherwise the hold ends with
        // the job's attempt.
        if !self.open {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let claim = Arc::clone(&self.claim);
            let hold = self.hold;
            rt.spawn(async move { release(&claim, hold).await });
        }
    }
}

/// A handler whose paid calls reserve against its job's project budget in
/// the store. A job refused because the money is spent fails for good with
/// the budget's reason; one refused only because other calls hold money in
/// flight is retried (that money may come back).
pub struct Budgeted<H>(pub H);

#[async_trait]
impl<H: JobHandler> JobHandler for Budgeted<H> {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let claim = Arc::new(JobClaim {
            store: Arc::clone(&ctx.store),
            lease: ctx.lease().clone(),
            refusal: Mutex::new(None),
        });
        let result = CLAIM.scope(Arc::clone(&claim), self.0.run(ctx)).await;
        let refusal = lock(&claim.refusal).take();
        match (result, refusal) {
            (Err(e), Some(over)) if e.message.contains(&over.to_string()) => Err(JobError {
                message: e.message,
                retryable: !over.is_final(),
            }),
            (result, _) => result,
        }
    }
}
