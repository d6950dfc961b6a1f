//! Alkemy's domain model: the types every stage of the pipeline speaks, and the
//! capability traits that providers implement.
//!
//! The pipeline is a chain of typed stages (ingest → breakdown → plan → frame →
//! animate → assemble). Each stage's input and output type lives here so that
//! crates can depend on the *shape* of the data without depending on each other.
//!
//! **Architecture invariant:** this crate knows nothing about files, HTTP,
//! databases, async runtimes, axum, sqlx or any provider. It only defines data
//! and contracts. Everything is `serde`-serialisable, and everything that a cache
//! key is computed from serialises deterministically (no hash maps).

pub mod asset;
pub mod breakdown;
pub mod capability;
pub mod hash;
pub mod ids;
pub mod job;
pub mod look;
pub mod money;
pub mod project;
pub mod screenplay;
pub mod shot;
pub mod timeline;
pub mod usage;

pub use asset::{AssetKind, MediaInfo, Provenance};
pub use breakdown::{
    Beat, Breakdown, Character, ElementCategory, ElementSuggestion, IntExt, Light, Location, Scene,
    Stats, TimeOfDay,
};
pub use capability::{
    Billed, ErrorClass, GeneratedImage, GeneratedVideo, IdentityRef, IdentityTrainer, ImageModel,
    ImageRequest, InputImage, ProviderError, ProviderErrorKind, SchemaFit, TextModel, TextRequest,
    TextResponse, TokenUsage, TrainRequest, TrainedIdentity, VideoModel, VideoRequest,
};
pub use hash::ContentHash;
pub use ids::{
    AnalysisId, AssetId, CharacterId, IdentityId, JobId, MoodboardId, MoodboardItemId, ProjectId,
    ProviderKeyId, ScriptVersionId, TimelineId, TokenId, UsageId, UserId,
};
pub use job::{JobKind, JobState, Progress};
pub use look::{Moodboard, Rgb, Swatch};
pub use money::Money;
pub use project::{AspectRatio, ProjectSettings, Resolution};
pub use screenplay::{Element, ElementKind, Screenplay, SourceFormat, Span, TitleEntry};
pub use shot::{
    CameraAngle, CameraMovement, CompactString, Facing, Figure, Shot, ShotList, ShotPrompt,
    ShotSize,
};
pub use timeline::{Clip, Marker, Timeline, Track, TrackItem, TrackKind};
pub use usage::{Capability, Skipped, UnitKind, Units, UsageRecord};
