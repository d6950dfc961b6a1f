//! A project's content: script versions, analyses, shots with their
//! overrides, characters and identities, moodboards, timelines.

use alkemy_core::{
    AnalysisId, AssetId, Breakdown, CameraAngle, CameraMovement, CharacterId, ContentHash,
    IdentityId, MoodboardId, MoodboardItemId, ProjectId, ScriptVersionId, Shot, ShotSize, Timeline,
    TimelineId, UserId,
};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// One uploaded version of a project's script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptVersion {
    /// Id.
    pub id: ScriptVersionId,
    /// The project.
    pub project_id: ProjectId,
    /// 1 for the first upload, then 2, 3…
    pub number: i64,
    /// The file name it came from.
    pub source_name: String,
    /// Source format name (`fountain`, `fdx`, `pdf`, `text`).
    pub format: String,
    /// The script text (a PDF is stored as the Fountain text read from it,
    /// as `fountain`).
    pub text: String,
    /// BLAKE3 of the text.
    pub content_hash: ContentHash,
    /// Who uploaded it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// What is needed to add a script version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScriptVersion {
    /// File name.
    pub source_name: String,
    /// Format name.
    pub format: String,
    /// Text.
    pub text: String,
}

/// A stored breakdown of a script version, with the enrichment (logline,
/// descriptions, mood) as the enrich stage wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Id.
    pub id: AnalysisId,
    /// The project.
    pub project_id: ProjectId,
    /// The script version analysed.
    pub script_version_id: ScriptVersionId,
    /// The deterministic breakdown.
    pub breakdown: Breakdown,
    /// The enrichment document, if the enrich stage ran.
    pub enrichment: Option<serde_json::Value>,
    /// When.
    pub created_at: Timestamp,
}

/// A person's changes to a planned shot; `None` keeps the planner's choice.
/// Overrides survive re-planning as long as the shot id does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShotOverrides {
    /// Shot size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ShotSize>,
    /// Camera angle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub angle: Option<CameraAngle>,
    /// Camera movement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movement: Option<CameraMovement>,
    /// Lens in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lens_mm: Option<u16>,
    /// Duration in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Image prompt (replaces the composed one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_prompt: Option<String>,
    /// Motion prompt (replaces the composed one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion_prompt: Option<String>,
    /// The frame asset chosen among variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen_frame: Option<AssetId>,
    /// A note for the crew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ShotOverrides {
    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The shot with the overrides applied.
    pub fn apply(&self, shot: &Shot) -> Shot {
        let mut out = shot.clone();
        if let Some(v) = self.size {
            out.size = v;
        }
        if let Some(v) = self.angle {
            out.angle = v;
        }
        if let Some(v) = self.movement {
            out.movement = v;
        }
        if let Some(v) = self.lens_mm {
            out.lens_mm = v;
        }
        if let Some(v) = self.duration_ms {
            out.duration_ms = v;
        }
        if let Some(v) = &self.description {
            out.description.clone_from(v);
        }
        if let Some(prompt) = out.prompt.as_mut() {
            if let Some(v) = &self.image_prompt {
                prompt.image.clone_from(v);
            }
            if let Some(v) = &self.motion_prompt {
                prompt.motion.clone_from(v);
            }
        }
        out
    }
}

/// A shot as stored: the planner's shot and a person's overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredShot {
    /// The planned shot.
    pub shot: Shot,
    /// Changes a person made.
    pub overrides: ShotOverrides,
}

impl StoredShot {
    /// The shot with the overrides applied: what later stages use.
    pub fn effective(&self) -> Shot {
        self.overrides.apply(&self.shot)
    }
}

/// A character of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharacterRecord {
    /// Id.
    pub id: CharacterId,
    /// The project.
    pub project_id: ProjectId,
    /// Canonical name (as in the breakdown).
    pub name: String,
    /// Description used in prompts.
    pub description: String,
    /// The reference sheet asset, if drawn.
    pub reference_asset: Option<AssetId>,
}

/// What is needed to add (or update, by name) a character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharacter {
    /// Canonical name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Reference sheet.
    pub reference_asset: Option<AssetId>,
}

/// Where an identity's training stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// Submitted to the trainer.
    Training,
    /// Weights available.
    Ready,
    /// Training failed.
    Failed,
}

impl IdentityStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityStatus::Training => "training",
            IdentityStatus::Ready => "ready",
            IdentityStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "training" => Some(IdentityStatus::Training),
            "ready" => Some(IdentityStatus::Ready),
            "failed" => Some(IdentityStatus::Failed),
            _ => None,
        }
    }
}

/// A character identity (a LoRA or a reference set) a model applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityRecord {
    /// Id.
    pub id: IdentityId,
    /// The character.
    pub character_id: CharacterId,
    /// The project.
    pub project_id: ProjectId,
    /// Trainer provider (`fal`).
    pub provider: String,
    /// Trainer model.
    pub model: String,
    /// The trigger word prompts use.
    pub trigger_word: String,
    /// Training state.
    pub status: IdentityStatus,
    /// The weights, once trained.
    pub weights_asset: Option<AssetId>,
    /// When.
    pub created_at: Timestamp,
}

/// What is needed to add an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    /// Trainer provider.
    pub provider: String,
    /// Trainer model.
    pub model: String,
    /// Trigger word.
    pub trigger_word: String,
    /// State.
    pub status: IdentityStatus,
    /// Weights.
    pub weights_asset: Option<AssetId>,
}

/// A moodboard with its items in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moodboard {
    /// Id.
    pub id: MoodboardId,
    /// The project.
    pub project_id: ProjectId,
    /// Name.
    pub name: String,
    /// Summary of the look.
    pub summary: String,
    /// Palette as `#rrggbb` colours.
    pub palette: Vec<String>,
    /// Style keywords.
    pub keywords: Vec<String>,
    /// Items, by position.
    pub items: Vec<MoodboardItem>,
}

/// What is needed to add a moodboard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMoodboard {
    /// Name.
    pub name: String,
    /// Summary.
    pub summary: String,
    /// Palette.
    pub palette: Vec<String>,
    /// Keywords.
    pub keywords: Vec<String>,
}

/// An image or note on a moodboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoodboardItem {
    /// Id.
    pub id: MoodboardItemId,
    /// Position on the board (ascending).
    pub position: i64,
    /// The uploaded or generated image, if any.
    pub asset_id: Option<AssetId>,
    /// Caption or note.
    pub caption: String,
}

/// What is needed to add a moodboard item (it goes last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMoodboardItem {
    /// Image.
    pub asset_id: Option<AssetId>,
    /// Caption.
    pub caption: String,
}

/// A stored edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRecord {
    /// Id.
    pub id: TimelineId,
    /// The project.
    pub project_id: ProjectId,
    /// The edit, tracks and clips included.
    pub timeline: Timeline,
    /// When it was saved.
    pub updated_at: Timestamp,
}
