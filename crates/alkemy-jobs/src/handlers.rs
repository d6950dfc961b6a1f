//! The handlers of a production's jobs. Each reads its inputs (payload,
//! project, script version, dependencies' results, blobs), runs one step of
//! the pipeline (`alkemy_studio::produce`), writes what it made as
//! content-addressed blobs and returns the asset rows and its result for
//! the store to commit with the job.

use std::sync::Arc;

use alkemy_core::{
    AssetKind, Capability, ContentHash, JobKind, Money, Progress, UnitKind, Units, UsageRecord,
};
use alkemy_store::model::{JobOutput, NewAsset, NewUsage};
use alkemy_store::{Handlers, JobContext, JobError, JobHandler};
use alkemy_studio::produce::{
    self, Entry, Made, Models, Output, Rendered, ShotOutputs, Silent, Workspace,
};
use async_trait::async_trait;

use crate::budget::Budgeted;
use crate::error::produce_err;
use crate::inputs::{
    self, Payload, dependency_result, dependency_results, file_bytes, made_in, options, payload,
    prepared, read_version, script_of, script_version, shot_ids, shot_of, store_file,
};
use crate::results::{
    AnalyzeResult, AnimateResult, ExportResult, FrameResult, PlanDocument, PlanResult,
    RenderResult, StoredFile,
};

/// Handlers for every job of a production, with these models. `Export`
/// jobs whose payload names `"format": "bundle"` (or no production) write
/// a project bundle, as before.
///
/// Every handler runs [`Budgeted`]: when the models are routed through a
/// [`StoreBudget`](crate::StoreBudget), each paid call reserves against
/// the job's project budget in the store; with local models nothing is
/// reserved and nothing changes.
pub fn handlers(models: Models) -> Handlers {
    let shared = Arc::new(models);
    let mut h = Handlers::new();
    h.register(JobKind::Analyze, Budgeted(Analyze))
        .register(JobKind::Plan, Budgeted(Plan(shared.clone())))
        .register(JobKind::Frame, Budgeted(Frame(shared.clone())))
        .register(JobKind::Animate, Budgeted(Animate(shared.clone())))
        .register(JobKind::Render, Budgeted(Render(shared.clone())))
        .register(JobKind::Export, Budgeted(Export(shared)));
    h
}

/// The payload's `format` of a production export job.
pub(crate) const PRODUCTION_FORMAT: &str = "production";

fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, JobError> {
    serde_json::to_value(value).map_err(|e| JobError::fatal(format!("result: {e}")))
}

fn output(result: serde_json::Value, assets: Vec<NewAsset>) -> JobOutput {
    JobOutput {
        result,
        assets,
        usage: Vec::new(),
    }
}

/// The charge for a paid frame or clip, recorded with the job's commit so a
/// retried job is charged once. Free (local) models are not charged.
fn charge(entry: &Entry, capability: Capability) -> Option<NewUsage> {
    if entry.cost == Money::ZERO {
        return None;
    }
    let units = match capability {
        Capability::Video => Units::new(UnitKind::VideoClip, 1),
        _ => Units::new(UnitKind::Image, 1),
    };
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Some(NewUsage {
        project_id: None,
        job_id: None,
        record: UsageRecord {
            provider: entry
                .model
                .split_once(':')
                .map_or("alkemy", |(p, _)| p)
                .to_owned(),
            model: entry.model.clone(),
            capability,
            units: vec![units],
            cost: entry.cost,
            shot_id: entry.shot_id.clone(),
            request_hash: entry.key,
            at_ms,
            skipped: Vec::new(),
            rejected: None,
        },
    })
}

/// A scratch folder for a workspace step (removed when dropped; a killed
/// worker leaves it in the temporary directory).
fn scratch() -> Result<tempfile::TempDir, JobError> {
    tempfile::Builder::new()
        .prefix("alkemy-job-")
        .tempdir()
        .map_err(|e| JobError::retry(format!("making a scratch folder: {e}")))
}

/// Parses and breaks down the script version; stores the analysis once.
struct Analyze;

#[async_trait]
impl JobHandler for Analyze {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let p = payload(ctx)?;
        let version = script_version(ctx, p.script_version).await?;
        ctx.report(Progress::new(
            0.1,
            format!("reading {}", version.source_name),
        ));
        let screenplay = read_version(&version)?;
        let breakdown = alkemy_script::breakdown(&screenplay);
        if breakdown.scenes.is_empty() {
            return Err(JobError::fatal(format!(
                "{}: the script has no scenes",
                version.source_name
            )));
        }
        // An earlier attempt may have stored it before dying: reuse it.
        let user = ctx.user();
        let analysis = match ctx.store.latest_analysis(user, ctx.job.project_id).await? {
            // A version's breakdown is deterministic: one analysis per version.
            Some(a) if a.script_version_id == version.id => a,
            _ => {
                ctx.store
                    .save_analysis(user, version.id, &breakdown, None)
                    .await?
            }
        };
        let result = AnalyzeResult {
            analysis: analysis.id,
            scenes: breakdown.scenes.len(),
            characters: breakdown.characters.len(),
        };
        Ok(output(json(&result)?, Vec::new()))
    }
}

/// Plans the shots and composes their prompts; stores the plan document and
/// the project's shot list.
struct Plan(Arc<Models>);

#[async_trait]
impl JobHandler for Plan {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let p = payload(ctx)?;
        let version = script_version(ctx, p.script_version).await?;
        let unused = std::env::temp_dir();
        let options = options(ctx, &unused).await?;
        ctx.report(Progress::new(0.1, "planning shots"));
        let prepared = produce::prepare(&script_of(&version), &options, &self.0, &Silent)
            .await
            .map_err(produce_err)?;
        let ids = shot_ids(&prepared.shots);
        if let Some(expected) = &p.shots
            && *expected != ids
        {
            return Err(JobError::fatal(format!(
                "the plan has shots {ids:?} but the graph was queued for {expected:?}: submit the script again"
            )));
        }
        let document = PlanDocument {
            title: prepared.title.clone(),
            shots: prepared.shots.clone(),
            warnings: prepared.warnings.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&document)
            .map_err(|e| JobError::fatal(format!("plan: {e}")))?;
        bytes.push(b'\n');
        let inputs = ContentHash::of_json(&("plan-v1", &version.content_hash, &options.settings));
        let entry = Entry {
            path: "plan.json".to_owned(),
            kind: alkemy_export::AssetKind::ShotList,
            shot_id: None,
            key: inputs,
            hash: ContentHash::of_bytes(&bytes),
            bytes: bytes.len() as u64,
            model: format!("alkemy:planner-{}", options.settings.style),
            seed: None,
            cost: Money::ZERO,
            time_ms: 0,
            frames: None,
        };
        let (file, asset) = store_file(ctx, Made { entry, bytes }, &options.settings, None).await?;
        // Idempotent: the same list replaces itself.
        ctx.store
            .replace_shots(ctx.user(), ctx.job.project_id, &prepared.shots)
            .await?;
        let result = PlanResult {
            plan: file.key,
            title: prepared.title,
            shots: ids,
        };
        Ok(output(json(&result)?, vec![asset]))
    }
}

fn shot_in<'a>(plan: &'a PlanDocument, id: &str) -> Result<&'a alkemy_core::Shot, JobError> {
    plan.shots
        .shots
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| JobError::fatal(format!("shot {id} is not in the plan")))
}

/// Makes one shot's frame with the image model.
struct Frame(Arc<Models>);

#[async_trait]
impl JobHandler for Frame {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let p = payload(ctx)?;
        let id = shot_of(&p, ctx)?;
        let plan = inputs::plan(ctx).await?;
        let shot = shot_in(&plan, &id)?;
        let unused = std::env::temp_dir();
        let options = options(ctx, &unused).await?;
        ctx.report(Progress::new(0.1, format!("framing shot {id}")));
        let made = produce::make_frame(&self.0, &options.settings, shot)
            .await
            .map_err(produce_err)?;
        let (frame, asset) = store_file(ctx, made, &options.settings, None).await?;
        let mut out = output(
            json(&FrameResult {
                frame: frame.clone(),
            })?,
            vec![asset],
        );
        out.usage.extend(charge(&frame.entry, Capability::Image));
        Ok(out)
    }
}

/// Animates one shot's frame into its clip with the video model.
struct Animate(Arc<Models>);

#[async_trait]
impl JobHandler for Animate {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let p = payload(ctx)?;
        let id = shot_of(&p, ctx)?;
        let plan = inputs::plan(ctx).await?;
        let shot = shot_in(&plan, &id)?;
        let FrameResult { frame } = dependency_result(ctx, JobKind::Frame).await?;
        let frame_bytes = file_bytes(ctx, &frame).await?;
        let unused = std::env::temp_dir();
        let options = options(ctx, &unused).await?;
        ctx.report(Progress::new(0.1, format!("animating shot {id}")));
        let made = produce::make_clip(&self.0, &options, shot, &frame.entry, frame_bytes)
            .await
            .map_err(produce_err)?;
        let parent = frame_asset(ctx, &frame).await?;
        let (clip, asset) = store_file(ctx, made, &options.settings, parent).await?;
        let usage = charge(&clip.entry, Capability::Video);
        let mut out = output(json(&AnimateResult { frame, clip })?, vec![asset]);
        out.usage.extend(usage);
        Ok(out)
    }
}

/// The asset row of a frame: found by its inputs, or, when shots with
/// identical pictures share one blob (and the row carries another shot's
/// inputs), by its key.
async fn frame_asset(
    ctx: &JobContext,
    frame: &StoredFile,
) -> Result<Option<alkemy_core::AssetId>, JobError> {
    let (user, project) = (ctx.user(), ctx.job.project_id);
    if let Some(a) = ctx
        .store
        .asset_by_inputs(user, project, AssetKind::Frame, frame.entry.key)
        .await?
        && a.storage_key == frame.key
    {
        return Ok(Some(a.id));
    }
    let all = ctx
        .store
        .assets(user, project, Some(AssetKind::Frame))
        .await?;
    Ok(all
        .into_iter()
        .find(|a| a.storage_key == frame.key)
        .map(|a| a.id))
}

/// The shots' frames and clips in plan order, put into a workspace.
async fn adopt_shots(
    ctx: &JobContext,
    workspace: &Workspace,
    prepared: &produce::Prepared,
    made: &[AnimateResult],
) -> Result<Vec<ShotOutputs>, JobError> {
    let mut out = Vec::with_capacity(prepared.shots.shots.len());
    for shot in &prepared.shots.shots {
        let m = made
            .iter()
            .find(|m| m.clip.entry.shot_id.as_deref() == Some(shot.id.as_str()))
            .ok_or_else(|| JobError::fatal(format!("no clip was made for shot {}", shot.id)))?;
        let mut adopted = Vec::with_capacity(2);
        for file in [&m.frame, &m.clip] {
            let bytes = file_bytes(ctx, file).await?;
            let entry = workspace
                .adopt(Made {
                    entry: file.entry.clone(),
                    bytes,
                })
                .await
                .map_err(produce_err)?;
            adopted.push(Output {
                entry,
                reused: false,
            });
        }
        let clip = adopted.pop();
        let frame = adopted.pop();
        let (Some(frame), Some(clip)) = (frame, clip) else {
            return Err(JobError::fatal("adopting a shot's files".to_owned()));
        };
        out.push(ShotOutputs { frame, clip });
    }
    Ok(out)
}

/// Assembles the edit and renders the title cards and the animatic.
struct Render(Arc<Models>);

#[async_trait]
impl JobHandler for Render {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        let p: Payload = payload(ctx)?;
        let prepared = prepared(ctx, &p).await?;
        let made: Vec<AnimateResult> = dependency_results(ctx, JobKind::Animate).await?;
        let dir = scratch()?;
        let options = options(ctx, dir.path()).await?;
        let workspace = Workspace::open(&options, &self.0).map_err(produce_err)?;
        ctx.report(Progress::new(0.1, "gathering frames and clips"));
        let results = adopt_shots(ctx, &workspace, &prepared, &made).await?;
        let edit = workspace.edit(&prepared, &results).map_err(produce_err)?;
        ctx.report(Progress::new(0.3, "rendering the animatic"));
        let rendered = workspace
            .animatic(&prepared, &results, &edit, &Silent)
            .await
            .map_err(produce_err)?;
        let mut files = Vec::new();
        let mut assets = Vec::new();
        for path in &rendered.files {
            let entry = workspace
                .journal()
                .get(path)
                .ok_or_else(|| JobError::retry(format!("{path}: rendered but not journalled")))?;
            let (file, asset) =
                store_file(ctx, made_in(dir.path(), entry)?, &options.settings, None).await?;
            files.push(file);
            assets.push(asset);
        }
        let shots = results
            .iter()
            .map(|r| {
                made.iter()
                    .find(|m| m.clip.entry.path == r.clip.entry.path)
                    .cloned()
                    .ok_or_else(|| JobError::fatal(format!("{}: lost", r.clip.entry.path)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let result = RenderResult {
            shots,
            files,
            frames: edit.timeline.frames(),
        };
        Ok(output(json(&result)?, assets))
    }
}

/// Writes the exports; the result lists the whole production folder.
/// Bundle exports (`"format": "bundle"`) go to the bundle writer.
struct Export(Arc<Models>);

#[async_trait]
impl JobHandler for Export {
    async fn run(&self, ctx: &JobContext) -> Result<JobOutput, JobError> {
        if ctx.job.payload["format"].as_str() != Some(PRODUCTION_FORMAT) {
            return alkemy_store::bundle::BundleExport.run(ctx).await;
        }
        let p: Payload = payload(ctx)?;
        let prepared = prepared(ctx, &p).await?;
        let render: RenderResult = dependency_result(ctx, JobKind::Render).await?;
        let dir = scratch()?;
        let options = options(ctx, dir.path()).await?;
        let workspace = Workspace::open(&options, &self.0).map_err(produce_err)?;
        ctx.report(Progress::new(0.1, "gathering the production"));
        let results = adopt_shots(ctx, &workspace, &prepared, &render.shots).await?;
        for file in &render.files {
            let bytes = file_bytes(ctx, file).await?;
            workspace
                .adopt(Made {
                    entry: file.entry.clone(),
                    bytes,
                })
                .await
                .map_err(produce_err)?;
        }
        let edit = workspace.edit(&prepared, &results).map_err(produce_err)?;
        let animatic = Rendered {
            files: render.files.iter().map(|f| f.entry.path.clone()).collect(),
            live: render.files.iter().map(|f| f.entry.path.clone()).collect(),
        };
        ctx.report(Progress::new(0.3, "writing exports"));
        let written = workspace
            .exports(&prepared, &results, &edit, &animatic, &Silent)
            .map_err(produce_err)?;
        let mut files: Vec<StoredFile> = render
            .shots
            .iter()
            .flat_map(|s| [s.frame.clone(), s.clip.clone()])
            .chain(render.files.iter().cloned())
            .collect();
        let mut assets = Vec::new();
        for path in &written {
            let made = match workspace.journal().get(path) {
                Some(entry) => made_in(dir.path(), entry)?,
                // The manifest is not journalled (it describes the journal).
                None => unjournalled(dir.path(), path)?,
            };
            let (file, asset) = store_file(ctx, made, &options.settings, None).await?;
            files.push(file);
            assets.push(asset);
        }
        Ok(output(json(&ExportResult { files })?, assets))
    }
}

/// A file a step wrote without journalling it.
fn unjournalled(dir: &std::path::Path, path: &str) -> Result<Made, JobError> {
    let full = dir.join(path);
    let bytes = std::fs::read(&full)
        .map_err(|e| JobError::retry(format!("reading {}: {e}", full.display())))?;
    let hash = ContentHash::of_bytes(&bytes);
    let entry = Entry {
        path: path.to_owned(),
        kind: alkemy_export::AssetKind::Other,
        shot_id: None,
        key: hash,
        hash,
        bytes: bytes.len() as u64,
        model: "alkemy:export".to_owned(),
        seed: None,
        cost: Money::ZERO,
        time_ms: 0,
        frames: None,
    };
    Ok(Made { entry, bytes })
}
