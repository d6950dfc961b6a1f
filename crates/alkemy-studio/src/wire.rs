//! The shot list as versioned JSON: the output of `alkemy shots --format
//! json` and of the project's `shots.json`. A wire format is a contract, so
//! it carries a version and is built from the domain types here, at the edge.

use alkemy_core::{Shot, ShotList};
use serde::{Deserialize, Serialize};

/// The current version of [`ShotsJson`].
pub const VERSION: u32 = 1;

/// The shot list on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotsJson {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The screenplay's title, if any.
    pub title: Option<String>,
    /// The style preset the plan was made with.
    pub style: String,
    /// Number of shots.
    pub shot_count: usize,
    /// Total planned duration, milliseconds.
    pub duration_ms: u64,
    /// The shots, in script order, with their prompts when composed.
    pub shots: Vec<Shot>,
}

impl ShotsJson {
    /// The wire form of a shot list.
    pub fn new(title: Option<String>, list: &ShotList) -> Self {
        Self {
            version: VERSION,
            title,
            style: list.style.clone(),
            shot_count: list.shots.len(),
            duration_ms: list.duration_ms(),
            shots: list.shots.clone(),
        }
    }
}
