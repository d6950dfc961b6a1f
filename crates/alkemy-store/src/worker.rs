//! Workers: claim jobs from the durable queue, run them through the
//! handler registered for their kind, keep their lease alive, and commit
//! the outcome.
//!
//! The pipeline plugs in by implementing [`JobHandler`] for each
//! [`JobKind`] it runs and registering it in [`Handlers`]; the same
//! [`Worker`] runs in-process next to the server (SQLite, or PostgreSQL)
//! and as `alkemy worker` processes (PostgreSQL, many machines).
//!
//! Exactly-once completion: a handler may run more than once (its worker
//! died, its lease expired), so its side effects outside the database must
//! be idempotent — write blobs under content-addressed keys — and everything
//! that must happen once (the result, the asset rows, the usage charged) is
//! returned in [`JobOutput`] and committed by the store in one transaction,
//! only while this worker's lease is still the job's lease.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alkemy_core::{JobId, JobKind, JobState, Progress, UserId};
use async_trait::async_trait;
use futures_util::FutureExt;
use tokio::sync::{Semaphore, broadcast, watch};
use tokio::task::JoinSet;

use crate::blob::BlobStore;
use crate::error::{Result, StoreError};
use crate::model::{ClaimedJob, Job, JobOutput, Lease};
use crate::store::Store;

/// Why a handler gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// What went wrong (stored as the job's error).
    pub message: String,
    /// Whether another attempt may succeed (a provider timeout: yes; a
    /// malformed payload: no).
    pub retryable: bool,
}

impl JobError {
    /// An error worth retrying.
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
        }
    }

    /// An error no retry will fix.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        let retryable = matches!(e, StoreError::Other { .. });
        Self {
            message: e.to_string(),
            retryable,
        }
    }
}

/// What a handler gets: the job, the store and blob storage, and a way to
/// report progress.
pub struct JobContext {
    /// The job (state `Running`); its payload is the handler's input.
    pub job: Job,
    /// The store; act as [`JobContext::user`].
    pub store: Arc<dyn Store>,
    /// Blob storage; write generated media with `put_generated`.
    pub blobs: BlobStore,
    lease: Lease,
    progress: watch::Sender<Option<Progress>>,
}

impl JobContext {
    /// The user the job runs as (who queued it).
    pub fn user(&self) -> UserId {
        self.job.created_by
    }

    /// Reports progress; it is saved and published with the next heartbeat
    /// (within a quarter of a second).
    pub fn report(&self, progress: Progress) {
        self.progress.send_replace(Some(progress));
    }

    /// This worker's claim on the job: what budget holds are tied to
    /// ([`Store::reserve_budget`]), so they stop counting if it is lost.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// A job this one depends on (to read its result).
    pub async fn dependency(&self, id: JobId) -> Result<Job> {
        self.store.job(self.user(), id).await
    }
}

/// Runs jobs of one kind.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Does the work. May be called again for the same job after a crash, so
    /// external side effects must be idempotent; return what must happen
    /// exactly once in the output.
    async fn run(&self, ctx: &JobContext) -> std::result::Result<JobOutput, JobError>;
}

/// The handler for each job kind a worker runs.
#[derive(Clone, Default)]
pub struct Handlers {
    map: BTreeMap<JobKind, Arc<dyn JobHandler>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.map.keys()).finish()
    }
}

impl Handlers {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) the handler of a kind.
    pub fn register(&mut self, kind: JobKind, handler: impl JobHandler) -> &mut Self {
        self.map.insert(kind, Arc::new(handler));
        self
    }

    /// The kinds with a handler: the only ones the worker claims.
    pub fn kinds(&self) -> Vec<JobKind> {
        self.map.keys().copied().collect()
    }

    fn get(&self, kind: JobKind) -> Option<Arc<dyn JobHandler>> {
        self.map.get(&kind).cloned()
    }
}

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Name recorded on the jobs it holds (`host:pid`).
    pub name: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a lease lasts without a heartbeat.
    pub lease: Duration,
    /// How often a running job's lease is renewed.
    pub heartbeat: Duration,
    /// How often to look for work when no event says there is some.
    pub poll: Duration,
    /// Stop once nothing is claimable and nothing is running (batch runs,
    /// tests); otherwise run until shut down.
    pub drain: bool,
    /// With `drain`, how long nothing must have been claimable before the
    /// worker stops: a dead worker's job becomes claimable only when its
    /// lease runs out, and a retry only after its backoff.
    pub drain_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            name: format!("worker-{}", std::process::id()),
            concurrency: 4,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            drain: false,
            drain_grace: Duration::ZERO,
        }
    }
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Jobs completed.
    pub succeeded: u64,
    /// Attempts that failed (retried or not).
    pub failed: u64,
    /// Jobs whose lease was lost before they finished (result discarded).
    pub lost: u64,
}

enum Outcome {
    Succeeded,
    Failed,
    Lost,
}

/// A pool of job runners on one queue.
pub struct Worker {
    store: Arc<dyn Store>,
    blobs: BlobStore,
    handlers: Handlers,
    config: WorkerConfig,
}

impl Worker {
    /// A worker for these handlers.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: BlobStore,
        handlers: Handlers,
        config: WorkerConfig,
    ) -> Self {
        Self {
            store,
            blobs,
            handlers,
            config,
        }
    }

    /// Runs until `shutdown` resolves (then lets running jobs finish) or,
    /// with `drain`, until the queue has nothing for it.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<WorkerStats> {
        let kinds = self.handlers.kinds();
        let concurrency = self.config.concurrency.max(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let mut events = self.store.subscribe();
        let mut tasks: JoinSet<Outcome> = JoinSet::new();
        let mut stats = WorkerStats::default();
        let mut shutdown = std::pin::pin!(shutdown);
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        let mut idle_since: Option<Instant> = None;
        loop {
            while let Some(done) = tasks.try_join_next() {
                count(&mut stats, done);
            }
            let free = slots.available_permits();
            let mut claimed: Vec<ClaimedJob> = Vec::new();
            if free > 0 && !kinds.is_empty() {
                match self
                    .store
                    .claim_jobs(
                        &self.config.name,
                        &kinds,
                        u32::try_from(free).unwrap_or(u32::MAX),
                        lease_ms,
                    )
                    .await
                {
                    Ok(c) => claimed = c,
                    Err(e) => tracing::warn!("claiming jobs: {e}"),
                }
            }
            let got_work = !claimed.is_empty();
            for job in claimed {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let runner = Runner {
                    store: self.store.clone(),
                    blobs: self.blobs.clone(),
                    handlers: self.handlers.clone(),
                    lease_ms,
                    heartbeat: self.config.heartbeat,
                };
                tasks.spawn(async move {
                    let outcome = runner.run(job).await;
                    drop(permit);
                    outcome
                });
            }
            if got_work || !tasks.is_empty() {
                idle_since = None;
            } else if self.config.drain {
                let idle = *idle_since.get_or_insert_with(Instant::now);
                if idle.elapsed() >= self.config.drain_grace {
                    break;
                }
            }
            if got_work && slots.available_permits() > 0 {
                // There may be more claimable work right away.
                continue;
            }
            let wake = async {
                loop {
                    match events.recv().await {
                        Ok(e) if matches!(e.state, JobState::Queued | JobState::Succeeded) => {
                            break;
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await;
                        }
                    }
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.config.poll) => {}
                () = wake => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => count(&mut stats, done),
            }
        }
        while let Some(done) = tasks.join_next().await {
            count(&mut stats, done);
        }
        Ok(stats)
    }
}

fn count(stats: &mut WorkerStats, done: std::result::Result<Outcome, tokio::task::JoinError>) {
    match done {
        Ok(Outcome::Succeeded) => stats.succeeded += 1,
        Ok(Outcome::Failed) | Err(_) => stats.failed += 1,
        Ok(Outcome::Lost) => stats.lost += 1,
    }
}

/// Runs one claimed job: the handler, its heartbeats, and the commit.
struct Runner {
    store: Arc<dyn Store>,
    blobs: BlobStore,
    handlers: Handlers,
    lease_ms: i64,
    heartbeat: Duration,
}

impl Runner {
    async fn run(self, claimed: ClaimedJob) -> Outcome {
        let ClaimedJob { job, lease } = claimed;
        let (progress, mut updates) = watch::channel(None);
        let Some(handler) = self.handlers.get(job.kind) else {
            let _ = self
                .store
                .fail_job(&lease, &format!("no handler for {} jobs", job.kind), true)
                .await;
            return Outcome::Failed;
        };
        let job_id = job.id;
        let ctx = JobContext {
            job,
            store: self.store.clone(),
            blobs: self.blobs.clone(),
            lease: lease.clone(),
            progress,
        };
        let keep_alive = async {
            let mut last = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let changed = updates.has_changed().unwrap_or(false);
                if !changed && last.elapsed() < self.heartbeat {
                    continue;
                }
                let p = if changed {
                    updates.borrow_and_update().clone()
                } else {
                    None
                };
                match self.store.heartbeat(&lease, self.lease_ms, p).await {
                    Ok(()) => last = Instant::now(),
                    Err(StoreError::Conflict(msg)) => return msg,
                    Err(e) => tracing::warn!("heartbeat for job {job_id}: {e}"),
                }
            }
        };
        let work = AssertUnwindSafe(handler.run(&ctx)).catch_unwind();
        let result = tokio::select! {
            r = work => r,
            msg = keep_alive => {
                tracing::warn!("job {job_id}: {msg}; abandoning it");
                return Outcome::Lost;
            }
        };
        match result {
            Ok(Ok(output)) => match self.store.complete_job(&lease, output).await {
                Ok(_) => Outcome::Succeeded,
                Err(StoreError::Conflict(msg)) => {
                    tracing::warn!("job {job_id}: {msg}; its result was discarded");
                    Outcome::Lost
                }
                Err(e) => {
                    tracing::warn!("job {job_id}: completing: {e}");
                    let _ = self.store.fail_job(&lease, &e.to_string(), true).await;
                    Outcome::Failed
                }
            },
            Ok(Err(e)) => {
                if let Err(err) = self.store.fail_job(&lease, &e.message, e.retryable).await {
                    tracing::warn!("job {job_id}: recording failure: {err}");
                }
                Outcome::Failed
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                let _ = self
                    .store
                    .fail_job(&lease, &format!("handler panicked: {what}"), true)
                    .await;
                Outcome::Failed
            }
        }
    }
}
