//! The `Store` trait: every persistent operation Alkemy needs, in domain
//! terms. SQLite and PostgreSQL implement it; the conformance suite in
//! `tests/conformance.rs` runs the same stories against both.
//!
//! Every method that touches a tenant's data takes the acting user first.
//! On PostgreSQL that user is set for the transaction
//! (`set_config('alkemy.user_id', …, true)`) and row-level security decides
//! what the SQL can see; on SQLite the same rules are checked by the store.
//! Both return `NotFound` for what the user may not see and `Forbidden` for
//! what they may see but not change.
//!
//! Methods marked *system* act across tenants (authentication, the job
//! queue's claims); on PostgreSQL they go through `SECURITY DEFINER`
//! functions owned by the `alkemy_system` role, never through a bypass of
//! row-level security on the app's connection.

use alkemy_core::{
    AnalysisId, AssetId, AssetKind, Breakdown, CharacterId, ContentHash, JobId, JobKind, Money,
    MoodboardId, Progress, ProjectId, ScriptVersionId, ShotList, Timeline, TimelineId, TokenId,
    UserId,
};
use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::bundle::ProjectBundle;
use crate::error::Result;
use crate::model::{
    Activity, Analysis, ApiToken, Asset, BudgetCall, BudgetStatus, CharacterRecord, ClaimedJob,
    IdentityRecord, Job, JobEvent, JobOutput, Lease, Moodboard, MoodboardItem, NewAsset,
    NewCharacter, NewIdentity, NewJob, NewMoodboard, NewMoodboardItem, NewProject,
    NewScriptVersion, NewUsage, NewUser, Project, ProjectFilter, ProjectPatch, ProviderKey,
    Reserved, ScriptVersion, Share, ShareRole, ShotOverrides, StoredShot, TimelineRecord,
    TokenSecret, UsageRecord, User,
};

/// Which backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (one machine, in-process worker pool).
    Sqlite,
    /// PostgreSQL (row-level security, many workers).
    Postgres,
}

/// Persistence for everything Alkemy keeps in a database.
///
/// Shared as `Arc<dyn Store>`: the backend is picked at run time from the
/// database URL, and the server, the worker and the CLI hold the same handle.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    // ---- users and tokens -------------------------------------------------

    /// *System.* Makes a user; the e-mail is stored lower-cased and must be new.
    async fn create_user(&self, new: NewUser) -> Result<User>;
    /// The acting user's own account.
    async fn user(&self, actor: UserId) -> Result<User>;
    /// *System.* The user with this e-mail (for password log-in).
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Makes an API token; the secret is returned once and only its hash kept.
    async fn create_api_token(&self, actor: UserId, name: &str) -> Result<(ApiToken, TokenSecret)>;
    /// The acting user's tokens.
    async fn api_tokens(&self, actor: UserId) -> Result<Vec<ApiToken>>;
    /// Deletes one of the acting user's tokens.
    async fn revoke_api_token(&self, actor: UserId, id: TokenId) -> Result<()>;
    /// *System.* The user a token secret belongs to (and marks it used).
    async fn user_by_token(&self, secret: &str) -> Result<Option<User>>;

    // ---- projects ---------------------------------------------------------

    /// Makes a project owned by the actor.
    async fn create_project(&self, actor: UserId, new: NewProject) -> Result<Project>;
    /// A project the actor may see (in the bin too, for its owners).
    async fn project(&self, actor: UserId, id: ProjectId) -> Result<Project>;
    /// Projects the actor owns or that are shared with them, newest first.
    async fn list_projects(&self, actor: UserId, filter: ProjectFilter) -> Result<Vec<Project>>;
    /// Changes a project's own fields if its version is still `expected_version`
    /// (else `Conflict`); bumps the version.
    async fn update_project(
        &self,
        actor: UserId,
        id: ProjectId,
        expected_version: i64,
        patch: ProjectPatch,
    ) -> Result<Project>;
    /// Moves a project to the bin (owners only).
    async fn delete_project(&self, actor: UserId, id: ProjectId) -> Result<()>;
    /// Brings a project back from the bin (owners only).
    async fn restore_project(&self, actor: UserId, id: ProjectId) -> Result<Project>;
    /// Deletes a project and everything in it for good (owners only).
    async fn purge_project(&self, actor: UserId, id: ProjectId) -> Result<()>;
    /// Copies a project with all its content (blobs are shared: their keys
    /// are immutable) into a new project owned by the actor. Copying a
    /// template gives a normal project.
    async fn duplicate_project(&self, actor: UserId, id: ProjectId, title: &str)
    -> Result<Project>;
    /// The actor's role on a project (`Owner` for its owner).
    async fn role(&self, actor: UserId, project: ProjectId) -> Result<ShareRole>;
    /// *System.* Who owns a project (operators' commands act as the owner).
    async fn project_owner(&self, project: ProjectId) -> Result<UserId>;

    // ---- shares and activity ----------------------------------------------

    /// Shares a project (owners only); sharing again changes the role.
    async fn share_project(
        &self,
        actor: UserId,
        project: ProjectId,
        with: UserId,
        role: ShareRole,
    ) -> Result<Share>;
    /// Stops sharing a project with a user (owners only).
    async fn unshare_project(&self, actor: UserId, project: ProjectId, with: UserId) -> Result<()>;
    /// Who a project is shared with.
    async fn shares(&self, actor: UserId, project: ProjectId) -> Result<Vec<Share>>;
    /// Appends to a project's activity log (editors and owners).
    async fn log_activity(
        &self,
        actor: UserId,
        project: ProjectId,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()>;
    /// The latest `limit` entries of a project's activity log, newest first.
    async fn activity(
        &self,
        actor: UserId,
        project: ProjectId,
        limit: u32,
    ) -> Result<Vec<Activity>>;

    // ---- script, analysis, shots -----------------------------------------

    /// Adds a script version (numbered 1, 2, 3… per project).
    async fn add_script_version(
        &self,
        actor: UserId,
        project: ProjectId,
        new: NewScriptVersion,
    ) -> Result<ScriptVersion>;
    /// A project's script versions, oldest first.
    async fn script_versions(
        &self,
        actor: UserId,
        project: ProjectId,
    ) -> Result<Vec<ScriptVersion>>;
    /// Stores the analysis of a script version.
    async fn save_analysis(
        &self,
        actor: UserId,
        script_version: ScriptVersionId,
        breakdown: &Breakdown,
        enrichment: Option<serde_json::Value>,
    ) -> Result<Analysis>;
    /// An analysis.
    async fn analysis(&self, actor: UserId, id: AnalysisId) -> Result<Analysis>;
    /// The newest analysis of a project, if any.
    async fn latest_analysis(&self, actor: UserId, project: ProjectId) -> Result<Option<Analysis>>;
    /// Replaces a project's shot list; overrides of shots whose id survives
    /// are kept, the others dropped.
    async fn replace_shots(
        &self,
        actor: UserId,
        project: ProjectId,
        shots: &ShotList,
    ) -> Result<()>;
    /// A project's shots in order, with overrides.
    async fn shots(&self, actor: UserId, project: ProjectId) -> Result<Vec<StoredShot>>;
    /// Sets a shot's overrides.
    async fn set_shot_overrides(
        &self,
        actor: UserId,
        project: ProjectId,
        shot_id: &str,
        overrides: &ShotOverrides,
    ) -> Result<()>;

    // ---- characters, identities, moodboards, timelines --------------------

    /// Adds a character, or updates the one with the same name.
    async fn upsert_character(
        &self,
        actor: UserId,
        project: ProjectId,
        new: NewCharacter,
    ) -> Result<CharacterRecord>;
    /// A project's characters by name.
    async fn characters(&self, actor: UserId, project: ProjectId) -> Result<Vec<CharacterRecord>>;
    /// Adds an identity to a character.
    async fn add_identity(
        &self,
        actor: UserId,
        character: CharacterId,
        new: NewIdentity,
    ) -> Result<IdentityRecord>;
    /// A project's identities, oldest first.
    async fn identities(&self, actor: UserId, project: ProjectId) -> Result<Vec<IdentityRecord>>;
    /// Adds a moodboard.
    async fn create_moodboard(
        &self,
        actor: UserId,
        project: ProjectId,
        new: NewMoodboard,
    ) -> Result<Moodboard>;
    /// Adds an item at the end of a moodboard.
    async fn add_moodboard_item(
        &self,
        actor: UserId,
        moodboard: MoodboardId,
        new: NewMoodboardItem,
    ) -> Result<MoodboardItem>;
    /// A project's moodboards with their items.
    async fn moodboards(&self, actor: UserId, project: ProjectId) -> Result<Vec<Moodboard>>;
    /// Stores an edit (a new timeline, or a new state of `id`).
    async fn save_timeline(
        &self,
        actor: UserId,
        project: ProjectId,
        id: Option<TimelineId>,
        timeline: &Timeline,
    ) -> Result<TimelineRecord>;
    /// A stored edit.
    async fn timeline(&self, actor: UserId, id: TimelineId) -> Result<TimelineRecord>;
    /// A project's edits, oldest first.
    async fn timelines(&self, actor: UserId, project: ProjectId) -> Result<Vec<TimelineRecord>>;

    // ---- assets -------------------------------------------------------------

    /// Records an asset whose blob is stored; recording the same storage key
    /// again returns the existing row (uploads and retries are idempotent).
    async fn add_asset(&self, actor: UserId, project: ProjectId, new: NewAsset) -> Result<Asset>;
    /// An asset.
    async fn asset(&self, actor: UserId, id: AssetId) -> Result<Asset>;
    /// A project's assets, oldest first, optionally of one kind.
    async fn assets(
        &self,
        actor: UserId,
        project: ProjectId,
        kind: Option<AssetKind>,
    ) -> Result<Vec<Asset>>;
    /// The newest asset of a kind made from these inputs: the cache lookup.
    async fn asset_by_inputs(
        &self,
        actor: UserId,
        project: ProjectId,
        kind: AssetKind,
        inputs: ContentHash,
    ) -> Result<Option<Asset>>;

    // ---- jobs -----------------------------------------------------------------

    /// Queues jobs (a graph: dependencies by id or by index in `jobs`).
    async fn enqueue_jobs(
        &self,
        actor: UserId,
        project: ProjectId,
        jobs: Vec<NewJob>,
    ) -> Result<Vec<Job>>;
    /// A job.
    async fn job(&self, actor: UserId, id: JobId) -> Result<Job>;
    /// A project's jobs in the order they were queued.
    async fn jobs(&self, actor: UserId, project: ProjectId) -> Result<Vec<Job>>;
    /// Cancels a queued or running job and every queued job that depends on
    /// it, directly or not.
    async fn cancel_job(&self, actor: UserId, id: JobId) -> Result<()>;
    /// Queues a failed or cancelled job again with fresh attempts; jobs
    /// cancelled because of it are queued again too.
    async fn retry_job(&self, actor: UserId, id: JobId) -> Result<Job>;
    /// *System.* Claims up to `limit` runnable jobs of these kinds (queued,
    /// due, dependencies succeeded, or running with an expired lease) for
    /// `worker`, each with a lease of `lease_ms`.
    async fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedJob>>;
    /// Extends a lease and records progress; `Conflict` once the lease is lost.
    async fn heartbeat(
        &self,
        lease: &Lease,
        lease_ms: i64,
        progress: Option<Progress>,
    ) -> Result<()>;
    /// Completes a job: its result and its assets are committed in one
    /// transaction, only while the lease is held (else `Conflict`, and nothing
    /// is written).
    async fn complete_job(&self, lease: &Lease, output: JobOutput) -> Result<Vec<Asset>>;
    /// Records a failed attempt: queued again after the backoff while
    /// attempts remain and `retryable`, else failed for good.
    async fn fail_job(&self, lease: &Lease, error: &str, retryable: bool) -> Result<Job>;
    /// Job events of this process and, on PostgreSQL, of every process.
    fn subscribe(&self) -> broadcast::Receiver<JobEvent>;

    // ---- usage and keys -------------------------------------------------------

    /// Records a provider call.
    async fn record_usage(&self, actor: UserId, new: NewUsage) -> Result<UsageRecord>;
    /// Usage of a project (all users), or of the actor across projects.
    async fn usage(&self, actor: UserId, project: Option<ProjectId>) -> Result<Vec<UsageRecord>>;
    /// What a project has cost so far.
    async fn project_spend(&self, actor: UserId, project: ProjectId) -> Result<Money>;

    // ---- budget holds -----------------------------------------------------------

    /// Reserves `amount` for a paid call of a running job against its
    /// project's budget (`settings.budget`), atomically across workers and
    /// machines: held only if recorded usage + settled holds + live holds +
    /// `amount` stays within the limit. A project without a limit always
    /// holds (the money is still accounted). The hold lives as long as the
    /// lease: once it expires or passes to another worker, the hold stops
    /// counting. `Conflict` when the lease is no longer held.
    async fn reserve_budget(
        &self,
        lease: &Lease,
        amount: Money,
        call: &BudgetCall,
    ) -> Result<Reserved>;
    /// Settles a hold with the call's actual cost: it counts as spent until
    /// the job's commit records the usage (a failed attempt's settled holds
    /// are recorded as usage when it fails). `Conflict` if the hold is gone
    /// (the lease was lost).
    async fn settle_budget(&self, lease: &Lease, hold: uuid::Uuid, actual: Money) -> Result<()>;
    /// Releases a hold unspent (the call failed or was never sent).
    /// Releasing a hold that is gone is not an error.
    async fn release_budget(&self, lease: &Lease, hold: uuid::Uuid) -> Result<()>;
    /// A project's budget: its limit, what is spent and what is held.
    async fn budget_status(&self, actor: UserId, project: ProjectId) -> Result<BudgetStatus>;
    /// Stores (or replaces, by provider and label) an encrypted provider key.
    async fn put_provider_key(
        &self,
        actor: UserId,
        provider: &str,
        label: &str,
        ciphertext: &[u8],
        nonce: &[u8],
    ) -> Result<ProviderKey>;
    /// The actor's provider keys.
    async fn provider_keys(&self, actor: UserId) -> Result<Vec<ProviderKey>>;
    /// Deletes one of the actor's provider keys.
    async fn delete_provider_key(&self, actor: UserId, provider: &str, label: &str) -> Result<()>;

    // ---- bundles ----------------------------------------------------------------

    /// Everything a project is, as one document (media referenced by key).
    async fn export_project(&self, actor: UserId, project: ProjectId) -> Result<ProjectBundle>;
    /// Recreates a bundled project, ids and times kept, owned by the actor.
    async fn import_project(&self, actor: UserId, bundle: &ProjectBundle) -> Result<Project>;
}
