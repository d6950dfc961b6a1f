//! Crash safety: a worker process runs a production and is killed with
//! SIGKILL at random points, several times; after a restart every job has
//! completed exactly once, no asset is duplicated or half-written, and the
//! outputs are identical to an uninterrupted run. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alkemy_core::{AssetKind, ContentHash, JobState, ProjectId, UserId};
use alkemy_store::model::NewProject;
use alkemy_store::testing::jobs;
use alkemy_store::{BlobKey, BlobStore, Store, Worker, WorkerConfig};

const SHOTS: usize = 6;
const SEED: u64 = 1_955;
const STEP_MS: u64 = 120;

/// What a finished production is, independent of ids: each job's output
/// hash in graph order, and the export's bytes.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    hashes: Vec<Option<String>>,
    export: Vec<u8>,
}

async fn outcome(store: &dyn Store, blobs: &BlobStore, user: UserId, p: ProjectId) -> Outcome {
    let all = store.jobs(user, p).await.unwrap();
    let hashes = all
        .iter()
        .map(|j| {
            j.result
                .as_ref()
                .and_then(|r| r["hash"].as_str().map(str::to_owned))
        })
        .collect();
    let export = store
        .assets(user, p, Some(AssetKind::Export))
        .await
        .unwrap();
    assert_eq!(export.len(), 1);
    let bytes = blobs
        .get(&BlobKey::parse(&export[0].storage_key).unwrap())
        .await
        .unwrap();
    Outcome {
        hashes,
        export: bytes.to_vec(),
    }
}

async fn reference(store: Arc<dyn Store>, dir: &std::path::Path) -> Outcome {
    let blobs = BlobStore::local(&dir.join("media-ref")).unwrap();
    let user = common::user(&*store, "reference").await;
    let p = store
        .create_project(
            user,
            NewProject {
                title: "Reference".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    store
        .enqueue_jobs(user, p.id, jobs::production(SHOTS, SEED, 0))
        .await
        .unwrap();
    let config = WorkerConfig {
        drain: true,
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let stats = Worker::new(store.clone(), blobs.clone(), jobs::handlers(), config)
        .run(std::future::pending())
        .await
        .unwrap();
    assert_eq!(stats.succeeded, 2 * SHOTS as u64 + 3);
    outcome(&*store, &blobs, user, p.id).await
}

fn spawn_worker(db: &str, media: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_alkemy-store-crash-worker"))
        .args([db, media])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

async fn crash_run(store: Arc<dyn Store>, db_url: &str, dir: &std::path::Path) -> Outcome {
    let media = dir.join("media");
    let blobs = BlobStore::local(&media).unwrap();
    let user = common::user(&*store, "director").await;
    let p = store
        .create_project(
            user,
            NewProject {
                title: "Crashy".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let graph = jobs::production(SHOTS, SEED, STEP_MS);
    let total = graph.len();
    store.enqueue_jobs(user, p.id, graph).await.unwrap();
    let media_url = media.display().to_string();

    let mut rng = fastrand::Rng::with_seed(std::process::id().into());
    let mut interrupted = 0;
    for _ in 0..5 {
        let mut child = spawn_worker(db_url, &media_url);
        tokio::time::sleep(Duration::from_millis(rng.u64(250..900))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let jobs = store.jobs(user, p.id).await.unwrap();
        if jobs.iter().any(|j| j.state == JobState::Running) {
            interrupted += 1;
        }
        if jobs.iter().all(|j| j.state == JobState::Succeeded) {
            break;
        }
    }
    assert!(
        interrupted >= 2,
        "the kills must land mid-job ({interrupted} did)"
    );

    let mut child = spawn_worker(db_url, &media_url);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let jobs = store.jobs(user, p.id).await.unwrap();
        if jobs.iter().all(|j| j.state == JobState::Succeeded) {
            break;
        }
        assert!(
            jobs.iter().all(|j| j.state != JobState::Failed),
            "{jobs:#?}"
        );
        assert!(
            Instant::now() < deadline,
            "the production did not finish: {jobs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let jobs = store.jobs(user, p.id).await.unwrap();
    assert_eq!(jobs.len(), total);
    assert!(
        jobs.iter().any(|j| j.attempts > 1),
        "some job was interrupted and re-run"
    );
    // Exactly once: one asset per job that makes one, one charge per frame.
    let assets = store.assets(user, p.id, None).await.unwrap();
    assert_eq!(assets.len(), 2 * SHOTS + 2);
    let by_job: BTreeSet<_> = assets.iter().map(|a| a.job_id.unwrap()).collect();
    assert_eq!(
        by_job.len(),
        assets.len(),
        "one asset row per producing job"
    );
    let keys: BTreeSet<_> = assets.iter().map(|a| a.storage_key.clone()).collect();
    assert_eq!(keys.len(), assets.len(), "no duplicated asset");
    let usage = store.usage(user, Some(p.id)).await.unwrap();
    assert_eq!(usage.len(), SHOTS, "each frame charged exactly once");
    // Nothing half-written: every blob whole, and no visible blob without its row.
    for a in &assets {
        let bytes = blobs
            .get(&BlobKey::parse(&a.storage_key).unwrap())
            .await
            .unwrap();
        assert_eq!(bytes.len() as u64, a.size_bytes);
        assert_eq!(ContentHash::of_bytes(&bytes), a.content_hash);
    }
    let listed: BTreeSet<String> = blobs
        .list(&format!("projects/{}", p.id))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(listed, keys);
    outcome(&*store, &blobs, user, p.id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let store = alkemy_store::open(&url, Default::default()).await.unwrap();
    let (ref_store, _ref_dir) = common::sqlite().await;
    let expected = reference(ref_store, dir.path()).await;
    let got = crash_run(store, &url, dir.path()).await;
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_survives_sigkill() {
    let Some((store, db)) = common::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some((ref_store, _ref_db)) = common::postgres().await else {
        return;
    };
    let expected = reference(ref_store, dir.path()).await;
    let got = crash_run(store, &db.app_url, dir.path()).await;
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_worker_waits_out_a_dead_workers_lease() {
    let (store, _dir) = common::sqlite().await;
    let media = tempfile::tempdir().unwrap();
    let blobs = BlobStore::local(media.path()).unwrap();
    let user = common::user(&*store, "drainer").await;
    let p = store
        .create_project(
            user,
            NewProject {
                title: "Drain".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let graph = jobs::production(1, SEED, 0);
    let total = graph.len() as u64;
    store.enqueue_jobs(user, p.id, graph).await.unwrap();
    // A worker claims the first job and dies: everything waits on its lease.
    let kinds = jobs::handlers().kinds();
    let dead = store.claim_jobs("dead", &kinds, 1, 400).await.unwrap();
    assert_eq!(dead.len(), 1);
    let drain = |grace: Duration| WorkerConfig {
        drain: true,
        drain_grace: grace,
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let impatient = Worker::new(
        store.clone(),
        blobs.clone(),
        jobs::handlers(),
        drain(Duration::ZERO),
    )
    .run(std::future::pending())
    .await
    .unwrap();
    assert_eq!(impatient.succeeded, 0, "nothing was claimable yet");
    let patient = Worker::new(
        store.clone(),
        blobs,
        jobs::handlers(),
        drain(Duration::from_secs(2)),
    )
    .run(std::future::pending())
    .await
    .unwrap();
    assert_eq!(patient.succeeded, total);
    let all = store.jobs(user, p.id).await.unwrap();
    assert!(all.iter().all(|j| j.state == JobState::Succeeded));
}
