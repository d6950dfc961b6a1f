//! Queued production with a cloud provider and a project budget, end to
//! end: `alkemy submit --budget` and `alkemy worker --provider
//! fal:flux-dev` against a local mock of Fal's queue API (`fal_mock`), on
//! SQLite and on PostgreSQL (a throwaway cluster; two worker processes).
//!
//! - A budget that covers the production: every frame is a picture the mock
//!   served, every job succeeds, and the usage the store recorded equals the
//!   mock's billed calls × the price, each once, with nothing left held.
//! - A budget that covers three frames: the spending never passes it, the
//!   other frame jobs fail for good saying why (over budget, nothing sent),
//!   and the mock received exactly the calls that were paid for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fal_mock;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use alkemy_core::{ContentHash, JobKind, JobState, Money, ProjectId, UserId};
use alkemy_store::{OpenOptions, Store};

use fal_mock::{FLUX_DEV, Fal};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/brick-and-steel.fountain"
);
const USER: &str = "local@localhost";

/// Test prices (not the public ones).
const PRICES: &str = r#"
version = 1
date = "2026-01-01"
[models."fal:flux-dev"]
per_image = "0.031"
"#;
const DEV: Money = Money::from_micros(31_000);

/// Paid stills only (no fallback: a refused still fails its job), offline
/// clips, fast polling.
const PROVIDERS: &str = r#"
[chains]
image = ["fal:flux-dev"]
video = ["local:animatic"]
[timeouts]
poll_initial_ms = 5
poll_max_ms = 20
"#;

/// A database, a media folder and a home for the binary.
struct Site {
    db: String,
    media: PathBuf,
    home: PathBuf,
    fal: String,
}

impl Site {
    fn new(dir: &Path, db: Option<String>, fal: &Fal) -> Self {
        let home = dir.join("home");
        std::fs::create_dir_all(home.join("tmp")).unwrap();
        std::fs::write(home.join("prices.toml"), PRICES).unwrap();
        std::fs::write(home.join("providers.toml"), PROVIDERS).unwrap();
        Self {
            db: db.unwrap_or_else(|| format!("sqlite://{}", dir.join("alkemy.db").display())),
            media: dir.join("media"),
            home,
            fal: fal.uri.clone(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = support::alkemy_in(&self.home);
        cmd.args(args)
            .arg("--database")
            .arg(&self.db)
            .arg("--storage")
            .arg(&self.media)
            .env("FAL_KEY", "mock-fal-key")
            .env("ALKEMY_FAL_URL", &self.fal)
            .env("ALKEMY_PRICES", self.home.join("prices.toml"))
            .env("TMPDIR", self.home.join("tmp"))
            .stdin(Stdio::null());
        cmd
    }

    fn submit(&self, budget: &str) -> ProjectId {
        let out = self
            .command(&["submit", SCRIPT, "--resolution", "480p", "--budget", budget])
            .output()
            .unwrap();
        support::submitted_project(&out)
    }

    /// Runs `workers` worker processes at once until the queue has nothing
    /// left for them.
    fn work(&self, workers: usize) {
        let config = self.home.join("providers.toml");
        let state = self.home.join("worker-state");
        let children: Vec<_> = (0..workers)
            .map(|_| {
                self.command(&[
                    "worker",
                    "--provider",
                    "fal:flux-dev",
                    "--config",
                    config.to_str().unwrap(),
                    "--state-dir",
                    state.to_str().unwrap(),
                    "--concurrency",
                    "4",
                    "--lease-secs",
                    "20",
                    "--drain",
                    // Longer than the first retry's backoff (1 s).
                    "--drain-grace-secs",
                    "3",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{err}");
            assert!(err.contains("models: stills fal:flux-dev"), "{err}");
        }
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

    async fn open(&self) -> (Arc<dyn Store>, UserId) {
        let store = alkemy_store::open(&self.db, OpenOptions::default())
            .await
            .unwrap();
        let user = store.user_by_email(USER).await.unwrap().unwrap().id;
        (store, user)
    }
}

/// The mock's billed calls of `fal:flux-dev` and every submission it got.
fn billed(fal: &Fal) -> (u64, u64) {
    let log = fal.mock.log.lock().unwrap();
    (
        log.delivered.get(FLUX_DEV).copied().unwrap_or(0),
        log.submits,
    )
}

fn whole_budget(runtime: &tokio::runtime::Runtime, dir: &Path, db: Option<String>, workers: usize) {
    let fal = Fal::start(runtime, None);
    let site = Site::new(dir, db, &fal);
    let project = site.submit("10");
    site.work(workers);

    let (store, user) = runtime.block_on(site.open());
    let (jobs, usage, status) = runtime.block_on(async {
        (
            store.jobs(user, project).await.unwrap(),
            store.usage(user, Some(project)).await.unwrap(),
            store.budget_status(user, project).await.unwrap(),
        )
    });
    for j in &jobs {
        assert_eq!(j.state, JobState::Succeeded, "{:?}: {:?}", j.kind, j.error);
    }
    let shots = jobs.iter().filter(|j| j.kind == JobKind::Frame).count() as u64;
    assert!(shots >= 8, "{shots} shots");
    let (delivered, submits) = billed(&fal);
    assert_eq!(delivered, shots, "one paid call per frame");
    assert_eq!(submits, shots, "nothing sent twice");

    // Usage: recorded once per call, at the price; nothing left held.
    assert_eq!(usage.len() as u64, shots);
    assert!(
        usage
            .iter()
            .all(|u| u.record.cost == DEV && u.job_id.is_some())
    );
    assert_eq!(status.spent, DEV.times(shots));
    assert_eq!(status.held, Money::ZERO);
    assert_eq!(status.limit, Some("10".parse().unwrap()));

    // The frames are the mock's pictures.
    let out = dir.join("out");
    site.fetch(project, &out);
    let frames: Vec<PathBuf> = std::fs::read_dir(out.join("frames"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(frames.len() as u64, shots);
    let log = fal.mock.log.lock().unwrap();
    for f in frames {
        let hash = ContentHash::of_bytes(&std::fs::read(&f).unwrap());
        assert!(
            log.served.contains(&hash),
            "{} is not the mock's",
            f.display()
        );
    }
}

fn partial_budget(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    db: Option<String>,
    workers: usize,
) {
    let fal = Fal::start(runtime, None);
    let site = Site::new(dir, db, &fal);
    // Three frames fit ($0.093), a fourth would not.
    let limit: Money = "0.10".parse().unwrap();
    let project = site.submit("0.10");
    site.work(workers);

    let (store, user) = runtime.block_on(site.open());
    let (jobs, usage, status) = runtime.block_on(async {
        (
            store.jobs(user, project).await.unwrap(),
            store.usage(user, Some(project)).await.unwrap(),
            store.budget_status(user, project).await.unwrap(),
        )
    });
    let frames: Vec<_> = jobs.iter().filter(|j| j.kind == JobKind::Frame).collect();
    let made = frames
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count() as u64;
    assert_eq!(made, 3, "the budget pays for three frames");
    for j in frames.iter().filter(|j| j.state != JobState::Succeeded) {
        assert_eq!(
            j.state,
            JobState::Failed,
            "refused for good, not retried forever"
        );
        let error = j.error.as_deref().unwrap_or_default();
        assert!(
            error.contains("over budget")
                && error.contains("nothing was sent")
                && error.contains("of the $0.10 budget is left")
                && error.contains("Raise the project's budget"),
            "{error}"
        );
    }
    // Spending never passes the budget, and the mock was sent exactly the
    // calls that were paid for.
    let spent = usage.iter().map(|u| u.record.cost).sum::<Money>();
    assert_eq!(spent, DEV.times(3));
    assert!(spent <= limit);
    let (delivered, submits) = billed(&fal);
    assert_eq!(
        (delivered, submits),
        (3, 3),
        "nothing sent beyond the budget"
    );
    assert_eq!((status.spent, status.held), (spent, Money::ZERO));
    // Nothing after a refused frame ran.
    assert!(
        jobs.iter()
            .filter(|j| j.kind == JobKind::Render)
            .all(|j| j.state == JobState::Queued)
    );
}

#[test]
fn sqlite_worker_pays_each_frame_once_at_the_mock() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    whole_budget(&runtime, dir.path(), None, 1);
}

#[test]
fn sqlite_worker_never_passes_the_project_budget() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    partial_budget(&runtime, dir.path(), None, 1);
}

#[test]
fn postgres_workers_pay_each_frame_once_at_the_mock() {
    let Some(cluster) = alkemy_store::testing::shared_cluster() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(cluster.database()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    whole_budget(&runtime, dir.path(), Some(db.app_url.clone()), 2);
}

#[test]
fn postgres_workers_never_pass_the_project_budget() {
    let Some(cluster) = alkemy_store::testing::shared_cluster() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(cluster.database()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    partial_budget(&runtime, dir.path(), Some(db.app_url.clone()), 2);
}
