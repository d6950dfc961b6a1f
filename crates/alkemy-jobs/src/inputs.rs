//! What handlers read: the job's payload, the project's settings and script
//! version, their dependencies' results, blobs; and how they store a file.

use std::path::Path;

use alkemy_core::{
    AssetKind, JobKind, JobState, MediaInfo, ProjectSettings, Provenance, Screenplay,
    ScriptVersionId,
};
use alkemy_script::Format;
use alkemy_store::model::{NewAsset, ScriptVersion};
use alkemy_store::{BlobKey, JobContext, JobError};
use alkemy_studio::produce::{Entry, Made, Prepared, ProduceOptions, Script};
use alkemy_studio::{PlanOptions, StylePreset};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::results::{PlanDocument, PlanResult, StoredFile};

/// The payload every production job carries.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Payload {
    /// The script version produced.
    pub script_version: ScriptVersionId,
    /// The shot, for frame and animate jobs.
    #[serde(default)]
    pub shot: Option<String>,
    /// The shots the graph was queued for (plan jobs).
    #[serde(default)]
    pub shots: Option<Vec<String>>,
}

pub(crate) fn payload(ctx: &JobContext) -> Result<Payload, JobError> {
    serde_json::from_value(ctx.job.payload.clone()).map_err(|e| {
        JobError::fatal(format!(
            "{} job {}: bad payload: {e}",
            ctx.job.kind, ctx.job.id
        ))
    })
}

/// The shot a frame or animate job works on.
pub(crate) fn shot_of(p: &Payload, ctx: &JobContext) -> Result<String, JobError> {
    p.shot
        .clone()
        .ok_or_else(|| JobError::fatal(format!("{} job {}: no shot", ctx.job.kind, ctx.job.id)))
}

pub(crate) async fn script_version(
    ctx: &JobContext,
    id: ScriptVersionId,
) -> Result<ScriptVersion, JobError> {
    ctx.store
        .script_versions(ctx.user(), ctx.job.project_id)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| JobError::fatal(format!("script version {id} is gone")))
}

/// A stored script version as the pipeline reads it: in the format it was
/// stored as (a PDF is stored converted to Fountain, under its own name).
pub(crate) fn script_of(version: &ScriptVersion) -> Script {
    Script {
        name: version.source_name.clone(),
        bytes: version.text.clone().into_bytes(),
        format: Format::from_stored_name(&version.format),
    }
}

/// The ids of a plan's shots, in order: what the graph is laid out for and
/// the plan job checks it still gets.
pub(crate) fn shot_ids(list: &alkemy_core::ShotList) -> Vec<String> {
    list.shots.iter().map(|s| s.id.to_string()).collect()
}

/// Reads a stored script version (see [`script_of`]).
pub(crate) fn read_version(version: &ScriptVersion) -> Result<Screenplay, JobError> {
    let bytes = version.text.as_bytes();
    match Format::from_stored_name(&version.format) {
        Some(format) => alkemy_script::read_as(bytes, format),
        None => alkemy_script::read(bytes, Some(&version.source_name)),
    }
    .map_err(|e| JobError::fatal(format!("{}: {e}", version.source_name)))
}

/// How the project is produced, in a folder (a scratch folder for the
/// steps that need one; never used by the others).
pub(crate) async fn options(ctx: &JobContext, out_dir: &Path) -> Result<ProduceOptions, JobError> {
    let project = ctx.store.project(ctx.user(), ctx.job.project_id).await?;
    Ok(options_for(&project.settings, out_dir))
}

/// The production options of a project's settings. Media paths in the
/// FCPXML are relative: the folder is assembled in scratch space.
pub(crate) fn options_for(settings: &ProjectSettings, out_dir: &Path) -> ProduceOptions {
    let mut options = ProduceOptions::new(out_dir);
    options.settings = settings.clone();
    let style: StylePreset = settings.style.parse().unwrap_or_default();
    options.plan = PlanOptions::with_style(style);
    options.concurrency = 2;
    options.fcpxml_media = alkemy_studio::produce::FcpxmlMedia::Relative;
    options
}

/// The results of this job's direct dependencies of one kind.
pub(crate) async fn dependency_results<T: DeserializeOwned>(
    ctx: &JobContext,
    kind: JobKind,
) -> Result<Vec<T>, JobError> {
    let mut out = Vec::new();
    for id in &ctx.job.depends_on {
        let job = ctx.dependency(*id).await?;
        if job.kind != kind {
            continue;
        }
        if job.state != JobState::Succeeded {
            return Err(JobError::retry(format!(
                "dependency {} ({}) is {}",
                job.id, job.kind, job.state
            )));
        }
        let result = job.result.clone().unwrap_or_default();
        out.push(serde_json::from_value(result).map_err(|e| {
            JobError::fatal(format!(
                "dependency {} ({}): bad result: {e}",
                job.id, job.kind
            ))
        })?);
    }
    Ok(out)
}

/// The one dependency of a kind.
pub(crate) async fn dependency_result<T: DeserializeOwned>(
    ctx: &JobContext,
    kind: JobKind,
) -> Result<T, JobError> {
    dependency_results(ctx, kind)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            JobError::fatal(format!(
                "{} job {} depends on no {kind} job",
                ctx.job.kind, ctx.job.id
            ))
        })
}

pub(crate) async fn blob(ctx: &JobContext, key: &str) -> Result<Bytes, JobError> {
    let key = BlobKey::parse(key)?;
    Ok(ctx.blobs.get(&key).await?)
}

/// A stored file's bytes, checked against the hash its job recorded.
pub(crate) async fn file_bytes(ctx: &JobContext, file: &StoredFile) -> Result<Vec<u8>, JobError> {
    let bytes = blob(ctx, &file.key).await?;
    if alkemy_core::ContentHash::of_bytes(&bytes) != file.entry.hash {
        return Err(JobError::fatal(format!(
            "blob {} ({}) does not hold what was recorded",
            file.key, file.entry.path
        )));
    }
    Ok(bytes.to_vec())
}

/// The plan (from the plan job this job depends on).
pub(crate) async fn plan(ctx: &JobContext) -> Result<PlanDocument, JobError> {
    let result: PlanResult = dependency_result(ctx, JobKind::Plan).await?;
    let bytes = blob(ctx, &result.plan).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| JobError::fatal(format!("plan {}: {e}", result.plan)))
}

/// The prepared production: the script read again (deterministic and
/// cheap) and the stored plan.
pub(crate) async fn prepared(ctx: &JobContext, p: &Payload) -> Result<Prepared, JobError> {
    let plan = plan(ctx).await?;
    let version = script_version(ctx, p.script_version).await?;
    let screenplay = read_version(&version)?;
    let breakdown = alkemy_script::breakdown(&screenplay);
    Ok(Prepared {
        title: plan.title,
        screenplay,
        breakdown,
        shots: plan.shots,
        warnings: plan.warnings,
    })
}

/// The store's kind of a production file.
fn asset_kind(kind: alkemy_export::AssetKind) -> AssetKind {
    use alkemy_export::AssetKind as K;
    match kind {
        K::Frame => AssetKind::Frame,
        K::Clip | K::TitleCard => AssetKind::Clip,
        K::Animatic => AssetKind::Render,
        _ => AssetKind::Export,
    }
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "json" | "otio" => "application/json",
        "csv" => "text/csv",
        "html" => "text/html",
        "pdf" => "application/pdf",
        "fcpxml" => "application/xml",
        "edl" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Writes a made file under its content-addressed key (a retry writes the
/// same key) and describes its asset row, to be committed with the job.
pub(crate) async fn store_file(
    ctx: &JobContext,
    made: Made,
    settings: &ProjectSettings,
    parent: Option<alkemy_core::AssetId>,
) -> Result<(StoredFile, NewAsset), JobError> {
    let Made { entry, bytes } = made;
    let kind = asset_kind(entry.kind);
    let ext = entry.path.rsplit('.').next().unwrap_or("bin").to_owned();
    let size = bytes.len() as u64;
    let stored = ctx
        .blobs
        .put_generated(ctx.job.project_id, kind, &ext, Bytes::from(bytes))
        .await?;
    if stored.hash != entry.hash || size != entry.bytes {
        return Err(JobError::fatal(format!(
            "{}: its bytes do not match its journal entry",
            entry.path
        )));
    }
    let (width, height) = settings.resolution.frame_size(settings.aspect);
    let pictures = matches!(kind, AssetKind::Frame | AssetKind::Clip | AssetKind::Render);
    let duration_ms = entry
        .frames
        .map(|f| f * 1000 / u64::from(settings.fps.max(1)));
    let (provider, model) = entry
        .model
        .split_once(':')
        .map_or(("alkemy", entry.model.as_str()), |(p, m)| (p, m));
    let asset = NewAsset {
        kind,
        storage_key: stored.key.to_string(),
        mime: mime_of(&entry.path).to_owned(),
        size_bytes: size,
        content_hash: stored.hash,
        media: MediaInfo {
            width: pictures.then_some(width),
            height: pictures.then_some(height),
            duration_ms,
        },
        provenance: Provenance {
            inputs_hash: Some(entry.key),
            provider: Some(provider.to_owned()),
            model: Some(model.to_owned()),
            seed: entry.seed,
            cost: entry.cost,
            parent,
            variant_of: None,
        },
        shot_id: entry.shot_id.clone(),
    };
    Ok((
        StoredFile {
            key: stored.key.to_string(),
            entry,
        },
        asset,
    ))
}

/// Reads a file a workspace step wrote, with its journal entry.
pub(crate) fn made_in(dir: &Path, entry: Entry) -> Result<Made, JobError> {
    let path = dir.join(&entry.path);
    let bytes = std::fs::read(&path)
        .map_err(|e| JobError::retry(format!("reading {}: {e}", path.display())))?;
    Ok(Made { entry, bytes })
}
