//! The conformance suite: the same stories run against SQLite and against
//! PostgreSQL (a throwaway cluster; row-level security on).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use alkemy_core::{
    AssetKind, ContentHash, JobKind, JobState, MediaInfo, Money, Progress, ProjectSettings,
    Provenance, Resolution, ShotSize,
};
use alkemy_store::model::{
    BudgetCall, BudgetStatus, ClaimedJob, IdentityStatus, JobOutput, JobRef, NewAsset,
    NewCharacter, NewIdentity, NewJob, NewMoodboard, NewMoodboardItem, NewProject,
    NewScriptVersion, NewUser, ProjectFilter, ProjectPatch, Reserved, ShareRole, ShotOverrides,
};
use alkemy_store::{Store, StoreError};

/// Runs each story on both backends.
macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let (store, _dir) = crate::common::sqlite().await;
                    super::$story(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some((store, _db)) = crate::common::postgres().await else { return };
                    super::$story(store).await;
                }
            )*
        }
    };
}

conformance!(
    users_and_tokens,
    project_life_cycle,
    tenants_are_isolated,
    shares_grant_exactly_their_role,
    content_round_trips,
    job_graph_runs_in_dependency_order,
    completion_is_atomic_and_needs_the_lease,
    failures_back_off_and_retry_alone,
    cancel_cascades_and_retry_restores,
    expired_leases_are_claimed_again,
    concurrent_claims_never_share_a_job,
    bundles_and_duplicates_copy_everything,
    concurrent_budget_holds_never_pass_the_limit,
    budget_holds_settle_release_and_become_usage,
    turned_down_answers_stay_charged_when_a_job_commits,
    expired_budget_holds_stop_counting,
    budget_holds_are_tenant_isolated,
);

fn new_project(title: &str) -> NewProject {
    NewProject {
        title: title.to_owned(),
        description: "A test production".to_owned(),
        tags: vec!["drama".into(), "test".into()],
        settings: ProjectSettings {
            resolution: Resolution::P1080,
            fps: 25,
            budget: Some(Money::from_cents(12_50)),
            ..ProjectSettings::default()
        },
        is_template: false,
    }
}

fn sample_asset(kind: AssetKind, n: u32) -> NewAsset {
    let hash = ContentHash::of_bytes(format!("{kind}-{n}").as_bytes());
    NewAsset {
        kind,
        storage_key: format!("uploads/{hash}.png"),
        mime: "image/png".into(),
        size_bytes: 1234,
        content_hash: hash,
        media: MediaInfo {
            width: Some(1280),
            height: Some(720),
            duration_ms: None,
        },
        provenance: Provenance {
            inputs_hash: Some(ContentHash::of_bytes(b"inputs")),
            provider: Some("fal".into()),
            model: Some("flux-dev".into()),
            seed: Some(u64::MAX - 7),
            cost: Money::from_micros(25_000),
            parent: None,
            variant_of: None,
        },
        shot_id: Some("sc1-1".into()),
    }
}

async fn users_and_tokens(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let dup = store
        .create_user(NewUser {
            email: "ALICE@example.com".into(),
            display_name: "Alice again".into(),
            password_hash: None,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let found = store
        .user_by_email(" Alice@Example.com ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, alice);
    assert!(
        store
            .user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let (token, secret) = store.create_api_token(alice, "laptop").await.unwrap();
    assert!(secret.expose().starts_with("alk_"));
    assert_eq!(store.api_tokens(alice).await.unwrap(), vec![token.clone()]);
    let who = store.user_by_token(secret.expose()).await.unwrap().unwrap();
    assert_eq!(who.id, alice);
    let listed = store.api_tokens(alice).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    assert!(store.user_by_token("alk_wrong").await.unwrap().is_none());

    let bob = common::user(&*store, "bob").await;
    assert!(store.api_tokens(bob).await.unwrap().is_empty());
    assert!(matches!(
        store.revoke_api_token(bob, token.id).await,
        Err(StoreError::NotFound(_))
    ));
    store.revoke_api_token(alice, token.id).await.unwrap();
    assert!(
        store
            .user_by_token(secret.expose())
            .await
            .unwrap()
            .is_none()
    );
}

async fn project_life_cycle(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Big Fish"))
        .await
        .unwrap();
    assert_eq!(p.version, 1);
    let loaded = store.project(alice, p.id).await.unwrap();
    assert_eq!(loaded, p);
    assert_eq!(loaded.settings.budget, Some(Money::from_cents(1250)));

    let patch = ProjectPatch {
        title: Some("Big Fish (2003)".into()),
        tags: Some(vec!["fantasy".into()]),
        ..ProjectPatch::default()
    };
    let updated = store
        .update_project(alice, p.id, 1, patch.clone())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.title, "Big Fish (2003)");
    assert_eq!(store.project(alice, p.id).await.unwrap(), updated);
    let stale = store.update_project(alice, p.id, 1, patch).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

    let template = store
        .create_project(
            alice,
            NewProject {
                is_template: true,
                ..new_project("Short film template")
            },
        )
        .await
        .unwrap();
    let live: Vec<_> = store
        .list_projects(alice, ProjectFilter::Live)
        .await
        .unwrap();
    assert_eq!(live.iter().map(|p| p.id).collect::<Vec<_>>(), vec![p.id]);
    let templates = store
        .list_projects(alice, ProjectFilter::Templates)
        .await
        .unwrap();
    assert_eq!(
        templates.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![template.id]
    );
    let from_template = store
        .duplicate_project(alice, template.id, "My short")
        .await
        .unwrap();
    assert!(!from_template.is_template);
    assert_eq!(from_template.settings, template.settings);

    store.delete_project(alice, p.id).await.unwrap();
    let live = store
        .list_projects(alice, ProjectFilter::Live)
        .await
        .unwrap();
    assert!(live.iter().all(|x| x.id != p.id));
    let bin = store
        .list_projects(alice, ProjectFilter::Deleted)
        .await
        .unwrap();
    assert_eq!(bin.iter().map(|p| p.id).collect::<Vec<_>>(), vec![p.id]);
    let edit_deleted = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "x.fountain".into(),
                format: "fountain".into(),
                text: "INT. X".into(),
            },
        )
        .await;
    assert!(
        matches!(edit_deleted, Err(StoreError::Conflict(_))),
        "{edit_deleted:?}"
    );
    let restored = store.restore_project(alice, p.id).await.unwrap();
    assert!(restored.deleted_at.is_none());
    assert!(
        store
            .list_projects(alice, ProjectFilter::Live)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == p.id)
    );

    let log = store.activity(alice, p.id, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "project.restored",
            "project.deleted",
            "project.updated",
            "project.created"
        ]
    );

    store.purge_project(alice, p.id).await.unwrap();
    assert!(matches!(
        store.project(alice, p.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.create_project(alice, new_project("  ")).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let bob = common::user(&*store, "bob").await;
    let p = store
        .create_project(alice, new_project("Alice's film"))
        .await
        .unwrap();
    let script = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "a.fountain".into(),
                format: "fountain".into(),
                text: "INT. HOUSE - DAY".into(),
            },
        )
        .await
        .unwrap();
    let analysis = store
        .save_analysis(alice, script.id, &common::breakdown(2), None)
        .await
        .unwrap();
    let asset = store
        .add_asset(alice, p.id, sample_asset(AssetKind::Upload, 1))
        .await
        .unwrap();
    let jobs = store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Analyze, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let tl = store
        .save_timeline(alice, p.id, None, &common::timeline(3))
        .await
        .unwrap();
    let character = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "".into(),
                reference_asset: None,
            },
        )
        .await
        .unwrap();
    let board = store
        .create_moodboard(alice, p.id, NewMoodboard::default())
        .await
        .unwrap();
    store
        .put_provider_key(alice, "fal", "default", b"ciphertext", b"nonce-12byte")
        .await
        .unwrap();

    // Bob sees nothing of Alice's...
    fn nf<T>(r: &Result<T, StoreError>) -> bool {
        matches!(r, Err(StoreError::NotFound(_)))
    }
    assert!(
        store
            .list_projects(bob, ProjectFilter::Live)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_projects(bob, ProjectFilter::Deleted)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(nf(&store.project(bob, p.id).await));
    assert!(nf(&store.role(bob, p.id).await.map(|_| ())));
    assert!(nf(&store.script_versions(bob, p.id).await.map(|_| ())));
    assert!(nf(&store.analysis(bob, analysis.id).await.map(|_| ())));
    assert!(nf(&store.latest_analysis(bob, p.id).await.map(|_| ())));
    assert!(nf(&store.asset(bob, asset.id).await.map(|_| ())));
    assert!(nf(&store.assets(bob, p.id, None).await.map(|_| ())));
    assert!(nf(&store.job(bob, jobs[0].id).await.map(|_| ())));
    assert!(nf(&store.jobs(bob, p.id).await.map(|_| ())));
    assert!(nf(&store.timeline(bob, tl.id).await.map(|_| ())));
    assert!(nf(&store.shots(bob, p.id).await.map(|_| ())));
    assert!(nf(&store.activity(bob, p.id, 10).await.map(|_| ())));
    assert!(nf(&store.usage(bob, Some(p.id)).await.map(|_| ())));
    assert!(nf(&store.export_project(bob, p.id).await.map(|_| ())));
    assert!(store.provider_keys(bob).await.unwrap().is_empty());
    assert!(store.usage(bob, None).await.unwrap().is_empty());
    // ...and can change or delete none of it.
    assert!(nf(&store
        .update_project(
            bob,
            p.id,
            1,
            ProjectPatch {
                title: Some("Mine".into()),
                ..Default::default()
            }
        )
        .await
        .map(|_| ())));
    assert!(nf(&store.delete_project(bob, p.id).await));
    assert!(nf(&store.purge_project(bob, p.id).await));
    assert!(nf(&store
        .share_project(bob, p.id, bob, ShareRole::Owner)
        .await
        .map(|_| ())));
    assert!(nf(&store
        .add_script_version(
            bob,
            p.id,
            NewScriptVersion {
                source_name: "b".into(),
                format: "text".into(),
                text: "x".into()
            }
        )
        .await
        .map(|_| ())));
    assert!(nf(&store
        .save_analysis(bob, script.id, &common::breakdown(1), None)
        .await
        .map(|_| ())));
    assert!(nf(&store
        .add_asset(bob, p.id, sample_asset(AssetKind::Upload, 2))
        .await
        .map(|_| ())));
    assert!(nf(&store
        .enqueue_jobs(
            bob,
            p.id,
            vec![NewJob::new(JobKind::Plan, serde_json::json!({}))]
        )
        .await
        .map(|_| ())));
    assert!(nf(&store.cancel_job(bob, jobs[0].id).await));
    assert!(nf(&store
        .replace_shots(bob, p.id, &common::shot_list(1, 1))
        .await));
    assert!(nf(&store
        .save_timeline(bob, p.id, Some(tl.id), &common::timeline(1))
        .await
        .map(|_| ())));
    assert!(nf(&store
        .add_identity(
            bob,
            character.id,
            NewIdentity {
                provider: "fal".into(),
                model: "lora".into(),
                trigger_word: "x".into(),
                status: IdentityStatus::Training,
                weights_asset: None
            }
        )
        .await
        .map(|_| ())));
    assert!(nf(&store
        .add_moodboard_item(
            bob,
            board.id,
            NewMoodboardItem {
                asset_id: None,
                caption: "x".into()
            }
        )
        .await
        .map(|_| ())));
    assert!(nf(&store
        .log_activity(bob, p.id, "x", serde_json::Value::Null)
        .await));
    assert!(nf(&store.delete_provider_key(bob, "fal", "default").await));
    assert!(nf(&store
        .record_usage(bob, common::usage(1, Some(p.id)))
        .await
        .map(|_| ())));

    // Nothing changed for Alice.
    let still = store.project(alice, p.id).await.unwrap();
    assert_eq!(still, p);
    assert_eq!(store.script_versions(alice, p.id).await.unwrap().len(), 1);
    assert_eq!(store.assets(alice, p.id, None).await.unwrap().len(), 1);
    assert_eq!(
        store.jobs(alice, p.id).await.unwrap()[0].state,
        JobState::Queued
    );
    assert_eq!(store.provider_keys(alice).await.unwrap().len(), 1);
    assert_eq!(
        store.timeline(alice, tl.id).await.unwrap().timeline,
        common::timeline(3)
    );
}

async fn shares_grant_exactly_their_role(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let bob = common::user(&*store, "bob").await;
    let carol = common::user(&*store, "carol").await;
    let p = store
        .create_project(alice, new_project("Shared"))
        .await
        .unwrap();
    store
        .share_project(alice, p.id, bob, ShareRole::Viewer)
        .await
        .unwrap();

    // A viewer reads but cannot change.
    assert_eq!(store.project(bob, p.id).await.unwrap().id, p.id);
    assert_eq!(store.role(bob, p.id).await.unwrap(), ShareRole::Viewer);
    assert_eq!(
        store
            .list_projects(bob, ProjectFilter::Live)
            .await
            .unwrap()
            .len(),
        1
    );
    let forbidden = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Forbidden(_)));
    assert!(forbidden(
        store
            .update_project(
                bob,
                p.id,
                1,
                ProjectPatch {
                    title: Some("x".into()),
                    ..Default::default()
                }
            )
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        store
            .add_asset(bob, p.id, sample_asset(AssetKind::Upload, 1))
            .await
            .map(|_| ())
    ));
    assert!(forbidden(
        store
            .enqueue_jobs(
                bob,
                p.id,
                vec![NewJob::new(JobKind::Plan, serde_json::json!({}))]
            )
            .await
            .map(|_| ())
    ));
    assert!(forbidden(store.delete_project(bob, p.id).await));
    assert!(forbidden(
        store
            .share_project(bob, p.id, carol, ShareRole::Viewer)
            .await
            .map(|_| ())
    ));

    // An editor changes content but cannot delete or share.
    store
        .share_project(alice, p.id, bob, ShareRole::Editor)
        .await
        .unwrap();
    let updated = store
        .update_project(
            bob,
            p.id,
            1,
            ProjectPatch {
                title: Some("Edited by Bob".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title, "Edited by Bob");
    store
        .add_asset(bob, p.id, sample_asset(AssetKind::Upload, 1))
        .await
        .unwrap();
    assert!(forbidden(store.delete_project(bob, p.id).await));
    assert!(forbidden(
        store
            .share_project(bob, p.id, carol, ShareRole::Viewer)
            .await
            .map(|_| ())
    ));
    // Carol, a stranger, still sees nothing.
    assert!(matches!(
        store.project(carol, p.id).await,
        Err(StoreError::NotFound(_))
    ));

    // A co-owner may share and delete.
    store
        .share_project(alice, p.id, carol, ShareRole::Owner)
        .await
        .unwrap();
    let shares = store.shares(carol, p.id).await.unwrap();
    assert_eq!(shares.len(), 2);
    store.unshare_project(carol, p.id, bob).await.unwrap();
    assert!(matches!(
        store.project(bob, p.id).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete_project(carol, p.id).await.unwrap();
    assert!(
        store
            .project(alice, p.id)
            .await
            .unwrap()
            .deleted_at
            .is_some()
    );
    assert!(matches!(
        store
            .share_project(alice, p.id, alice, ShareRole::Viewer)
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn content_round_trips(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Content"))
        .await
        .unwrap();
    let v1 = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "a.fountain".into(),
                format: "fountain".into(),
                text: "one".into(),
            },
        )
        .await
        .unwrap();
    let v2 = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "a.fountain".into(),
                format: "fountain".into(),
                text: "two".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!((v1.number, v2.number), (1, 2));
    assert_eq!(v2.content_hash, ContentHash::of_bytes(b"two"));
    assert_eq!(
        store.script_versions(alice, p.id).await.unwrap(),
        vec![v1.clone(), v2.clone()]
    );

    let breakdown = common::breakdown(5);
    let enrichment = serde_json::json!({"logline": "A son learns his father's tall tales were true.", "mood": ["warm", 1.5]});
    let a1 = store
        .save_analysis(alice, v1.id, &common::breakdown(1), None)
        .await
        .unwrap();
    let a2 = store
        .save_analysis(alice, v2.id, &breakdown, Some(enrichment.clone()))
        .await
        .unwrap();
    assert_eq!(store.analysis(alice, a1.id).await.unwrap(), a1);
    let latest = store.latest_analysis(alice, p.id).await.unwrap().unwrap();
    assert_eq!(latest, a2);
    assert_eq!(latest.breakdown, breakdown);

    // Shots: overrides survive re-planning while the shot id survives.
    let plan = common::shot_list(3, 3);
    store.replace_shots(alice, p.id, &plan).await.unwrap();
    let overrides = ShotOverrides {
        size: Some(ShotSize::ExtremeCloseUp),
        note: Some("tighter".into()),
        ..ShotOverrides::default()
    };
    store
        .set_shot_overrides(alice, p.id, &plan.shots[1].id, &overrides)
        .await
        .unwrap();
    let mut replan = common::shot_list(3, 2);
    replan.style = "noir".into();
    store.replace_shots(alice, p.id, &replan).await.unwrap();
    let shots = store.shots(alice, p.id).await.unwrap();
    assert_eq!(
        shots.iter().map(|s| s.shot.clone()).collect::<Vec<_>>(),
        replan.shots
    );
    assert_eq!(shots[1].overrides, overrides);
    assert_eq!(shots[1].effective().size, ShotSize::ExtremeCloseUp);
    assert!(
        shots
            .iter()
            .enumerate()
            .all(|(i, s)| i == 1 || s.overrides.is_empty())
    );
    assert_eq!(
        store
            .project(alice, p.id)
            .await
            .unwrap()
            .shot_style
            .as_deref(),
        Some("noir")
    );
    assert!(matches!(
        store
            .set_shot_overrides(alice, p.id, "no-such-shot", &overrides)
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Assets: recording the same key twice keeps one row; cache look-up by inputs.
    let a = store
        .add_asset(alice, p.id, sample_asset(AssetKind::Frame, 1))
        .await
        .unwrap();
    let again = store
        .add_asset(alice, p.id, sample_asset(AssetKind::Frame, 1))
        .await
        .unwrap();
    assert_eq!(a, again);
    assert_eq!(a.provenance.seed, Some(u64::MAX - 7));
    assert_eq!(store.asset(alice, a.id).await.unwrap(), a);
    let hit = store
        .asset_by_inputs(
            alice,
            p.id,
            AssetKind::Frame,
            ContentHash::of_bytes(b"inputs"),
        )
        .await
        .unwrap();
    assert_eq!(hit.map(|h| h.id), Some(a.id));
    assert!(
        store
            .asset_by_inputs(
                alice,
                p.id,
                AssetKind::Clip,
                ContentHash::of_bytes(b"inputs")
            )
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .assets(alice, p.id, Some(AssetKind::Upload))
            .await
            .unwrap()
            .len(),
        0
    );

    // Characters, identities, moodboards.
    let ed = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "young".into(),
                reference_asset: None,
            },
        )
        .await
        .unwrap();
    let ed2 = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "old".into(),
                reference_asset: Some(a.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(ed.id, ed2.id);
    assert_eq!(
        store.characters(alice, p.id).await.unwrap(),
        vec![ed2.clone()]
    );
    let ident = store
        .add_identity(
            alice,
            ed.id,
            NewIdentity {
                provider: "fal".into(),
                model: "flux-lora-fast-training".into(),
                trigger_word: "edw4rd".into(),
                status: IdentityStatus::Ready,
                weights_asset: Some(a.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.identities(alice, p.id).await.unwrap(), vec![ident]);
    let board = store
        .create_moodboard(
            alice,
            p.id,
            NewMoodboard {
                name: "Look".into(),
                summary: "Southern gothic".into(),
                palette: vec!["#223344".into()],
                keywords: vec!["humid".into()],
            },
        )
        .await
        .unwrap();
    let i1 = store
        .add_moodboard_item(
            alice,
            board.id,
            NewMoodboardItem {
                asset_id: Some(a.id),
                caption: "river".into(),
            },
        )
        .await
        .unwrap();
    let i2 = store
        .add_moodboard_item(
            alice,
            board.id,
            NewMoodboardItem {
                asset_id: None,
                caption: "note".into(),
            },
        )
        .await
        .unwrap();
    assert!(i2.position > i1.position);
    let boards = store.moodboards(alice, p.id).await.unwrap();
    assert_eq!(boards.len(), 1);
    assert_eq!(boards[0].items, vec![i1, i2]);

    // Timelines: saved and replaced whole, tracks (even empty) kept.
    let t = store
        .save_timeline(alice, p.id, None, &common::timeline(7))
        .await
        .unwrap();
    assert_eq!(
        store.timeline(alice, t.id).await.unwrap().timeline,
        common::timeline(7)
    );
    let t2 = store
        .save_timeline(alice, p.id, Some(t.id), &common::timeline(2))
        .await
        .unwrap();
    assert_eq!(t2.id, t.id);
    let all = store.timelines(alice, p.id).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].timeline, common::timeline(2));

    // Usage and spend.
    for cents in [3, 4] {
        store
            .record_usage(alice, common::usage(cents, Some(p.id)))
            .await
            .unwrap();
    }
    assert_eq!(
        store.project_spend(alice, p.id).await.unwrap(),
        Money::from_cents(7)
    );
    assert_eq!(store.usage(alice, None).await.unwrap().len(), 2);

    // Provider keys: ciphertext only, replaced by provider and label.
    store
        .put_provider_key(alice, "gemini", "work", b"c1", b"n1")
        .await
        .unwrap();
    let k = store
        .put_provider_key(alice, "gemini", "work", b"c2", b"n2")
        .await
        .unwrap();
    assert_eq!(store.provider_keys(alice).await.unwrap(), vec![k]);
    store
        .delete_provider_key(alice, "gemini", "work")
        .await
        .unwrap();
    assert!(store.provider_keys(alice).await.unwrap().is_empty());
}

fn graph() -> Vec<NewJob> {
    // analyze → plan → frame ×2 → render
    vec![
        NewJob::new(JobKind::Analyze, serde_json::json!({"n": 0})),
        NewJob::new(JobKind::Plan, serde_json::json!({"n": 1})).after([JobRef::Batch(0)]),
        NewJob::new(JobKind::Frame, serde_json::json!({"n": 2})).after([JobRef::Batch(1)]),
        NewJob::new(JobKind::Frame, serde_json::json!({"n": 3})).after([JobRef::Batch(1)]),
        NewJob::new(JobKind::Render, serde_json::json!({"n": 4}))
            .after([JobRef::Batch(2), JobRef::Batch(3)]),
    ]
}

async fn job_graph_runs_in_dependency_order(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Jobs"))
        .await
        .unwrap();
    let mut events = store.subscribe();
    let jobs = store.enqueue_jobs(alice, p.id, graph()).await.unwrap();
    assert_eq!(
        jobs[4].depends_on.iter().copied().collect::<BTreeSet<_>>(),
        [jobs[2].id, jobs[3].id].into()
    );
    assert!(jobs.iter().all(|j| j.state == JobState::Queued));
    let bad = store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Plan, serde_json::json!({})).after([JobRef::Batch(0)])],
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(_))),
        "a job may not depend on itself or a later one"
    );

    let all = JobKind::ALL;
    let mut order = Vec::new();
    loop {
        let claimed = store.claim_jobs("w1", &all, 10, 30_000).await.unwrap();
        if claimed.is_empty() {
            break;
        }
        for c in claimed {
            order.push(c.job.payload["n"].as_i64().unwrap());
            assert_eq!(c.job.state, JobState::Running);
            assert_eq!(c.job.attempts, 1);
            store
                .heartbeat(&c.lease, 30_000, Some(Progress::new(0.5, "halfway")))
                .await
                .unwrap();
            store
                .complete_job(
                    &c.lease,
                    JobOutput {
                        result: serde_json::json!({"done": c.job.payload["n"]}),
                        ..JobOutput::default()
                    },
                )
                .await
                .unwrap();
        }
    }
    assert_eq!(order.len(), 5);
    assert_eq!(&order[..2], &[0, 1]);
    assert_eq!(order[4], 4);
    let done = store.jobs(alice, p.id).await.unwrap();
    assert!(
        done.iter()
            .all(|j| j.state == JobState::Succeeded && j.finished_at.is_some())
    );
    assert_eq!(done[3].result, Some(serde_json::json!({"done": 3})));

    // Events: queued, running, progress and succeeded for every job, in-process
    // (SQLite) or via LISTEN/NOTIFY (PostgreSQL).
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen
        .iter()
        .filter(|e: &&alkemy_store::model::JobEvent| e.state == JobState::Succeeded)
        .count()
        < 5
    {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("events arrive")
            .unwrap();
        seen.push(e);
    }
    assert!(
        seen.iter()
            .any(|e| e.state == JobState::Running && e.message.as_deref() == Some("halfway"))
    );
    assert_eq!(
        seen.iter().filter(|e| e.state == JobState::Queued).count(),
        5
    );
}

async fn completion_is_atomic_and_needs_the_lease(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Atomic"))
        .await
        .unwrap();
    store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Frame, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let c = store
        .claim_jobs("w1", &[JobKind::Frame], 1, 30_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    // A stale lease (another claim's token) is refused and writes nothing.
    let mut stale = c.lease.clone();
    stale.token = uuid::Uuid::new_v4();
    let output = JobOutput {
        result: serde_json::json!({"ok": true}),
        assets: vec![
            sample_asset(AssetKind::Frame, 1),
            sample_asset(AssetKind::Frame, 2),
        ],
        usage: vec![common::usage(3, None)],
    };
    assert!(matches!(
        store.complete_job(&stale, output.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.heartbeat(&stale, 1000, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.assets(alice, p.id, None).await.unwrap().is_empty());
    assert!(store.usage(alice, Some(p.id)).await.unwrap().is_empty());

    // With the lease: result, assets and usage land together.
    let assets = store.complete_job(&c.lease, output.clone()).await.unwrap();
    assert_eq!(assets.len(), 2);
    assert!(
        assets
            .iter()
            .all(|a| a.job_id == Some(c.job.id) && a.created_by == alice)
    );
    // Completing twice is refused: exactly once.
    assert!(matches!(
        store.complete_job(&c.lease, output).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.assets(alice, p.id, None).await.unwrap().len(), 2);
    let usage = store.usage(alice, Some(p.id)).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(
        (usage[0].job_id, usage[0].project_id),
        (Some(c.job.id), Some(p.id))
    );

    // A job cancelled while running loses its lease: its result is discarded.
    let j = store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob::new(JobKind::Frame, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let c2 = store
        .claim_jobs("w1", &[JobKind::Frame], 1, 30_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(c2.job.id, j[0].id);
    store.cancel_job(alice, j[0].id).await.unwrap();
    let out = JobOutput {
        assets: vec![sample_asset(AssetKind::Frame, 9)],
        ..JobOutput::default()
    };
    assert!(matches!(
        store.complete_job(&c2.lease, out).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.assets(alice, p.id, None).await.unwrap().len(), 2);
    assert_eq!(
        store.job(alice, j[0].id).await.unwrap().state,
        JobState::Cancelled
    );
}

async fn failures_back_off_and_retry_alone(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Failures"))
        .await
        .unwrap();
    let mut g = graph();
    g[2].max_attempts = 2;
    g[2].backoff_ms = 200;
    let jobs = store.enqueue_jobs(alice, p.id, g).await.unwrap();
    let all = JobKind::ALL;
    // Run analyze and plan.
    for _ in 0..2 {
        let c = store
            .claim_jobs("w", &all, 1, 30_000)
            .await
            .unwrap()
            .pop()
            .unwrap();
        store
            .complete_job(&c.lease, JobOutput::default())
            .await
            .unwrap();
    }
    // Both frames are runnable; fail frame n=2 (retryable).
    let claimed = store.claim_jobs("w", &all, 10, 30_000).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let (bad, good): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|c| c.job.id == jobs[2].id);
    store
        .complete_job(&good[0].lease, JobOutput::default())
        .await
        .unwrap();
    let after = store
        .fail_job(&bad[0].lease, "provider timed out", true)
        .await
        .unwrap();
    assert_eq!(after.state, JobState::Queued);
    assert_eq!(after.error.as_deref(), Some("provider timed out"));
    assert!(
        after.run_after.0 >= after.updated_at.0 + 150,
        "backs off: {after:?}"
    );
    // Not claimable during the backoff; render waits for it.
    assert!(
        store
            .claim_jobs("w", &all, 10, 30_000)
            .await
            .unwrap()
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = store.claim_jobs("w", &all, 10, 30_000).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].job.id, c[0].job.attempts), (jobs[2].id, 2));
    // Last attempt fails: for good, and render stays blocked.
    let failed = store
        .fail_job(&c[0].lease, "still failing", true)
        .await
        .unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        store
            .claim_jobs("w", &all, 10, 30_000)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.job(alice, jobs[4].id).await.unwrap().state,
        JobState::Queued
    );
    // Retrying it alone: it runs, then its dependent does.
    assert!(matches!(
        store.retry_job(alice, jobs[0].id).await,
        Err(StoreError::Conflict(_))
    ));
    let retried = store.retry_job(alice, jobs[2].id).await.unwrap();
    assert_eq!(
        (retried.state, retried.attempts, retried.error.clone()),
        (JobState::Queued, 0, None)
    );
    let c = store.claim_jobs("w", &all, 10, 30_000).await.unwrap();
    assert_eq!(
        c.iter().map(|c| c.job.id).collect::<Vec<_>>(),
        vec![jobs[2].id]
    );
    store
        .complete_job(&c[0].lease, JobOutput::default())
        .await
        .unwrap();
    let c = store.claim_jobs("w", &all, 10, 30_000).await.unwrap();
    assert_eq!(
        c.iter().map(|c| c.job.id).collect::<Vec<_>>(),
        vec![jobs[4].id]
    );
    // A fatal error fails at once whatever the attempts left.
    let failed = store
        .fail_job(&c[0].lease, "bad payload", false)
        .await
        .unwrap();
    assert_eq!((failed.state, failed.attempts), (JobState::Failed, 1));
}

async fn cancel_cascades_and_retry_restores(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Cancel"))
        .await
        .unwrap();
    let jobs = store.enqueue_jobs(alice, p.id, graph()).await.unwrap();
    let c = store
        .claim_jobs("w", &JobKind::ALL, 1, 30_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    store
        .complete_job(&c.lease, JobOutput::default())
        .await
        .unwrap();
    // Cancelling plan cancels everything downstream, not the finished analyze.
    store.cancel_job(alice, jobs[1].id).await.unwrap();
    let states: Vec<JobState> = store
        .jobs(alice, p.id)
        .await
        .unwrap()
        .iter()
        .map(|j| j.state)
        .collect();
    assert_eq!(
        states,
        [
            JobState::Succeeded,
            JobState::Cancelled,
            JobState::Cancelled,
            JobState::Cancelled,
            JobState::Cancelled
        ]
    );
    assert!(
        store
            .claim_jobs("w", &JobKind::ALL, 10, 30_000)
            .await
            .unwrap()
            .is_empty()
    );
    // Retrying plan brings back what its cancellation took.
    store.retry_job(alice, jobs[1].id).await.unwrap();
    let states: Vec<JobState> = store
        .jobs(alice, p.id)
        .await
        .unwrap()
        .iter()
        .map(|j| j.state)
        .collect();
    assert_eq!(
        states,
        [
            JobState::Succeeded,
            JobState::Queued,
            JobState::Queued,
            JobState::Queued,
            JobState::Queued
        ]
    );
    let mut ran = 0;
    loop {
        let claimed = store
            .claim_jobs("w", &JobKind::ALL, 10, 30_000)
            .await
            .unwrap();
        if claimed.is_empty() {
            break;
        }
        for c in claimed {
            store
                .complete_job(&c.lease, JobOutput::default())
                .await
                .unwrap();
            ran += 1;
        }
    }
    assert_eq!(ran, 4);
}

async fn expired_leases_are_claimed_again(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Leases"))
        .await
        .unwrap();
    let jobs = store
        .enqueue_jobs(
            alice,
            p.id,
            vec![NewJob {
                max_attempts: 2,
                ..NewJob::new(JobKind::Animate, serde_json::json!({}))
            }],
        )
        .await
        .unwrap();
    let first = store
        .claim_jobs("dead-worker", &[JobKind::Animate], 1, 100)
        .await
        .unwrap()
        .pop()
        .unwrap();
    // Not reclaimable while the lease holds, and heartbeats extend it.
    assert!(
        store
            .claim_jobs("w2", &[JobKind::Animate], 1, 10_000)
            .await
            .unwrap()
            .is_empty()
    );
    store.heartbeat(&first.lease, 300, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        store
            .claim_jobs("w2", &[JobKind::Animate], 1, 10_000)
            .await
            .unwrap()
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = store
        .claim_jobs("w2", &[JobKind::Animate], 1, 1_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(second.job.id, jobs[0].id);
    assert_eq!(second.job.attempts, 2);
    assert_eq!(second.job.worker.as_deref(), Some("w2"));
    assert!(
        second
            .job
            .error
            .as_deref()
            .unwrap_or("")
            .contains("dead-worker")
    );
    // The first worker's lease is gone.
    assert!(matches!(
        store.heartbeat(&first.lease, 1000, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.complete_job(&first.lease, JobOutput::default()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.fail_job(&first.lease, "x", true).await,
        Err(StoreError::Conflict(_))
    ));
    // The last attempt's worker dies too: the job fails rather than loop.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let third = store
        .claim_jobs("w3", &[JobKind::Animate], 1, 10_000)
        .await
        .unwrap();
    assert!(third.is_empty());
    let dead = store.job(alice, second.job.id).await.unwrap();
    assert_eq!(dead.state, JobState::Failed);
    assert!(dead.error.unwrap_or_default().contains("last attempt"));
}

async fn concurrent_claims_never_share_a_job(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Crowd"))
        .await
        .unwrap();
    let n = 120;
    let jobs: Vec<NewJob> = (0..n)
        .map(|i| NewJob::new(JobKind::Frame, serde_json::json!({"i": i})))
        .collect();
    store.enqueue_jobs(alice, p.id, jobs).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store
                    .claim_jobs(&format!("w{w}"), &[JobKind::Frame], 3, 30_000)
                    .await
                    .unwrap();
                if claimed.is_empty() {
                    break;
                }
                for c in claimed {
                    store
                        .complete_job(&c.lease, JobOutput::default())
                        .await
                        .unwrap();
                    mine.push(c.job.id);
                }
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), n, "every job claimed once");
    assert_eq!(unique.len(), n);
    assert!(
        store
            .jobs(alice, p.id)
            .await
            .unwrap()
            .iter()
            .all(|j| j.state == JobState::Succeeded && j.attempts == 1)
    );
}

async fn bundles_and_duplicates_copy_everything(store: Arc<dyn Store>) {
    let alice = common::user(&*store, "alice").await;
    let p = store
        .create_project(alice, new_project("Original"))
        .await
        .unwrap();
    let v = store
        .add_script_version(
            alice,
            p.id,
            NewScriptVersion {
                source_name: "a.fountain".into(),
                format: "fountain".into(),
                text: "INT. HOUSE".into(),
            },
        )
        .await
        .unwrap();
    store
        .save_analysis(
            alice,
            v.id,
            &common::breakdown(3),
            Some(serde_json::json!({"logline": "x"})),
        )
        .await
        .unwrap();
    store
        .replace_shots(alice, p.id, &common::shot_list(3, 2))
        .await
        .unwrap();
    let frame = store
        .add_asset(alice, p.id, sample_asset(AssetKind::Frame, 1))
        .await
        .unwrap();
    let clip = store
        .add_asset(
            alice,
            p.id,
            NewAsset {
                provenance: Provenance {
                    parent: Some(frame.id),
                    ..sample_asset(AssetKind::Clip, 2).provenance
                },
                ..sample_asset(AssetKind::Clip, 2)
            },
        )
        .await
        .unwrap();
    store
        .set_shot_overrides(
            alice,
            p.id,
            "sc1-1",
            &ShotOverrides {
                chosen_frame: Some(frame.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ed = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "d".into(),
                reference_asset: Some(frame.id),
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
                status: IdentityStatus::Ready,
                weights_asset: None,
            },
        )
        .await
        .unwrap();
    let board = store
        .create_moodboard(
            alice,
            p.id,
            NewMoodboard {
                name: "Look".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .add_moodboard_item(
            alice,
            board.id,
            NewMoodboardItem {
                asset_id: Some(frame.id),
                caption: "c".into(),
            },
        )
        .await
        .unwrap();
    store
        .save_timeline(alice, p.id, None, &common::timeline(4))
        .await
        .unwrap();

    let bundle = store.export_project(alice, p.id).await.unwrap();
    assert_eq!(bundle.assets.len(), 2);
    assert_eq!(bundle.shots.len(), 6);

    let copy = store.duplicate_project(alice, p.id, "Copy").await.unwrap();
    assert_ne!(copy.id, p.id);
    let copied = store.export_project(alice, copy.id).await.unwrap();
    assert_eq!(copied.project.title, "Copy");
    assert_eq!(copied.analyses[0].breakdown, bundle.analyses[0].breakdown);
    assert_eq!(
        copied.shots.iter().map(|s| &s.shot).collect::<Vec<_>>(),
        bundle.shots.iter().map(|s| &s.shot).collect::<Vec<_>>()
    );
    assert_eq!(copied.timelines[0].timeline, bundle.timelines[0].timeline);
    // References inside the copy point at the copy's own rows.
    let copy_frame = copied
        .assets
        .iter()
        .find(|a| a.kind == AssetKind::Frame)
        .unwrap();
    let copy_clip = copied
        .assets
        .iter()
        .find(|a| a.kind == AssetKind::Clip)
        .unwrap();
    assert_ne!(copy_frame.id, frame.id);
    assert_eq!(copy_clip.provenance.parent, Some(copy_frame.id));
    assert_eq!(copied.shots[0].overrides.chosen_frame, Some(copy_frame.id));
    assert_eq!(copied.characters[0].reference_asset, Some(copy_frame.id));
    assert_eq!(copied.identities[0].character_id, copied.characters[0].id);
    assert_eq!(copied.moodboards[0].items[0].asset_id, Some(copy_frame.id));
    assert_eq!(
        copy_frame.storage_key, frame.storage_key,
        "blobs are shared"
    );
    assert_ne!(clip.id, copy_clip.id);

    // Importing the bundle for another user where the ids are taken conflicts.
    let bob = common::user(&*store, "bob").await;
    assert!(matches!(
        store.import_project(bob, &bundle).await,
        Err(StoreError::Conflict(_))
    ));
    // A bundle whose records point elsewhere is refused.
    let mut broken = bundle.clone();
    broken.scripts[0].project_id = copy.id;
    assert!(matches!(
        store.import_project(bob, &broken).await,
        Err(StoreError::Invalid(_))
    ));
}

// ---- budget holds -------------------------------------------------------------

fn usd(s: &str) -> Money {
    s.parse().unwrap()
}

fn call(shot: &str) -> BudgetCall {
    BudgetCall {
        model: "fal:flux-dev".into(),
        capability: alkemy_core::Capability::Image,
        shot_id: Some(shot.into()),
        request_hash: ContentHash::of_bytes(shot.as_bytes()),
    }
}

/// Alice's project with a budget of `limit` and `jobs` frame jobs claimed
/// by one worker with a lease of `lease_ms`.
async fn budgeted(
    store: &Arc<dyn Store>,
    limit: Option<Money>,
    jobs: usize,
    lease_ms: i64,
) -> (alkemy_core::UserId, alkemy_core::ProjectId, Vec<ClaimedJob>) {
    let alice = common::user(&**store, "alice").await;
    let mut new = new_project("Budgeted");
    new.settings.budget = limit;
    let p = store.create_project(alice, new).await.unwrap();
    store
        .enqueue_jobs(
            alice,
            p.id,
            (0..jobs)
                .map(|_| NewJob::new(JobKind::Frame, serde_json::json!({})))
                .collect(),
        )
        .await
        .unwrap();
    let claimed = store
        .claim_jobs(
            "w1",
            &[JobKind::Frame],
            u32::try_from(jobs).unwrap(),
            lease_ms,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), jobs);
    (alice, p.id, claimed)
}

fn held(r: Reserved) -> alkemy_store::model::BudgetHold {
    match r {
        Reserved::Held(h) => h,
        Reserved::Refused(r) => panic!("refused: {r:?}"),
    }
}

async fn concurrent_budget_holds_never_pass_the_limit(store: Arc<dyn Store>) {
    let (alice, p, claimed) = budgeted(&store, Some(usd("1.00")), 4, 60_000).await;
    store
        .record_usage(alice, common::usage(10, Some(p)))
        .await
        .unwrap();
    // 24 calls of $0.07 from 4 jobs at once against $0.90 left: 12 fit.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let store = store.clone();
        let lease = claimed[i % claimed.len()].lease.clone();
        tasks.spawn(async move {
            store
                .reserve_budget(&lease, usd("0.07"), &call(&format!("sc1-{i}")))
                .await
                .unwrap()
        });
    }
    let mut holds = 0;
    let mut refusals = Vec::new();
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Reserved::Held(h) => {
                assert_eq!(h.amount, usd("0.07"));
                holds += 1;
            }
            Reserved::Refused(r) => refusals.push(r),
        }
    }
    assert_eq!(holds, 12, "12 × $0.07 fit in $0.90");
    assert_eq!(refusals.len(), 12);
    let status = store.budget_status(alice, p).await.unwrap();
    assert_eq!(
        status,
        BudgetStatus {
            limit: Some(usd("1.00")),
            spent: usd("0.10"),
            held: usd("0.84"),
        }
    );
    assert_eq!(status.left(), Some(usd("0.06")));
    // A refusal carries the numbers it was decided on; money held by calls
    // in flight may come back, so it is not final.
    for r in &refusals {
        assert_eq!(r.needed, usd("0.07"));
        assert_eq!(r.status.limit, Some(usd("1.00")));
        assert!(
            r.status.spent + r.status.held + r.needed > usd("1.00"),
            "{r:?}"
        );
        assert!(!r.is_final(), "{r:?}");
    }
    // What still fits, fits exactly.
    held(
        store
            .reserve_budget(&claimed[0].lease, usd("0.06"), &call("exact"))
            .await
            .unwrap(),
    );
    let Reserved::Refused(last) = store
        .reserve_budget(&claimed[0].lease, Money::from_micros(1), &call("one more"))
        .await
        .unwrap()
    else {
        panic!("a micro-dollar over the limit was held");
    };
    assert_eq!(last.status.spent + last.status.held, usd("1.00"));
    // A project without a limit holds anything (and still accounts for it).
    let (bob_alice, free, open) = {
        let bob = common::user(&*store, "bob").await;
        let mut new = new_project("Free");
        new.settings.budget = None;
        let q = store.create_project(bob, new).await.unwrap();
        store
            .enqueue_jobs(
                bob,
                q.id,
                vec![NewJob::new(JobKind::Render, serde_json::json!({}))],
            )
            .await
            .unwrap();
        let c = store
            .claim_jobs("w2", &[JobKind::Render], 1, 60_000)
            .await
            .unwrap();
        (bob, q.id, c)
    };
    held(
        store
            .reserve_budget(&open[0].lease, usd("1000"), &call("big"))
            .await
            .unwrap(),
    );
    let s = store.budget_status(bob_alice, free).await.unwrap();
    assert_eq!((s.limit, s.held, s.left()), (None, usd("1000"), None));
}

async fn budget_holds_settle_release_and_become_usage(store: Arc<dyn Store>) {
    let (alice, p, claimed) = budgeted(&store, Some(usd("1.00")), 2, 60_000).await;
    let (a, b) = (&claimed[0].lease, &claimed[1].lease);
    let h1 = held(
        store
            .reserve_budget(a, usd("0.40"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    let h2 = held(
        store
            .reserve_budget(a, usd("0.30"), &call("sc1-2"))
            .await
            .unwrap(),
    );
    let h3 = held(
        store
            .reserve_budget(b, usd("0.30"), &call("sc1-3"))
            .await
            .unwrap(),
    );
    let Reserved::Refused(r) = store
        .reserve_budget(b, usd("0.01"), &call("sc1-4"))
        .await
        .unwrap()
    else {
        panic!("over the limit");
    };
    assert_eq!(r.status.held, usd("1.00"));
    // Settled cheaper than quoted: counts as spent at the actual cost.
    store.settle_budget(a, h1.id, usd("0.25")).await.unwrap();
    // Released (the call failed): the money comes back.
    store.release_budget(a, h2.id).await.unwrap();
    store.release_budget(a, h2.id).await.unwrap(); // idempotent
    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (usd("0.25"), usd("0.30")));
    // A settled hold cannot be released away, nor a hold settled by another lease.
    store.release_budget(a, h1.id).await.unwrap();
    assert!(matches!(
        store.settle_budget(a, h3.id, usd("0.3")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.budget_status(alice, p).await.unwrap().spent,
        usd("0.25")
    );

    // Job a commits with its usage: the hold is replaced by the usage record,
    // never counted twice.
    let mut u = common::usage(25, None);
    u.record.shot_id = Some("sc1-1".into());
    store
        .complete_job(
            a,
            JobOutput {
                usage: vec![u],
                ..JobOutput::default()
            },
        )
        .await
        .unwrap();
    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (usd("0.25"), usd("0.30")));
    assert_eq!(store.usage(alice, Some(p)).await.unwrap().len(), 1);

    // Job b's call succeeds, then the attempt fails: the money was spent, so
    // the settled hold becomes a usage record of that job.
    store.settle_budget(b, h3.id, usd("0.30")).await.unwrap();
    store.fail_job(b, "storage down", true).await.unwrap();
    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (usd("0.55"), Money::ZERO));
    let usage = store.usage(alice, Some(p)).await.unwrap();
    assert_eq!(usage.len(), 2);
    let failed = usage
        .iter()
        .find(|u| u.job_id == Some(claimed[1].job.id))
        .unwrap();
    assert_eq!(failed.record.cost, usd("0.30"));
    assert_eq!(failed.record.model, "fal:flux-dev");
    assert_eq!(failed.record.shot_id.as_deref(), Some("sc1-3"));
    assert_eq!(store.project_spend(alice, p).await.unwrap(), usd("0.55"));
    // The lease is gone with the attempt: nothing more is reserved on it.
    assert!(matches!(
        store.reserve_budget(b, usd("0.01"), &call("late")).await,
        Err(StoreError::Conflict(_))
    ));
    // The retried attempt reserves against what is left, and a refusal
    // caused by spending alone is final.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let again = store
        .claim_jobs("w2", &[JobKind::Frame], 1, 60_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let Reserved::Refused(r) = store
        .reserve_budget(&again.lease, usd("0.50"), &call("sc1-3"))
        .await
        .unwrap()
    else {
        panic!("0.55 + 0.50 > 1.00");
    };
    assert!(r.is_final(), "{r:?}");
    held(
        store
            .reserve_budget(&again.lease, usd("0.45"), &call("sc1-3"))
            .await
            .unwrap(),
    );
}

/// A job that paid for an answer it turned down, asked again and kept the
/// second: its results' usage covers only the second, and the first stays
/// charged as a usage record of its own.
async fn turned_down_answers_stay_charged_when_a_job_commits(store: Arc<dyn Store>) {
    let (alice, p, claimed) = budgeted(&store, Some(usd("1.00")), 1, 60_000).await;
    let lease = &claimed[0].lease;
    let first = held(
        store
            .reserve_budget(lease, usd("0.10"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    store
        .settle_budget(lease, first.id, usd("0.04"))
        .await
        .unwrap();
    let second = held(
        store
            .reserve_budget(lease, usd("0.10"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    store
        .settle_budget(lease, second.id, usd("0.06"))
        .await
        .unwrap();
    store
        .complete_job(
            lease,
            JobOutput {
                usage: vec![common::usage(6, None)],
                ..JobOutput::default()
            },
        )
        .await
        .unwrap();

    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (usd("0.10"), Money::ZERO));
    assert_eq!(store.project_spend(alice, p).await.unwrap(), usd("0.10"));
    let mut usage = store.usage(alice, Some(p)).await.unwrap();
    usage.sort_by_key(|u| u.record.cost);
    assert_eq!(usage.len(), 2, "{usage:#?}");
    assert_eq!(usage[0].record.cost, usd("0.04"));
    assert_eq!(usage[0].record.shot_id.as_deref(), Some("sc1-1"));
    assert!(
        usage[0]
            .record
            .rejected
            .as_deref()
            .is_some_and(|why| why.contains("turned down")),
        "{:?}",
        usage[0].record
    );
    assert_eq!(usage[1].record.cost, usd("0.06"));
    assert!(!usage[1].record.is_rejected());
}

async fn expired_budget_holds_stop_counting(store: Arc<dyn Store>) {
    let (alice, p, claimed) = budgeted(&store, Some(usd("1.00")), 1, 300).await;
    let dead = &claimed[0];
    held(
        store
            .reserve_budget(&dead.lease, usd("0.80"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    assert_eq!(
        store.budget_status(alice, p).await.unwrap().held,
        usd("0.80")
    );
    // The worker dies: once its lease runs out, its hold no longer counts
    // and the expired lease cannot reserve.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        store.budget_status(alice, p).await.unwrap().held,
        Money::ZERO
    );
    assert!(matches!(
        store
            .reserve_budget(&dead.lease, usd("0.10"), &call("x"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Another worker reclaims the job and may use the whole budget.
    let again = store
        .claim_jobs("w2", &[JobKind::Frame], 1, 60_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(again.job.id, dead.job.id);
    let h2 = held(
        store
            .reserve_budget(&again.lease, usd("0.80"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    store
        .settle_budget(&again.lease, h2.id, usd("0.80"))
        .await
        .unwrap();
    let mut u = common::usage(80, None);
    u.record.cost = usd("0.80");
    store
        .complete_job(
            &again.lease,
            JobOutput {
                usage: vec![u],
                ..JobOutput::default()
            },
        )
        .await
        .unwrap();
    // Charged once: the usage the job committed, and no hold left over.
    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (usd("0.80"), Money::ZERO));
    assert_eq!(store.usage(alice, Some(p)).await.unwrap().len(), 1);
}

async fn budget_holds_are_tenant_isolated(store: Arc<dyn Store>) {
    let (alice, p, claimed) = budgeted(&store, Some(usd("1.00")), 1, 60_000).await;
    let h = held(
        store
            .reserve_budget(&claimed[0].lease, usd("0.50"), &call("sc1-1"))
            .await
            .unwrap(),
    );
    let bob = common::user(&*store, "bob").await;
    // Bob presenting Alice's claim as himself touches nothing.
    let mut forged = claimed[0].lease.clone();
    forged.user_id = bob;
    assert!(matches!(
        store.reserve_budget(&forged, usd("0.10"), &call("x")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.settle_budget(&forged, h.id, usd("0.0")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.release_budget(&forged, h.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.budget_status(bob, p).await,
        Err(StoreError::NotFound(_))
    ));
    // Bob's own job cannot reserve against Alice's project either.
    let q = store
        .create_project(bob, new_project("Bob's"))
        .await
        .unwrap();
    store
        .enqueue_jobs(
            bob,
            q.id,
            vec![NewJob::new(JobKind::Render, serde_json::json!({}))],
        )
        .await
        .unwrap();
    let mine = store
        .claim_jobs("w", &[JobKind::Render], 1, 60_000)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let mut wrong = mine.lease.clone();
    wrong.project_id = p;
    assert!(matches!(
        store.reserve_budget(&wrong, usd("0.10"), &call("x")).await,
        Err(StoreError::NotFound(_))
    ));
    // A viewer may read the budget but not reserve against it.
    store
        .share_project(alice, p, bob, ShareRole::Viewer)
        .await
        .unwrap();
    assert_eq!(store.budget_status(bob, p).await.unwrap().held, usd("0.50"));
    assert!(matches!(
        store.reserve_budget(&forged, usd("0.10"), &call("x")).await,
        Err(StoreError::Forbidden(_))
    ));
    let s = store.budget_status(alice, p).await.unwrap();
    assert_eq!((s.spent, s.held), (Money::ZERO, usd("0.50")));
}
