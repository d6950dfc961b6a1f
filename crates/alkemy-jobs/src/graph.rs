//! The job graph of a production, queued in one call:
//! analyze → plan → frame × N → animate × N → render → export.
//!
//! Every job depends on what it reads, so it runs only once its inputs
//! exist; a job that failed for good blocks only its dependents and can be
//! retried alone (`Store::retry_job`).

use alkemy_core::{JobKind, ProjectId, UserId};
use alkemy_store::Store;
use alkemy_store::model::{Job, JobRef, NewJob, ScriptVersion};
use alkemy_studio::produce::{self, Models, Silent};
use serde_json::json;

use crate::error::SubmitError;
use crate::handlers::PRODUCTION_FORMAT;
use crate::inputs::{options_for, script_of, shot_ids};

/// How the graph's jobs are queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphOptions {
    /// Attempts per job: a worker killed mid-job costs one.
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubling).
    pub backoff_ms: i64,
    /// Queue priority of the production's jobs.
    pub priority: i64,
}

impl Default for GraphOptions {
    /// Five attempts, two seconds' first backoff, priority 0.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff_ms: 2_000,
            priority: 0,
        }
    }
}

/// A queued production.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The jobs, in graph order: analyze, plan, frames, animates, render, export.
    pub jobs: Vec<Job>,
    /// The production title.
    pub title: String,
    /// Shots to make.
    pub shots: usize,
}

impl Submitted {
    /// The export job: the production is done when it has succeeded.
    pub fn export_job(&self) -> Option<&Job> {
        self.jobs.last()
    }
}

/// Queues the production of a project's script version with these models.
/// The plan is computed here to know the shots (it is deterministic; the
/// plan job checks it still gets the same shots).
pub async fn enqueue_production(
    store: &dyn Store,
    actor: UserId,
    project: ProjectId,
    version: &ScriptVersion,
    models: &Models,
    graph: GraphOptions,
) -> Result<Submitted, SubmitError> {
    let settings = store.project(actor, project).await?.settings;
    let options = options_for(&settings, &std::env::temp_dir());
    let prepared = produce::prepare(&script_of(version), &options, models, &Silent).await?;
    let ids = shot_ids(&prepared.shots);
    let n = ids.len();
    let sv = version.id.to_string();
    let job = |kind, payload: serde_json::Value, deps: Vec<JobRef>| NewJob {
        priority: graph.priority,
        max_attempts: graph.max_attempts.max(1),
        backoff_ms: graph.backoff_ms,
        ..NewJob::new(kind, payload).after(deps)
    };
    let mut jobs = Vec::with_capacity(2 * n + 4);
    jobs.push(job(
        JobKind::Analyze,
        json!({ "script_version": sv }),
        vec![],
    ));
    jobs.push(job(
        JobKind::Plan,
        json!({ "script_version": sv, "shots": ids }),
        vec![JobRef::Batch(0)],
    ));
    for id in &ids {
        jobs.push(job(
            JobKind::Frame,
            json!({ "script_version": sv, "shot": id }),
            vec![JobRef::Batch(1)],
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        jobs.push(job(
            JobKind::Animate,
            json!({ "script_version": sv, "shot": id }),
            vec![JobRef::Batch(1), JobRef::Batch(2 + i)],
        ));
    }
    let render = jobs.len();
    let mut deps = vec![JobRef::Batch(1)];
    deps.extend((0..n).map(|i| JobRef::Batch(2 + n + i)));
    jobs.push(job(JobKind::Render, json!({ "script_version": sv }), deps));
    jobs.push(job(
        JobKind::Export,
        json!({ "script_version": sv, "format": PRODUCTION_FORMAT }),
        vec![JobRef::Batch(1), JobRef::Batch(render)],
    ));
    let jobs = store.enqueue_jobs(actor, project, jobs).await?;
    Ok(Submitted {
        jobs,
        title: prepared.title,
        shots: n,
    })
}

/// Jobs in a production of `shots` shots.
pub fn graph_size(shots: usize) -> usize {
    2 * shots + 4
}
