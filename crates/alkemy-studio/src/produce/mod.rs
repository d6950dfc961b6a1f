//! `produce`: a screenplay in, a production folder out.
//!
//! ```text
//! script ─► analyze ─► plan + prompts ─► per shot: frame ─► clip ─┐
//!                                                                  ├─► timeline ─► animatic.mp4
//!                           scene title cards + dissolves ─────────┘            ├─► timeline.otio/.edl/.fcpxml
//!                                                                               ├─► storyboard.html/.pdf
//!                                                                               └─► manifest.json
//! ```
//!
//! Models are reached only through the capability traits: the offline
//! defaults are the previz renderer and the animatic, and cloud models plug
//! in the same way. With a text model, planning is three steps so that money
//! is never spent before it is quoted: [`analyze`] reads the script,
//! [`proposal_requests`] builds the shot-proposal requests (priced with
//! [`ProposalRequests::quote`] against the budget), and [`plan_shots`] sends
//! them and merges what the model proposed with the rules.
//!
//! Design decisions:
//! - **Outputs are the cache.** Every file is written atomically and then
//!   recorded in a [`journal`] with the hash of the inputs it was made from
//!   (the model's [`cache_key`](alkemy_core::ImageModel::cache_key)). A
//!   second run reuses every file whose inputs did not change, an interrupted
//!   run resumes where it stopped, and editing one scene remakes only that
//!   scene's frames and clips. Fields that locate a shot in the script (its
//!   source span, its scene's position) are not inputs of a picture, so
//!   inserting a line above a scene does not remake it.
//! - **The timeline drives the animatic.** The edit is assembled first
//!   (`alkemy-export`); the preview cut is then read off its items: shot
//!   clips are trimmed (never re-encoded), title cards and dissolves are
//!   encoded small and cached. The animatic therefore has exactly the
//!   timeline's frames, and editors get the same cut as the MP4.
//! - **Handles.** Every shot clip carries a tail handle and every title card
//!   a handle on each side, so the scene dissolves in the exported edit have
//!   media to dissolve in an editor, as in a real conform.

pub mod journal;
mod preview;
pub mod progress;
pub mod selection;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use alkemy_core::{
    Breakdown, ContentHash, ImageModel, ImageRequest, InputImage, Money, ProjectSettings,
    ProviderError, Screenplay, Shot, ShotList, Span, TextModel, VideoModel, VideoRequest,
};
use alkemy_export::storyboard::pdf::{Grid, PdfOptions};
use alkemy_export::{AssembleOptions, AssetKind, Media, MediaRef, Panel, Storyboard};
use alkemy_media::{AnimaticModel, EncodedClip, PanelOptions, PrevizModel, TitleCard};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Serialize;

pub use self::journal::{Entry, Journal};
pub use self::preview::Rendered;
pub use self::progress::{Progress, Silent, Stage};
pub use self::selection::{SceneSelection, SelectionError};
use crate::plan::PlanOptions;
use crate::prompt::{PromptContext, PromptLimits, compose_all};
use crate::propose::{ProposalOptions, ProposalQuote, ProposalReport, ProposalRequests};

/// A screenplay to produce.
#[derive(Debug, Clone)]
pub struct Script {
    /// The file name, for format detection and messages.
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its format when known beforehand (a stored script version's);
    /// `None` detects it from the content.
    pub format: Option<alkemy_script::Format>,
}

/// How to produce.
#[derive(Debug, Clone)]
pub struct ProduceOptions {
    /// The output folder.
    pub out_dir: PathBuf,
    /// Aspect ratio, resolution, frame rate, style.
    pub settings: ProjectSettings,
    /// Shot-planning options (style preset, per-scene overrides).
    pub plan: PlanOptions,
    /// Only these scenes, if given.
    pub scenes: Option<SceneSelection>,
    /// Shots worked on at once (at least 1).
    pub concurrency: usize,
    /// Open each scene with a title card, dissolving in from the last scene.
    /// Without cards, scenes cut straight.
    pub title_cards: bool,
    /// Panels per page of `storyboard.pdf`.
    pub pdf_grid: Grid,
    /// How `timeline.fcpxml` names its media.
    pub fcpxml_media: FcpxmlMedia,
}

/// How `timeline.fcpxml` refers to the frames and clips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FcpxmlMedia {
    /// Absolute `file://` URLs into the output folder, as Final Cut Pro
    /// wants them (the folder must stay where it was made).
    #[default]
    Absolute,
    /// Paths relative to the folder: the same bytes wherever it was made
    /// (productions assembled in scratch folders by job workers).
    Relative,
}

impl ProduceOptions {
    /// Defaults for an output folder: 720p 16:9 at 24 fps, classic coverage,
    /// title cards, 2×3 storyboard pages, one shot per core at a time.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            settings: ProjectSettings::default(),
            plan: PlanOptions::default(),
            scenes: None,
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            title_cards: true,
            pdf_grid: Grid::TWO_BY_THREE,
            fcpxml_media: FcpxmlMedia::Absolute,
        }
    }

    /// Frames of handle at each side of a dissolve: a quarter second.
    fn handle_frames(&self) -> u32 {
        self.settings.fps / 4
    }
}

/// The models a production uses.
#[derive(Clone)]
pub struct Models {
    /// Makes a still per shot.
    pub image: Arc<dyn ImageModel>,
    /// Animates stills into clips.
    pub video: Arc<dyn VideoModel>,
    /// Proposes shots, when configured.
    pub text: Option<Arc<dyn TextModel>>,
}

impl Models {
    /// The offline models: previz panels and the animatic. Frames are clean
    /// pictures, as a camera (or a cloud model) would give: the animatic
    /// moves over them and burns in subtitles, and the storyboards draw the
    /// movement arrows over them (`PANEL_MARKS`).
    pub fn offline() -> Self {
        Self {
            image: Arc::new(PrevizModel::new(PanelOptions::clean())),
            video: Arc::new(AnimaticModel::default()),
            text: None,
        }
    }
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field("image", &self.image.id())
            .field("video", &self.video.id())
            .field("text", &self.text.as_ref().map(|t| t.id().to_owned()))
            .finish()
    }
}

/// What a storyboard panel adds to a frame: the movement arrows (captions
/// are printed as text beside the panel).
const PANEL_MARKS: PanelOptions = PanelOptions {
    caption: false,
    arrows: true,
};

/// Why a production stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProduceError {
    /// The script cannot be read.
    #[error("{name}: {source}")]
    Script {
        /// The script's file name.
        name: String,
        /// Why.
        #[source]
        source: alkemy_script::ReadError,
    },
    /// The selection matches no scene.
    #[error(
        "no scene of {name} matches --scenes {selection} (the script has scenes {first} to {last})"
    )]
    NoScenes {
        /// The script's file name.
        name: String,
        /// The selection.
        selection: String,
        /// First scene number.
        first: String,
        /// Last scene number.
        last: String,
    },
    /// The script has no scene at all.
    #[error("{name}: the script has no scenes (no scene headings such as `INT. HOUSE - DAY`)")]
    Empty {
        /// The script's file name.
        name: String,
    },
    /// The text model failed in a way the user must fix (key, budget). The
    /// provider's error is in the message, not a `source`, so a full chain
    /// (`{:#}`) does not say it twice.
    #[error("shot proposals: {0}")]
    Proposals(ProviderError),
    /// A model failed for a shot after its retries and fallbacks. The
    /// provider's error is in the message, not a `source`, so a full chain
    /// (`{:#}`) does not say it twice.
    #[error("shot {shot}: {stage}: {error}")]
    Model {
        /// The shot id.
        shot: String,
        /// Frames or clips.
        stage: Stage,
        /// What the model said.
        error: ProviderError,
    },
    /// A model answered with nothing usable.
    #[error("shot {shot}: {stage}: {model} returned {what}")]
    BadOutput {
        /// The shot id.
        shot: String,
        /// Frames or clips.
        stage: Stage,
        /// The model.
        model: String,
        /// What was wrong.
        what: String,
    },
    /// Rendering or encoding failed.
    #[error(transparent)]
    Media(#[from] alkemy_media::MediaError),
    /// Assembling the timeline failed.
    #[error("timeline: {0}")]
    Assemble(#[from] alkemy_export::AssembleError),
    /// An export could not be written.
    #[error("{file}: {message}")]
    Export {
        /// The file.
        file: &'static str,
        /// What went wrong.
        message: String,
    },
    /// Reading or writing the output folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A background task died.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ProduceError {
    /// Whether the error is the caller's to fix (bad script, bad selection,
    /// bad request) rather than a failure of the machine or a provider.
    pub fn is_bad_input(&self) -> bool {
        match self {
            ProduceError::Script { .. }
            | ProduceError::NoScenes { .. }
            | ProduceError::Empty { .. } => true,
            ProduceError::Model { error, .. } | ProduceError::Proposals(error) => matches!(
                error.kind,
                alkemy_core::ProviderErrorKind::BadRequest
                    | alkemy_core::ProviderErrorKind::Unauthorized
                    | alkemy_core::ProviderErrorKind::BudgetExceeded
            ),
            _ => false,
        }
    }
}

/// Writes a file atomically (see [`alkemy_export::write_atomic`]); the error
/// names it.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ProduceError> {
    alkemy_export::write_atomic(path, bytes).map_err(|e| ProduceError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ProduceError + '_ {
    move |source| ProduceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A script analysed and planned: what a production will make.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The production title (title page, else the file name).
    pub title: String,
    /// The parsed script.
    pub screenplay: Screenplay,
    /// Its breakdown.
    pub breakdown: Breakdown,
    /// The shots to make (only the selected scenes), prompts composed.
    pub shots: ShotList,
    /// Warnings for people (unknown override scenes, rejected proposals).
    pub warnings: Vec<String>,
}

/// A script read and broken down, its shots not planned yet: enough to
/// build (and quote) the shot-proposal requests before anything is sent.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// The production title (title page, else the file name).
    pub title: String,
    /// The script's file name.
    pub name: String,
    /// The parsed script.
    pub screenplay: Screenplay,
    /// Its breakdown.
    pub breakdown: Breakdown,
    /// Warnings for people (unknown override scenes).
    pub warnings: Vec<String>,
}

/// A plan made by [`plan_shots`]: the prepared production and, when a model
/// proposed shots, what it contributed.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The production to make.
    pub prepared: Prepared,
    /// The model's contribution; `None` when the rules planned alone.
    pub proposals: Option<ProposalReport>,
}

/// Reads, breaks down and plans a script (with the model's proposals when
/// `models.text` is set: [`analyze`], [`proposal_requests`] and
/// [`plan_shots`] in one, with no chance to quote the proposals first).
pub async fn prepare(
    script: &Script,
    options: &ProduceOptions,
    models: &Models,
    progress: &dyn Progress,
) -> Result<Prepared, ProduceError> {
    let analyzed = analyze(script, options, progress)?;
    let proposals = models.text.as_ref().map(|text| {
        let requests = proposal_requests(&analyzed, options);
        (text.as_ref(), requests)
    });
    let planned = plan_shots(analyzed, options, models.image.id(), proposals, progress).await?;
    Ok(planned.prepared)
}

/// Reads and breaks down a script; fails when it has no scene, or none that
/// `options.scenes` selects.
pub fn analyze(
    script: &Script,
    options: &ProduceOptions,
    progress: &dyn Progress,
) -> Result<Analyzed, ProduceError> {
    progress.start(Stage::Analyze, 1);
    let read = match script.format {
        Some(format) => alkemy_script::read_as(&script.bytes, format),
        None => alkemy_script::read(&script.bytes, Some(&script.name)),
    };
    let screenplay = read.map_err(|source| ProduceError::Script {
        name: script.name.clone(),
        source,
    })?;
    let breakdown = alkemy_script::breakdown(&screenplay);
    progress.advance(Stage::Analyze, 1, 0);
    progress.finish(
        Stage::Analyze,
        &format!(
            "{} scenes, {} characters, {} pages",
            breakdown.scenes.len(),
            breakdown.characters.len(),
            breakdown.stats.pages
        ),
    );
    if breakdown.scenes.is_empty() {
        return Err(ProduceError::Empty {
            name: script.name.clone(),
        });
    }
    if let Some(selection) = &options.scenes
        && !breakdown
            .scenes
            .iter()
            .any(|s| selection.contains(&s.number))
    {
        return Err(no_scenes(&script.name, selection, &breakdown));
    }
    let warnings = options
        .plan
        .unknown_scenes(&breakdown)
        .into_iter()
        .map(|n| format!("the plan overrides scene {n}, which the script does not have"))
        .collect();
    let title = breakdown
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| title_from_file_name(&script.name));
    Ok(Analyzed {
        title,
        name: script.name.clone(),
        screenplay,
        breakdown,
        warnings,
    })
}

fn no_scenes(name: &str, selection: &SceneSelection, breakdown: &Breakdown) -> ProduceError {
    let first = breakdown.scenes.first().map(|s| s.number.clone());
    let last = breakdown.scenes.last().map(|s| s.number.clone());
    ProduceError::NoScenes {
        name: name.to_owned(),
        selection: selection.to_string(),
        first: first.unwrap_or_default(),
        last: last.unwrap_or_default(),
    }
}

/// The shot-proposal requests of the scenes the production makes (all, or
/// those `options.scenes` selects), built and not sent: quote them with
/// [`ProposalRequests::quote`] before [`plan_shots`] sends them.
pub fn proposal_requests(analyzed: &Analyzed, options: &ProduceOptions) -> ProposalRequests {
    let scenes = &analyzed.breakdown.scenes;
    ProposalRequests::for_scenes(
        &analyzed.breakdown,
        &options.plan,
        &ProposalOptions::default(),
        |i| {
            options
                .scenes
                .as_ref()
                .is_none_or(|sel| sel.contains(&scenes[i].number))
        },
    )
}

/// Plans the shots: the rules alone, or with `proposals` sent to their model
/// and merged (their rejections become warnings); then keeps the selected
/// scenes and composes the prompts for `image_model`'s limits.
pub async fn plan_shots(
    analyzed: Analyzed,
    options: &ProduceOptions,
    image_model: &str,
    proposals: Option<(&dyn TextModel, ProposalRequests)>,
    progress: &dyn Progress,
) -> Result<Planned, ProduceError> {
    let Analyzed {
        title,
        name,
        screenplay,
        breakdown,
        mut warnings,
    } = analyzed;
    progress.start(Stage::Plan, 1);
    let (mut shots, report) = match proposals {
        Some((text, requests)) => {
            let proposed = requests
                .send(&breakdown, &options.plan, text)
                .await
                .map_err(|e| ProduceError::Proposals(e.0))?;
            warnings.extend(proposed.report.rejected.iter().map(|r| {
                format!(
                    "{} proposal for scene {} turned down: {}",
                    proposed.report.model,
                    r.scene.as_deref().unwrap_or("?"),
                    r.reason
                )
            }));
            (proposed.list, Some(proposed.report))
        }
        None => (crate::plan::plan(&breakdown, &options.plan), None),
    };
    if let Some(selection) = &options.scenes {
        shots.shots.retain(|s| selection.contains(&s.scene_number));
        if shots.shots.is_empty() {
            return Err(no_scenes(&name, selection, &breakdown));
        }
    }
    compose_all(
        &mut shots,
        PromptContext {
            project: &title,
            breakdown: &breakdown,
            identities: &[],
            moodboard: None,
            aspect: options.settings.aspect,
            limits: PromptLimits::for_model(image_model),
        },
    );
    progress.advance(Stage::Plan, 1, 0);
    let by = match &report {
        Some(r) => format!(", {} proposed by {}", r.accepted, r.model),
        None => String::new(),
    };
    progress.finish(
        Stage::Plan,
        &format!(
            "{} shots{by}, {}",
            shots.shots.len(),
            clock(shots.duration_ms())
        ),
    );
    Ok(Planned {
        prepared: Prepared {
            title,
            screenplay,
            breakdown,
            shots,
            warnings,
        },
        proposals: report,
    })
}

fn title_from_file_name(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words: Vec<String> = stem
        .split(['-', '_', ' ', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        "Untitled".to_owned()
    } else {
        words.join(" ")
    }
}

/// A duration of `ms` milliseconds as `h:mm:ss`, to the nearest second: how
/// progress and reports print lengths.
pub fn clock(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// What a production would cost, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Image model.
    pub image_model: String,
    /// Video model.
    pub video_model: String,
    /// Frames to make / already made.
    pub frames_to_make: u64,
    /// Frames reusable from an earlier run.
    pub frames_reused: u64,
    /// Price of the frames to make.
    pub frames_cost: Money,
    /// Clips to make.
    pub clips_to_make: u64,
    /// Price of the clips to make.
    pub clips_cost: Money,
    /// The shot-proposal requests, when a model proposes shots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposals: Option<ProposalQuote>,
    /// True when the frames and clips are priced for the rules' plan because
    /// the model has not proposed yet: its shots may change their number.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shots_estimated: bool,
    /// Everything.
    pub total: Money,
}

impl Quote {
    /// The same quote with the shot proposals added (`estimated`: the frames
    /// and clips were priced for the rules' plan, before the proposals).
    pub fn with_proposals(mut self, proposals: ProposalQuote, estimated: bool) -> Self {
        self.total = self.frames_cost + self.clips_cost + proposals.cost;
        self.proposals = Some(proposals);
        self.shots_estimated = estimated;
        self
    }
}

/// Prices a production without sending anything: the frames and clips that
/// an earlier run in the same folder did not already make (add the shot
/// proposals with [`Quote::with_proposals`]).
pub fn quote(prepared: &Prepared, options: &ProduceOptions, models: &Models) -> Quote {
    let journal = Journal::existing(&options.out_dir);
    let mut q = Quote {
        image_model: models.image.id().to_owned(),
        video_model: models.video.id().to_owned(),
        frames_to_make: 0,
        frames_reused: 0,
        frames_cost: Money::ZERO,
        clips_to_make: 0,
        clips_cost: Money::ZERO,
        proposals: None,
        shots_estimated: false,
        total: Money::ZERO,
    };
    for shot in &prepared.shots.shots {
        let request = image_request(shot, &options.settings);
        let key = models.image.cache_key(&request);
        let stem = file_stem(shot);
        let reused = journal
            .as_ref()
            .and_then(|j| frame_entry(j, &stem, &key))
            .is_some();
        if reused {
            q.frames_reused += 1;
        } else {
            q.frames_to_make += 1;
            q.frames_cost += models.image.quote(&request);
        }
        // A clip's inputs include its frame, unknown until made: price them
        // all unless the clip's frame and the clip itself are reusable.
        q.clips_to_make += 1;
        let placeholder = InputImage {
            hash: ContentHash::of_bytes(&[]),
            mime: "image/png".to_owned(),
            bytes: Vec::new(),
        };
        q.clips_cost += models
            .video
            .quote(&video_request(shot, placeholder, options));
    }
    q.total = q.frames_cost + q.clips_cost;
    q
}

/// What a production did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The production title.
    pub title: String,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Scenes produced.
    pub scenes: usize,
    /// Shots produced.
    pub shots: usize,
    /// Frames made this run.
    pub frames_made: u64,
    /// Frames reused from an earlier run.
    pub frames_reused: u64,
    /// Clips made this run.
    pub clips_made: u64,
    /// Clips reused.
    pub clips_reused: u64,
    /// Length of the animatic, in frames.
    pub frames: u64,
    /// Frames per second.
    pub fps: u32,
    /// What this run cost.
    pub cost: Money,
    /// Files removed because their shots no longer exist.
    pub removed: Vec<String>,
    /// Warnings for people.
    pub warnings: Vec<String>,
}

/// Produces a script into `options.out_dir`.
pub async fn produce(
    script: &Script,
    options: &ProduceOptions,
    models: &Models,
    progress: &dyn Progress,
) -> Result<Report, ProduceError> {
    let prepared = prepare(script, options, models, progress).await?;
    produce_prepared(prepared, options, models, progress).await
}

/// Produces an already prepared plan (see [`prepare`]).
pub async fn produce_prepared(
    prepared: Prepared,
    options: &ProduceOptions,
    models: &Models,
    progress: &dyn Progress,
) -> Result<Report, ProduceError> {
    let out = &options.out_dir;
    let workspace = Workspace::open(options, models)?;
    let ctx = &workspace.ctx;

    // Frames and clips, shot by shot, several at once.
    let total = prepared.shots.shots.len() as u64;
    progress.start(Stage::Frames, total);
    progress.start(Stage::Clips, total);
    let started = Instant::now();
    let results: Vec<ShotOutputs> = stream::iter(prepared.shots.shots.iter().cloned())
        .map(|shot| {
            let ctx = ctx.clone();
            async move { shot_outputs(&ctx, &shot, progress).await }
        })
        .buffered(options.concurrency.max(1))
        .try_collect()
        .await?;
    let made_frames = results.iter().filter(|r| !r.frame.reused).count() as u64;
    let made_clips = results.iter().filter(|r| !r.clip.reused).count() as u64;
    progress.finish(
        Stage::Frames,
        &format!("{made_frames} made, {} reused", total - made_frames),
    );
    progress.finish(
        Stage::Clips,
        &format!(
            "{made_clips} made, {} reused in {:.1} s",
            total - made_clips,
            started.elapsed().as_secs_f64()
        ),
    );

    // The edit, then the animatic read off it, then the exports.
    let edit = workspace.edit(&prepared, &results)?;
    let animatic = workspace
        .animatic(&prepared, &results, &edit, progress)
        .await?;
    let written = workspace.exports(&prepared, &results, &edit, &animatic, progress)?;

    // Everything this run produced; the rest of what the journal knows is stale.
    let journal = &ctx.journal;
    let mut live: BTreeSet<String> = results
        .iter()
        .flat_map(|r| [r.frame.entry.path.clone(), r.clip.entry.path.clone()])
        .collect();
    live.extend(edit.cards.values().map(|(p, _)| p.clone()));
    live.extend(animatic.live.iter().cloned());
    live.extend(written);
    let removed = if options.scenes.is_none() {
        journal.sweep(&live).map_err(io_err(out))?
    } else {
        Vec::new()
    };
    journal.compact().map_err(io_err(out))?;

    let cost = results
        .iter()
        .flat_map(|r| [&r.frame, &r.clip])
        .filter(|o| !o.reused)
        .map(|o| o.entry.cost)
        .sum();
    let scenes = first_shots(&prepared.shots).count();
    Ok(Report {
        title: prepared.title.clone(),
        out_dir: out.clone(),
        scenes,
        shots: prepared.shots.shots.len(),
        frames_made: made_frames,
        frames_reused: total - made_frames,
        clips_made: made_clips,
        clips_reused: total - made_clips,
        frames: edit.timeline.frames(),
        fps: edit.timeline.fps,
        cost,
        removed,
        warnings: prepared.warnings.clone(),
    })
}

/// An output folder a production is made in, step by step: the folder
/// pipeline ([`produce_prepared`]) runs every step in one; job workers run
/// the later steps in scratch folders, from frames and clips made by other
/// jobs ([`Workspace::adopt`]).
pub struct Workspace {
    ctx: Arc<Ctx>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("out_dir", &self.ctx.options.out_dir)
            .finish()
    }
}

/// The assembled edit of a production: its timeline and the scenes' title
/// cards (`clips/title-N.mp4`).
#[derive(Debug, Clone)]
pub struct Edit {
    /// The timeline.
    pub timeline: alkemy_core::Timeline,
    cards: BTreeMap<u32, (String, TitleCard)>,
}

impl Workspace {
    /// Opens `options.out_dir` (made if missing; torn writes of an
    /// interrupted run removed) and its journal.
    pub fn open(options: &ProduceOptions, models: &Models) -> Result<Self, ProduceError> {
        let out = &options.out_dir;
        for dir in [
            out.clone(),
            out.join("frames"),
            out.join("clips"),
            out.join(journal::STATE_DIR),
        ] {
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            remove_torn_writes(&dir);
        }
        let journal = Arc::new(Journal::open(out).map_err(io_err(out))?);
        Ok(Self {
            ctx: Arc::new(Ctx {
                options: options.clone(),
                models: models.clone(),
                journal,
            }),
        })
    }

    /// The folder's journal: every file made in it, with its provenance.
    pub fn journal(&self) -> &Journal {
        &self.ctx.journal
    }

    /// Puts a file made elsewhere (by another job) into the folder at its
    /// entry's path, atomically, and journals it.
    pub async fn adopt(&self, made: Made) -> Result<Entry, ProduceError> {
        write_output(&self.ctx, made.bytes, made.entry).await
    }

    /// Assembles the edit from the shots' clips: one clip per shot, and,
    /// with title cards, a card opening each scene with a dissolve.
    pub fn edit(&self, prepared: &Prepared, results: &[ShotOutputs]) -> Result<Edit, ProduceError> {
        let options = &self.ctx.options;
        let handle = u64::from(options.handle_frames());
        let mut media = Media::default();
        let mut cards = BTreeMap::new();
        for (shot, out) in prepared.shots.shots.iter().zip(results) {
            let frames = out.clip.entry.frames.unwrap_or(0);
            media.shots.insert(
                shot.id.to_string(),
                MediaRef::new(out.clip.entry.path.clone(), frames),
            );
        }
        let mut assemble_options = AssembleOptions::new(prepared.title.clone(), &options.settings);
        if options.title_cards {
            for shot in first_shots(&prepared.shots) {
                let card = title_card(shot, &prepared.breakdown);
                let path = format!("clips/title-{}.mp4", sanitize(&shot.scene_number));
                media.title_cards.insert(
                    shot.scene_index,
                    MediaRef::with_handles(
                        path.clone(),
                        assemble_options.title_card_frames,
                        handle,
                    ),
                );
                cards.insert(shot.scene_index, (path, card));
            }
        } else {
            assemble_options.scene_dissolve_frames = 0;
        }
        let timeline = alkemy_export::assemble(&prepared.shots, &media, &assemble_options)?;
        Ok(Edit { timeline, cards })
    }

    /// Makes the title cards' clips and `animatic.mp4` from the edit; the
    /// shots' frames and clips must be in the folder.
    pub async fn animatic(
        &self,
        prepared: &Prepared,
        results: &[ShotOutputs],
        edit: &Edit,
        progress: &dyn Progress,
    ) -> Result<Rendered, ProduceError> {
        preview::render(
            &self.ctx,
            prepared,
            results,
            &edit.cards,
            &edit.timeline,
            progress,
        )
        .await
    }

    /// Writes the exports (analysis, shot lists, timelines, storyboards,
    /// manifest); returns the paths written.
    pub fn exports(
        &self,
        prepared: &Prepared,
        results: &[ShotOutputs],
        edit: &Edit,
        animatic: &Rendered,
        progress: &dyn Progress,
    ) -> Result<Vec<String>, ProduceError> {
        progress.start(Stage::Exports, 8);
        let exports = ExportInputs {
            prepared,
            results,
            timeline: &edit.timeline,
            animatic,
        };
        write_exports(&self.ctx, &exports, progress)
    }
}

/// Removes temporary files an interrupted run left behind: atomic writes
/// name them `.NAME.XXXX.tmp` beside their destination.
fn remove_torn_writes(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") && entry.path().is_file() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// What every task of a production shares.
struct Ctx {
    options: ProduceOptions,
    models: Models,
    journal: Arc<Journal>,
}

/// A frame or a clip of a shot, made or reused.
#[derive(Debug, Clone)]
pub struct Output {
    /// The file and its provenance.
    pub entry: Entry,
    /// True if an earlier run (or another job) made it.
    pub reused: bool,
}

/// A shot's frame and clip.
#[derive(Debug, Clone)]
pub struct ShotOutputs {
    /// The still.
    pub frame: Output,
    /// The clip animated from it.
    pub clip: Output,
}

/// The shots that open a scene.
fn first_shots(list: &ShotList) -> impl Iterator<Item = &Shot> {
    list.shots
        .iter()
        .enumerate()
        .filter(|(i, s)| *i == 0 || list.shots[i - 1].scene_index != s.scene_index)
        .map(|(_, s)| s)
}

fn title_card(shot: &Shot, breakdown: &Breakdown) -> TitleCard {
    let scene = breakdown.scenes.get(shot.scene_index as usize);
    TitleCard {
        kicker: format!("SCENE {}", shot.scene_number),
        title: scene.map_or_else(|| shot.location.to_string(), |s| s.heading.clone()),
        note: scene.and_then(|s| s.synopsis.clone()),
    }
}

/// A file-name-safe version of a scene number or shot id.
fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "_".to_owned() } else { out }
}

/// The file stem of a shot's frame and clip. Shot ids are unique; the
/// content hash suffix keeps sanitised ids unique too when the id had to
/// be changed.
fn file_stem(shot: &Shot) -> String {
    let clean = sanitize(&shot.id);
    if clean == shot.id {
        clean
    } else {
        format!(
            "{clean}-{}",
            ContentHash::of_bytes(shot.id.as_bytes()).short(6)
        )
    }
}

/// The shot as a model sees it: where it sits in the script (span, scene
/// position) and its prompt (sent separately) are not inputs of a picture.
fn model_shot(shot: &Shot) -> Shot {
    Shot {
        scene_index: 0,
        span: Span::default(),
        prompt: None,
        ..shot.clone()
    }
}

fn image_request(shot: &Shot, settings: &ProjectSettings) -> ImageRequest {
    let (width, height) = settings.resolution.frame_size(settings.aspect);
    let prompt = shot
        .prompt
        .clone()
        .unwrap_or_else(|| alkemy_core::ShotPrompt {
            image: shot.description.clone(),
            motion: shot.movement.name().to_owned(),
            negative: String::new(),
            seed: 0,
        });
    ImageRequest {
        prompt: prompt.image,
        negative_prompt: prompt.negative,
        aspect: settings.aspect,
        width,
        height,
        seed: prompt.seed,
        count: 1,
        references: Vec::new(),
        identities: Vec::new(),
        shot: Some(model_shot(shot)),
    }
}

fn video_request(shot: &Shot, first_frame: InputImage, options: &ProduceOptions) -> VideoRequest {
    let settings = &options.settings;
    let (width, height) = settings.resolution.frame_size(settings.aspect);
    let (motion, negative, seed) = match &shot.prompt {
        Some(p) => (p.motion.clone(), p.negative.clone(), p.seed),
        None => (shot.movement.name().to_owned(), String::new(), 0),
    };
    // The clip runs a tail handle past the shot; the edit uses the shot's length.
    let frames = u64::from(shot.frames(settings.fps)) + u64::from(options.handle_frames());
    let duration_ms = (frames * 1000).div_ceil(u64::from(settings.fps.max(1)));
    VideoRequest {
        prompt: motion,
        negative_prompt: negative,
        first_frame,
        last_frame: None,
        duration_ms: u32::try_from(duration_ms).unwrap_or(u32::MAX),
        aspect: settings.aspect,
        width,
        height,
        fps: settings.fps,
        seed,
        shot: Some(model_shot(shot)),
    }
}

const FRAME_EXTENSIONS: [&str; 3] = ["png", "jpg", "webp"];

fn frame_entry(journal: &Journal, stem: &str, key: &ContentHash) -> Option<Entry> {
    FRAME_EXTENSIONS
        .iter()
        .find_map(|ext| journal.reusable(&format!("frames/{stem}.{ext}"), key))
}

fn extension_of(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" | "image/jpg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    }
}

/// Writes an output atomically (off the async threads) and journals it.
async fn write_output(ctx: &Arc<Ctx>, bytes: Vec<u8>, entry: Entry) -> Result<Entry, ProduceError> {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || {
        let path = ctx.options.out_dir.join(&entry.path);
        write_file(&path, &bytes)?;
        ctx.journal.record(entry.clone()).map_err(io_err(&path))?;
        Ok(entry)
    })
    .await
    .map_err(|e| ProduceError::Internal(e.to_string()))?
}

async fn read_output(ctx: &Arc<Ctx>, path: &str) -> Result<Vec<u8>, ProduceError> {
    let path = ctx.options.out_dir.join(path);
    tokio::fs::read(&path).await.map_err(io_err(&path))
}

async fn shot_outputs(
    ctx: &Arc<Ctx>,
    shot: &Shot,
    progress: &dyn Progress,
) -> Result<ShotOutputs, ProduceError> {
    let frame = ensure_frame(ctx, shot).await?;
    progress.advance(Stage::Frames, 1, u64::from(frame.reused));
    let clip = ensure_clip(ctx, shot, &frame.entry).await?;
    progress.advance(Stage::Clips, 1, u64::from(clip.reused));
    Ok(ShotOutputs { frame, clip })
}

async fn ensure_frame(ctx: &Arc<Ctx>, shot: &Shot) -> Result<Output, ProduceError> {
    let key = frame_key(&ctx.models, &ctx.options.settings, shot);
    let stem = file_stem(shot);
    if let Some(entry) = frame_entry(&ctx.journal, &stem, &key) {
        return Ok(Output {
            entry,
            reused: true,
        });
    }
    let made = make_frame(&ctx.models, &ctx.options.settings, shot).await?;
    // A frame of another format left from an earlier run would be stale.
    for ext in FRAME_EXTENSIONS {
        let other = format!("frames/{stem}.{ext}");
        if other != made.entry.path && ctx.journal.get(&other).is_some() {
            let _ = std::fs::remove_file(ctx.options.out_dir.join(&other));
        }
    }
    let entry = write_output(ctx, made.bytes, made.entry).await?;
    Ok(Output {
        entry,
        reused: false,
    })
}

/// A frame or clip just made, with its provenance, not yet stored anywhere.
#[derive(Debug, Clone)]
pub struct Made {
    /// Where it goes in an output folder, and where it came from.
    pub entry: Entry,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The cache key of a shot's frame: the hash of everything the image model
/// is given.
pub fn frame_key(models: &Models, settings: &ProjectSettings, shot: &Shot) -> ContentHash {
    models.image.cache_key(&image_request(shot, settings))
}

/// Makes a shot's frame with the image model (one still, at the project's
/// size), at `frames/{shot}.{ext}`.
pub async fn make_frame(
    models: &Models,
    settings: &ProjectSettings,
    shot: &Shot,
) -> Result<Made, ProduceError> {
    let model = &models.image;
    let request = image_request(shot, settings);
    let key = model.cache_key(&request);
    let started = Instant::now();
    let images = model
        .generate(&request)
        .await
        .map_err(|error| ProduceError::Model {
            shot: shot.id.to_string(),
            stage: Stage::Frames,
            error,
        })?;
    let bad = |what: &str| ProduceError::BadOutput {
        shot: shot.id.to_string(),
        stage: Stage::Frames,
        model: model.id().to_owned(),
        what: what.to_owned(),
    };
    let image = images.into_iter().next().ok_or_else(|| bad("no image"))?;
    if image.bytes.is_empty() {
        return Err(bad("an empty image"));
    }
    let entry = Entry {
        path: format!("frames/{}.{}", file_stem(shot), extension_of(&image.mime)),
        kind: AssetKind::Frame,
        shot_id: Some(shot.id.to_string()),
        key,
        hash: ContentHash::of_bytes(&image.bytes),
        bytes: image.bytes.len() as u64,
        model: image.model.clone(),
        seed: image.seed,
        cost: image.cost,
        time_ms: started.elapsed().as_millis() as u64,
        frames: None,
    };
    Ok(Made {
        entry,
        bytes: image.bytes,
    })
}

fn mime_of_path(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/png",
    }
}

async fn ensure_clip(ctx: &Arc<Ctx>, shot: &Shot, frame: &Entry) -> Result<Output, ProduceError> {
    let key = clip_key(&ctx.models, &ctx.options, shot, frame);
    let path = clip_path(shot);
    if let Some(entry) = ctx.journal.reusable(&path, &key) {
        return Ok(Output {
            entry,
            reused: true,
        });
    }
    let frame_bytes = read_output(ctx, &frame.path).await?;
    let made = make_clip(&ctx.models, &ctx.options, shot, frame, frame_bytes).await?;
    let entry = write_output(ctx, made.bytes, made.entry).await?;
    Ok(Output {
        entry,
        reused: false,
    })
}

fn clip_path(shot: &Shot) -> String {
    format!("clips/{}.mp4", file_stem(shot))
}

fn frame_input(frame: &Entry) -> InputImage {
    InputImage {
        hash: frame.hash,
        mime: mime_of_path(&frame.path).to_owned(),
        bytes: Vec::new(),
    }
}

/// The cache key of a shot's clip made from `frame`.
pub fn clip_key(
    models: &Models,
    options: &ProduceOptions,
    shot: &Shot,
    frame: &Entry,
) -> ContentHash {
    models
        .video
        .cache_key(&video_request(shot, frame_input(frame), options))
}

/// Makes a shot's clip with the video model from its frame (`frame` and its
/// bytes), with a tail handle, at `clips/{shot}.mp4`.
pub async fn make_clip(
    models: &Models,
    options: &ProduceOptions,
    shot: &Shot,
    frame: &Entry,
    frame_bytes: Vec<u8>,
) -> Result<Made, ProduceError> {
    let model = &models.video;
    let mut request = video_request(shot, frame_input(frame), options);
    let key = model.cache_key(&request);
    let path = clip_path(shot);
    request.first_frame.bytes = frame_bytes;
    let started = Instant::now();
    let video = model
        .generate(&request)
        .await
        .map_err(|error| ProduceError::Model {
            shot: shot.id.to_string(),
            stage: Stage::Clips,
            error,
        })?;
    if video.bytes.is_empty() {
        return Err(ProduceError::BadOutput {
            shot: shot.id.to_string(),
            stage: Stage::Clips,
            model: model.id().to_owned(),
            what: "an empty clip".to_owned(),
        });
    }
    // Count the frames when we can read the file; else trust the duration.
    let fps = u64::from(options.settings.fps);
    let frames = EncodedClip::from_mp4(&video.bytes, &path)
        .map(|c| c.frames() as u64)
        .unwrap_or_else(|_| (u64::from(video.duration_ms) * fps).div_ceil(1000));
    let entry = Entry {
        path,
        kind: AssetKind::Clip,
        shot_id: Some(shot.id.to_string()),
        key,
        hash: ContentHash::of_bytes(&video.bytes),
        bytes: video.bytes.len() as u64,
        model: video.model.clone(),
        seed: Some(request.seed),
        cost: video.cost,
        time_ms: started.elapsed().as_millis() as u64,
        frames: Some(frames),
    };
    Ok(Made {
        entry,
        bytes: video.bytes,
    })
}

struct ExportInputs<'a> {
    prepared: &'a Prepared,
    results: &'a [ShotOutputs],
    timeline: &'a alkemy_core::Timeline,
    animatic: &'a Rendered,
}

/// Writes `bytes` to `path` unless the file already holds exactly them.
fn write_if_changed(
    ctx: &Ctx,
    path: &str,
    kind: AssetKind,
    key: ContentHash,
    bytes: &[u8],
    time_ms: u64,
) -> Result<(), ProduceError> {
    let hash = ContentHash::of_bytes(bytes);
    if ctx
        .journal
        .reusable(path, &key)
        .is_some_and(|e| e.hash == hash)
    {
        return Ok(());
    }
    let full = ctx.options.out_dir.join(path);
    write_file(&full, bytes)?;
    ctx.journal
        .record(Entry {
            path: path.to_owned(),
            kind,
            shot_id: None,
            key,
            hash,
            bytes: bytes.len() as u64,
            model: "alkemy".to_owned(),
            seed: None,
            cost: Money::ZERO,
            time_ms,
            frames: None,
        })
        .map_err(io_err(&full))
}

fn write_exports(
    ctx: &Ctx,
    x: &ExportInputs<'_>,
    progress: &dyn Progress,
) -> Result<Vec<String>, ProduceError> {
    let export_err = |file: &'static str| {
        move |e: &dyn std::fmt::Display| ProduceError::Export {
            file,
            message: e.to_string(),
        }
    };
    let mut written = Vec::new();
    let mut put =
        |path: &'static str, kind: AssetKind, key: ContentHash, bytes: &[u8], t: Instant| {
            write_if_changed(ctx, path, kind, key, bytes, t.elapsed().as_millis() as u64)?;
            written.push(path.to_owned());
            progress.advance(Stage::Exports, 1, 0);
            Ok::<(), ProduceError>(())
        };
    let p = x.prepared;

    let t = Instant::now();
    let analysis = alkemy_script::AnalysisJson::new(&p.screenplay, &p.breakdown);
    let bytes = to_json(&analysis).map_err(|e| export_err("analysis.json")(&e))?;
    put(
        "analysis.json",
        AssetKind::Analysis,
        ContentHash::of_bytes(&bytes),
        &bytes,
        t,
    )?;

    let t = Instant::now();
    let csv = crate::shotlist_csv::to_string(&p.shots).map_err(|e| export_err("shots.csv")(&e))?;
    put(
        "shots.csv",
        AssetKind::ShotList,
        ContentHash::of_bytes(csv.as_bytes()),
        csv.as_bytes(),
        t,
    )?;

    let t = Instant::now();
    let shots_json = crate::wire::ShotsJson::new(Some(p.title.clone()), &p.shots);
    let bytes = to_json(&shots_json).map_err(|e| export_err("shots.json")(&e))?;
    put(
        "shots.json",
        AssetKind::ShotList,
        ContentHash::of_bytes(&bytes),
        &bytes,
        t,
    )?;

    let t = Instant::now();
    let bytes = alkemy_export::otio::to_bytes(x.timeline, &Default::default())
        .map_err(|e| export_err("timeline.otio")(&e))?;
    put(
        "timeline.otio",
        AssetKind::Timeline,
        ContentHash::of_bytes(&bytes),
        &bytes,
        t,
    )?;

    let t = Instant::now();
    let bytes = alkemy_export::edl::to_bytes(x.timeline, &Default::default())
        .map_err(|e| export_err("timeline.edl")(&e))?;
    put(
        "timeline.edl",
        AssetKind::Timeline,
        ContentHash::of_bytes(&bytes),
        &bytes,
        t,
    )?;

    let t = Instant::now();
    let media = match ctx.options.fcpxml_media {
        FcpxmlMedia::Absolute => alkemy_export::MediaPaths::Absolute(
            std::fs::canonicalize(&ctx.options.out_dir).map_err(io_err(&ctx.options.out_dir))?,
        ),
        FcpxmlMedia::Relative => alkemy_export::MediaPaths::Relative,
    };
    let fcp = alkemy_export::FcpxmlOptions {
        media,
        ..Default::default()
    };
    let bytes = alkemy_export::fcpxml::to_bytes(x.timeline, &fcp)
        .map_err(|e| export_err("timeline.fcpxml")(&e))?;
    put(
        "timeline.fcpxml",
        AssetKind::Timeline,
        ContentHash::of_bytes(&bytes),
        &bytes,
        t,
    )?;

    // The storyboards depend on the shots and their frames only: skip them
    // (the costliest exports) when neither changed.
    let frame_hashes: Vec<&ContentHash> = x.results.iter().map(|r| &r.frame.entry.hash).collect();
    let board_key = ContentHash::of_json(&(
        "storyboard-v4",
        (PANEL_WIDTH, PANEL_JPEG_QUALITY),
        &p.title,
        &p.shots,
        &frame_hashes,
        format!("{:?}", ctx.options.pdf_grid),
    ));
    let html_fresh = ctx
        .journal
        .reusable("storyboard.html", &board_key)
        .is_some();
    let pdf_fresh = ctx.journal.reusable("storyboard.pdf", &board_key).is_some();
    if html_fresh && pdf_fresh {
        written.push("storyboard.html".to_owned());
        written.push("storyboard.pdf".to_owned());
        progress.advance(Stage::Exports, 2, 2);
    } else {
        let t = Instant::now();
        let images = storyboard_images(ctx, x)?;
        let board = Storyboard {
            title: &p.title,
            panels: p
                .shots
                .shots
                .iter()
                .zip(&images)
                .map(|(shot, image)| Panel {
                    shot,
                    image: Some(image.as_slice()),
                })
                .collect(),
        };
        let html = alkemy_export::storyboard::html::to_bytes(&board);
        put(
            "storyboard.html",
            AssetKind::Storyboard,
            board_key,
            &html,
            t,
        )?;
        let t = Instant::now();
        let pdf_options = PdfOptions {
            grid: ctx.options.pdf_grid,
            ..Default::default()
        };
        let pdf = alkemy_export::storyboard::pdf::render(&board, &pdf_options)
            .map_err(|e| export_err("storyboard.pdf")(&e))?;
        put(
            "storyboard.pdf",
            AssetKind::Storyboard,
            board_key,
            &pdf.bytes,
            t,
        )?;
    }

    let manifest = manifest(ctx, x);
    let bytes = manifest.to_json();
    let path = ctx.options.out_dir.join("manifest.json");
    write_file(&path, &bytes)?;
    written.push("manifest.json".to_owned());
    progress.advance(Stage::Exports, 1, 0);
    progress.finish(
        Stage::Exports,
        "analysis, shot list, timeline, storyboards, manifest",
    );
    Ok(written)
}

/// Width of a storyboard panel image, in pixels: sharp at the 2×3 PDF
/// grid's print size (about 3.3 inches at 150 dpi) and in the HTML page.
/// With [`PANEL_JPEG_QUALITY`] a feature's storyboard stays tens of
/// megabytes (full frames as PNG made Big Fish's 150 MB).
const PANEL_WIDTH: u32 = 480;
/// JPEG quality of storyboard panels.
const PANEL_JPEG_QUALITY: u8 = 85;

/// The storyboard's panel images: each frame scaled to [`PANEL_WIDTH`] as a
/// JPEG, with its shot's movement arrows drawn over it, cached by frame,
/// movement and size in `.alkemy/panels` (its only inputs), so an edit redraws only the
/// panels of the shots it changed.
fn storyboard_images(ctx: &Ctx, x: &ExportInputs<'_>) -> Result<Vec<Vec<u8>>, ProduceError> {
    let dir = ctx.options.out_dir.join(journal::STATE_DIR).join("panels");
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    remove_torn_writes(&dir);
    let renderer = alkemy_media::PrevizRenderer::new();
    let panel = |shot: &Shot, r: &ShotOutputs| -> Result<(String, Vec<u8>), ProduceError> {
        let moving = shot.movement != alkemy_core::CameraMovement::Static;
        let key = ContentHash::of_json(&(
            "panel-v2",
            &r.frame.entry.hash,
            moving.then_some(shot.movement),
            PANEL_WIDTH,
            PANEL_JPEG_QUALITY,
        ));
        let name = format!("{key}.jpg");
        let path = dir.join(&name);
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok((name, bytes));
        }
        let frame_path = ctx.options.out_dir.join(&r.frame.entry.path);
        let frame = std::fs::read(&frame_path).map_err(io_err(&frame_path))?;
        let mut still = alkemy_media::RgbImage::decode(&frame, &r.frame.entry.path)?;
        if moving {
            still = renderer.annotate(&still, shot, PANEL_MARKS)?;
        }
        if still.width() > PANEL_WIDTH {
            let height = (u64::from(still.height()) * u64::from(PANEL_WIDTH)
                / u64::from(still.width()))
            .max(1);
            let height = u32::try_from(height).unwrap_or(u32::MAX);
            still = alkemy_media::resample::resize(&still, PANEL_WIDTH, height)?;
        }
        let jpeg = still.to_jpeg(PANEL_JPEG_QUALITY)?;
        write_file(&path, &jpeg)?;
        Ok((name, jpeg))
    };
    // Shots in contiguous runs, one per worker thread, in order.
    let pairs: Vec<(&Shot, &ShotOutputs)> = x.prepared.shots.shots.iter().zip(x.results).collect();
    let run = pairs.len().div_ceil(ctx.options.concurrency.max(1)).max(1);
    type Run = Result<Vec<(String, Vec<u8>)>, ProduceError>;
    let made: Vec<Run> = std::thread::scope(|scope| {
        let workers: Vec<_> = pairs
            .chunks(run)
            .map(|chunk| {
                let panel = &panel;
                scope.spawn(move || chunk.iter().map(|(s, r)| panel(s, r)).collect())
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| {
                    Err(ProduceError::Internal("a panel worker panicked".into()))
                })
            })
            .collect()
    });
    let mut used = BTreeSet::new();
    let mut images = Vec::with_capacity(pairs.len());
    for chunk in made {
        for (name, bytes) in chunk? {
            used.insert(name);
            images.push(bytes);
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            if !used.contains(&entry.file_name().to_string_lossy().into_owned()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(images)
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The manifest: every file with its provenance; what was reused this run
/// is marked `cached`.
fn manifest(ctx: &Ctx, x: &ExportInputs<'_>) -> alkemy_export::Manifest {
    let mut manifest = alkemy_export::Manifest::new(
        x.prepared.title.clone(),
        format!("alkemy {}", env!("CARGO_PKG_VERSION")),
    );
    let mut add = |entry: &Entry, cached: bool| {
        let (provider, model) = entry
            .model
            .split_once(':')
            .unwrap_or(("alkemy", entry.model.as_str()));
        manifest.record(alkemy_export::ManifestAsset {
            path: entry.path.clone(),
            kind: entry.kind,
            shot_id: entry.shot_id.clone(),
            inputs_hash: entry.key,
            provider: provider.to_owned(),
            model: model.to_owned(),
            seed: entry.seed,
            cost: entry.cost,
            cached,
            time_ms: entry.time_ms,
            bytes: entry.bytes,
        });
    };
    for r in x.results {
        add(&r.frame.entry, r.frame.reused);
        add(&r.clip.entry, r.clip.reused);
    }
    for path in &x.animatic.files {
        if let Some(entry) = ctx.journal.get(path) {
            add(&entry, false);
        }
    }
    for path in [
        "analysis.json",
        "shots.csv",
        "shots.json",
        "timeline.otio",
        "timeline.edl",
        "timeline.fcpxml",
        "storyboard.html",
        "storyboard.pdf",
    ] {
        if let Some(entry) = ctx.journal.get(path) {
            add(&entry, false);
        }
    }
    manifest
}

#[cfg(test)]
mod tests {
    use alkemy_core::{ProviderError, ProviderErrorKind};

    use super::{ProduceError, Stage};

    /// Full chains (`{:#}`, as the CLI prints them) follow `source()`: a
    /// provider error both in the message and as the source would be said
    /// twice.
    #[test]
    fn model_errors_say_the_providers_message_once() {
        let error = ProviderError::new(
            "fal:flux-dev",
            ProviderErrorKind::Unauthorized,
            "the key was rejected",
        );
        let errors = [
            ProduceError::Model {
                shot: "sc1-1".to_owned(),
                stage: Stage::Frames,
                error: error.clone(),
            },
            ProduceError::Proposals(error),
        ];
        for err in errors {
            let mut chain = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(s) = source {
                chain.push_str(&format!(": {s}"));
                source = s.source();
            }
            assert_eq!(chain.matches("the key was rejected").count(), 1, "{chain}");
            assert!(err.is_bad_input(), "a rejected key is the user's to fix");
        }
    }
}
