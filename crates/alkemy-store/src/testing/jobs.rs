//! A reference production whose handlers do real, deterministic work:
//! analyze → frame × n → animate × n → render → export, each writing
//! content-addressed blobs and recording assets and usage through the
//! queue. The crash-safety test runs it in a worker process that is killed
//! with SIGKILL at random points and compares the outcome with an
//! uninterrupted run; the benchmarks use it too.
//!
//! The bytes are derived with BLAKE3's extendable output from the seed and
//! the shot, so every run of the same graph produces the same blobs.

use std::time::Duration;

use alkemy_core::{
    AssetKind, ContentHash, JobKind, MediaInfo, Money, Progress, ProjectId, Provenance,
};
use async_trait::async_trait;
use bytes::Bytes;
use serde_json::json;

use crate::blob::{BlobKey, StoredBlob};
use crate::model::{JobOutput, JobRef, NewAsset, NewJob, NewUsage};
use crate::worker::{Handlers, JobContext, JobError, JobHandler};

/// Size of a frame blob.
pub const FRAME_BYTES: usize = 48 * 1024;
/// Size of a clip blob.
pub const CLIP_BYTES: usize = 96 * 1024;

/// The job graph of a production of `shots` shots. `step_ms` is how long
/// each handler works (in four steps, reporting progress).
pub fn production(shots: usize, seed: u64, step_ms: u64) -> Vec<NewJob> {
    let job = |kind, payload: serde_json::Value, deps: Vec<JobRef>| NewJob {
        max_attempts: 50,
        backoff_ms: 10,
        ..NewJob::new(kind, payload).after(deps)
    };
    let mut jobs = vec![job(
        JobKind::Analyze,
        json!({"seed": seed, "shots": shots, "step_ms": step_ms}),
        vec![],
    )];
    for i in 0..shots {
        jobs.push(job(
            JobKind::Frame,
            json!({"shot": i, "step_ms": step_ms}),
            vec![JobRef::Batch(0)],
        ));
    }
    for i in 0..shots {
        jobs.push(job(
            JobKind::Animate,
            json!({"shot": i, "step_ms": step_ms}),
            vec![JobRef::Batch(1 + i)],
        ));
    }
    let animates: Vec<JobRef> = (0..shots).map(|i| JobRef::Batch(1 + shots + i)).collect();
    jobs.push(job(JobKind::Render, json!({"step_ms": step_ms}), animates));
    jobs.push(job(
        JobKind::Export,
        json!({"step_ms": step_ms}),
        vec![JobRef::Batch(1 + 2 * shots)],
    ));
    jobs
}

/// Handlers for every kind in [`production`].
pub fn handlers() -> Handlers {
    let mut h = Handlers::new();
    h.register(JobKind::Analyze, Analyze)
        .register(JobKind::Frame, Frame)
        .register(JobKind::Animate, Animate)
        .register(JobKind::Render, Render)
        .register(JobKind::Export, Export);
    h
}

/// `len` deterministic bytes from a key.
fn derive(key: &[u8], len: usize) -> Bytes {
    let mut out = vec![0u8; len];
    blake3::Hasher::new()
        .update(key)
        .finalize_xof()
        .fill(&mut out);
    Bytes::from(out)
}

async fn work(ctx: &JobContext, what: &str) {
    let step = ctx.job.payload["step_ms"].as_u64().unwrap_or(0);
    for i in 1..=4u8 {
        tokio::time::sleep(Duration::from_millis(step / 4)).await;
        ctx.report(Progress::new(f32::from(i) / 4.0, format!("{what} {i}/4")));
    }
}

fn payload_u64(ctx: &JobContext, field: &str) -> Result<u64, JobError> {
    ctx.job.payload[field]
        .as_u64()
        .ok_or_else(|| JobError::fatal(format!("payload has no {field}")))
}

/// The result of the single dependency, or of each dependency in order.
async fn dep_results(ctx: &JobContext) -> Result<Vec<serde_json::Value>, JobError> {
    let mut out = Vec::with_capacity(ctx.job.depends_on.len());
    for d in &ctx.job.depends_on {
        let job = ctx.dependency(*d).await?;
        out.push(job.result.unwrap_or_default());
    }
    Ok(out)
}

fn asset(kind: AssetKind, blob: &StoredBlob, mime: &str, inputs: ContentHash) -> NewAsset {
    NewAsset {
        kind,
        storage_key: blob.key.to_string(),
        mime: mime.to_owned(),
        size_bytes: blob.size,
        content_hash: blob.hash,
        media: MediaInfo::default(),
        provenance: Provenance {
            inputs_hash: Some(inputs),
            provider: Some("local".to_owned()),
            model: Some("reference".to_owned()),
            seed: None,
            cost: Money::ZERO,
            parent: None,
            variant_of: None,
        },
        shot_id: None,
    }
}

fn blob_result(blob: &StoredBlob) -> serde_json::Value {
    json!({"key": blob.key.as_str(), "hash": blob.hash, "size": blob.size})
}

async fn put(
    ctx: &JobContext,
    kind: AssetKind,
    ext: &str,
    bytes: Bytes,
) -> Result<StoredBlob, JobError> {
    let project: ProjectId = ctx.job.project_id;
    Ok(ctx.blobs.put_generated(project, kind, ext, bytes).await?)
}

async fn read(ctx: &JobContext, result: &serde_json::Value) -> Result<Bytes, JobError> {
    let key = result["key"]
        .as_str()
        .ok_or_else(|| JobError::fatal("dependency result has no key"))?;
    Ok(ctx.blobs.get(&BlobKey::parse(key)?).await?)
}

struct Analyze;

#[async_trait]
impl JobHandler for Analyze {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        work(ctx, "analysing").await;
        let seed = payload_u64(ctx, "seed")?;
        Ok(JobOutput {
            result: json!({"seed": seed, "shots": payload_u64(ctx, "shots")?}),
            ..JobOutput::default()
        })
    }
}

struct Frame;

#[async_trait]
impl JobHandler for Frame {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let shot = payload_u64(ctx, "shot")?;
        let analysis = dep_results(ctx).await?;
        let seed = analysis
            .first()
            .and_then(|r| r["seed"].as_u64())
            .ok_or_else(|| JobError::fatal("analysis result has no seed"))?;
        work(ctx, "framing").await;
        let key = format!("frame/{seed}/{shot}");
        let blob = put(
            ctx,
            AssetKind::Frame,
            "png",
            derive(key.as_bytes(), FRAME_BYTES),
        )
        .await?;
        let inputs = ContentHash::of_bytes(key.as_bytes());
        Ok(JobOutput {
            result: blob_result(&blob),
            assets: vec![NewAsset {
                shot_id: Some(format!("shot-{shot}")),
                ..asset(AssetKind::Frame, &blob, "image/png", inputs)
            }],
            usage: vec![NewUsage {
                project_id: None,
                job_id: None,
                record: alkemy_core::UsageRecord {
                    provider: "local".to_owned(),
                    model: "reference".to_owned(),
                    capability: alkemy_core::Capability::Image,
                    units: vec![alkemy_core::Units::new(alkemy_core::UnitKind::Image, 1)],
                    cost: Money::from_micros(1_000),
                    shot_id: Some(format!("shot-{shot}")),
                    request_hash: inputs,
                    at_ms: 0,
                    skipped: Vec::new(),
                    rejected: None,
                },
            }],
        })
    }
}

struct Animate;

#[async_trait]
impl JobHandler for Animate {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let shot = payload_u64(ctx, "shot")?;
        let frame = dep_results(ctx).await?;
        let frame = frame
            .first()
            .ok_or_else(|| JobError::fatal("animate needs its frame"))?;
        let still = read(ctx, frame).await?;
        work(ctx, "animating").await;
        let inputs = ContentHash::of_bytes(&still);
        let blob = put(
            ctx,
            AssetKind::Clip,
            "mp4",
            derive(inputs.as_bytes(), CLIP_BYTES),
        )
        .await?;
        Ok(JobOutput {
            result: blob_result(&blob),
            assets: vec![NewAsset {
                shot_id: Some(format!("shot-{shot}")),
                ..asset(AssetKind::Clip, &blob, "video/mp4", inputs)
            }],
            usage: Vec::new(),
        })
    }
}

struct Render;

#[async_trait]
impl JobHandler for Render {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let clips = dep_results(ctx).await?;
        let mut ordered: Vec<(u64, serde_json::Value)> = Vec::new();
        for (dep, result) in ctx.job.depends_on.iter().zip(clips) {
            let shot = ctx.dependency(*dep).await?.payload["shot"]
                .as_u64()
                .unwrap_or(0);
            ordered.push((shot, result));
        }
        ordered.sort_by_key(|(shot, _)| *shot);
        let mut film = Vec::with_capacity(ordered.len() * CLIP_BYTES);
        for (_, clip) in &ordered {
            film.extend_from_slice(&read(ctx, clip).await?);
        }
        work(ctx, "rendering").await;
        let inputs = ContentHash::of_bytes(&film);
        let blob = put(ctx, AssetKind::Render, "mp4", Bytes::from(film)).await?;
        Ok(JobOutput {
            result: blob_result(&blob),
            assets: vec![asset(AssetKind::Render, &blob, "video/mp4", inputs)],
            usage: Vec::new(),
        })
    }
}

struct Export;

#[async_trait]
impl JobHandler for Export {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let render = dep_results(ctx).await?;
        let render = render
            .first()
            .ok_or_else(|| JobError::fatal("export needs its render"))?;
        let film = read(ctx, render).await?;
        work(ctx, "exporting").await;
        let manifest = json!({
            "render": ContentHash::of_bytes(&film),
            "bytes": film.len(),
        });
        let bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| JobError::fatal(format!("encoding the manifest: {e}")))?;
        let inputs = ContentHash::of_bytes(&film);
        let blob = put(ctx, AssetKind::Export, "json", Bytes::from(bytes)).await?;
        Ok(JobOutput {
            result: blob_result(&blob),
            assets: vec![asset(AssetKind::Export, &blob, "application/json", inputs)],
            usage: Vec::new(),
        })
    }
}
