//! The store's error: what went wrong, in terms a caller can act on.

/// A store error. The variant says whose fault it is and what to do;
/// the message names the thing concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The thing does not exist, or the acting user may not see it (the two
    /// are deliberately indistinguishable, so ids of others' projects leak
    /// nothing).
    #[error("{0} not found")]
    NotFound(String),
    /// The change clashes with the current state: a stale version, a
    /// duplicate name or id, a lease that passed to another worker.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The user may see the thing but not do this to it (a viewer editing,
    /// an editor deleting).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request itself is malformed (a dependency cycle, an empty title).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Anything else: the database, the blob store, the file system.
    #[error("{context}: {source}")]
    Other {
        /// What the store was doing.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// Wraps a cause with what the store was doing.
    pub fn other(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError::Other {
            context: context.into(),
            source: source.into(),
        }
    }

    /// Maps a database error: unique and foreign-key violations become
    /// conflicts, row-level-security refusals become forbidden, the rest stays
    /// an `Other` with context.
    pub(crate) fn db(context: impl Into<String>, err: sqlx::Error) -> Self {
        let context = context.into();
        if let sqlx::Error::Database(db) = &err {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict(format!("{context}: already exists"));
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::Conflict(format!(
                        "{context}: refers to something that does not exist"
                    ));
                }
                _ => {}
            }
            // 42501: insufficient_privilege, raised by a row-level-security
            // WITH CHECK that refuses a row.
            if db.code().as_deref() == Some("42501") {
                return StoreError::Forbidden(context);
            }
        }
        StoreError::other(context, err)
    }
}

/// Result with a [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
