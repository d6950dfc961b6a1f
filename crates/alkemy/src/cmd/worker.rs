//! `alkemy worker --database URL --storage URL [--provider …]`: runs queued
//! jobs.
//!
//! On PostgreSQL any number of workers on any number of machines share the
//! queue (claims use `FOR UPDATE SKIP LOCKED`); on SQLite run one worker
//! process per database (it runs `--concurrency` jobs at once).
//!
//! Models are chosen as for `alkemy produce` (`--provider`, `--config`,
//! `--prices`, keys from the environment or the vault); without keys, or
//! with `--provider local`, every job is made offline. Paid calls reserve
//! against the budget of the job's project (`alkemy submit --budget`) as
//! holds in the store, so every worker shares one limit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use alkemy_jobs::StoreBudget;
use alkemy_providers::{Setup, TextUse};
use alkemy_store::{Handlers, Worker, WorkerConfig};
use alkemy_studio::produce::Models;

use super::migrate::{StoreArgs, runtime, store_error};
use super::produce::{ProviderArgs, open_providers};

/// Arguments of `alkemy worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database and storage.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Jobs run at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds a claimed job stays leased without a heartbeat.
    #[arg(long, default_value_t = 30)]
    pub lease_secs: u64,
    /// Exit when nothing is left to claim instead of waiting for work.
    #[arg(long)]
    pub drain: bool,
    /// With `--drain`: seconds nothing must have been claimable before
    /// exiting. A killed worker's jobs come back when its lease runs out, so
    /// after a crash give at least that worker's `--lease-secs`.
    #[arg(long, default_value_t = 0)]
    pub drain_grace_secs: u64,
    /// The providers: `--provider`, `--config`, `--prices`.
    #[command(flatten)]
    pub providers: ProviderArgs,
    /// Where this worker keeps its provider result cache and usage journal
    /// (only made when a provider is used). Default: the user's cache
    /// folder (`$XDG_CACHE_HOME/alkemy/worker`).
    #[arg(long, env = "ALKEMY_WORKER_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

/// The worker's state folder when `--state-dir` is not given.
fn default_state_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("alkemy")
        .join("worker")
}

/// The handlers this build runs: a production's analyze, plan, frame,
/// animate, render and export jobs, and bundle exports, with the models the
/// provider flags ask for. Shots are planned by the rules: the job graph
/// is laid out from the rules' plan when the production is submitted.
fn handlers(args: &Args) -> anyhow::Result<Handlers> {
    let offline = Models::offline();
    let setup = Setup {
        config: args.providers.config.clone(),
        prices: args.providers.prices.clone(),
        provider: args.providers.provider.clone(),
        budget: None,
        state_dir: args.state_dir.clone().unwrap_or_else(default_state_dir),
        dry_run: false,
        text: TextUse::Off,
        local_image: offline.image.clone(),
        local_video: offline.video.clone(),
    };
    let providers = open_providers(&setup, Some(StoreBudget::new()))?;
    if providers.is_offline() {
        return Ok(alkemy_jobs::handlers(offline));
    }
    eprintln!(
        "models: stills {}; clips {}; budget: each project's, held in the database",
        providers.chains.image.join(" → "),
        providers.chains.video.join(" → "),
    );
    Ok(alkemy_jobs::handlers(Models {
        image: providers.image.clone(),
        video: providers.video.clone(),
        text: None,
    }))
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        return Err(crate::exit::bad_input("--concurrency must be at least 1"));
    }
    if args.lease_secs == 0 {
        return Err(crate::exit::bad_input("--lease-secs must be at least 1"));
    }
    let handlers = handlers(&args)?;
    let rt = runtime()?;
    rt.block_on(async {
        let store = args.store.open(false).await?;
        let blobs = args.store.blobs()?;
        let lease = Duration::from_secs(args.lease_secs);
        let config = WorkerConfig {
            name: format!(
                "{}:{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_owned()),
                std::process::id()
            ),
            concurrency: args.concurrency,
            lease,
            heartbeat: lease / 3,
            poll: Duration::from_secs(1),
            drain: args.drain,
            drain_grace: Duration::from_secs(args.drain_grace_secs),
        };
        tracing::info!("worker {} running {:?}", config.name, handlers);
        let worker = Worker::new(store, blobs, handlers, config);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping: finishing running jobs (Ctrl-C again to abort)");
        };
        let stats = worker
            .run(shutdown)
            .await
            .map_err(|e| store_error(e, "running the worker"))?;
        eprintln!(
            "worker done: {} succeeded, {} failed, {} abandoned",
            stats.succeeded, stats.failed, stats.lost
        );
        Ok(ExitCode::SUCCESS)
    })
}
