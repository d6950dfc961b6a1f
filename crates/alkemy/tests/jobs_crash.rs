//! A real production as durable jobs survives SIGKILL (issue 6).
//!
//! Brick & Steel is submitted with `alkemy submit` (480p) and run by
//! `alkemy worker` processes that are killed with SIGKILL at random points,
//! several times, and restarted until the graph is done. Then every job has
//! succeeded exactly once (the graph's size, nothing failed), no asset is
//! duplicated, every blob is whole (its bytes hash to its content-addressed
//! key), no blob lacks its asset row, and the finished production fetched
//! with `alkemy export --format folder` is byte-identical to an uninterrupted
//! run's (the manifest up to its timings). On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alkemy_core::{ContentHash, JobKind, JobState, ProjectId, UserId};
use alkemy_store::{BlobKey, BlobStore, OpenOptions, Store};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/brick-and-steel.fountain"
);
const USER: &str = "local@localhost";

/// A database and a media folder, with a scratch folder for the workers.
struct Site {
    db: String,
    media: PathBuf,
    tmp: PathBuf,
}

impl Site {
    fn new(dir: &Path, name: &str, db: Option<String>) -> Self {
        let root = dir.join(name);
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        Self {
            db: db.unwrap_or_else(|| format!("sqlite://{}", root.join("alkemy.db").display())),
            media: root.join("media"),
            tmp: root.join("tmp"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        // Offline whatever the machine has: workers would use its keys.
        let mut cmd = support::alkemy_in(&self.tmp);
        cmd.args(args)
            .arg("--database")
            .arg(&self.db)
            .arg("--storage")
            .arg(&self.media)
            .env("TMPDIR", &self.tmp)
            .stdin(Stdio::null());
        cmd
    }

    fn submit(&self) -> ProjectId {
        let out = self
            .command(&["submit", SCRIPT, "--resolution", "480p", "--attempts", "50"])
            .output()
            .unwrap();
        support::submitted_project(&out)
    }

    fn worker(&self, drain: bool) -> Child {
        let mut args = vec!["worker", "--concurrency", "2", "--lease-secs", "1"];
        if drain {
            // Long enough for a killed worker's 1 s leases to run out.
            args.extend(["--drain", "--drain-grace-secs", "2"]);
        }
        self.command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn fetch(&self, project: ProjectId, out: &Path) {
        let project = project.to_string();
        let out_arg = out.display().to_string();
        let o = self
            .command(&["export", &project, "--format", "folder", "--out", &out_arg])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    async fn open(&self) -> (Arc<dyn Store>, BlobStore, UserId) {
        let store = alkemy_store::open(&self.db, OpenOptions::default())
            .await
            .unwrap();
        let user = store.user_by_email(USER).await.unwrap().unwrap().id;
        (store, BlobStore::local(&self.media).unwrap(), user)
    }
}

/// Every file under `dir` (relative path → bytes), the journal aside.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The manifest without what differs between runs (how long each took).
fn manifest_sans_timings(bytes: &[u8]) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("time_ms");
                map.remove("created");
                map.remove("generated_at");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    strip(&mut v);
    v
}

fn assert_same_production(got: &Path, expected: &Path) {
    let mut got = files(got);
    let mut expected = files(expected);
    let (gm, em) = (
        got.remove("manifest.json").unwrap(),
        expected.remove("manifest.json").unwrap(),
    );
    assert_eq!(manifest_sans_timings(&gm), manifest_sans_timings(&em));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(
            got[path] == *bytes,
            "{path} differs from the uninterrupted run"
        );
    }
    for must in [
        "animatic.mp4",
        "timeline.otio",
        "timeline.edl",
        "timeline.fcpxml",
        "storyboard.html",
        "storyboard.pdf",
        "shots.csv",
        "analysis.json",
    ] {
        assert!(expected.contains_key(must), "{must} missing");
    }
}

/// The uninterrupted run: one `alkemy worker --drain`.
async fn reference(dir: &Path) -> (PathBuf, usize) {
    let site = Site::new(dir, "reference", None);
    let project = site.submit();
    let status = site.worker(true).wait().unwrap();
    assert!(status.success());
    let (store, _, user) = site.open().await;
    let jobs = store.jobs(user, project).await.unwrap();
    assert!(
        jobs.iter().all(|j| j.state == JobState::Succeeded),
        "{jobs:#?}"
    );
    let assets = store.assets(user, project, None).await.unwrap();
    let out = dir.join("reference-out");
    site.fetch(project, &out);
    (out, assets.len())
}

async fn crash_run(dir: &Path, db: Option<String>) -> (PathBuf, usize) {
    let site = Site::new(dir, "crashy", db);
    let project = site.submit();
    let (store, blobs, user) = site.open().await;
    let jobs = store.jobs(user, project).await.unwrap();
    let total = jobs.len();
    let shots = jobs.iter().filter(|j| j.kind == JobKind::Frame).count();
    assert!(shots > 20, "Brick & Steel has dozens of shots");
    assert_eq!(total, alkemy_jobs::graph::graph_size(shots));

    let random = std::collections::hash_map::RandomState::new();
    let mut interrupted = 0;
    for round in 0..6_u64 {
        let mut child = site.worker(false);
        let wait = 400 + random.hash_one(round) % 1_200;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let jobs = store.jobs(user, project).await.unwrap();
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

    // After the crashes, one draining worker finishes the production and exits.
    let mut child = site.worker(true);
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the production did not finish");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success());

    // Every job completed exactly once: all succeeded, some after a crash.
    let jobs = store.jobs(user, project).await.unwrap();
    assert_eq!(jobs.len(), total);
    assert!(jobs.iter().all(|j| j.state == JobState::Succeeded));
    assert!(
        jobs.iter().any(|j| j.attempts > 1),
        "some job was interrupted and run again"
    );
    // No duplicated asset: one row per blob, each made by a job of this graph.
    let assets = store.assets(user, project, None).await.unwrap();
    let keys: BTreeSet<String> = assets.iter().map(|a| a.storage_key.clone()).collect();
    assert_eq!(keys.len(), assets.len(), "an asset was recorded twice");
    let job_ids: BTreeSet<_> = jobs.iter().map(|j| j.id).collect();
    assert!(
        assets
            .iter()
            .all(|a| a.job_id.is_some_and(|j| job_ids.contains(&j)))
    );
    // Shots with the same picture share one content-addressed frame.
    let frame_keys: BTreeSet<String> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::Frame)
        .map(|j| {
            j.result.as_ref().unwrap()["frame"]["key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let frame_assets: BTreeSet<String> = assets
        .iter()
        .filter(|a| a.kind == alkemy_core::AssetKind::Frame)
        .map(|a| a.storage_key.clone())
        .collect();
    assert_eq!(
        frame_keys, frame_assets,
        "one frame asset per distinct frame"
    );
    // No half-written blob: every blob hashes to its key; no blob without a row.
    let listed: BTreeSet<String> = blobs
        .list(&format!("projects/{project}"))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(listed, keys);
    for a in &assets {
        let bytes = blobs
            .get(&BlobKey::parse(&a.storage_key).unwrap())
            .await
            .unwrap();
        let hash = ContentHash::of_bytes(&bytes);
        assert_eq!(hash, a.content_hash);
        assert_eq!(bytes.len() as u64, a.size_bytes);
        assert!(
            a.storage_key.contains(&hash.to_string()),
            "{}",
            a.storage_key
        );
    }
    let out = dir.join("crashy-out");
    site.fetch(project, &out);
    (out, assets.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_production_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, expected_assets) = reference(dir.path()).await;
    let (got, assets) = crash_run(dir.path(), None).await;
    assert_eq!(assets, expected_assets);
    assert_same_production(&got, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_production_survives_sigkill() {
    let Some(cluster) = alkemy_store::testing::shared_cluster() else {
        return;
    };
    let db = cluster.database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (expected, expected_assets) = reference(dir.path()).await;
    let (got, assets) = crash_run(dir.path(), Some(db.app_url.clone())).await;
    assert_eq!(assets, expected_assets);
    assert_same_production(&got, &expected);
}
