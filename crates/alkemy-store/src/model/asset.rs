//! Asset rows: what a blob is and where it came from.

use alkemy_core::{
    AssetId, AssetKind, ContentHash, JobId, MediaInfo, ProjectId, Provenance, UserId,
};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A stored asset: metadata and provenance of one blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Id.
    pub id: AssetId,
    /// The project.
    pub project_id: ProjectId,
    /// What it is.
    pub kind: AssetKind,
    /// The blob's key in blob storage (`projects/{id}/frames/{hash}.png`).
    pub storage_key: String,
    /// MIME type.
    pub mime: String,
    /// Size of the blob in bytes.
    pub size_bytes: u64,
    /// BLAKE3 of the blob's bytes.
    pub content_hash: ContentHash,
    /// Dimensions and duration.
    pub media: MediaInfo,
    /// Inputs hash, provider, model, seed, cost, parent, variant.
    pub provenance: Provenance,
    /// The shot it belongs to, if any.
    pub shot_id: Option<String>,
    /// The job that produced it, if any.
    pub job_id: Option<JobId>,
    /// Who made or uploaded it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

/// What is needed to record an asset whose blob is already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsset {
    /// What it is.
    pub kind: AssetKind,
    /// Its blob's key.
    pub storage_key: String,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// BLAKE3 of the bytes.
    pub content_hash: ContentHash,
    /// Dimensions and duration.
    pub media: MediaInfo,
    /// Provenance.
    pub provenance: Provenance,
    /// Shot.
    pub shot_id: Option<String>,
}
