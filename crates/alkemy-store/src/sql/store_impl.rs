//! The `Store` implementation written once for both SQL backends (see the
//! parent module for why a macro and what each backend supplies).

/// Columns of `projects`, in the order `project_row` reads them.
macro_rules! project_cols {
    () => {
        "id, owner_id, title, description, tags, settings, is_template, shot_style, version, \
         created_at, updated_at, deleted_at"
    };
}

/// Columns of `jobs`, in the order `job_row` reads them.
macro_rules! job_cols {
    () => {
        "id, project_id, created_by, kind, state, payload, priority, attempts, max_attempts, \
         backoff_ms, run_after, worker, lease_expires_at, progress, progress_message, result, \
         error, created_at, updated_at, finished_at, lease_token"
    };
}

/// Columns of `assets`, in the order `asset_row` reads them.
macro_rules! asset_cols {
    () => {
        "id, project_id, kind, storage_key, mime, size_bytes, content_hash, width, height, \
         duration_ms, inputs_hash, provider, model, seed, cost_micros, parent_id, variant_of, \
         shot_id, job_id, created_by, created_at"
    };
}

/// Columns of `users`, in the order `user_row` reads them.
macro_rules! user_cols {
    () => {
        "id, email, display_name, password_hash, created_at"
    };
}

/// Columns of `usage_records`, in the order `usage_row` reads them.
macro_rules! usage_cols {
    () => {
        "id, user_id, project_id, job_id, provider, model, cost_micros, shot_id, request_hash, \
         record, created_at"
    };
}

/// Writes the row helpers and `impl Store` for one backend.
///
/// `store` is the backend's type, `db` its `sqlx::Database`, `now` the SQL
/// expression for the database clock in epoch milliseconds.
macro_rules! impl_store {
    (store = $store:ty,db = $db:ty,now = $now:literal,backend = $backend:expr $(,)?) => {
        use alkemy_core::{
            AnalysisId, AssetId, AssetKind, Breakdown, CharacterId, ContentHash, JobId, JobKind,
            JobState, MediaInfo, Money, MoodboardId, ProjectId, Progress, Provenance,
            ScriptVersionId, ShotList, Timeline, TimelineId, TokenId, UserId,
        };
        use sqlx::types::Json;
        use tokio::sync::broadcast;
        use uuid::Uuid;

        use $crate::bundle::ProjectBundle;
        use $crate::error::{Result, StoreError};
        use $crate::model::{
            Activity, Analysis, ApiToken, Asset, BudgetCall, BudgetHold, BudgetRefusal,
            BudgetStatus, CharacterRecord, ClaimedJob, IdentityRecord,
            IdentityStatus, Job, JobEvent, JobOutput, Lease, Moodboard, MoodboardItem, NewAsset,
            NewCharacter, NewIdentity, NewJob, NewMoodboard, NewMoodboardItem, NewProject,
            NewScriptVersion, NewUsage, NewUser, Project, ProjectFilter, ProjectPatch, ProviderKey,
            Reserved, ScriptVersion, Share, ShareRole, ShotOverrides, StoredShot, Timestamp, TimelineRecord,
            TokenSecret, UsageRecord, User,
        };
        use $crate::sql::{
            backoff_delay, hash, now, opt_hash, opt_id, opt_uuid, signed, unsigned, Ctx, DbId,
            Need,
        };
        use $crate::store::{Backend, Store};

        type Tx = sqlx::Transaction<'static, $db>;
        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(col)
                .map_err(|e| StoreError::other(format!("reading column {col}"), e))
        }

        fn id<I: DbId>(row: &DbRow, col: &str) -> Result<I> {
            Ok(I::from_uuid(get::<Uuid>(row, col)?))
        }

        fn opt<I: DbId>(row: &DbRow, col: &str) -> Result<Option<I>> {
            Ok(opt_id(get::<Option<Uuid>>(row, col)?))
        }

        fn json<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> Result<T> {
            Ok(get::<Json<T>>(row, col)?.0)
        }

        fn ts(row: &DbRow, col: &str) -> Result<Timestamp> {
            Ok(Timestamp(get::<i64>(row, col)?))
        }

        fn opt_ts(row: &DbRow, col: &str) -> Result<Option<Timestamp>> {
            Ok(get::<Option<i64>>(row, col)?.map(Timestamp))
        }

        fn parse<T: std::str::FromStr>(row: &DbRow, col: &str) -> Result<T>
        where
            T::Err: std::fmt::Display,
        {
            let s: String = get(row, col)?;
            s.parse()
                .map_err(|e: T::Err| StoreError::Invalid(format!("stored {col} {s:?}: {e}")))
        }

        fn user_row(r: &DbRow) -> Result<User> {
            Ok(User {
                id: id(r, "id")?,
                email: get(r, "email")?,
                display_name: get(r, "display_name")?,
                password_hash: get(r, "password_hash")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn project_row(r: &DbRow) -> Result<Project> {
            Ok(Project {
                id: id(r, "id")?,
                owner_id: id(r, "owner_id")?,
                title: get(r, "title")?,
                description: get(r, "description")?,
                tags: json(r, "tags")?,
                settings: json(r, "settings")?,
                is_template: get(r, "is_template")?,
                shot_style: get(r, "shot_style")?,
                version: get(r, "version")?,
                created_at: ts(r, "created_at")?,
                updated_at: ts(r, "updated_at")?,
                deleted_at: opt_ts(r, "deleted_at")?,
            })
        }

        fn job_row(r: &DbRow, depends_on: Vec<JobId>) -> Result<Job> {
            Ok(Job {
                id: id(r, "id")?,
                project_id: id(r, "project_id")?,
                created_by: id(r, "created_by")?,
                kind: parse(r, "kind")?,
                state: parse(r, "state")?,
                payload: json(r, "payload")?,
                depends_on,
                priority: get(r, "priority")?,
                attempts: unsigned(get::<i64>(r, "attempts")?, "attempts")?,
                max_attempts: unsigned(get::<i64>(r, "max_attempts")?, "max_attempts")?,
                backoff_ms: get(r, "backoff_ms")?,
                run_after: ts(r, "run_after")?,
                worker: get(r, "worker")?,
                lease_expires_at: opt_ts(r, "lease_expires_at")?,
                progress: get(r, "progress")?,
                progress_message: get(r, "progress_message")?,
                result: get::<Option<Json<serde_json::Value>>>(r, "result")?.map(|j| j.0),
                error: get(r, "error")?,
                created_at: ts(r, "created_at")?,
                updated_at: ts(r, "updated_at")?,
                finished_at: opt_ts(r, "finished_at")?,
            })
        }

        fn asset_row(r: &DbRow) -> Result<Asset> {
            let opt_u32 = |col: &str| -> Result<Option<u32>> {
                get::<Option<i64>>(r, col)?
                    .map(|v| unsigned(v, col))
                    .transpose()
            };
            let seed = get::<Option<String>>(r, "seed")?
                .map(|s| {
                    s.parse::<u64>()
                        .map_err(|_| StoreError::Invalid(format!("stored seed {s:?}")))
                })
                .transpose()?;
            Ok(Asset {
                id: id(r, "id")?,
                project_id: id(r, "project_id")?,
                kind: parse(r, "kind")?,
                storage_key: get(r, "storage_key")?,
                mime: get(r, "mime")?,
                size_bytes: unsigned(get::<i64>(r, "size_bytes")?, "size_bytes")?,
                content_hash: hash(&get::<String>(r, "content_hash")?)?,
                media: MediaInfo {
                    width: opt_u32("width")?,
                    height: opt_u32("height")?,
                    duration_ms: get::<Option<i64>>(r, "duration_ms")?
                        .map(|v| unsigned(v, "duration_ms"))
                        .transpose()?,
                },
                provenance: Provenance {
                    inputs_hash: opt_hash(get(r, "inputs_hash")?)?,
                    provider: get(r, "provider")?,
                    model: get(r, "model")?,
                    seed,
                    cost: Money::from_micros(get(r, "cost_micros")?),
                    parent: opt(r, "parent_id")?,
                    variant_of: opt(r, "variant_of")?,
                },
                shot_id: get(r, "shot_id")?,
                job_id: opt(r, "job_id")?,
                created_by: id(r, "created_by")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn usage_row(r: &DbRow) -> Result<UsageRecord> {
            Ok(UsageRecord {
                id: id(r, "id")?,
                user_id: id(r, "user_id")?,
                project_id: opt(r, "project_id")?,
                job_id: opt(r, "job_id")?,
                record: json(r, "record")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn script_row(r: &DbRow) -> Result<ScriptVersion> {
            Ok(ScriptVersion {
                id: id(r, "id")?,
                project_id: id(r, "project_id")?,
                number: get(r, "number")?,
                source_name: get(r, "source_name")?,
                format: get(r, "format")?,
                text: get(r, "text")?,
                content_hash: hash(&get::<String>(r, "content_hash")?)?,
                created_by: id(r, "created_by")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn analysis_row(r: &DbRow) -> Result<Analysis> {
            Ok(Analysis {
                id: id(r, "id")?,
                project_id: id(r, "project_id")?,
                script_version_id: id(r, "script_version_id")?,
                breakdown: json(r, "breakdown")?,
                enrichment: get::<Option<Json<serde_json::Value>>>(r, "enrichment")?.map(|j| j.0),
                created_at: ts(r, "created_at")?,
            })
        }

        fn identity_row(r: &DbRow) -> Result<IdentityRecord> {
            let status: String = get(r, "status")?;
            Ok(IdentityRecord {
                id: id(r, "id")?,
                character_id: id(r, "character_id")?,
                project_id: id(r, "project_id")?,
                provider: get(r, "provider")?,
                model: get(r, "model")?,
                trigger_word: get(r, "trigger_word")?,
                status: IdentityStatus::parse(&status).ok_or_else(|| {
                    StoreError::Invalid(format!("stored identity status {status:?}"))
                })?,
                weights_asset: opt(r, "weights_asset")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn character_row(r: &DbRow) -> Result<CharacterRecord> {
            Ok(CharacterRecord {
                id: id(r, "id")?,
                project_id: id(r, "project_id")?,
                name: get(r, "name")?,
                description: get(r, "description")?,
                reference_asset: opt(r, "reference_asset")?,
            })
        }

        fn provider_key_row(r: &DbRow) -> Result<ProviderKey> {
            Ok(ProviderKey {
                id: id(r, "id")?,
                user_id: id(r, "user_id")?,
                provider: get(r, "provider")?,
                label: get(r, "label")?,
                ciphertext: get(r, "ciphertext")?,
                nonce: get(r, "nonce")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn token_row(r: &DbRow) -> Result<ApiToken> {
            Ok(ApiToken {
                id: id(r, "id")?,
                user_id: id(r, "user_id")?,
                name: get(r, "name")?,
                created_at: ts(r, "created_at")?,
                last_used_at: opt_ts(r, "last_used_at")?,
            })
        }

        fn event_of(job: &Job) -> JobEvent {
            JobEvent {
                job_id: job.id,
                project_id: job.project_id,
                kind: job.kind,
                state: job.state,
                progress: job.progress,
                message: job.progress_message.clone(),
            }
        }

        async fn commit(tx: Tx, what: &str) -> Result<()> {
            tx.commit().await.ctx(what)
        }

        /// The acting user's role on a project, and whether it is in the bin;
        /// `None` when they may not see it.
        async fn role_of(
            tx: &mut Tx,
            actor: UserId,
            project: ProjectId,
        ) -> Result<Option<(ShareRole, bool)>> {
            let row = sqlx::query(
                "SELECT p.owner_id, p.deleted_at, \
                 (SELECT s.role FROM project_shares s WHERE s.project_id = p.id AND s.user_id = $2) AS share_role \
                 FROM projects p WHERE p.id = $1",
            )
            .bind(project.uuid())
            .bind(actor.uuid())
            .fetch_optional(&mut **tx)
            .await
            .ctx("checking access to a project")?;
            let Some(row) = row else { return Ok(None) };
            let owner: UserId = id(&row, "owner_id")?;
            let deleted = get::<Option<i64>>(&row, "deleted_at")?.is_some();
            if owner == actor {
                return Ok(Some((ShareRole::Owner, deleted)));
            }
            let share: Option<String> = get(&row, "share_role")?;
            Ok(share
                .and_then(|s| s.parse::<ShareRole>().ok())
                .map(|role| (role, deleted)))
        }

        /// Checks the acting user may do `need` to a project.
        async fn require(
            tx: &mut Tx,
            actor: UserId,
            project: ProjectId,
            need: Need,
        ) -> Result<ShareRole> {
            let Some((role, deleted)) = role_of(tx, actor, project).await? else {
                return Err(StoreError::NotFound(format!("project {project}")));
            };
            match need {
                Need::Read => Ok(role),
                Need::Edit if !role.can_edit() => Err(StoreError::Forbidden(format!(
                    "a {role} cannot change project {project}"
                ))),
                Need::Edit if deleted => Err(StoreError::Conflict(format!(
                    "project {project} is in the bin; restore it first"
                ))),
                Need::Edit => Ok(role),
                Need::Own if role != ShareRole::Owner => Err(StoreError::Forbidden(format!(
                    "only an owner may do this to project {project}"
                ))),
                Need::Own => Ok(role),
            }
        }

        /// The project a row of `table` belongs to, checked for `need`.
        async fn project_of(
            tx: &mut Tx,
            actor: UserId,
            sql: &'static str,
            row_id: Uuid,
            what: &str,
            need: Need,
        ) -> Result<ProjectId> {
            let row = sqlx::query(sql)
                .bind(row_id)
                .fetch_optional(&mut **tx)
                .await
                .ctx(what)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound(format!("{what} {row_id}")));
            };
            let project: ProjectId = id(&row, "project_id")?;
            match require(tx, actor, project, need).await {
                Err(StoreError::NotFound(_)) => {
                    Err(StoreError::NotFound(format!("{what} {row_id}")))
                }
                Err(e) => Err(e),
                Ok(_) => Ok(project),
            }
        }

        async fn load_project(tx: &mut Tx, project: ProjectId) -> Result<Project> {
            let row = sqlx::query(concat!("SELECT ", project_cols!(), " FROM projects WHERE id = $1"))
                .bind(project.uuid())
                .fetch_optional(&mut **tx)
                .await
                .ctx("loading a project")?;
            match row {
                Some(row) => project_row(&row),
                None => Err(StoreError::NotFound(format!("project {project}"))),
            }
        }

        async fn insert_project(tx: &mut Tx, p: &Project) -> Result<()> {
            sqlx::query(concat!(
                "INSERT INTO projects (", project_cols!(), ") ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(p.id.uuid())
            .bind(p.owner_id.uuid())
            .bind(&p.title)
            .bind(&p.description)
            .bind(Json(&p.tags))
            .bind(Json(&p.settings))
            .bind(p.is_template)
            .bind(&p.shot_style)
            .bind(p.version)
            .bind(p.created_at.0)
            .bind(p.updated_at.0)
            .bind(p.deleted_at.map(|t| t.0))
            .execute(&mut **tx)
            .await
            .ctx("saving a project")?;
            Ok(())
        }

        async fn log(
            tx: &mut Tx,
            actor: UserId,
            project: ProjectId,
            action: &str,
            detail: serde_json::Value,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO activity (project_id, user_id, action, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project.uuid())
            .bind(actor.uuid())
            .bind(action)
            .bind(Json(detail))
            .bind(now().0)
            .execute(&mut **tx)
            .await
            .ctx("logging activity")?;
            Ok(())
        }

        async fn insert_script(tx: &mut Tx, s: &ScriptVersion) -> Result<()> {
            sqlx::query(
                "INSERT INTO script_versions (id, project_id, number, source_name, format, text, \
                 content_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(s.id.uuid())
            .bind(s.project_id.uuid())
            .bind(s.number)
            .bind(&s.source_name)
            .bind(&s.format)
            .bind(&s.text)
            .bind(s.content_hash.to_string())
            .bind(s.created_by.uuid())
            .bind(s.created_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving a script version")?;
            Ok(())
        }

        async fn load_scripts(tx: &mut Tx, project: ProjectId) -> Result<Vec<ScriptVersion>> {
            sqlx::query(
                "SELECT id, project_id, number, source_name, format, text, content_hash, created_by, \
                 created_at FROM script_versions WHERE project_id = $1 ORDER BY number",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading script versions")?
            .iter()
            .map(script_row)
            .collect()
        }

        async fn insert_analysis(tx: &mut Tx, a: &Analysis) -> Result<()> {
            sqlx::query(
                "INSERT INTO analyses (id, project_id, script_version_id, breakdown, enrichment, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.id.uuid())
            .bind(a.project_id.uuid())
            .bind(a.script_version_id.uuid())
            .bind(Json(&a.breakdown))
            .bind(a.enrichment.as_ref().map(Json))
            .bind(a.created_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving an analysis")?;
            Ok(())
        }

        async fn load_analyses(tx: &mut Tx, project: ProjectId) -> Result<Vec<Analysis>> {
            sqlx::query(
                "SELECT id, project_id, script_version_id, breakdown, enrichment, created_at \
                 FROM analyses WHERE project_id = $1 ORDER BY created_at, id",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading analyses")?
            .iter()
            .map(analysis_row)
            .collect()
        }

        async fn insert_shot(
            tx: &mut Tx,
            project: ProjectId,
            position: usize,
            s: &StoredShot,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO shots (project_id, shot_id, position, shot, overrides) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project.uuid())
            .bind(s.shot.id.as_str())
            .bind(signed(position, "shot position")?)
            .bind(Json(&s.shot))
            .bind(Json(&s.overrides))
            .execute(&mut **tx)
            .await
            .ctx("saving a shot")?;
            Ok(())
        }

        async fn load_shots(tx: &mut Tx, project: ProjectId) -> Result<Vec<StoredShot>> {
            sqlx::query("SELECT shot, overrides FROM shots WHERE project_id = $1 ORDER BY position")
                .bind(project.uuid())
                .fetch_all(&mut **tx)
                .await
                .ctx("loading shots")?
                .iter()
                .map(|r| {
                    Ok(StoredShot {
                        shot: json(r, "shot")?,
                        overrides: json(r, "overrides")?,
                    })
                })
                .collect()
        }

        /// Inserts an asset unless one with its storage key exists; returns the stored row.
        async fn insert_asset(tx: &mut Tx, a: &Asset) -> Result<Asset> {
            sqlx::query(concat!(
                "INSERT INTO assets (", asset_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                 $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
                 ON CONFLICT (project_id, storage_key) DO NOTHING"
            ))
            .bind(a.id.uuid())
            .bind(a.project_id.uuid())
            .bind(a.kind.as_str())
            .bind(&a.storage_key)
            .bind(&a.mime)
            .bind(signed(a.size_bytes, "asset size")?)
            .bind(a.content_hash.to_string())
            .bind(a.media.width.map(i64::from))
            .bind(a.media.height.map(i64::from))
            .bind(a.media.duration_ms.map(|d| signed(d, "duration")).transpose()?)
            .bind(a.provenance.inputs_hash.map(|h| h.to_string()))
            .bind(&a.provenance.provider)
            .bind(&a.provenance.model)
            .bind(a.provenance.seed.map(|s| s.to_string()))
            .bind(a.provenance.cost.micros())
            .bind(opt_uuid(a.provenance.parent))
            .bind(opt_uuid(a.provenance.variant_of))
            .bind(&a.shot_id)
            .bind(opt_uuid(a.job_id))
            .bind(a.created_by.uuid())
            .bind(a.created_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving an asset")?;
            let row = sqlx::query(concat!(
                "SELECT ", asset_cols!(), " FROM assets WHERE project_id = $1 AND storage_key = $2"
            ))
            .bind(a.project_id.uuid())
            .bind(&a.storage_key)
            .fetch_one(&mut **tx)
            .await
            .ctx("reading back an asset")?;
            asset_row(&row)
        }

        async fn load_assets(
            tx: &mut Tx,
            project: ProjectId,
            kind: Option<AssetKind>,
        ) -> Result<Vec<Asset>> {
            sqlx::query(concat!(
                "SELECT ", asset_cols!(), " FROM assets WHERE project_id = $1 \
                 AND ($2 IS NULL OR kind = $2) ORDER BY created_at, id"
            ))
            .bind(project.uuid())
            .bind(kind.map(|k| k.as_str()))
            .fetch_all(&mut **tx)
            .await
            .ctx("loading assets")?
            .iter()
            .map(asset_row)
            .collect()
        }

        fn new_asset(
            project: ProjectId,
            actor: UserId,
            job: Option<JobId>,
            n: NewAsset,
            created_at: Timestamp,
        ) -> Asset {
            Asset {
                id: AssetId::generate(),
                project_id: project,
                kind: n.kind,
                storage_key: n.storage_key,
                mime: n.mime,
                size_bytes: n.size_bytes,
                content_hash: n.content_hash,
                media: n.media,
                provenance: n.provenance,
                shot_id: n.shot_id,
                job_id: job,
                created_by: actor,
                created_at,
            }
        }

        async fn insert_character(tx: &mut Tx, c: &CharacterRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO characters (id, project_id, name, description, reference_asset) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(c.id.uuid())
            .bind(c.project_id.uuid())
            .bind(&c.name)
            .bind(&c.description)
            .bind(opt_uuid(c.reference_asset))
            .execute(&mut **tx)
            .await
            .ctx("saving a character")?;
            Ok(())
        }

        async fn load_characters(tx: &mut Tx, project: ProjectId) -> Result<Vec<CharacterRecord>> {
            sqlx::query(
                "SELECT id, project_id, name, description, reference_asset FROM characters \
                 WHERE project_id = $1 ORDER BY name",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading characters")?
            .iter()
            .map(character_row)
            .collect()
        }

        async fn insert_identity(tx: &mut Tx, i: &IdentityRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO identities (id, project_id, character_id, provider, model, \
                 trigger_word, status, weights_asset, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(i.id.uuid())
            .bind(i.project_id.uuid())
            .bind(i.character_id.uuid())
            .bind(&i.provider)
            .bind(&i.model)
            .bind(&i.trigger_word)
            .bind(i.status.as_str())
            .bind(opt_uuid(i.weights_asset))
            .bind(i.created_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving an identity")?;
            Ok(())
        }

        async fn load_identities(tx: &mut Tx, project: ProjectId) -> Result<Vec<IdentityRecord>> {
            sqlx::query(
                "SELECT id, project_id, character_id, provider, model, trigger_word, status, \
                 weights_asset, created_at FROM identities WHERE project_id = $1 \
                 ORDER BY created_at, id",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading identities")?
            .iter()
            .map(identity_row)
            .collect()
        }

        async fn insert_moodboard(tx: &mut Tx, m: &Moodboard) -> Result<()> {
            sqlx::query(
                "INSERT INTO moodboards (id, project_id, name, summary, palette, keywords, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(m.id.uuid())
            .bind(m.project_id.uuid())
            .bind(&m.name)
            .bind(&m.summary)
            .bind(Json(&m.palette))
            .bind(Json(&m.keywords))
            .bind(now().0)
            .execute(&mut **tx)
            .await
            .ctx("saving a moodboard")?;
            for item in &m.items {
                insert_moodboard_item(tx, m.project_id, m.id, item).await?;
            }
            Ok(())
        }

        async fn insert_moodboard_item(
            tx: &mut Tx,
            project: ProjectId,
            board: MoodboardId,
            item: &MoodboardItem,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO moodboard_items (id, project_id, moodboard_id, position, asset_id, \
                 caption) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(item.id.uuid())
            .bind(project.uuid())
            .bind(board.uuid())
            .bind(item.position)
            .bind(opt_uuid(item.asset_id))
            .bind(&item.caption)
            .execute(&mut **tx)
            .await
            .ctx("saving a moodboard item")?;
            Ok(())
        }

        async fn load_moodboards(tx: &mut Tx, project: ProjectId) -> Result<Vec<Moodboard>> {
            let boards = sqlx::query(
                "SELECT id, project_id, name, summary, palette, keywords FROM moodboards \
                 WHERE project_id = $1 ORDER BY id",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading moodboards")?;
            let items = sqlx::query(
                "SELECT id, moodboard_id, position, asset_id, caption FROM moodboard_items \
                 WHERE project_id = $1 ORDER BY position, id",
            )
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading moodboard items")?;
            let mut out = Vec::with_capacity(boards.len());
            for r in &boards {
                let board: MoodboardId = id(r, "id")?;
                let mut mine = Vec::new();
                for item in &items {
                    if id::<MoodboardId>(item, "moodboard_id")? == board {
                        mine.push(MoodboardItem {
                            id: id(item, "id")?,
                            position: get(item, "position")?,
                            asset_id: opt(item, "asset_id")?,
                            caption: get(item, "caption")?,
                        });
                    }
                }
                out.push(Moodboard {
                    id: board,
                    project_id: id(r, "project_id")?,
                    name: get(r, "name")?,
                    summary: get(r, "summary")?,
                    palette: json(r, "palette")?,
                    keywords: json(r, "keywords")?,
                    items: mine,
                });
            }
            Ok(out)
        }

        async fn insert_timeline(tx: &mut Tx, t: &TimelineRecord, created_at: Timestamp) -> Result<()> {
            let tl = &t.timeline;
            sqlx::query(
                "INSERT INTO timelines (id, project_id, name, fps, width, height, markers, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(t.id.uuid())
            .bind(t.project_id.uuid())
            .bind(&tl.name)
            .bind(i64::from(tl.fps))
            .bind(i64::from(tl.width))
            .bind(i64::from(tl.height))
            .bind(Json(&tl.markers))
            .bind(created_at.0)
            .bind(t.updated_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving a timeline")?;
            for (ti, track) in tl.tracks.iter().enumerate() {
                let kind = serde_json::to_value(track.kind)
                    .map_err(|e| StoreError::other("encoding a track kind", e))?;
                let kind = kind.as_str().unwrap_or("video").to_owned();
                // An empty track still needs a row to exist: a marker row at
                // position -1 with no item.
                let items: Vec<Option<&alkemy_core::TrackItem>> = if track.items.is_empty() {
                    vec![None]
                } else {
                    track.items.iter().map(Some).collect()
                };
                for (pi, item) in items.into_iter().enumerate() {
                    let shot = match item {
                        Some(alkemy_core::TrackItem::Clip(c)) => c.shot_id.clone(),
                        _ => None,
                    };
                    let position = if item.is_none() { -1 } else { signed(pi, "clip position")? };
                    sqlx::query(
                        "INSERT INTO timeline_clips (timeline_id, project_id, track, track_name, \
                         track_kind, position, shot_id, item) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(t.id.uuid())
                    .bind(t.project_id.uuid())
                    .bind(signed(ti, "track index")?)
                    .bind(&track.name)
                    .bind(&kind)
                    .bind(position)
                    .bind(shot)
                    .bind(Json(item))
                    .execute(&mut **tx)
                    .await
                    .ctx("saving a timeline clip")?;
                }
            }
            Ok(())
        }

        async fn load_timelines(
            tx: &mut Tx,
            project: ProjectId,
            only: Option<TimelineId>,
        ) -> Result<Vec<TimelineRecord>> {
            let rows = sqlx::query(
                "SELECT id, project_id, name, fps, width, height, markers, updated_at FROM timelines \
                 WHERE project_id = $1 AND ($2 IS NULL OR id = $2) ORDER BY id",
            )
            .bind(project.uuid())
            .bind(opt_uuid(only))
            .fetch_all(&mut **tx)
            .await
            .ctx("loading timelines")?;
            let clips = sqlx::query(
                "SELECT timeline_id, track, track_name, track_kind, position, item FROM timeline_clips \
                 WHERE project_id = $1 AND ($2 IS NULL OR timeline_id = $2) \
                 ORDER BY timeline_id, track, position",
            )
            .bind(project.uuid())
            .bind(opt_uuid(only))
            .fetch_all(&mut **tx)
            .await
            .ctx("loading timeline clips")?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let tid: TimelineId = id(r, "id")?;
                let mut tracks: Vec<alkemy_core::Track> = Vec::new();
                let mut last_track = -1_i64;
                for c in &clips {
                    if id::<TimelineId>(c, "timeline_id")? != tid {
                        continue;
                    }
                    let track: i64 = get(c, "track")?;
                    if track != last_track {
                        let kind: alkemy_core::TrackKind =
                            serde_json::from_value(serde_json::Value::String(get(c, "track_kind")?))
                                .map_err(|e| StoreError::other("reading a track kind", e))?;
                        tracks.push(alkemy_core::Track {
                            name: get(c, "track_name")?,
                            kind,
                            items: Vec::new(),
                        });
                        last_track = track;
                    }
                    let item: Option<alkemy_core::TrackItem> = json(c, "item")?;
                    if let (Some(item), Some(t)) = (item, tracks.last_mut()) {
                        t.items.push(item);
                    }
                }
                out.push(TimelineRecord {
                    id: tid,
                    project_id: id(r, "project_id")?,
                    timeline: Timeline {
                        name: get(r, "name")?,
                        fps: unsigned(get::<i64>(r, "fps")?, "fps")?,
                        width: unsigned(get::<i64>(r, "width")?, "width")?,
                        height: unsigned(get::<i64>(r, "height")?, "height")?,
                        tracks,
                        markers: json(r, "markers")?,
                    },
                    updated_at: ts(r, "updated_at")?,
                });
            }
            Ok(out)
        }

        async fn insert_usage(tx: &mut Tx, u: &UsageRecord) -> Result<()> {
            sqlx::query(concat!(
                "INSERT INTO usage_records (", usage_cols!(), ") \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(u.id.uuid())
            .bind(u.user_id.uuid())
            .bind(opt_uuid(u.project_id))
            .bind(opt_uuid(u.job_id))
            .bind(&u.record.provider)
            .bind(&u.record.model)
            .bind(u.record.cost.micros())
            .bind(&u.record.shot_id)
            .bind(u.record.request_hash.to_string())
            .bind(Json(&u.record))
            .bind(u.created_at.0)
            .execute(&mut **tx)
            .await
            .ctx("saving usage")?;
            Ok(())
        }

        fn new_usage(actor: UserId, n: NewUsage, created_at: Timestamp) -> UsageRecord {
            UsageRecord {
                id: alkemy_core::UsageId::generate(),
                user_id: actor,
                project_id: n.project_id,
                job_id: n.job_id,
                record: n.record,
                created_at,
            }
        }

        async fn load_project_usage(tx: &mut Tx, project: ProjectId) -> Result<Vec<UsageRecord>> {
            sqlx::query(concat!(
                "SELECT ", usage_cols!(), " FROM usage_records WHERE project_id = $1 ORDER BY created_at, id"
            ))
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading usage")?
            .iter()
            .map(usage_row)
            .collect()
        }

        async fn deps_of_project(tx: &mut Tx, project: ProjectId) -> Result<Vec<(JobId, JobId)>> {
            sqlx::query("SELECT job_id, depends_on FROM job_deps WHERE project_id = $1")
                .bind(project.uuid())
                .fetch_all(&mut **tx)
                .await
                .ctx("loading job dependencies")?
                .iter()
                .map(|r| Ok((id(r, "job_id")?, id(r, "depends_on")?)))
                .collect()
        }

        async fn load_jobs(tx: &mut Tx, project: ProjectId) -> Result<Vec<Job>> {
            let deps = deps_of_project(tx, project).await?;
            let rows = sqlx::query(concat!(
                "SELECT ", job_cols!(), " FROM jobs WHERE project_id = $1 ORDER BY created_at, seq, id"
            ))
            .bind(project.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("loading jobs")?;
            rows.iter()
                .map(|r| {
                    let jid: JobId = id(r, "id")?;
                    let mine = deps.iter().filter(|(j, _)| *j == jid).map(|(_, d)| *d).collect();
                    job_row(r, mine)
                })
                .collect()
        }

        async fn load_job(tx: &mut Tx, job: JobId) -> Result<Job> {
            let row = sqlx::query(concat!("SELECT ", job_cols!(), " FROM jobs WHERE id = $1"))
                .bind(job.uuid())
                .fetch_optional(&mut **tx)
                .await
                .ctx("loading a job")?
                .ok_or_else(|| StoreError::NotFound(format!("job {job}")))?;
            let deps = sqlx::query("SELECT depends_on FROM job_deps WHERE job_id = $1 ORDER BY depends_on")
                .bind(job.uuid())
                .fetch_all(&mut **tx)
                .await
                .ctx("loading job dependencies")?
                .iter()
                .map(|r| id(r, "depends_on"))
                .collect::<Result<Vec<JobId>>>()?;
            job_row(&row, deps)
        }

        /// Jobs whose lease is this one, still running: the lease check.
        async fn held(tx: &mut Tx, lease: &Lease) -> Result<()> {
            let row = sqlx::query("SELECT state FROM jobs WHERE id = $1 AND lease_token = $2")
                .bind(lease.job_id.uuid())
                .bind(lease.token)
                .fetch_optional(&mut **tx)
                .await
                .ctx("checking a lease")?;
            match row {
                Some(r) if get::<String>(&r, "state")? == "running" => Ok(()),
                _ => Err(StoreError::Conflict(format!(
                    "the lease on job {} was lost (expired and claimed again, or cancelled)",
                    lease.job_id
                ))),
            }
        }

        /// A project's spending: recorded usage plus settled holds, and the
        /// unsettled holds of leases still live (running, same token, not
        /// expired by the database's clock).
        async fn budget_totals(tx: &mut Tx, project: ProjectId) -> Result<(Money, Money)> {
            let row = sqlx::query(concat!(
                "SELECT \
                   (SELECT CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) FROM usage_records \
                     WHERE project_id = $1) AS used, \
                   (SELECT CAST(COALESCE(SUM(actual_micros), 0) AS BIGINT) FROM budget_holds \
                     WHERE project_id = $1 AND actual_micros IS NOT NULL) AS settled, \
                   (SELECT CAST(COALESCE(SUM(h.amount_micros), 0) AS BIGINT) \
                      FROM budget_holds h JOIN jobs j ON j.id = h.job_id \
                     WHERE h.project_id = $1 AND h.actual_micros IS NULL AND j.state = 'running' \
                       AND j.lease_token = h.lease_token AND j.lease_expires_at >= ", $now, ") AS held"
            ))
            .bind(project.uuid())
            .fetch_one(&mut **tx)
            .await
            .ctx("adding up a project's budget")?;
            let used: i64 = get(&row, "used")?;
            let settled: i64 = get(&row, "settled")?;
            let held: i64 = get(&row, "held")?;
            Ok((
                Money::from_micros(used) + Money::from_micros(settled),
                Money::from_micros(held),
            ))
        }

        /// Checks a lease is live (its job runs under it in its project and it
        /// has not expired), for a reservation.
        async fn live_lease(tx: &mut Tx, lease: &Lease) -> Result<()> {
            let row = sqlx::query(concat!(
                "SELECT state FROM jobs WHERE id = $1 AND project_id = $2 AND lease_token = $3 \
                 AND state = 'running' AND lease_expires_at >= ", $now
            ))
            .bind(lease.job_id.uuid())
            .bind(lease.project_id.uuid())
            .bind(lease.token)
            .fetch_optional(&mut **tx)
            .await
            .ctx("checking a lease")?;
            match row {
                Some(_) => Ok(()),
                None => Err(StoreError::Conflict(format!(
                    "the lease on job {} was lost or has expired; nothing was reserved",
                    lease.job_id
                ))),
            }
        }

        fn capability_of(s: &str) -> Result<alkemy_core::Capability> {
            use alkemy_core::Capability;
            [Capability::Text, Capability::Image, Capability::Video, Capability::Identity]
                .into_iter()
                .find(|c| c.as_str() == s)
                .ok_or_else(|| StoreError::Invalid(format!("stored capability {s:?}")))
        }

        /// Closes a job's budget holds when an attempt ends, turning the money
        /// they settled into usage records unless the job recorded it already.
        ///
        /// With `recorded` (the attempt committed, and the usage of the results
        /// it kept came to that much), this lease's settled holds are covered by
        /// it, newest first: the last call for a result is the one kept. What is
        /// left over (answers billed but turned down, then asked again) becomes
        /// a usage record. Every other settled hold of the job (a failed
        /// attempt's, a dead worker's) was real spending and becomes a usage
        /// record too; unsettled holds are dropped.
        async fn close_holds(tx: &mut Tx, lease: &Lease, recorded: Option<Money>) -> Result<()> {
            let rows = sqlx::query(
                "SELECT user_id, model, capability, shot_id, request_hash, actual_micros, created_at, \
                   lease_token \
                 FROM budget_holds WHERE job_id = $1 AND actual_micros IS NOT NULL ORDER BY created_at, id",
            )
            .bind(lease.job_id.uuid())
            .fetch_all(&mut **tx)
            .await
            .ctx("reading settled budget holds")?;
            let mut covered = recorded.unwrap_or(Money::ZERO);
            let mut unrecorded = Vec::with_capacity(rows.len());
            for r in rows.iter().rev() {
                let cost = Money::from_micros(get(r, "actual_micros")?);
                let token: Uuid = get(r, "lease_token")?;
                let (cost, why) = if recorded.is_some() && token == lease.token {
                    let kept = cost.min(covered);
                    covered = covered.saturating_sub(kept);
                    (
                        cost.saturating_sub(kept),
                        "paid for an answer the job turned down before asking again",
                    )
                } else {
                    (
                        cost,
                        "paid during a job attempt that did not finish (it failed or its worker stopped)",
                    )
                };
                if cost > Money::ZERO {
                    unrecorded.push((r, cost, why));
                }
            }
            let t = now();
            for (r, cost, why) in unrecorded.into_iter().rev() {
                let model: String = get(r, "model")?;
                let made_at: i64 = get(r, "created_at")?;
                let record = alkemy_core::UsageRecord {
                    provider: model.split_once(':').map_or(model.as_str(), |(p, _)| p).to_owned(),
                    model: model.clone(),
                    capability: capability_of(&get::<String>(r, "capability")?)?,
                    units: Vec::new(),
                    cost,
                    shot_id: get(r, "shot_id")?,
                    request_hash: hash(&get::<String>(r, "request_hash")?)?,
                    at_ms: u64::try_from(made_at).unwrap_or(0),
                    skipped: Vec::new(),
                    // Paid, but no finished job kept its result.
                    rejected: Some(why.to_owned()),
                };
                let u = UsageRecord {
                    id: alkemy_core::UsageId::generate(),
                    user_id: id(r, "user_id")?,
                    project_id: Some(lease.project_id),
                    job_id: Some(lease.job_id),
                    record,
                    created_at: t,
                };
                insert_usage(tx, &u).await?;
            }
            sqlx::query("DELETE FROM budget_holds WHERE job_id = $1")
                .bind(lease.job_id.uuid())
                .execute(&mut **tx)
                .await
                .ctx("closing budget holds")?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn create_user(&self, new: NewUser) -> Result<User> {
                let email = new.email.trim().to_lowercase();
                if email.is_empty() || !email.contains('@') {
                    return Err(StoreError::Invalid(format!("{:?} is not an e-mail address", new.email)));
                }
                let user = User {
                    id: UserId::generate(),
                    email,
                    display_name: new.display_name,
                    password_hash: new.password_hash,
                    created_at: now(),
                };
                let mut tx = self.write(user.id).await?;
                sqlx::query(concat!("INSERT INTO users (", user_cols!(), ") VALUES ($1, $2, $3, $4, $5)"))
                    .bind(user.id.uuid())
                    .bind(&user.email)
                    .bind(&user.display_name)
                    .bind(&user.password_hash)
                    .bind(user.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match StoreError::db("creating a user", e) {
                        StoreError::Conflict(_) => {
                            StoreError::Conflict(format!("a user with e-mail {} exists", user.email))
                        }
                        other => other,
                    })?;
                commit(tx, "creating a user").await?;
                Ok(user)
            }

            async fn user(&self, actor: UserId) -> Result<User> {
                let mut tx = self.read(actor).await?;
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                    .bind(actor.uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .ctx("loading a user")?
                    .ok_or_else(|| StoreError::NotFound(format!("user {actor}")))?;
                user_row(&row)
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
                self.user_by_email_impl(&email.trim().to_lowercase()).await
            }

            async fn create_api_token(&self, actor: UserId, name: &str) -> Result<(ApiToken, TokenSecret)> {
                let secret = TokenSecret(format!(
                    "alk_{}{}",
                    Uuid::new_v4().simple(),
                    Uuid::new_v4().simple()
                ));
                let token = ApiToken {
                    id: TokenId::generate(),
                    user_id: actor,
                    name: name.to_owned(),
                    created_at: now(),
                    last_used_at: None,
                };
                let mut tx = self.write(actor).await?;
                sqlx::query(
                    "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token.id.uuid())
                .bind(actor.uuid())
                .bind(&token.name)
                .bind(TokenSecret::hash(secret.expose()).to_vec())
                .bind(token.created_at.0)
                .execute(&mut *tx)
                .await
                .ctx("creating an API token")?;
                commit(tx, "creating an API token").await?;
                Ok((token, secret))
            }

            async fn api_tokens(&self, actor: UserId) -> Result<Vec<ApiToken>> {
                let mut tx = self.read(actor).await?;
                sqlx::query(
                    "SELECT id, user_id, name, created_at, last_used_at FROM api_tokens \
                     WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(actor.uuid())
                .fetch_all(&mut *tx)
                .await
                .ctx("listing API tokens")?
                .iter()
                .map(token_row)
                .collect()
            }

            async fn revoke_api_token(&self, actor: UserId, token: TokenId) -> Result<()> {
                let mut tx = self.write(actor).await?;
                let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                    .bind(token.uuid())
                    .bind(actor.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("revoking an API token")?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("API token {token}")));
                }
                commit(tx, "revoking an API token").await
            }

            async fn user_by_token(&self, secret: &str) -> Result<Option<User>> {
                self.user_by_token_impl(&TokenSecret::hash(secret), now()).await
            }

            async fn create_project(&self, actor: UserId, new: NewProject) -> Result<Project> {
                let title = new.title.trim().to_owned();
                if title.is_empty() {
                    return Err(StoreError::Invalid("a project needs a title".into()));
                }
                let t = now();
                let project = Project {
                    id: ProjectId::generate(),
                    owner_id: actor,
                    title,
                    description: new.description,
                    tags: new.tags,
                    settings: new.settings,
                    is_template: new.is_template,
                    shot_style: None,
                    version: 1,
                    created_at: t,
                    updated_at: t,
                    deleted_at: None,
                };
                let mut tx = self.write(actor).await?;
                insert_project(&mut tx, &project).await?;
                log(&mut tx, actor, project.id, "project.created", serde_json::json!({"title": project.title})).await?;
                commit(tx, "creating a project").await?;
                Ok(project)
            }

            async fn project(&self, actor: UserId, project: ProjectId) -> Result<Project> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_project(&mut tx, project).await
            }

            async fn list_projects(&self, actor: UserId, filter: ProjectFilter) -> Result<Vec<Project>> {
                let mut tx = self.read(actor).await?;
                let (deleted, template) = match filter {
                    ProjectFilter::Live => (false, Some(false)),
                    ProjectFilter::Templates => (false, Some(true)),
                    ProjectFilter::Deleted => (true, None),
                };
                sqlx::query(concat!(
                    "SELECT ", project_cols!(), " FROM projects p WHERE \
                     (p.owner_id = $1 OR EXISTS (SELECT 1 FROM project_shares s \
                        WHERE s.project_id = p.id AND s.user_id = $1)) \
                     AND ((deleted_at IS NOT NULL) = $2) AND ($3 IS NULL OR is_template = $3) \
                     ORDER BY updated_at DESC, id DESC"
                ))
                .bind(actor.uuid())
                .bind(deleted)
                .bind(template)
                .fetch_all(&mut *tx)
                .await
                .ctx("listing projects")?
                .iter()
                .map(project_row)
                .collect()
            }

            async fn update_project(
                &self,
                actor: UserId,
                project: ProjectId,
                expected_version: i64,
                patch: ProjectPatch,
            ) -> Result<Project> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let mut p = load_project(&mut tx, project).await?;
                if p.version != expected_version {
                    return Err(StoreError::Conflict(format!(
                        "project {project} is at version {}, not {expected_version}; reload it",
                        p.version
                    )));
                }
                if let Some(title) = patch.title {
                    let title = title.trim().to_owned();
                    if title.is_empty() {
                        return Err(StoreError::Invalid("a project needs a title".into()));
                    }
                    p.title = title;
                }
                if let Some(d) = patch.description {
                    p.description = d;
                }
                if let Some(t) = patch.tags {
                    p.tags = t;
                }
                if let Some(s) = patch.settings {
                    p.settings = s;
                }
                if let Some(t) = patch.is_template {
                    p.is_template = t;
                }
                p.version += 1;
                p.updated_at = now();
                let done = sqlx::query(
                    "UPDATE projects SET title = $1, description = $2, tags = $3, settings = $4, \
                     is_template = $5, version = $6, updated_at = $7 WHERE id = $8 AND version = $9",
                )
                .bind(&p.title)
                .bind(&p.description)
                .bind(Json(&p.tags))
                .bind(Json(&p.settings))
                .bind(p.is_template)
                .bind(p.version)
                .bind(p.updated_at.0)
                .bind(project.uuid())
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .ctx("updating a project")?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!("project {project} changed meanwhile")));
                }
                log(&mut tx, actor, project, "project.updated", serde_json::json!({"version": p.version})).await?;
                commit(tx, "updating a project").await?;
                Ok(p)
            }

            async fn delete_project(&self, actor: UserId, project: ProjectId) -> Result<()> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Own).await?;
                sqlx::query(
                    "UPDATE projects SET deleted_at = $1, updated_at = $1, version = version + 1 \
                     WHERE id = $2 AND deleted_at IS NULL",
                )
                .bind(now().0)
                .bind(project.uuid())
                .execute(&mut *tx)
                .await
                .ctx("deleting a project")?;
                log(&mut tx, actor, project, "project.deleted", serde_json::Value::Null).await?;
                commit(tx, "deleting a project").await
            }

            async fn restore_project(&self, actor: UserId, project: ProjectId) -> Result<Project> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Own).await?;
                sqlx::query(
                    "UPDATE projects SET deleted_at = NULL, updated_at = $1, version = version + 1 \
                     WHERE id = $2 AND deleted_at IS NOT NULL",
                )
                .bind(now().0)
                .bind(project.uuid())
                .execute(&mut *tx)
                .await
                .ctx("restoring a project")?;
                log(&mut tx, actor, project, "project.restored", serde_json::Value::Null).await?;
                let p = load_project(&mut tx, project).await?;
                commit(tx, "restoring a project").await?;
                Ok(p)
            }

            async fn purge_project(&self, actor: UserId, project: ProjectId) -> Result<()> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Own).await?;
                sqlx::query("DELETE FROM projects WHERE id = $1")
                    .bind(project.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("purging a project")?;
                commit(tx, "purging a project").await
            }

            async fn duplicate_project(&self, actor: UserId, project: ProjectId, title: &str) -> Result<Project> {
                let bundle = self.export_project(actor, project).await?;
                let mut copy = bundle.with_fresh_ids();
                let t = now();
                copy.project.title = title.trim().to_owned();
                if copy.project.title.is_empty() {
                    return Err(StoreError::Invalid("a project needs a title".into()));
                }
                copy.project.is_template = false;
                copy.project.version = 1;
                copy.project.created_at = t;
                copy.project.updated_at = t;
                copy.project.deleted_at = None;
                copy.usage.clear();
                let p = self.import_project(actor, &copy).await?;
                let mut tx = self.write(actor).await?;
                log(&mut tx, actor, p.id, "project.duplicated", serde_json::json!({"from": project})).await?;
                commit(tx, "logging a duplicate").await?;
                Ok(p)
            }

            async fn role(&self, actor: UserId, project: ProjectId) -> Result<ShareRole> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await
            }

            async fn project_owner(&self, project: ProjectId) -> Result<UserId> {
                self.project_owner_impl(project).await
            }

            async fn share_project(
                &self,
                actor: UserId,
                project: ProjectId,
                with: UserId,
                role: ShareRole,
            ) -> Result<Share> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Own).await?;
                let owner = load_project(&mut tx, project).await?.owner_id;
                if owner == with {
                    return Err(StoreError::Invalid("a project is not shared with its owner".into()));
                }
                let share = Share { project_id: project, user_id: with, role, created_at: now() };
                sqlx::query(
                    "INSERT INTO project_shares (project_id, user_id, role, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, user_id) DO UPDATE SET role = $3",
                )
                .bind(project.uuid())
                .bind(with.uuid())
                .bind(role.as_str())
                .bind(share.created_at.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::db("sharing a project", e) {
                    StoreError::Conflict(_) => StoreError::NotFound(format!("user {with}")),
                    other => other,
                })?;
                log(&mut tx, actor, project, "share.added", serde_json::json!({"user": with, "role": role})).await?;
                commit(tx, "sharing a project").await?;
                Ok(share)
            }

            async fn unshare_project(&self, actor: UserId, project: ProjectId, with: UserId) -> Result<()> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Own).await?;
                let done = sqlx::query("DELETE FROM project_shares WHERE project_id = $1 AND user_id = $2")
                    .bind(project.uuid())
                    .bind(with.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("unsharing a project")?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("share of {project} with {with}")));
                }
                log(&mut tx, actor, project, "share.removed", serde_json::json!({"user": with})).await?;
                commit(tx, "unsharing a project").await
            }

            async fn shares(&self, actor: UserId, project: ProjectId) -> Result<Vec<Share>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                sqlx::query(
                    "SELECT project_id, user_id, role, created_at FROM project_shares \
                     WHERE project_id = $1 ORDER BY created_at, user_id",
                )
                .bind(project.uuid())
                .fetch_all(&mut *tx)
                .await
                .ctx("listing shares")?
                .iter()
                .map(|r| {
                    Ok(Share {
                        project_id: id(r, "project_id")?,
                        user_id: id(r, "user_id")?,
                        role: parse(r, "role")?,
                        created_at: ts(r, "created_at")?,
                    })
                })
                .collect()
            }

            async fn log_activity(
                &self,
                actor: UserId,
                project: ProjectId,
                action: &str,
                detail: serde_json::Value,
            ) -> Result<()> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                log(&mut tx, actor, project, action, detail).await?;
                commit(tx, "logging activity").await
            }

            async fn activity(&self, actor: UserId, project: ProjectId, limit: u32) -> Result<Vec<Activity>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                sqlx::query(
                    "SELECT id, project_id, user_id, action, detail, created_at FROM activity \
                     WHERE project_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(project.uuid())
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .ctx("loading activity")?
                .iter()
                .map(|r| {
                    Ok(Activity {
                        id: get(r, "id")?,
                        project_id: id(r, "project_id")?,
                        user_id: id(r, "user_id")?,
                        action: get(r, "action")?,
                        detail: json(r, "detail")?,
                        created_at: ts(r, "created_at")?,
                    })
                })
                .collect()
            }

            async fn add_script_version(
                &self,
                actor: UserId,
                project: ProjectId,
                new: NewScriptVersion,
            ) -> Result<ScriptVersion> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let row = sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM script_versions WHERE project_id = $1")
                    .bind(project.uuid())
                    .fetch_one(&mut *tx)
                    .await
                    .ctx("numbering a script version")?;
                let number = get::<i64>(&row, "n")? + 1;
                let s = ScriptVersion {
                    id: ScriptVersionId::generate(),
                    project_id: project,
                    number,
                    source_name: new.source_name,
                    format: new.format,
                    content_hash: ContentHash::of_bytes(new.text.as_bytes()),
                    text: new.text,
                    created_by: actor,
                    created_at: now(),
                };
                insert_script(&mut tx, &s).await?;
                log(&mut tx, actor, project, "script.added", serde_json::json!({"number": number, "source": s.source_name})).await?;
                commit(tx, "adding a script version").await?;
                Ok(s)
            }

            async fn script_versions(&self, actor: UserId, project: ProjectId) -> Result<Vec<ScriptVersion>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_scripts(&mut tx, project).await
            }

            async fn save_analysis(
                &self,
                actor: UserId,
                script_version: ScriptVersionId,
                breakdown: &Breakdown,
                enrichment: Option<serde_json::Value>,
            ) -> Result<Analysis> {
                let mut tx = self.write(actor).await?;
                let project = project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM script_versions WHERE id = $1",
                    script_version.uuid(),
                    "script version",
                    Need::Edit,
                )
                .await?;
                let a = Analysis {
                    id: AnalysisId::generate(),
                    project_id: project,
                    script_version_id: script_version,
                    breakdown: breakdown.clone(),
                    enrichment,
                    created_at: now(),
                };
                insert_analysis(&mut tx, &a).await?;
                commit(tx, "saving an analysis").await?;
                Ok(a)
            }

            async fn analysis(&self, actor: UserId, analysis: AnalysisId) -> Result<Analysis> {
                let mut tx = self.read(actor).await?;
                project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM analyses WHERE id = $1",
                    analysis.uuid(),
                    "analysis",
                    Need::Read,
                )
                .await?;
                let row = sqlx::query(
                    "SELECT id, project_id, script_version_id, breakdown, enrichment, created_at \
                     FROM analyses WHERE id = $1",
                )
                .bind(analysis.uuid())
                .fetch_one(&mut *tx)
                .await
                .ctx("loading an analysis")?;
                analysis_row(&row)
            }

            async fn latest_analysis(&self, actor: UserId, project: ProjectId) -> Result<Option<Analysis>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                let row = sqlx::query(
                    "SELECT id, project_id, script_version_id, breakdown, enrichment, created_at \
                     FROM analyses WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(project.uuid())
                .fetch_optional(&mut *tx)
                .await
                .ctx("loading the latest analysis")?;
                row.as_ref().map(analysis_row).transpose()
            }

            async fn replace_shots(&self, actor: UserId, project: ProjectId, list: &ShotList) -> Result<()> {
                let mut seen = std::collections::BTreeSet::new();
                for s in &list.shots {
                    if !seen.insert(s.id.as_str()) {
                        return Err(StoreError::Invalid(format!("shot id {:?} appears twice", s.id)));
                    }
                }
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let old = load_shots(&mut tx, project).await?;
                let kept: std::collections::BTreeMap<alkemy_core::CompactString, ShotOverrides> = old
                    .into_iter()
                    .map(|s| (s.shot.id, s.overrides))
                    .collect();
                sqlx::query("DELETE FROM shots WHERE project_id = $1")
                    .bind(project.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("clearing shots")?;
                for (i, shot) in list.shots.iter().enumerate() {
                    let stored = StoredShot {
                        shot: shot.clone(),
                        overrides: kept.get(&shot.id).cloned().unwrap_or_default(),
                    };
                    insert_shot(&mut tx, project, i, &stored).await?;
                }
                sqlx::query("UPDATE projects SET shot_style = $1 WHERE id = $2")
                    .bind(&list.style)
                    .bind(project.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("saving the shot style")?;
                commit(tx, "replacing shots").await
            }

            async fn shots(&self, actor: UserId, project: ProjectId) -> Result<Vec<StoredShot>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_shots(&mut tx, project).await
            }

            async fn set_shot_overrides(
                &self,
                actor: UserId,
                project: ProjectId,
                shot_id: &str,
                overrides: &ShotOverrides,
            ) -> Result<()> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let done = sqlx::query("UPDATE shots SET overrides = $1 WHERE project_id = $2 AND shot_id = $3")
                    .bind(Json(overrides))
                    .bind(project.uuid())
                    .bind(shot_id)
                    .execute(&mut *tx)
                    .await
                    .ctx("overriding a shot")?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("shot {shot_id} in project {project}")));
                }
                commit(tx, "overriding a shot").await
            }

            async fn upsert_character(
                &self,
                actor: UserId,
                project: ProjectId,
                new: NewCharacter,
            ) -> Result<CharacterRecord> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let existing = sqlx::query("SELECT id FROM characters WHERE project_id = $1 AND name = $2")
                    .bind(project.uuid())
                    .bind(&new.name)
                    .fetch_optional(&mut *tx)
                    .await
                    .ctx("finding a character")?;
                let c = CharacterRecord {
                    id: match &existing {
                        Some(r) => id(r, "id")?,
                        None => CharacterId::generate(),
                    },
                    project_id: project,
                    name: new.name,
                    description: new.description,
                    reference_asset: new.reference_asset,
                };
                if existing.is_some() {
                    sqlx::query("UPDATE characters SET description = $1, reference_asset = $2 WHERE id = $3")
                        .bind(&c.description)
                        .bind(opt_uuid(c.reference_asset))
                        .bind(c.id.uuid())
                        .execute(&mut *tx)
                        .await
                        .ctx("updating a character")?;
                } else {
                    insert_character(&mut tx, &c).await?;
                }
                commit(tx, "saving a character").await?;
                Ok(c)
            }

            async fn characters(&self, actor: UserId, project: ProjectId) -> Result<Vec<CharacterRecord>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_characters(&mut tx, project).await
            }

            async fn add_identity(
                &self,
                actor: UserId,
                character: CharacterId,
                new: NewIdentity,
            ) -> Result<IdentityRecord> {
                let mut tx = self.write(actor).await?;
                let project = project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM characters WHERE id = $1",
                    character.uuid(),
                    "character",
                    Need::Edit,
                )
                .await?;
                let i = IdentityRecord {
                    id: alkemy_core::IdentityId::generate(),
                    character_id: character,
                    project_id: project,
                    provider: new.provider,
                    model: new.model,
                    trigger_word: new.trigger_word,
                    status: new.status,
                    weights_asset: new.weights_asset,
                    created_at: now(),
                };
                insert_identity(&mut tx, &i).await?;
                commit(tx, "adding an identity").await?;
                Ok(i)
            }

            async fn identities(&self, actor: UserId, project: ProjectId) -> Result<Vec<IdentityRecord>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_identities(&mut tx, project).await
            }

            async fn create_moodboard(
                &self,
                actor: UserId,
                project: ProjectId,
                new: NewMoodboard,
            ) -> Result<Moodboard> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let m = Moodboard {
                    id: MoodboardId::generate(),
                    project_id: project,
                    name: new.name,
                    summary: new.summary,
                    palette: new.palette,
                    keywords: new.keywords,
                    items: Vec::new(),
                };
                insert_moodboard(&mut tx, &m).await?;
                commit(tx, "adding a moodboard").await?;
                Ok(m)
            }

            async fn add_moodboard_item(
                &self,
                actor: UserId,
                moodboard: MoodboardId,
                new: NewMoodboardItem,
            ) -> Result<MoodboardItem> {
                let mut tx = self.write(actor).await?;
                let project = project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM moodboards WHERE id = $1",
                    moodboard.uuid(),
                    "moodboard",
                    Need::Edit,
                )
                .await?;
                let row = sqlx::query(
                    "SELECT COALESCE(MAX(position), 0) AS p FROM moodboard_items WHERE moodboard_id = $1",
                )
                .bind(moodboard.uuid())
                .fetch_one(&mut *tx)
                .await
                .ctx("placing a moodboard item")?;
                let item = MoodboardItem {
                    id: alkemy_core::MoodboardItemId::generate(),
                    position: get::<i64>(&row, "p")? + 1,
                    asset_id: new.asset_id,
                    caption: new.caption,
                };
                insert_moodboard_item(&mut tx, project, moodboard, &item).await?;
                commit(tx, "adding a moodboard item").await?;
                Ok(item)
            }

            async fn moodboards(&self, actor: UserId, project: ProjectId) -> Result<Vec<Moodboard>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_moodboards(&mut tx, project).await
            }

            async fn save_timeline(
                &self,
                actor: UserId,
                project: ProjectId,
                existing: Option<TimelineId>,
                timeline: &Timeline,
            ) -> Result<TimelineRecord> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let t = now();
                let mut created_at = t;
                if let Some(tid) = existing {
                    let row = sqlx::query("SELECT created_at FROM timelines WHERE id = $1 AND project_id = $2")
                        .bind(tid.uuid())
                        .bind(project.uuid())
                        .fetch_optional(&mut *tx)
                        .await
                        .ctx("finding a timeline")?
                        .ok_or_else(|| StoreError::NotFound(format!("timeline {tid}")))?;
                    created_at = ts(&row, "created_at")?;
                    sqlx::query("DELETE FROM timelines WHERE id = $1")
                        .bind(tid.uuid())
                        .execute(&mut *tx)
                        .await
                        .ctx("replacing a timeline")?;
                }
                let record = TimelineRecord {
                    id: existing.unwrap_or_else(TimelineId::generate),
                    project_id: project,
                    timeline: timeline.clone(),
                    updated_at: t,
                };
                insert_timeline(&mut tx, &record, created_at).await?;
                commit(tx, "saving a timeline").await?;
                Ok(record)
            }

            async fn timeline(&self, actor: UserId, timeline: TimelineId) -> Result<TimelineRecord> {
                let mut tx = self.read(actor).await?;
                let project = project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM timelines WHERE id = $1",
                    timeline.uuid(),
                    "timeline",
                    Need::Read,
                )
                .await?;
                load_timelines(&mut tx, project, Some(timeline))
                    .await?
                    .pop()
                    .ok_or_else(|| StoreError::NotFound(format!("timeline {timeline}")))
            }

            async fn timelines(&self, actor: UserId, project: ProjectId) -> Result<Vec<TimelineRecord>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_timelines(&mut tx, project, None).await
            }

            async fn add_asset(&self, actor: UserId, project: ProjectId, new: NewAsset) -> Result<Asset> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let a = insert_asset(&mut tx, &new_asset(project, actor, None, new, now())).await?;
                commit(tx, "adding an asset").await?;
                Ok(a)
            }

            async fn asset(&self, actor: UserId, asset: AssetId) -> Result<Asset> {
                let mut tx = self.read(actor).await?;
                project_of(
                    &mut tx,
                    actor,
                    "SELECT project_id FROM assets WHERE id = $1",
                    asset.uuid(),
                    "asset",
                    Need::Read,
                )
                .await?;
                let row = sqlx::query(concat!("SELECT ", asset_cols!(), " FROM assets WHERE id = $1"))
                    .bind(asset.uuid())
                    .fetch_one(&mut *tx)
                    .await
                    .ctx("loading an asset")?;
                asset_row(&row)
            }

            async fn assets(&self, actor: UserId, project: ProjectId, kind: Option<AssetKind>) -> Result<Vec<Asset>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_assets(&mut tx, project, kind).await
            }

            async fn asset_by_inputs(
                &self,
                actor: UserId,
                project: ProjectId,
                kind: AssetKind,
                inputs: ContentHash,
            ) -> Result<Option<Asset>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                let row = sqlx::query(concat!(
                    "SELECT ", asset_cols!(), " FROM assets WHERE project_id = $1 AND kind = $2 \
                     AND inputs_hash = $3 ORDER BY created_at DESC, id DESC LIMIT 1"
                ))
                .bind(project.uuid())
                .bind(kind.as_str())
                .bind(inputs.to_string())
                .fetch_optional(&mut *tx)
                .await
                .ctx("looking up an asset by inputs")?;
                row.as_ref().map(asset_row).transpose()
            }

            async fn enqueue_jobs(&self, actor: UserId, project: ProjectId, jobs: Vec<NewJob>) -> Result<Vec<Job>> {
                let mut tx = self.write(actor).await?;
                require(&mut tx, actor, project, Need::Edit).await?;
                let ids: Vec<JobId> = jobs.iter().map(|_| JobId::generate()).collect();
                let t = now();
                let mut deps: Vec<(JobId, JobId)> = Vec::new();
                for (i, job) in jobs.iter().enumerate() {
                    if job.max_attempts == 0 {
                        return Err(StoreError::Invalid(format!("job {i} allows no attempt")));
                    }
                    for dep in &job.depends_on {
                        let d = match *dep {
                            $crate::model::JobRef::Batch(j) if j < i => ids[j],
                            $crate::model::JobRef::Batch(j) => {
                                return Err(StoreError::Invalid(format!(
                                    "job {i} depends on job {j} of the same batch, which is not earlier"
                                )));
                            }
                            $crate::model::JobRef::Existing(d) => {
                                let row = sqlx::query("SELECT project_id FROM jobs WHERE id = $1")
                                    .bind(d.uuid())
                                    .fetch_optional(&mut *tx)
                                    .await
                                    .ctx("checking a job dependency")?;
                                match row {
                                    Some(r) if id::<ProjectId>(&r, "project_id")? == project => d,
                                    _ => return Err(StoreError::NotFound(format!("job {d} in project {project}"))),
                                }
                            }
                        };
                        if !deps.contains(&(ids[i], d)) {
                            deps.push((ids[i], d));
                        }
                    }
                    sqlx::query(concat!(
                        "INSERT INTO jobs (id, project_id, created_by, kind, state, payload, priority, \
                         attempts, max_attempts, backoff_ms, run_after, progress, seq, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 'queued', $5, $6, 0, $7, $8, ", $now, ", 0, $9, $10, $10)"
                    ))
                    .bind(ids[i].uuid())
                    .bind(project.uuid())
                    .bind(actor.uuid())
                    .bind(job.kind.as_str())
                    .bind(Json(&job.payload))
                    .bind(job.priority)
                    .bind(i64::from(job.max_attempts))
                    .bind(job.backoff_ms.max(0))
                    .bind(signed(i, "job index")?)
                    .bind(t.0)
                    .execute(&mut *tx)
                    .await
                    .ctx("queueing a job")?;
                }
                for (job, dep) in &deps {
                    sqlx::query("INSERT INTO job_deps (job_id, depends_on, project_id) VALUES ($1, $2, $3)")
                        .bind(job.uuid())
                        .bind(dep.uuid())
                        .bind(project.uuid())
                        .execute(&mut *tx)
                        .await
                        .ctx("saving a job dependency")?;
                }
                let mut out = Vec::with_capacity(ids.len());
                for jid in &ids {
                    out.push(load_job(&mut tx, *jid).await?);
                }
                let events: Vec<JobEvent> = out.iter().map(event_of).collect();
                self.notify(&mut tx, &events).await?;
                commit(tx, "queueing jobs").await?;
                self.after_commit(events);
                Ok(out)
            }

            async fn job(&self, actor: UserId, job: JobId) -> Result<Job> {
                let mut tx = self.read(actor).await?;
                project_of(&mut tx, actor, "SELECT project_id FROM jobs WHERE id = $1", job.uuid(), "job", Need::Read).await?;
                load_job(&mut tx, job).await
            }

            async fn jobs(&self, actor: UserId, project: ProjectId) -> Result<Vec<Job>> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                load_jobs(&mut tx, project).await
            }

            async fn cancel_job(&self, actor: UserId, job: JobId) -> Result<()> {
                let mut tx = self.write(actor).await?;
                project_of(&mut tx, actor, "SELECT project_id FROM jobs WHERE id = $1", job.uuid(), "job", Need::Edit).await?;
                let rows = sqlx::query(concat!(
                    "WITH RECURSIVE down(id) AS (SELECT $1 UNION \
                       SELECT d.job_id FROM job_deps d JOIN down ON d.depends_on = down.id) \
                     UPDATE jobs SET state = 'cancelled', cancelled_by = $1, lease_token = NULL, \
                       lease_expires_at = NULL, worker = NULL, finished_at = ", $now, ", updated_at = ", $now, " \
                     WHERE id IN (SELECT id FROM down) AND state IN ('queued', 'running') \
                     RETURNING id"
                ))
                .bind(job.uuid())
                .fetch_all(&mut *tx)
                .await
                .ctx("cancelling a job")?;
                let mut events = Vec::with_capacity(rows.len());
                for r in &rows {
                    events.push(event_of(&load_job(&mut tx, id(r, "id")?).await?));
                }
                self.notify(&mut tx, &events).await?;
                commit(tx, "cancelling a job").await?;
                self.after_commit(events);
                Ok(())
            }

            async fn retry_job(&self, actor: UserId, job: JobId) -> Result<Job> {
                let mut tx = self.write(actor).await?;
                project_of(&mut tx, actor, "SELECT project_id FROM jobs WHERE id = $1", job.uuid(), "job", Need::Edit).await?;
                let current = load_job(&mut tx, job).await?;
                if !matches!(current.state, JobState::Failed | JobState::Cancelled) {
                    return Err(StoreError::Conflict(format!(
                        "job {job} is {}; only failed or cancelled jobs can be retried",
                        current.state
                    )));
                }
                let rows = sqlx::query(concat!(
                    "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ", $now, ", \
                       error = NULL, result = NULL, progress = 0, progress_message = NULL, \
                       cancelled_by = NULL, finished_at = NULL, updated_at = ", $now, " \
                     WHERE (id = $1 OR cancelled_by = $1) AND state IN ('failed', 'cancelled') \
                     RETURNING id"
                ))
                .bind(job.uuid())
                .fetch_all(&mut *tx)
                .await
                .ctx("retrying a job")?;
                let mut events = Vec::with_capacity(rows.len());
                for r in &rows {
                    events.push(event_of(&load_job(&mut tx, id(r, "id")?).await?));
                }
                let out = load_job(&mut tx, job).await?;
                self.notify(&mut tx, &events).await?;
                commit(tx, "retrying a job").await?;
                self.after_commit(events);
                Ok(out)
            }

            async fn claim_jobs(&self, worker: &str, kinds: &[JobKind], limit: u32, lease_ms: i64) -> Result<Vec<ClaimedJob>> {
                if kinds.is_empty() || limit == 0 {
                    return Ok(Vec::new());
                }
                let claimed = self.claim_impl(worker, kinds, limit, lease_ms.max(1)).await?;
                let events: Vec<JobEvent> = claimed.iter().map(|c| event_of(&c.job)).collect();
                self.after_commit(events);
                Ok(claimed)
            }

            async fn heartbeat(&self, lease: &Lease, lease_ms: i64, progress: Option<Progress>) -> Result<()> {
                let mut tx = self.write(lease.user_id).await?;
                let (fraction, message) = match &progress {
                    Some(p) => (Some(p.fraction), p.message.clone()),
                    None => (None, None),
                };
                let done = sqlx::query(concat!(
                    "UPDATE jobs SET lease_expires_at = ", $now, " + $1, \
                       progress = COALESCE($2, progress), progress_message = COALESCE($3, progress_message), \
                       updated_at = ", $now, " \
                     WHERE id = $4 AND lease_token = $5 AND state = 'running'"
                ))
                .bind(lease_ms.max(1))
                .bind(fraction)
                .bind(message)
                .bind(lease.job_id.uuid())
                .bind(lease.token)
                .execute(&mut *tx)
                .await
                .ctx("renewing a lease")?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!(
                        "the lease on job {} was lost (expired and claimed again, or cancelled)",
                        lease.job_id
                    )));
                }
                let mut events = Vec::new();
                if progress.is_some() {
                    events.push(event_of(&load_job(&mut tx, lease.job_id).await?));
                }
                self.notify(&mut tx, &events).await?;
                commit(tx, "renewing a lease").await?;
                self.after_commit(events);
                Ok(())
            }

            async fn complete_job(&self, lease: &Lease, output: JobOutput) -> Result<Vec<Asset>> {
                let mut tx = self.write(lease.user_id).await?;
                held(&mut tx, lease).await?;
                let done = sqlx::query(concat!(
                    "UPDATE jobs SET state = 'succeeded', result = $1, progress = 1, lease_token = NULL, \
                       lease_expires_at = NULL, error = NULL, finished_at = ", $now, ", updated_at = ", $now, " \
                     WHERE id = $2 AND lease_token = $3 AND state = 'running'"
                ))
                .bind(Json(&output.result))
                .bind(lease.job_id.uuid())
                .bind(lease.token)
                .execute(&mut *tx)
                .await
                .ctx("completing a job")?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!("the lease on job {} was lost", lease.job_id)));
                }
                let t = now();
                let mut assets = Vec::with_capacity(output.assets.len());
                for a in output.assets {
                    let row = new_asset(lease.project_id, lease.user_id, Some(lease.job_id), a, t);
                    assets.push(insert_asset(&mut tx, &row).await?);
                }
                let mut recorded = Money::ZERO;
                for u in output.usage {
                    let mut u = new_usage(lease.user_id, u, t);
                    u.project_id = Some(lease.project_id);
                    u.job_id = Some(lease.job_id);
                    recorded += u.record.cost;
                    insert_usage(&mut tx, &u).await?;
                }
                close_holds(&mut tx, lease, Some(recorded)).await?;
                let events = vec![event_of(&load_job(&mut tx, lease.job_id).await?)];
                self.notify(&mut tx, &events).await?;
                commit(tx, "completing a job").await?;
                self.after_commit(events);
                Ok(assets)
            }

            async fn fail_job(&self, lease: &Lease, error: &str, retryable: bool) -> Result<Job> {
                let mut tx = self.write(lease.user_id).await?;
                held(&mut tx, lease).await?;
                let job = load_job(&mut tx, lease.job_id).await?;
                let again = retryable && job.attempts < job.max_attempts;
                if again {
                    sqlx::query(concat!(
                        "UPDATE jobs SET state = 'queued', run_after = ", $now, " + $1, error = $2, \
                           lease_token = NULL, lease_expires_at = NULL, worker = NULL, updated_at = ", $now, " \
                         WHERE id = $3"
                    ))
                    .bind(backoff_delay(job.backoff_ms, job.attempts))
                    .bind(error)
                    .bind(lease.job_id.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("rescheduling a job")?;
                } else {
                    sqlx::query(concat!(
                        "UPDATE jobs SET state = 'failed', error = $1, lease_token = NULL, \
                           lease_expires_at = NULL, finished_at = ", $now, ", updated_at = ", $now, " \
                         WHERE id = $2"
                    ))
                    .bind(error)
                    .bind(lease.job_id.uuid())
                    .execute(&mut *tx)
                    .await
                    .ctx("failing a job")?;
                }
                close_holds(&mut tx, lease, None).await?;
                let out = load_job(&mut tx, lease.job_id).await?;
                let events = vec![event_of(&out)];
                self.notify(&mut tx, &events).await?;
                commit(tx, "recording a failed attempt").await?;
                self.after_commit(events);
                Ok(out)
            }

            fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
                self.events.subscribe()
            }

            async fn record_usage(&self, actor: UserId, new: NewUsage) -> Result<UsageRecord> {
                let mut tx = self.write(actor).await?;
                if let Some(p) = new.project_id {
                    require(&mut tx, actor, p, Need::Edit).await?;
                }
                let u = new_usage(actor, new, now());
                insert_usage(&mut tx, &u).await?;
                commit(tx, "recording usage").await?;
                Ok(u)
            }

            async fn usage(&self, actor: UserId, project: Option<ProjectId>) -> Result<Vec<UsageRecord>> {
                let mut tx = self.read(actor).await?;
                match project {
                    Some(p) => {
                        require(&mut tx, actor, p, Need::Read).await?;
                        load_project_usage(&mut tx, p).await
                    }
                    None => sqlx::query(concat!(
                        "SELECT ", usage_cols!(), " FROM usage_records WHERE user_id = $1 ORDER BY created_at, id"
                    ))
                    .bind(actor.uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .ctx("loading usage")?
                    .iter()
                    .map(usage_row)
                    .collect(),
                }
            }

            async fn project_spend(&self, actor: UserId, project: ProjectId) -> Result<Money> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS total FROM usage_records WHERE project_id = $1",
                )
                .bind(project.uuid())
                .fetch_one(&mut *tx)
                .await
                .ctx("adding up spend")?;
                Ok(Money::from_micros(get(&row, "total")?))
            }

            async fn reserve_budget(&self, lease: &Lease, amount: Money, call: &BudgetCall) -> Result<Reserved> {
                if amount < Money::ZERO {
                    return Err(StoreError::Invalid(format!("a negative amount ({amount}) to reserve")));
                }
                let mut tx = self.write(lease.user_id).await?;
                require(&mut tx, lease.user_id, lease.project_id, Need::Edit).await?;
                // One reservation per project at a time, across processes.
                self.lock_project(&mut tx, lease.project_id).await?;
                live_lease(&mut tx, lease).await?;
                let limit = load_project(&mut tx, lease.project_id).await?.settings.budget;
                let (spent, held) = budget_totals(&mut tx, lease.project_id).await?;
                let status = BudgetStatus { limit, spent, held };
                if let Some(limit) = limit
                    && spent + held + amount > limit
                {
                    commit(tx, "reserving budget").await?;
                    return Ok(Reserved::Refused(BudgetRefusal { needed: amount, status }));
                }
                let hold = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO budget_holds (id, project_id, job_id, user_id, lease_token, amount_micros, \
                       actual_micros, model, capability, shot_id, request_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11)",
                )
                .bind(hold)
                .bind(lease.project_id.uuid())
                .bind(lease.job_id.uuid())
                .bind(lease.user_id.uuid())
                .bind(lease.token)
                .bind(amount.micros())
                .bind(&call.model)
                .bind(call.capability.as_str())
                .bind(&call.shot_id)
                .bind(call.request_hash.to_string())
                .bind(now().0)
                .execute(&mut *tx)
                .await
                .ctx("holding budget")?;
                commit(tx, "reserving budget").await?;
                Ok(Reserved::Held(BudgetHold { id: hold, amount }))
            }

            async fn settle_budget(&self, lease: &Lease, hold: Uuid, actual: Money) -> Result<()> {
                if actual < Money::ZERO {
                    return Err(StoreError::Invalid(format!("a negative cost ({actual}) to settle")));
                }
                let mut tx = self.write(lease.user_id).await?;
                require(&mut tx, lease.user_id, lease.project_id, Need::Read).await?;
                let done = sqlx::query(
                    "UPDATE budget_holds SET actual_micros = $1 \
                     WHERE id = $2 AND job_id = $3 AND project_id = $4 AND lease_token = $5",
                )
                .bind(actual.micros())
                .bind(hold)
                .bind(lease.job_id.uuid())
                .bind(lease.project_id.uuid())
                .bind(lease.token)
                .execute(&mut *tx)
                .await
                .ctx("settling a budget hold")?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(format!(
                        "budget hold {hold} of job {} is gone (the lease was lost)",
                        lease.job_id
                    )));
                }
                commit(tx, "settling a budget hold").await
            }

            async fn release_budget(&self, lease: &Lease, hold: Uuid) -> Result<()> {
                let mut tx = self.write(lease.user_id).await?;
                require(&mut tx, lease.user_id, lease.project_id, Need::Read).await?;
                sqlx::query(
                    "DELETE FROM budget_holds WHERE id = $1 AND job_id = $2 AND project_id = $3 \
                     AND lease_token = $4 AND actual_micros IS NULL",
                )
                .bind(hold)
                .bind(lease.job_id.uuid())
                .bind(lease.project_id.uuid())
                .bind(lease.token)
                .execute(&mut *tx)
                .await
                .ctx("releasing a budget hold")?;
                commit(tx, "releasing a budget hold").await
            }

            async fn budget_status(&self, actor: UserId, project: ProjectId) -> Result<BudgetStatus> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                let limit = load_project(&mut tx, project).await?.settings.budget;
                let (spent, held) = budget_totals(&mut tx, project).await?;
                commit(tx, "reading a budget").await?;
                Ok(BudgetStatus { limit, spent, held })
            }

            async fn put_provider_key(
                &self,
                actor: UserId,
                provider: &str,
                label: &str,
                ciphertext: &[u8],
                nonce: &[u8],
            ) -> Result<ProviderKey> {
                let key = ProviderKey {
                    id: alkemy_core::ProviderKeyId::generate(),
                    user_id: actor,
                    provider: provider.to_owned(),
                    label: label.to_owned(),
                    ciphertext: ciphertext.to_vec(),
                    nonce: nonce.to_vec(),
                    created_at: now(),
                };
                let mut tx = self.write(actor).await?;
                sqlx::query("DELETE FROM provider_keys WHERE user_id = $1 AND provider = $2 AND label = $3")
                    .bind(actor.uuid())
                    .bind(provider)
                    .bind(label)
                    .execute(&mut *tx)
                    .await
                    .ctx("replacing a provider key")?;
                sqlx::query(
                    "INSERT INTO provider_keys (id, user_id, provider, label, ciphertext, nonce, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(key.id.uuid())
                .bind(actor.uuid())
                .bind(&key.provider)
                .bind(&key.label)
                .bind(&key.ciphertext)
                .bind(&key.nonce)
                .bind(key.created_at.0)
                .execute(&mut *tx)
                .await
                .ctx("storing a provider key")?;
                commit(tx, "storing a provider key").await?;
                Ok(key)
            }

            async fn provider_keys(&self, actor: UserId) -> Result<Vec<ProviderKey>> {
                let mut tx = self.read(actor).await?;
                sqlx::query(
                    "SELECT id, user_id, provider, label, ciphertext, nonce, created_at FROM provider_keys \
                     WHERE user_id = $1 ORDER BY provider, label",
                )
                .bind(actor.uuid())
                .fetch_all(&mut *tx)
                .await
                .ctx("listing provider keys")?
                .iter()
                .map(provider_key_row)
                .collect()
            }

            async fn delete_provider_key(&self, actor: UserId, provider: &str, label: &str) -> Result<()> {
                let mut tx = self.write(actor).await?;
                let done = sqlx::query("DELETE FROM provider_keys WHERE user_id = $1 AND provider = $2 AND label = $3")
                    .bind(actor.uuid())
                    .bind(provider)
                    .bind(label)
                    .execute(&mut *tx)
                    .await
                    .ctx("deleting a provider key")?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("{provider} key {label:?}")));
                }
                commit(tx, "deleting a provider key").await
            }

            async fn export_project(&self, actor: UserId, project: ProjectId) -> Result<ProjectBundle> {
                let mut tx = self.read(actor).await?;
                require(&mut tx, actor, project, Need::Read).await?;
                Ok(ProjectBundle {
                    format: ProjectBundle::FORMAT,
                    project: load_project(&mut tx, project).await?,
                    scripts: load_scripts(&mut tx, project).await?,
                    analyses: load_analyses(&mut tx, project).await?,
                    shots: load_shots(&mut tx, project).await?,
                    characters: load_characters(&mut tx, project).await?,
                    identities: load_identities(&mut tx, project).await?,
                    moodboards: load_moodboards(&mut tx, project).await?,
                    timelines: load_timelines(&mut tx, project, None).await?,
                    assets: load_assets(&mut tx, project, None).await?,
                    usage: load_project_usage(&mut tx, project).await?,
                })
            }

            async fn import_project(&self, actor: UserId, bundle: &ProjectBundle) -> Result<Project> {
                bundle.check()?;
                let b = bundle.owned_by(actor);
                let mut tx = self.write(actor).await?;
                let pid = b.project.id;
                insert_project(&mut tx, &b.project).await?;
                for s in &b.scripts {
                    insert_script(&mut tx, s).await?;
                }
                for a in &b.analyses {
                    insert_analysis(&mut tx, a).await?;
                }
                for (i, s) in b.shots.iter().enumerate() {
                    insert_shot(&mut tx, pid, i, s).await?;
                }
                for a in &b.assets {
                    insert_asset(&mut tx, a).await?;
                }
                for c in &b.characters {
                    insert_character(&mut tx, c).await?;
                }
                for i in &b.identities {
                    insert_identity(&mut tx, i).await?;
                }
                for m in &b.moodboards {
                    insert_moodboard(&mut tx, m).await?;
                }
                for t in &b.timelines {
                    insert_timeline(&mut tx, t, t.updated_at).await?;
                }
                for u in &b.usage {
                    insert_usage(&mut tx, u).await?;
                }
                log(&mut tx, actor, pid, "project.imported", serde_json::json!({"title": b.project.title})).await?;
                commit(tx, "importing a project").await?;
                Ok(b.project)
            }
        }
    };
}
