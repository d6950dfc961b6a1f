//! `alkemy worker --database URL --storage URL`: runs queued jobs.
//!
//! On PostgreSQL any number of workers on any number of machines share the
//! queue (claims use `FOR UPDATE SKIP LOCKED`); on SQLite run one worker
//! process per database (it runs `--concurrency` jobs at once).

use std::process::ExitCode;
use std::time::Duration;

use alkemy_store::{Handlers, Worker, WorkerConfig};
use alkemy_studio::produce::Models;

use super::migrate::{StoreArgs, runtime, store_error};

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
}

/// The handlers this build runs: a production's analyze, plan, frame,
/// animate, render and export jobs (offline models), and bundle exports.
fn handlers() -> Handlers {
    alkemy_jobs::handlers(Models::offline())
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        return Err(crate::exit::bad_input("--concurrency must be at least 1"));
    }
    if args.lease_secs == 0 {
        return Err(crate::exit::bad_input("--lease-secs must be at least 1"));
    }
    let rt = runtime()?;
    rt.block_on(async {
        let store = args.store.open(false).await?;
        let blobs = args.store.blobs()?;
        let handlers = handlers();
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
