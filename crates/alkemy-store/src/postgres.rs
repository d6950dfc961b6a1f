//! The PostgreSQL backend: row-level security, many workers.
//!
//! The application connects as a login role that is a member of
//! `alkemy_app` and owns no table; every transaction first sets
//! `alkemy.user_id` for itself (`set_config(…, true)`), and the policies in
//! the migration decide what its SQL can see. The store runs the same access
//! checks as on SQLite first, so errors read the same on both, but they are
//! not what keeps tenants apart here: the database is.
//!
//! Workers claim through `alkemy_claim_jobs`, a `SECURITY DEFINER` function
//! that picks runnable jobs `FOR UPDATE SKIP LOCKED`, so any number of
//! `alkemy worker` processes on any number of machines share one queue.
//! Job events are sent with `pg_notify('alkemy_jobs', …)` inside the
//! transaction that makes the change (so they are delivered only if it
//! commits) and every store listens on that channel.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{Postgres, Row};

// The names shared with the macro-written `Store` implementation are
// imported by `impl_store!` at the bottom of the file.

/// Migrations for PostgreSQL, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel job events travel on.
pub const EVENTS_CHANNEL: &str = "alkemy_jobs";

/// A store in a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    events: broadcast::Sender<JobEvent>,
    listener: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

fn options(url: &str) -> Result<PgConnectOptions> {
    url.parse::<PgConnectOptions>()
        .map_err(|e| StoreError::Invalid(format!("database URL: {e}")))
}

impl PgStore {
    /// Applies the migrations, connecting as the role that owns (or will
    /// own) the tables. It must be able to create the `alkemy_app` and
    /// `alkemy_system` roles, or they must exist and it must be a member of
    /// `alkemy_system`.
    pub async fn migrate(owner_url: &str) -> Result<()> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options(owner_url)?)
            .await
            .ctx("connecting to PostgreSQL to migrate")?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::other("migrating PostgreSQL", e))?;
        pool.close().await;
        Ok(())
    }

    /// Connects as the application (a member of `alkemy_app`) with up to
    /// `max_connections` connections, and starts listening for job events.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options(url)?)
            .await
            .ctx("connecting to PostgreSQL")?;
        let (events, _) = broadcast::channel(4096);
        let mut listener = PgListener::connect_with(&pool)
            .await
            .ctx("connecting the job event listener")?;
        listener
            .listen(EVENTS_CHANNEL)
            .await
            .ctx("listening for job events")?;
        let tx = events.clone();
        let listener = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => match serde_json::from_str::<JobEvent>(n.payload()) {
                        Ok(event) => {
                            let _ = tx.send(event);
                        }
                        Err(e) => tracing::warn!("ignoring a malformed job event: {e}"),
                    },
                    Err(e) => {
                        // PgListener reconnects on the next recv.
                        tracing::warn!("job event listener: {e}");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(Self {
            pool,
            events,
            listener,
        })
    }

    /// The connection pool (benchmarks and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_as(&self, actor: UserId) -> Result<sqlx::Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.ctx("starting a transaction")?;
        sqlx::query("SELECT set_config('alkemy.user_id', $1, true)")
            .bind(actor.to_string())
            .execute(&mut *tx)
            .await
            .ctx("setting the current user")?;
        Ok(tx)
    }

    async fn read(&self, actor: UserId) -> Result<sqlx::Transaction<'static, Postgres>> {
        self.begin_as(actor).await
    }

    async fn write(&self, actor: UserId) -> Result<sqlx::Transaction<'static, Postgres>> {
        self.begin_as(actor).await
    }

    async fn notify(
        &self,
        tx: &mut sqlx::Transaction<'static, Postgres>,
        events: &[JobEvent],
    ) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let payloads = events
            .iter()
            .map(serde_json::to_string)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| StoreError::other("encoding job events", e))?;
        sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(EVENTS_CHANNEL)
            .bind(payloads)
            .execute(&mut **tx)
            .await
            .ctx("publishing job events")?;
        Ok(())
    }

    /// Events reach this process through the listener like everyone else's.
    fn after_commit(&self, _events: Vec<JobEvent>) {}

    /// Locks a project's row until the transaction ends, so budget
    /// reservations for it decide one after another across every worker.
    async fn lock_project(
        &self,
        tx: &mut sqlx::Transaction<'static, Postgres>,
        project: ProjectId,
    ) -> Result<()> {
        sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
            .bind(project.uuid())
            .fetch_optional(&mut **tx)
            .await
            .ctx("locking a project's budget")?
            .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?;
        Ok(())
    }

    async fn user_by_email_impl(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM alkemy_user_by_email($1)")
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .ctx("looking up a user by e-mail")?;
        row.as_ref().map(user_row).transpose()
    }

    async fn user_by_token_impl(&self, hash: &[u8; 32], now: Timestamp) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM alkemy_user_by_token($1, $2)")
            .bind(hash.to_vec())
            .bind(now.0)
            .fetch_optional(&self.pool)
            .await
            .ctx("looking up a token")?;
        row.as_ref().map(user_row).transpose()
    }

    async fn project_owner_impl(&self, project: ProjectId) -> Result<UserId> {
        let row = sqlx::query("SELECT alkemy_project_owner($1) AS owner")
            .bind(project.uuid())
            .fetch_one(&self.pool)
            .await
            .ctx("finding a project's owner")?;
        let owner: Option<Uuid> = row.try_get("owner").ctx("reading an owner")?;
        owner
            .map(UserId::from_uuid)
            .ok_or_else(|| StoreError::NotFound(format!("project {project}")))
    }

    async fn claim_impl(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedJob>> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let rows = sqlx::query("SELECT * FROM alkemy_claim_jobs($1, $2, $3, $4)")
            .bind(worker)
            .bind(kinds)
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind(lease_ms)
            .fetch_all(&self.pool)
            .await
            .ctx("claiming jobs")?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Dependencies are read as each job's user, under row-level security.
        let mut by_user: std::collections::BTreeMap<UserId, Vec<Uuid>> = Default::default();
        for row in &rows {
            let user: UserId = id(row, "created_by")?;
            by_user.entry(user).or_default().push(get(row, "id")?);
        }
        let mut deps: Vec<(JobId, JobId)> = Vec::new();
        for (user, ids) in by_user {
            let mut tx = self.read(user).await?;
            for r in sqlx::query("SELECT job_id, depends_on FROM job_deps WHERE job_id = ANY($1)")
                .bind(ids)
                .fetch_all(&mut *tx)
                .await
                .ctx("loading job dependencies")?
            {
                deps.push((id(&r, "job_id")?, id(&r, "depends_on")?));
            }
            tx.commit().await.ctx("loading job dependencies")?;
        }
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let jid: JobId = id(row, "id")?;
            let mut mine: Vec<JobId> = deps
                .iter()
                .filter(|(j, _)| *j == jid)
                .map(|(_, d)| *d)
                .collect();
            mine.sort();
            let token: Uuid = get(row, "lease_token")?;
            let job = job_row(row, mine)?;
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
        claimed.sort_by(|a, b| {
            b.job
                .priority
                .cmp(&a.job.priority)
                .then(a.job.created_at.cmp(&b.job.created_at))
        });
        let payloads = claimed
            .iter()
            .map(|c| serde_json::to_string(&event_of(&c.job)))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| StoreError::other("encoding job events", e))?;
        sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(EVENTS_CHANNEL)
            .bind(payloads)
            .execute(&self.pool)
            .await
            .ctx("publishing job events")?;
        Ok(claimed)
    }
}

impl_store!(
    store = PgStore,
    db = Postgres,
    now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    backend = Backend::Postgres,
);
