//! Projects, their sharing and the filters and patches that act on them.

use std::fmt;
use std::str::FromStr;

use alkemy_core::{ProjectId, ProjectSettings, UserId};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A project: one production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// The user who owns it.
    pub owner_id: UserId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Free tags, in the order given.
    pub tags: Vec<String>,
    /// Aspect, fps, resolution, style, budget.
    pub settings: ProjectSettings,
    /// A template that new projects can start from.
    pub is_template: bool,
    /// The shot-planning style the stored shot list was made with.
    pub shot_style: Option<String>,
    /// Bumped by every change to the project's own fields (optimistic locking).
    pub version: i64,
    /// When it was made.
    pub created_at: Timestamp,
    /// When its own fields last changed.
    pub updated_at: Timestamp,
    /// When it was moved to the bin (soft delete); `None` while live.
    pub deleted_at: Option<Timestamp>,
}

/// What is needed to make a project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewProject {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Settings.
    pub settings: ProjectSettings,
    /// Make it a template.
    pub is_template: bool,
}

/// A change to a project's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New settings.
    pub settings: Option<ProjectSettings>,
    /// Make it (or stop it being) a template.
    pub is_template: Option<bool>,
}

/// Which projects to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectFilter {
    /// Live projects that are not templates.
    #[default]
    Live,
    /// Live templates.
    Templates,
    /// Projects in the bin (soft-deleted).
    Deleted,
}

/// What a person may do with a project shared with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareRole {
    /// Read only.
    Viewer,
    /// Read and change content; cannot share, delete or restore.
    Editor,
    /// Everything the owner may do except remove the owner.
    Owner,
}

impl ShareRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareRole::Viewer => "viewer",
            ShareRole::Editor => "editor",
            ShareRole::Owner => "owner",
        }
    }

    /// True for roles that may change content.
    pub fn can_edit(self) -> bool {
        self >= ShareRole::Editor
    }
}

impl fmt::Display for ShareRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ShareRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(ShareRole::Viewer),
            "editor" => Ok(ShareRole::Editor),
            "owner" => Ok(ShareRole::Owner),
            other => Err(format!("unknown share role {other:?}")),
        }
    }
}

/// A project shared with a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The project.
    pub project_id: ProjectId,
    /// The user it is shared with.
    pub user_id: UserId,
    /// What they may do.
    pub role: ShareRole,
    /// When it was shared.
    pub created_at: Timestamp,
}
