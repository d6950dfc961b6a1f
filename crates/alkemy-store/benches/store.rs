//! Store benchmarks (a bench binary: async, multi-process-like workloads do
//! not fit criterion's closure model):
//! - job claim throughput: N queued jobs claimed and completed by 1 and by 4
//!   concurrent workers, on SQLite and on PostgreSQL (throwaway cluster);
//! - project load time for a feature-length project (190 scenes, 1,140
//!   shots, 2,280 assets, a 1,140-clip timeline).
//!
//! Run: `cargo bench -p alkemy-store --bench store` (best of several runs
//! is printed as a Markdown table).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use alkemy_core::{AssetKind, ContentHash, JobKind, MediaInfo, Provenance, Timeline, TrackItem};
use alkemy_store::model::{JobOutput, NewAsset, NewJob, NewProject, NewScriptVersion};
use alkemy_store::testing::shared_cluster;
use alkemy_store::{OpenOptions, Store};

const JOBS: usize = 1_000;
const RUNS: usize = 3;

async fn claim_throughput(store: Arc<dyn Store>, workers: usize) -> f64 {
    let user = common::user(&*store, &format!("bench{}", uuid::Uuid::new_v4().simple())).await;
    let p = store
        .create_project(
            user,
            NewProject {
                title: "Bench".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let jobs: Vec<NewJob> = (0..JOBS)
        .map(|i| NewJob::new(JobKind::Frame, serde_json::json!({"i": i})))
        .collect();
    store.enqueue_jobs(user, p.id, jobs).await.unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("bench-{w}");
            let mut done = 0;
            loop {
                let claimed = store
                    .claim_jobs(&name, &[JobKind::Frame], 1, 60_000)
                    .await
                    .unwrap();
                let Some(c) = claimed.into_iter().next() else {
                    break;
                };
                store
                    .complete_job(&c.lease, JobOutput::default())
                    .await
                    .unwrap();
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, JOBS);
    JOBS as f64 / start.elapsed().as_secs_f64()
}

/// A feature-length project: breakdown, shots, assets, timeline.
async fn feature(store: &dyn Store) -> (alkemy_core::UserId, alkemy_core::ProjectId) {
    let user = common::user(store, &format!("director{}", uuid::Uuid::new_v4().simple())).await;
    let p = store
        .create_project(
            user,
            NewProject {
                title: "Big Fish".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let v = store
        .add_script_version(
            user,
            p.id,
            NewScriptVersion {
                source_name: "big-fish.fountain".into(),
                format: "fountain".into(),
                text: "x".repeat(180_000),
            },
        )
        .await
        .unwrap();
    store
        .save_analysis(user, v.id, &common::breakdown(190), None)
        .await
        .unwrap();
    let shots = common::shot_list(190, 6);
    store.replace_shots(user, p.id, &shots).await.unwrap();
    for (i, s) in shots.shots.iter().enumerate() {
        for (kind, ext) in [(AssetKind::Frame, "png"), (AssetKind::Clip, "mp4")] {
            let hash = ContentHash::of_bytes(format!("{kind}{i}").as_bytes());
            store
                .add_asset(
                    user,
                    p.id,
                    NewAsset {
                        kind,
                        storage_key: format!("projects/{}/{}/{hash}.{ext}", p.id, kind.folder()),
                        mime: "image/png".into(),
                        size_bytes: 120_000,
                        content_hash: hash,
                        media: MediaInfo {
                            width: Some(1280),
                            height: Some(720),
                            duration_ms: Some(3_500),
                        },
                        provenance: Provenance {
                            inputs_hash: Some(hash),
                            provider: Some("local".into()),
                            model: Some("previz".into()),
                            seed: Some(42),
                            ..Provenance::default()
                        },
                        shot_id: Some(s.id.to_string()),
                    },
                )
                .await
                .unwrap();
        }
    }
    let mut tl: Timeline = common::timeline(shots.shots.len());
    tl.tracks[0]
        .items
        .retain(|i| !matches!(i, TrackItem::Gap { .. }));
    store.save_timeline(user, p.id, None, &tl).await.unwrap();
    (user, p.id)
}

async fn best<F, Fut>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        best = best.min(t.elapsed());
    }
    best
}

async fn bench(name: &str, store: Arc<dyn Store>, rows: &mut Vec<String>) {
    for workers in [1, 4] {
        let mut best_rate: f64 = 0.0;
        for _ in 0..RUNS {
            best_rate = best_rate.max(claim_throughput(store.clone(), workers).await);
        }
        rows.push(format!(
            "| {name} | claim + complete, {workers} worker{} | {best_rate:.0} jobs/s |",
            if workers > 1 { "s" } else { "" }
        ));
        eprintln!("{}", rows.last().unwrap());
    }
    let (user, p) = feature(&*store).await;
    let s = store.clone();
    let shots = best(10, || {
        let s = s.clone();
        async move {
            assert_eq!(s.shots(user, p).await.unwrap().len(), 1_140);
        }
    })
    .await;
    rows.push(format!(
        "| {name} | load 1,140 shots | {:.1} ms |",
        shots.as_secs_f64() * 1e3
    ));
    let s = store.clone();
    let whole = best(10, || {
        let s = s.clone();
        async move {
            let b = s.export_project(user, p).await.unwrap();
            assert_eq!(b.assets.len(), 2_280);
            assert_eq!(b.analyses[0].breakdown.scenes.len(), 190);
        }
    })
    .await;
    rows.push(format!("| {name} | load whole feature project (190 scenes, 1,140 shots, 2,280 assets, timeline) | {:.1} ms |", whole.as_secs_f64() * 1e3));
    eprintln!("{}\n{}", rows[rows.len() - 2], rows[rows.len() - 1]);
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut rows = vec![
            "| backend | workload | best of runs |".to_owned(),
            "|---|---|---|".to_owned(),
        ];
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let sqlite = alkemy_store::open(&url, OpenOptions::default())
            .await
            .unwrap();
        bench("SQLite (WAL, synchronous=FULL)", sqlite, &mut rows).await;
        if let Some(cluster) = shared_cluster() {
            let db = cluster.database().await.unwrap();
            let pg = alkemy_store::open(&db.app_url, OpenOptions::default())
                .await
                .unwrap();
            bench("PostgreSQL 15 (RLS, fsync off)", pg, &mut rows).await;
        }
        println!("{}", rows.join("\n"));
    });
}
