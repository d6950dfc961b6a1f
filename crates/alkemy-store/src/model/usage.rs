//! Spending records and encrypted provider keys.

use alkemy_core::{JobId, ProjectId, ProviderKeyId, UsageId, UserId};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// One provider call as stored: the providers' [`alkemy_core::UsageRecord`]
/// (provider, model, capability, units, cost, shot, request hash) and who,
/// where and in which job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Id.
    pub id: UsageId,
    /// Who spent it.
    pub user_id: UserId,
    /// On which project, if any.
    pub project_id: Option<ProjectId>,
    /// In which job, if any.
    pub job_id: Option<JobId>,
    /// The call, as the provider router reported it.
    pub record: alkemy_core::UsageRecord,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// What is needed to record usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUsage {
    /// Project (filled in by the queue for a job's usage).
    pub project_id: Option<ProjectId>,
    /// Job (filled in by the queue for a job's usage).
    pub job_id: Option<JobId>,
    /// The call.
    pub record: alkemy_core::UsageRecord,
}

/// A provider key, encrypted by the vault (AES-256-GCM, master key outside
/// the database). The store only ever holds ciphertext and nonce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderKey {
    /// Id.
    pub id: ProviderKeyId,
    /// Owner.
    pub user_id: UserId,
    /// Provider (`gemini`, `fal`, `openai`).
    pub provider: String,
    /// The user's label for it.
    pub label: String,
    /// Ciphertext (with the GCM tag).
    pub ciphertext: Vec<u8>,
    /// The 96-bit nonce.
    pub nonce: Vec<u8>,
    /// When it was stored.
    pub created_at: Timestamp,
}
