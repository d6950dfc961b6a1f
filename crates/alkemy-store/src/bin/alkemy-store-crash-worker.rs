//! A worker process for the crash-safety test: runs the reference
//! production's handlers (`alkemy_store::testing::jobs`) against a database
//! and a media directory until it is killed.
//!
//! Usage: `alkemy-store-crash-worker DATABASE_URL STORAGE_URL`

use std::process::ExitCode;
use std::time::Duration;

use alkemy_store::testing::jobs;
use alkemy_store::{BlobStore, OpenOptions, Worker, WorkerConfig};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(storage)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: alkemy-store-crash-worker DATABASE_URL STORAGE_URL");
        return ExitCode::from(2);
    };
    let store = match alkemy_store::open(db, OpenOptions::default()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let blobs = match BlobStore::open(storage) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let config = WorkerConfig {
        name: format!("crash-worker-{}", std::process::id()),
        concurrency: 3,
        lease: Duration::from_millis(1_500),
        heartbeat: Duration::from_millis(400),
        poll: Duration::from_millis(50),
        drain: false,
        drain_grace: Duration::ZERO,
    };
    let worker = Worker::new(store, blobs, jobs::handlers(), config);
    match worker.run(std::future::pending()).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
