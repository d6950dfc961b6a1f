//! Errors of fetching a production's outputs, and the mapping of pipeline
//! errors onto job errors.

use alkemy_store::{JobError, StoreError};
use alkemy_studio::produce::ProduceError;

/// Why a production's outputs could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The project has no finished production export.
    #[error("project {project} has no finished production (run `alkemy worker --drain` first)")]
    NotProduced {
        /// The project.
        project: String,
    },
    /// The store or blob storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored file is not what the export job recorded.
    #[error("{path}: {message}")]
    Corrupt {
        /// The file in the production folder.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Writing the folder failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// A pipeline error as a job error: the user's fault (bad script, bad
/// request to a provider) is not retried.
pub(crate) fn produce_err(e: ProduceError) -> JobError {
    if e.is_bad_input() {
        JobError::fatal(e.to_string())
    } else {
        JobError::retry(e.to_string())
    }
}

/// Why a production could not be queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The script cannot be produced (unreadable, no scenes).
    #[error(transparent)]
    Script(#[from] ProduceError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
