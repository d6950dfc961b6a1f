//! The SQLite backend: one file, WAL journal, foreign keys on, a busy
//! timeout, `synchronous = FULL` (a committed transaction survives a power
//! cut, not only a crash).
//!
//! SQLite has no roles, so tenant isolation is the store's own checks (the
//! same `require` calls PostgreSQL also runs before its row-level
//! security). Writes begin with `BEGIN IMMEDIATE`, taking the single write
//! lock up front so a read-then-write transaction never fails on upgrade;
//! the job queue's claim is one `UPDATE … RETURNING` under that lock, so
//! in-process workers never claim the same job twice.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite};

// The names this module's code shares with the macro-written `Store`
// implementation (ids, records, errors) are imported by `impl_store!` at the
// bottom of the file.

/// SQLite's clock in epoch milliseconds.
macro_rules! now_sql {
    () => {
        "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
    };
}

/// Migrations for SQLite, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store in a SQLite database.
pub struct SqliteStore {
    pool: SqlitePool,
    events: broadcast::Sender<JobEvent>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates a database:
    /// `sqlite:///path/alkemy.db`, `sqlite://relative.db`, `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<Self> {
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("database URL {url:?}: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(options)
            .await
            .ctx(&format!("opening {url}"))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::other(format!("migrating {url}"), e))?;
        let (events, _) = broadcast::channel(1024);
        Ok(Self { pool, events })
    }

    /// The connection pool (benchmarks and tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn read(&self, _actor: UserId) -> Result<sqlx::Transaction<'static, Sqlite>> {
        self.pool.begin().await.ctx("starting a transaction")
    }

    async fn write(&self, _actor: UserId) -> Result<sqlx::Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .ctx("starting a write transaction")
    }

    async fn notify(
        &self,
        _tx: &mut sqlx::Transaction<'static, Sqlite>,
        _events: &[JobEvent],
    ) -> Result<()> {
        Ok(())
    }

    fn after_commit(&self, events: Vec<JobEvent>) {
        for e in events {
            // No subscriber is not an error.
            let _ = self.events.send(e);
        }
    }

    /// Nothing to lock: a write transaction (`BEGIN IMMEDIATE`) already
    /// holds SQLite's single write lock, so budget reservations decide one
    /// after another.
    async fn lock_project(
        &self,
        _tx: &mut sqlx::Transaction<'static, Sqlite>,
        _project: ProjectId,
    ) -> Result<()> {
        Ok(())
    }

    async fn user_by_email_impl(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT id, email, display_name, password_hash, created_at FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .ctx("looking up a user by e-mail")?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_token_impl(&self, hash: &[u8; 32], now: Timestamp) -> Result<Option<User>> {
        let mut tx = self.write(UserId::from_bytes([0; 16])).await?;
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 RETURNING user_id",
        )
        .bind(now.0)
        .bind(hash.to_vec())
        .fetch_optional(&mut *tx)
        .await
        .ctx("looking up a token")?;
        let Some(row) = row else { return Ok(None) };
        let user: uuid::Uuid = row.try_get("user_id").ctx("reading a token")?;
        let row = sqlx::query(
            "SELECT id, email, display_name, password_hash, created_at FROM users WHERE id = $1",
        )
        .bind(user)
        .fetch_optional(&mut *tx)
        .await
        .ctx("loading a token's user")?;
        let out = row.as_ref().map(user_from_row).transpose()?;
        tx.commit().await.ctx("looking up a token")?;
        Ok(out)
    }

    async fn project_owner_impl(&self, project: ProjectId) -> Result<UserId> {
        let row = sqlx::query("SELECT owner_id FROM projects WHERE id = $1")
            .bind(project.uuid())
            .fetch_optional(&self.pool)
            .await
            .ctx("finding a project's owner")?
            .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?;
        let owner: uuid::Uuid = row.try_get("owner_id").ctx("reading an owner")?;
        Ok(UserId::from_uuid(owner))
    }

    async fn claim_impl(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedJob>> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let kinds = serde_json::to_string(&kinds)
            .map_err(|e| StoreError::other("encoding job kinds", e))?;
        let mut tx = self.write(UserId::from_bytes([0; 16])).await?;
        // A job whose worker died on its last attempt fails instead of
        // running forever.
        sqlx::query(concat!(
            "UPDATE jobs SET state = 'failed', lease_token = NULL, lease_expires_at = NULL, \
               error = 'lease expired on the last attempt (worker ' || COALESCE(worker, '?') || ')', \
               finished_at = ", now_sql!(), ", updated_at = ", now_sql!(), " \
             WHERE state = 'running' AND lease_expires_at < ", now_sql!(), " AND attempts >= max_attempts"
        ))
        .execute(&mut *tx)
        .await
        .ctx("failing abandoned jobs")?;
        let rows = sqlx::query(concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, \
               lease_token = randomblob(16), lease_expires_at = ", now_sql!(), " + $2, \
               error = CASE WHEN state = 'running' THEN 'lease expired (worker ' || COALESCE(worker, '?') || ')' ELSE error END, \
               updated_at = ", now_sql!(), " \
             WHERE id IN (SELECT j.id FROM jobs j \
               WHERE j.kind IN (SELECT value FROM json_each($3)) \
                 AND ((j.state = 'queued' AND j.run_after <= ", now_sql!(), ") \
                      OR (j.state = 'running' AND j.lease_expires_at < ", now_sql!(), ")) \
                 AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs p ON p.id = d.depends_on \
                                 WHERE d.job_id = j.id AND p.state <> 'succeeded') \
               ORDER BY j.priority DESC, j.run_after, j.created_at, j.seq LIMIT $4) \
             RETURNING ", job_cols!()
        ))
        .bind(worker)
        .bind(lease_ms)
        .bind(kinds)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .ctx("claiming jobs")?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: uuid::Uuid = row.try_get("id").ctx("reading a claimed job")?;
            let deps = sqlx::query(
                "SELECT depends_on FROM job_deps WHERE job_id = $1 ORDER BY depends_on",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .ctx("loading job dependencies")?
            .iter()
            .map(|r| {
                r.try_get::<uuid::Uuid, _>("depends_on")
                    .map(alkemy_core::JobId::from_uuid)
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .ctx("reading job dependencies")?;
            let token: uuid::Uuid = row.try_get("lease_token").ctx("reading a lease")?;
            let job = job_row(row, deps)?;
            claimed.push(ClaimedJob {
                lease: Lease {
                    job_id: job.id,
                    project_id: job.project_id,
                    user_id: job.created_by,
                    token,
                },
                job,
            });
        }
        tx.commit().await.ctx("claiming jobs")?;
        claimed.sort_by(|a, b| {
            b.job
                .priority
                .cmp(&a.job.priority)
                .then(a.job.created_at.cmp(&b.job.created_at))
        });
        Ok(claimed)
    }
}

fn user_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<User> {
    user_row(r)
}

impl_store!(
    store = SqliteStore,
    db = Sqlite,
    now = "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
    backend = Backend::Sqlite,
);
