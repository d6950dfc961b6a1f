//! Persistence: projects, assets, jobs and usage in SQLite (default) or
//! PostgreSQL (with row-level security) behind one [`Store`] trait; media in
//! blob storage (local files or S3-compatible) through `object_store`; a
//! durable job queue with leases, heartbeats and dependencies, and the
//! [`Worker`](worker::Worker) that runs it.
//!
//! Roles:
//! - [`Store`] (in [`store`]): domain-level async methods, shared as
//!   `Arc<dyn Store>`; [`open`] picks the backend from the database URL.
//! - [`sqlite`] and [`postgres`]: the two backends, each with its own
//!   `migrations/` folder; their SQL is written once (`sql`).
//! - [`blob`]: content-addressed, per-project blob keys over `object_store`.
//! - [`worker`]: handler registry and worker pool (the pipeline plugs in
//!   here).
//! - [`bundle`]: a project as one portable archive.
//! - [`testing`]: throwaway PostgreSQL clusters and a loopback S3 server for
//!   tests and benchmarks.
//!
//! One design decision: `Arc<dyn Store>` rather than a generic `S: Store`
//! everywhere. The backend is chosen at run time from a URL, the server,
//! CLI and workers must hold the same handle, and the cost of dynamic
//! dispatch is nothing beside a database round trip; generics would
//! monomorphise the whole server twice for no gain.
//!
//! **Architecture invariant:** the [`Store`] trait and the [`model`] types
//! mention no SQL and no `sqlx` type; only `sqlite`, `postgres` and `sql`
//! know there is a database.

#[macro_use]
mod sql;

pub mod blob;
pub mod bundle;
pub mod error;
pub mod model;
pub mod postgres;
pub mod sqlite;
pub mod store;
pub mod testing;
pub mod worker;

use std::sync::Arc;

pub use blob::{BlobKey, BlobStore, S3Config, StoredBlob};
pub use bundle::ProjectBundle;
pub use error::{Result, StoreError};
pub use store::{Backend, Store};
pub use worker::{Handlers, JobContext, JobError, JobHandler, Worker, WorkerConfig};

/// How [`open`] treats the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Apply migrations first (PostgreSQL: only when the URL's role owns the
    /// schema; SQLite databases are always migrated).
    pub migrate: bool,
    /// Largest connection pool (PostgreSQL).
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            migrate: false,
            max_connections: 16,
        }
    }
}

/// True if the URL names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens the store a URL names: `postgres://…` / `postgresql://…`, or
/// `sqlite://path`, `sqlite::memory:`, or a plain file path (SQLite).
pub async fn open(url: &str, options: OpenOptions) -> Result<Arc<dyn Store>> {
    if is_postgres(url) {
        if options.migrate {
            postgres::PgStore::migrate(url).await?;
        }
        return Ok(Arc::new(
            postgres::PgStore::connect(url, options.max_connections).await?,
        ));
    }
    let url = if url.starts_with("sqlite:") {
        url.to_owned()
    } else if url.contains("://") {
        return Err(StoreError::Invalid(format!(
            "unsupported database URL {url:?}: use postgres://…, sqlite://path or a file path"
        )));
    } else {
        format!("sqlite://{url}")
    };
    Ok(Arc::new(sqlite::SqliteStore::open(&url).await?))
}

/// Applies the migrations of the database a URL names.
pub async fn migrate(url: &str) -> Result<()> {
    if is_postgres(url) {
        postgres::PgStore::migrate(url).await
    } else {
        open(url, OpenOptions::default()).await.map(|_| ())
    }
}
