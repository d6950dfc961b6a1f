//! What both SQL backends share: id and value conversions, and the
//! `impl_store!` macro that writes the `Store` implementation once for
//! both databases.
//!
//! Both schemas use the same table and column names, and SQLite accepts
//! PostgreSQL's `$1` placeholders, so one text of SQL serves both; the macro
//! is instantiated with each backend's database type and its clock
//! expression, and each backend supplies, as inherent methods, what differs:
//! how a transaction starts (on PostgreSQL: with the acting user set for
//! row-level security), how jobs are claimed (`FOR UPDATE SKIP LOCKED` in a
//! `SECURITY DEFINER` function, or one `UPDATE` under SQLite's single writer)
//! and how job events travel (LISTEN/NOTIFY, or an in-process channel).

use std::time::{SystemTime, UNIX_EPOCH};

use alkemy_core::{
    AnalysisId, AssetId, CharacterId, ContentHash, IdentityId, JobId, MoodboardId, MoodboardItemId,
    ProjectId, ProviderKeyId, ScriptVersionId, TimelineId, TokenId, UsageId, UserId,
};
use uuid::Uuid;

use crate::error::StoreError;
use crate::model::Timestamp;

#[macro_use]
mod store_impl;

/// Conversion between the core id types and `uuid::Uuid` (the column type).
pub(crate) trait DbId: Sized + Copy {
    /// As a UUID.
    fn uuid(self) -> Uuid;
    /// From a UUID.
    fn from_uuid(u: Uuid) -> Self;
    /// A new time-ordered id.
    fn generate() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }
}

macro_rules! db_ids {
    ($($t:ty),*) => {$(
        impl DbId for $t {
            fn uuid(self) -> Uuid {
                Uuid::from_bytes(*self.as_bytes())
            }
            fn from_uuid(u: Uuid) -> Self {
                Self::from_bytes(u.into_bytes())
            }
        }
    )*};
}

db_ids!(
    UserId,
    ProjectId,
    AssetId,
    JobId,
    TokenId,
    ScriptVersionId,
    AnalysisId,
    CharacterId,
    IdentityId,
    MoodboardId,
    MoodboardItemId,
    TimelineId,
    UsageId,
    ProviderKeyId
);

/// `Option<Id>` as `Option<Uuid>`.
pub(crate) fn opt_uuid<I: DbId>(id: Option<I>) -> Option<Uuid> {
    id.map(DbId::uuid)
}

/// `Option<Uuid>` as `Option<Id>`.
pub(crate) fn opt_id<I: DbId>(u: Option<Uuid>) -> Option<I> {
    u.map(I::from_uuid)
}

/// The application clock, for record times (`created_at`). Queue timing
/// (leases, backoff) uses the database's clock instead, so workers on
/// machines with skewed clocks agree.
pub(crate) fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Timestamp(ms)
}

/// Parses a stored hash.
pub(crate) fn hash(s: &str) -> Result<ContentHash, StoreError> {
    s.parse()
        .map_err(|e| StoreError::other("reading a stored content hash", e))
}

/// Parses an optional stored hash.
pub(crate) fn opt_hash(s: Option<String>) -> Result<Option<ContentHash>, StoreError> {
    s.as_deref().map(hash).transpose()
}

/// A stored integer as an unsigned one.
pub(crate) fn unsigned<T: TryFrom<i64>>(v: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(v).map_err(|_| StoreError::Invalid(format!("stored {what} {v} is out of range")))
}

/// An unsigned integer as a stored one.
pub(crate) fn signed<T: TryInto<i64>>(v: T, what: &str) -> Result<i64, StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Invalid(format!("{what} is too large to store")))
}

/// Maps `sqlx` errors with context.
pub(crate) trait Ctx<T> {
    /// Adds what the store was doing.
    fn ctx(self, what: &str) -> Result<T, StoreError>;
}

impl<T> Ctx<T> for Result<T, sqlx::Error> {
    fn ctx(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::db(what, e))
    }
}

/// What an operation needs from the acting user's role on a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Any role.
    Read,
    /// Editor or owner, project not in the bin.
    Edit,
    /// Owner.
    Own,
}

/// Delay before retry `attempt` (1-based): `base × 2^(attempt-1)`, at most an hour.
pub(crate) fn backoff_delay(base_ms: i64, attempt: u32) -> i64 {
    let shift = attempt.saturating_sub(1).min(30);
    base_ms.max(0).saturating_mul(1_i64 << shift).min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_delay(1_000, 1), 1_000);
        assert_eq!(backoff_delay(1_000, 2), 2_000);
        assert_eq!(backoff_delay(1_000, 4), 8_000);
        assert_eq!(backoff_delay(1_000, 40), 3_600_000);
        assert_eq!(backoff_delay(-5, 3), 0);
    }
}
