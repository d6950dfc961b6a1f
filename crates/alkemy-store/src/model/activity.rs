//! The activity log: who did what to a project, and when.

use alkemy_core::{ProjectId, UserId};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// One entry of a project's activity log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Sequence within the database (ascending with time).
    pub id: i64,
    /// The project.
    pub project_id: ProjectId,
    /// Who did it.
    pub user_id: UserId,
    /// What, as a dotted verb (`project.created`, `share.added`).
    pub action: String,
    /// Details.
    pub detail: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}
