//! The records the store keeps, as plain data: what a `Store` method takes
//! and returns. No SQL here; each backend maps these to its own rows.

mod activity;
mod asset;
mod budget;
mod content;
mod job;
mod project;
mod time;
mod usage;
mod user;

pub use activity::Activity;
pub use asset::{Asset, NewAsset};
pub use budget::{BudgetCall, BudgetHold, BudgetRefusal, BudgetStatus, Reserved};
pub use content::{
    Analysis, CharacterRecord, IdentityRecord, IdentityStatus, Moodboard, MoodboardItem,
    NewCharacter, NewIdentity, NewMoodboard, NewMoodboardItem, NewScriptVersion, ScriptVersion,
    ShotOverrides, StoredShot, TimelineRecord,
};
pub use job::{ClaimedJob, Job, JobEvent, JobOutput, JobRef, Lease, NewJob};
pub use project::{NewProject, Project, ProjectFilter, ProjectPatch, Share, ShareRole};
pub use time::Timestamp;
pub use usage::{NewUsage, ProviderKey, UsageRecord};
pub use user::{ApiToken, NewUser, TokenSecret, User};
