//! Assets: the media a production makes or is given, and where each came from.
//!
//! An asset's bytes live in blob storage under a storage key; its row records
//! what it is (kind, MIME type, size, dimensions, duration) and its
//! provenance: the hash of the canonical inputs that produced it, the
//! provider, model and seed, what it cost, and which asset it was derived from
//! or is a variant of. Provenance is what lets a re-run reuse instead of
//! regenerate, and what the manifest reports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::hash::ContentHash;
use crate::ids::AssetId;
use crate::money::Money;

/// What an asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// A shot's still (storyboard panel or generated image).
    Frame,
    /// A shot's moving clip.
    Clip,
    /// A rendered timeline (animatic, cut).
    Render,
    /// An export file (OTIO, EDL, FCPXML, PDF, CSV, bundle).
    Export,
    /// A character or location reference sheet.
    Reference,
    /// Trained identity weights (LoRA).
    IdentityWeights,
    /// A file a person uploaded (moodboard image, script PDF).
    Upload,
    /// Sound (dialogue, music).
    Audio,
}

impl AssetKind {
    /// Every kind.
    pub const ALL: [AssetKind; 8] = [
        AssetKind::Frame,
        AssetKind::Clip,
        AssetKind::Render,
        AssetKind::Export,
        AssetKind::Reference,
        AssetKind::IdentityWeights,
        AssetKind::Upload,
        AssetKind::Audio,
    ];

    /// The stored name (`identity_weights`).
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Frame => "frame",
            AssetKind::Clip => "clip",
            AssetKind::Render => "render",
            AssetKind::Export => "export",
            AssetKind::Reference => "reference",
            AssetKind::IdentityWeights => "identity_weights",
            AssetKind::Upload => "upload",
            AssetKind::Audio => "audio",
        }
    }

    /// The folder of a project's blob storage that holds this kind (`frames`).
    pub fn folder(self) -> &'static str {
        match self {
            AssetKind::Frame => "frames",
            AssetKind::Clip => "clips",
            AssetKind::Render => "renders",
            AssetKind::Export => "exports",
            AssetKind::Reference => "references",
            AssetKind::IdentityWeights => "identities",
            AssetKind::Upload => "uploads",
            AssetKind::Audio => "audio",
        }
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown asset kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown asset kind {0:?}")]
pub struct ParseAssetKindError(String);

impl FromStr for AssetKind {
    type Err = ParseAssetKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssetKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseAssetKindError(s.to_owned()))
    }
}

/// Where an asset came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Hash of the canonical inputs that produced it (the cache key), if generated.
    pub inputs_hash: Option<ContentHash>,
    /// Provider that made it (`fal`, `gemini`, `local`).
    pub provider: Option<String>,
    /// Model that made it (`flux-dev`, `previz`).
    pub model: Option<String>,
    /// Seed used.
    pub seed: Option<u64>,
    /// What it cost.
    pub cost: Money,
    /// The asset it was derived from (the still a clip animates).
    pub parent: Option<AssetId>,
    /// The asset it is an alternative take of.
    pub variant_of: Option<AssetId>,
}

/// Pixel size and running time of visual or sound media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Width in pixels, for pictures.
    pub width: Option<u32>,
    /// Height in pixels, for pictures.
    pub height: Option<u32>,
    /// Running time in milliseconds, for clips and sound.
    pub duration_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_distinct_folders() {
        let mut folders = std::collections::BTreeSet::new();
        for kind in AssetKind::ALL {
            assert_eq!(kind.as_str().parse::<AssetKind>().unwrap(), kind);
            assert!(folders.insert(kind.folder()), "{kind} shares a folder");
        }
        assert!("sound".parse::<AssetKind>().is_err());
    }
}
