//! The job graph in one process: it makes exactly what the folder pipeline
//! makes, records provenance on every asset, and a failed job is retried
//! alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use alkemy_core::{
    AssetKind, ContentHash, GeneratedImage, ImageModel, ImageRequest, JobKind, JobState, Money,
    ProjectId, ProjectSettings, ProviderError, ProviderErrorKind, Resolution, UserId,
};
use alkemy_jobs::GraphOptions;
use alkemy_jobs::results::{FrameResult, PlanResult};
use alkemy_store::model::{NewProject, NewScriptVersion, NewUser, ScriptVersion};
use alkemy_store::{BlobStore, OpenOptions, Store, Worker, WorkerConfig};
use alkemy_studio::produce::{self, FcpxmlMedia, Models, ProduceOptions, Script, Silent};
use async_trait::async_trait;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/brick-and-steel.fountain"
);

fn settings() -> ProjectSettings {
    ProjectSettings {
        resolution: Resolution::P480,
        ..ProjectSettings::default()
    }
}

struct Site {
    store: Arc<dyn Store>,
    blobs: BlobStore,
    user: UserId,
    project: ProjectId,
    version: ScriptVersion,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("alkemy.db").display());
    let store = alkemy_store::open(&url, OpenOptions::default())
        .await
        .unwrap();
    let blobs = BlobStore::local(&dir.path().join("media")).unwrap();
    let user = store
        .create_user(NewUser {
            email: "director@example.com".into(),
            display_name: "Director".into(),
            password_hash: None,
        })
        .await
        .unwrap()
        .id;
    let project = store
        .create_project(
            user,
            NewProject {
                title: "Brick & Steel".into(),
                settings: settings(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap()
        .id;
    let version = store
        .add_script_version(
            user,
            project,
            NewScriptVersion {
                source_name: "brick-and-steel.fountain".into(),
                format: "fountain".into(),
                text: std::fs::read_to_string(SCRIPT).unwrap(),
            },
        )
        .await
        .unwrap();
    Site {
        store,
        blobs,
        user,
        project,
        version,
        _dir: dir,
    }
}

async fn drain(site: &Site, models: Models) {
    let config = WorkerConfig {
        drain: true,
        concurrency: 2,
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    Worker::new(
        site.store.clone(),
        site.blobs.clone(),
        alkemy_jobs::handlers(models),
        config,
    )
    .run(std::future::pending())
    .await
    .unwrap();
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if rel.starts_with(".alkemy") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graph_makes_what_the_folder_pipeline_makes() {
    let site = site().await;
    let submitted = alkemy_jobs::enqueue_production(
        &*site.store,
        site.user,
        site.project,
        &site.version,
        &Models::offline(),
        GraphOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        submitted.jobs.len(),
        alkemy_jobs::graph::graph_size(submitted.shots)
    );
    drain(&site, Models::offline()).await;
    let jobs = site.store.jobs(site.user, site.project).await.unwrap();
    assert!(jobs.iter().all(|j| j.state == JobState::Succeeded));

    let out = tempfile::tempdir().unwrap();
    let fetched = alkemy_jobs::fetch_outputs(
        &*site.store,
        &site.blobs,
        site.user,
        site.project,
        out.path(),
    )
    .await
    .unwrap();
    assert!(fetched.files.iter().any(|f| f == "animatic.mp4"));

    // The same script through `alkemy produce`'s pipeline.
    let folder = tempfile::tempdir().unwrap();
    let mut options = ProduceOptions::new(folder.path());
    options.settings = settings();
    options.fcpxml_media = FcpxmlMedia::Relative;
    let script = Script {
        name: "brick-and-steel.fountain".into(),
        bytes: std::fs::read(SCRIPT).unwrap(),
        format: None,
    };
    let report = produce::produce(&script, &options, &Models::offline(), &Silent)
        .await
        .unwrap();
    assert_eq!(report.shots, submitted.shots);

    let mut got = files(out.path());
    let mut expected = files(folder.path());
    got.remove("manifest.json").unwrap();
    expected.remove("manifest.json").unwrap();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(got[path] == *bytes, "{path} differs from alkemy produce's");
    }

    // Every frame asset carries its provenance: the frame's cache key.
    let plan = jobs.iter().find(|j| j.kind == JobKind::Plan).unwrap();
    let plan: PlanResult = serde_json::from_value(plan.result.clone().unwrap()).unwrap();
    assert_eq!(plan.shots.len(), submitted.shots);
    let frames = site
        .store
        .assets(site.user, site.project, Some(AssetKind::Frame))
        .await
        .unwrap();
    for job in jobs.iter().filter(|j| j.kind == JobKind::Frame) {
        let r: FrameResult = serde_json::from_value(job.result.clone().unwrap()).unwrap();
        let asset = frames
            .iter()
            .find(|a| a.storage_key == r.frame.key)
            .unwrap();
        // Shots whose pictures come out identical share one blob and row,
        // whose inputs are those of one of them.
        let sharing: Vec<_> = jobs
            .iter()
            .filter(|j| j.kind == JobKind::Frame)
            .map(|j| serde_json::from_value::<FrameResult>(j.result.clone().unwrap()).unwrap())
            .filter(|o| o.frame.key == r.frame.key)
            .map(|o| Some(o.frame.entry.key))
            .collect();
        assert!(sharing.contains(&asset.provenance.inputs_hash));
        assert_eq!(asset.provenance.provider.as_deref(), Some("local"));
        assert_eq!(asset.content_hash, r.frame.entry.hash);
        assert!(
            asset
                .storage_key
                .starts_with(&format!("projects/{}/frames/", site.project))
        );
        assert_eq!(asset.media.height, Some(480));
    }
    let clips = site
        .store
        .assets(site.user, site.project, Some(AssetKind::Clip))
        .await
        .unwrap();
    let shot_clips: Vec<_> = clips.iter().filter(|c| c.shot_id.is_some()).collect();
    assert!(!shot_clips.is_empty());
    assert!(
        shot_clips.iter().all(|c| c.provenance.parent.is_some()),
        "a clip names the frame it animates"
    );
}

/// What [`Flaky`] charges per still.
const PRICE: Money = Money::from_micros(40_000);

/// The offline image model, priced, failing for one shot while `broken` is
/// set.
struct Flaky {
    inner: Arc<dyn ImageModel>,
    shot: String,
    broken: Arc<AtomicBool>,
}

#[async_trait]
impl ImageModel for Flaky {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn quote(&self, request: &ImageRequest) -> Money {
        self.inner.quote(request)
    }
    fn cache_key(&self, request: &ImageRequest) -> ContentHash {
        self.inner.cache_key(request)
    }
    async fn generate(&self, request: &ImageRequest) -> Result<Vec<GeneratedImage>, ProviderError> {
        let this_shot = request.shot.as_ref().is_some_and(|s| s.id == self.shot);
        if this_shot && self.broken.load(Ordering::SeqCst) {
            return Err(ProviderError::new(
                "test:flaky",
                ProviderErrorKind::BadRequest,
                "refused this prompt",
            ));
        }
        let mut images = self.inner.generate(request).await?;
        for image in &mut images {
            image.cost = PRICE;
        }
        Ok(images)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_blocks_only_its_dependents_and_is_retried_alone() {
    let site = site().await;
    let offline = Models::offline();
    let submitted = alkemy_jobs::enqueue_production(
        &*site.store,
        site.user,
        site.project,
        &site.version,
        &offline,
        GraphOptions::default(),
    )
    .await
    .unwrap();
    let frame_jobs: Vec<_> = submitted
        .jobs
        .iter()
        .filter(|j| j.kind == JobKind::Frame)
        .collect();
    let victim = frame_jobs[3].clone();
    let shot = victim.payload["shot"].as_str().unwrap().to_owned();
    let broken = Arc::new(AtomicBool::new(true));
    let models = Models {
        image: Arc::new(Flaky {
            inner: offline.image.clone(),
            shot: shot.clone(),
            broken: broken.clone(),
        }),
        ..offline.clone()
    };

    drain(&site, models.clone()).await;
    let jobs = site.store.jobs(site.user, site.project).await.unwrap();
    let state = |id| jobs.iter().find(|j| j.id == id).unwrap().state;
    assert_eq!(
        state(victim.id),
        JobState::Failed,
        "a refused prompt is not retried"
    );
    let blocked: Vec<_> = jobs
        .iter()
        .filter(|j| j.state == JobState::Queued)
        .map(|j| (j.kind, j.payload["shot"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(
        blocked,
        vec![
            (JobKind::Animate, Some(shot.clone())),
            (JobKind::Render, None),
            (JobKind::Export, None),
        ],
        "only the failed job's dependents wait"
    );
    let done = jobs
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count();
    assert_eq!(done, jobs.len() - 4);

    broken.store(false, Ordering::SeqCst);
    site.store.retry_job(site.user, victim.id).await.unwrap();
    drain(&site, models).await;
    let after = site.store.jobs(site.user, site.project).await.unwrap();
    assert!(after.iter().all(|j| j.state == JobState::Succeeded));
    // Every still charged exactly once, the refused one included once made.
    let usage = site
        .store
        .usage(site.user, Some(site.project))
        .await
        .unwrap();
    assert_eq!(usage.len(), frame_jobs.len());
    let spend = site
        .store
        .project_spend(site.user, site.project)
        .await
        .unwrap();
    assert_eq!(spend, Money::from_micros(40_000 * frame_jobs.len() as i64));
    for (before, now) in jobs.iter().zip(&after) {
        if before.state == JobState::Succeeded {
            assert_eq!(before.attempts, now.attempts, "{} ran again", before.kind);
        }
    }
}
