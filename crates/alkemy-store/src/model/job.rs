//! Jobs in the durable queue, the lease a worker holds on one, and the events
//! a job's progress publishes.

use alkemy_core::{JobId, JobKind, JobState, ProjectId, UserId};
use serde::{Deserialize, Serialize};

use super::{NewAsset, NewUsage, Timestamp};

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// The project it works on.
    pub project_id: ProjectId,
    /// Who queued it; the job runs with their rights.
    pub created_by: UserId,
    /// What it does.
    pub kind: JobKind,
    /// Where it is in its life.
    pub state: JobState,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Jobs that must succeed before this one runs.
    pub depends_on: Vec<JobId>,
    /// Higher runs first among runnable jobs.
    pub priority: i64,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed before the job fails for good.
    pub max_attempts: u32,
    /// The first retry waits this long; each later one twice as long as the last.
    pub backoff_ms: i64,
    /// Not claimed before this time.
    pub run_after: Timestamp,
    /// The worker holding the lease while running.
    pub worker: Option<String>,
    /// When the current lease runs out.
    pub lease_expires_at: Option<Timestamp>,
    /// Fraction done (0..=1).
    pub progress: f32,
    /// What it is doing now.
    pub progress_message: Option<String>,
    /// The handler's result, once succeeded.
    pub result: Option<serde_json::Value>,
    /// The last error.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it reached a terminal state.
    pub finished_at: Option<Timestamp>,
}

/// A job this one depends on: an existing job, or one queued in the same call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRef {
    /// A job already in the queue.
    Existing(JobId),
    /// The job at this index of the same `enqueue_jobs` call (must be earlier).
    Batch(usize),
}

/// What is needed to queue a job.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What it does.
    pub kind: JobKind,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Its dependencies.
    pub depends_on: Vec<JobRef>,
    /// Higher runs first.
    pub priority: i64,
    /// Attempts allowed (at least 1).
    pub max_attempts: u32,
    /// First retry delay in milliseconds.
    pub backoff_ms: i64,
}

impl NewJob {
    /// A job with no dependencies, priority 0, 3 attempts and a 1 s first backoff.
    pub fn new(kind: JobKind, payload: serde_json::Value) -> Self {
        Self {
            kind,
            payload,
            depends_on: Vec::new(),
            priority: 0,
            max_attempts: 3,
            backoff_ms: 1_000,
        }
    }

    /// The same job depending on more jobs.
    pub fn after(mut self, deps: impl IntoIterator<Item = JobRef>) -> Self {
        self.depends_on.extend(deps);
        self
    }
}

/// A worker's hold on a running job. Every heartbeat, progress report and
/// the completion must present it; once the lease has passed to another
/// worker they are refused, which is what makes completion exactly-once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job.
    pub job_id: JobId,
    /// The project.
    pub project_id: ProjectId,
    /// The user the job runs as.
    pub user_id: UserId,
    /// Unique to this claim.
    pub token: uuid::Uuid,
}

/// A job a worker has claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job as it is now (state `Running`).
    pub job: Job,
    /// The lease to present.
    pub lease: Lease,
}

/// What a handler hands back on success: its result and the assets it made
/// (blobs already written), committed together with the job's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobOutput {
    /// The result document.
    pub result: serde_json::Value,
    /// Asset rows to insert.
    pub assets: Vec<NewAsset>,
    /// Provider usage to record (its project and job are filled in), so a
    /// paid call is charged exactly once however often the job is retried.
    pub usage: Vec<NewUsage>,
}

/// A change to a job, published in-process and, on PostgreSQL, to every
/// process listening on the `alkemy_jobs` channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    /// The job.
    pub job_id: JobId,
    /// Its project (subscribers filter by what their user may see).
    pub project_id: ProjectId,
    /// Its kind.
    pub kind: JobKind,
    /// Its state after the change.
    pub state: JobState,
    /// Fraction done.
    pub progress: f32,
    /// Progress message.
    pub message: Option<String>,
}
