//! PostgreSQL's own guarantees, proven with raw SQL as the application
//! role: row-level security is enabled and forced on every table, the app
//! owns nothing, nothing is visible without a current user, and user B can
//! read, change or delete none of user A's rows. Events cross processes by
//! LISTEN/NOTIFY.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use alkemy_core::{AssetKind, ContentHash, JobKind, JobState, MediaInfo, Provenance};
use alkemy_store::model::{
    IdentityStatus, NewAsset, NewCharacter, NewIdentity, NewJob, NewMoodboard, NewMoodboardItem,
    NewProject, NewScriptVersion,
};
use alkemy_store::postgres::PgStore;
use alkemy_store::testing::shared_cluster;
use alkemy_store::{OpenOptions, Store};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};

const TENANT_TABLES: [&str; 20] = [
    "users",
    "api_tokens",
    "projects",
    "project_shares",
    "activity",
    "script_versions",
    "analyses",
    "shots",
    "assets",
    "characters",
    "identities",
    "moodboards",
    "moodboard_items",
    "timelines",
    "timeline_clips",
    "jobs",
    "job_deps",
    "usage_records",
    "provider_keys",
    "budget_holds",
];

async fn pool(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap()
}

/// A database with Alice's project and something in most tables.
async fn seeded() -> Option<(
    alkemy_store::testing::PgDatabase,
    alkemy_core::UserId,
    alkemy_core::ProjectId,
)> {
    let cluster = shared_cluster()?;
    let db = cluster.database().await.unwrap();
    let store = alkemy_store::open(&db.app_url, OpenOptions::default())
        .await
        .unwrap();
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(
            alice,
            NewProject {
                title: "Secret".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let v = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "s.fountain".into(),
                format: "fountain".into(),
                text: "INT. VAULT".into(),
            },
        )
        .await
        .unwrap();
    store
        .save_analysis(alice, v.id, &common::breakdown(2), None)
        .await
        .unwrap();
    store
        .replace_shots(alice, p.id, &common::shot_list(2, 2))
        .await
        .unwrap();
    store
        .save_timeline(alice, p.id, None, &common::timeline(2))
        .await
        .unwrap();
    let h = ContentHash::of_bytes(b"x");
    store
        .add_asset(
            alice,
            p.id,
            NewAsset {
                kind: AssetKind::Upload,
                storage_key: "projects/x/uploads/x.png".into(),
                mime: "image/png".into(),
                size_bytes: 1,
                content_hash: h,
                media: MediaInfo::default(),
                provenance: Provenance::default(),
                shot_id: None,
            },
        )
        .await
        .unwrap();
    store
        .enqueue_jobs(
            alice,
            p.id,
            vec![
                NewJob::new(JobKind::Analyze, serde_json::json!({})),
                NewJob::new(JobKind::Plan, serde_json::json!({}))
                    .after([alkemy_store::model::JobRef::Batch(0)]),
            ],
        )
        .await
        .unwrap();
    store
        .record_usage(alice, common::usage(5, Some(p.id)))
        .await
        .unwrap();
    // A running frame job holding budget for a paid call.
    store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Frame, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let frame = store
        .claim_jobs("w", &[JobKind::Frame], 1, 600_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let call = alkemy_store::model::BudgetCall {
        model: "fal:flux-dev".into(),
        capability: alkemy_core::Capability::Image,
        shot_id: Some("sc1-1".into()),
        request_hash: ContentHash::of_bytes(b"call"),
    };
    let reserved = store
        .reserve_budget(&frame.lease, alkemy_core::Money::from_cents(3), &call)
        .await
        .unwrap();
    assert!(matches!(reserved, alkemy_store::model::Reserved::Held(_)));
    store
        .put_provider_key(alice, "fal", "default", b"cipher", b"nonce")
        .await
        .unwrap();
    store.create_api_token(alice, "t").await.unwrap();
    let ed = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "d".into(),
                reference_asset: None,
            },
        )
        .await
        .unwrap();
    store
        .add_identity(
            alice,
            ed.id,
            NewIdentity {
                provider: "fal".into(),
                model: "lora".into(),
                trigger_word: "edw".into(),
                status: IdentityStatus::Training,
                weights_asset: None,
            },
        )
        .await
        .unwrap();
    let board = store
        .create_moodboard(alice, p.id, NewMoodboard::default())
        .await
        .unwrap();
    store
        .add_moodboard_item(
            alice,
            board.id,
            NewMoodboardItem {
                asset_id: None,
                caption: "c".into(),
            },
        )
        .await
        .unwrap();
    let carol = common::user(&*store, "carol").await;
    store
        .share_project(alice, p.id, carol, alkemy_store::model::ShareRole::Viewer)
        .await
        .unwrap();
    Some((db, alice, p.id))
}

#[tokio::test]
async fn rls_is_enabled_and_forced_and_the_app_owns_nothing() {
    let Some(cluster) = shared_cluster() else {
        return;
    };
    let db = cluster.database().await.unwrap();
    let admin = pool(&db.owner_url).await;
    for table in TENANT_TABLES {
        let row = sqlx::query(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname = $1",
        )
        .bind(table)
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(row.get::<bool, _>("relrowsecurity"), "{table}: RLS enabled");
        assert!(
            row.get::<bool, _>("relforcerowsecurity"),
            "{table}: RLS forced"
        );
        assert_ne!(row.get::<String, _>("owner"), "alkemy_tester", "{table}");
    }
    // Every table of the schema is in the list (none forgotten).
    let all: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    let mut expected: Vec<String> = TENANT_TABLES.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(all, expected);
    let role =
        sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'alkemy_tester'")
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(!role.get::<bool, _>("rolsuper") && !role.get::<bool, _>("rolbypassrls"));
    // The app cannot alter the schema or read the migration table.
    let app = pool(&db.app_url).await;
    assert!(
        sqlx::query("ALTER TABLE projects DISABLE ROW LEVEL SECURITY")
            .execute(&app)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("SELECT * FROM _sqlx_migrations")
            .execute(&app)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn without_a_current_user_nothing_is_visible() {
    let Some((db, _alice, p)) = seeded().await else {
        return;
    };
    let admin = pool(&db.owner_url).await;
    let app = pool(&db.app_url).await;
    let mut populated = 0;
    for table in TENANT_TABLES {
        let sql = format!("SELECT count(*) FROM {table}");
        let as_admin: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&admin)
            .await
            .unwrap();
        let as_app: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&app)
            .await
            .unwrap();
        assert_eq!(
            as_app, 0,
            "{table}: {as_admin} rows exist, the app without a user must see none"
        );
        if as_admin > 0 {
            populated += 1;
        }
    }
    assert_eq!(populated, TENANT_TABLES.len(), "the seed fills every table");
    // Nor can it write.
    let insert = sqlx::query("INSERT INTO activity (project_id, user_id, action, detail, created_at) VALUES ($1, $1, 'x', 'null', 0)")
        .bind(uuid::Uuid::from_bytes(*p.as_bytes()))
        .execute(&app)
        .await;
    assert!(insert.is_err());
    let updated = sqlx::query("UPDATE projects SET title = 'pwned'")
        .execute(&app)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
}

#[tokio::test]
async fn user_b_cannot_read_change_or_delete_user_a_rows() {
    let Some((db, _alice, p)) = seeded().await else {
        return;
    };
    let store = alkemy_store::open(&db.app_url, OpenOptions::default())
        .await
        .unwrap();
    let bob = common::user(&*store, "bob").await;
    let app = pool(&db.app_url).await;
    let admin = pool(&db.owner_url).await;
    let pid = uuid::Uuid::from_bytes(*p.as_bytes());
    let mut tx = app.begin().await.unwrap();
    sqlx::query("SELECT set_config('alkemy.user_id', $1, true)")
        .bind(bob.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in TENANT_TABLES {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        let own = if table == "users" { 1 } else { 0 };
        assert_eq!(n, own, "{table}: Bob sees only himself");
    }
    for sql in [
        "UPDATE projects SET title = 'pwned' WHERE id = $1",
        "UPDATE jobs SET state = 'cancelled' WHERE project_id = $1",
        "UPDATE shots SET overrides = '{}' WHERE project_id = $1",
        "DELETE FROM assets WHERE project_id = $1",
        "DELETE FROM script_versions WHERE project_id = $1",
        "DELETE FROM projects WHERE id = $1",
        "DELETE FROM usage_records WHERE project_id = $1",
        "UPDATE budget_holds SET actual_micros = 0 WHERE project_id = $1",
        "DELETE FROM budget_holds WHERE project_id = $1",
    ] {
        let done = sqlx::query(sql).bind(pid).execute(&mut *tx).await.unwrap();
        assert_eq!(done.rows_affected(), 0, "{sql}");
    }
    tx.commit().await.unwrap();
    for sql in [
        "INSERT INTO script_versions (id, project_id, number, source_name, format, text, content_hash, created_by, created_at) \
         VALUES (gen_random_uuid(), $1, 99, 'x', 'x', 'x', 'x', $2, 0)",
        "INSERT INTO project_shares (project_id, user_id, role, created_at) VALUES ($1, $2, 'owner', 0)",
        "INSERT INTO usage_records (id, user_id, project_id, provider, model, cost_micros, request_hash, record, created_at) \
         VALUES (gen_random_uuid(), $2, $1, 'x', 'x', 0, 'x', '{}', 0)",
        "INSERT INTO budget_holds (id, project_id, job_id, user_id, lease_token, amount_micros, model, capability, request_hash, created_at) \
         SELECT gen_random_uuid(), $1, j, $2, gen_random_uuid(), 0, 'x', 'image', 'x', 0 FROM (SELECT gen_random_uuid() AS j) t",
    ] {
        let mut tx = app.begin().await.unwrap();
        sqlx::query("SELECT set_config('alkemy.user_id', $1, true)")
            .bind(bob.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(sql)
            .bind(pid)
            .bind(uuid::Uuid::from_bytes(*bob.as_bytes()))
            .execute(&mut *tx)
            .await
            .unwrap_err();
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}");
    }
    // Alice's data is untouched.
    let title: String = sqlx::query_scalar("SELECT title FROM projects WHERE id = $1")
        .bind(pid)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(title, "Secret");
    let assets: i64 = sqlx::query_scalar("SELECT count(*) FROM assets WHERE project_id = $1")
        .bind(pid)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(assets, 1);
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE project_id = $1 AND state = 'queued'")
            .bind(pid)
            .fetch_one(&admin)
            .await
            .unwrap();
    assert_eq!(queued, 2);
}

#[tokio::test]
async fn job_events_cross_processes_by_listen_notify() {
    let Some(cluster) = shared_cluster() else {
        return;
    };
    let db = cluster.database().await.unwrap();
    // Two stores with their own pools and listeners: two server nodes.
    let node_a = PgStore::connect(&db.app_url, 4).await.unwrap();
    let node_b = PgStore::connect(&db.app_url, 4).await.unwrap();
    let mut events = node_b.subscribe();
    let alice = common::user(&node_a, "alice").await;
    let p = node_a
        .create_project(
            alice,
            NewProject {
                title: "Live".into(),
                ..NewProject::default()
            },
        )
        .await
        .unwrap();
    let jobs = node_a
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Render, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let claimed = node_a
        .claim_jobs("w", &[JobKind::Render], 1, 10_000)
        .await
        .unwrap();
    node_a
        .complete_job(&claimed[0].lease, Default::default())
        .await
        .unwrap();
    let mut states = Vec::new();
    while states.last() != Some(&JobState::Succeeded) {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("event arrives")
            .unwrap();
        assert_eq!((e.job_id, e.project_id), (jobs[0].id, p.id));
        states.push(e.state);
    }
    assert_eq!(
        states,
        [JobState::Queued, JobState::Running, JobState::Succeeded]
    );
}
