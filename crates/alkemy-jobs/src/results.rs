//! The result documents jobs hand each other (stored as each job's result),
//! and the plan document kept in blob storage.

use alkemy_core::{AnalysisId, ShotList};
use alkemy_studio::produce::Entry;
use serde::{Deserialize, Serialize};

/// A file of the production folder, stored as a content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Its blob key (`projects/{id}/frames/{hash}.png`).
    pub key: String,
    /// Its path in the production folder and its provenance.
    pub entry: Entry,
}

/// What the analyze job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzeResult {
    /// The stored analysis.
    pub analysis: AnalysisId,
    /// Scenes found.
    pub scenes: usize,
    /// Characters found.
    pub characters: usize,
}

/// What the plan job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanResult {
    /// Blob key of the [`PlanDocument`].
    pub plan: String,
    /// The production title.
    pub title: String,
    /// The shots' ids, in order.
    pub shots: Vec<String>,
}

/// The plan as the later jobs read it: the shots with their prompts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// The production title.
    pub title: String,
    /// The shots, prompts composed.
    pub shots: ShotList,
    /// Warnings for people.
    pub warnings: Vec<String>,
}

/// What a frame job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameResult {
    /// The shot's still.
    pub frame: StoredFile,
}

/// What an animate job made, with the frame it animated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnimateResult {
    /// The shot's still.
    pub frame: StoredFile,
    /// The clip animated from it.
    pub clip: StoredFile,
}

/// What the render job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderResult {
    /// Each shot's frame and clip, in plan order.
    pub shots: Vec<AnimateResult>,
    /// Title cards' clips and `animatic.mp4`.
    pub files: Vec<StoredFile>,
    /// Length of the animatic in frames.
    pub frames: u64,
}

/// What the export job made: the whole production folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportResult {
    /// Every file of the folder (frames, clips, animatic, exports).
    pub files: Vec<StoredFile>,
}
