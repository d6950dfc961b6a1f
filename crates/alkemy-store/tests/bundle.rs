//! Bundle archives: SQLite → PostgreSQL → SQLite reproduces a project
//! exactly (records and media), archives are deterministic, and a tampered
//! archive is refused before anything is written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};

use alkemy_core::{AssetKind, ContentHash, JobKind, Money};
use alkemy_store::bundle::{read_archive, write_archive};
use alkemy_store::model::{
    IdentityStatus, NewCharacter, NewIdentity, NewMoodboard, NewMoodboardItem, NewProject,
    NewScriptVersion, ShotOverrides,
};
use alkemy_store::testing::jobs;
use alkemy_store::{BlobStore, Store, StoreError, Worker, WorkerConfig};

/// A project with every kind of content, media made by the reference jobs.
async fn produce(
    store: &std::sync::Arc<dyn Store>,
    blobs: &BlobStore,
) -> (alkemy_core::UserId, alkemy_core::ProjectId) {
    let alice = common::user(&**store, "alice").await;
    let p = store
        .create_project(
            alice,
            NewProject {
                title: "Round trip".into(),
                tags: vec!["a".into(), "b".into()],
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
                source_name: "big-fish.fountain".into(),
                format: "fountain".into(),
                text: "EXT. RIVER - DAY".into(),
            },
        )
        .await
        .unwrap();
    store
        .save_analysis(
            alice,
            v.id,
            &common::breakdown(4),
            Some(serde_json::json!({"logline": "x", "moods": ["a", "b"], "score": 0.25})),
        )
        .await
        .unwrap();
    store
        .replace_shots(alice, p.id, &common::shot_list(4, 3))
        .await
        .unwrap();
    store
        .set_shot_overrides(
            alice,
            p.id,
            "sc2-2B",
            &ShotOverrides {
                lens_mm: Some(85),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .enqueue_jobs(alice, p.id, jobs::production(3, 7, 0))
        .await
        .unwrap();
    let config = WorkerConfig {
        drain: true,
        poll: std::time::Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    Worker::new(store.clone(), blobs.clone(), jobs::handlers(), config)
        .run(std::future::pending())
        .await
        .unwrap();
    let frame = store
        .assets(alice, p.id, Some(AssetKind::Frame))
        .await
        .unwrap()[0]
        .clone();
    let ed = store
        .upsert_character(
            alice,
            p.id,
            NewCharacter {
                name: "EDWARD".into(),
                description: "storyteller".into(),
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
                model: "flux-lora-fast-training".into(),
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
                summary: "warm".into(),
                palette: vec!["#aa8844".into()],
                keywords: vec!["golden".into()],
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
                caption: "river".into(),
            },
        )
        .await
        .unwrap();
    store
        .save_timeline(alice, p.id, None, &common::timeline(3))
        .await
        .unwrap();
    assert_eq!(
        store.project_spend(alice, p.id).await.unwrap(),
        Money::from_micros(3_000)
    );
    (alice, p.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_to_sqlite_reproduces_the_project() {
    let Some((pg, _db)) = common::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (first, _d1) = common::sqlite().await;
    let blobs1 = BlobStore::local(&dir.path().join("m1")).unwrap();
    let (alice, p) = produce(&first, &blobs1).await;
    let a1 = dir.path().join("one.alkemy");
    let s1 = write_archive(&*first, &blobs1, alice, p, &a1)
        .await
        .unwrap();
    assert_eq!(s1.media_files, 3 + 3 + 2);

    let blobs2 = BlobStore::local(&dir.path().join("m2")).unwrap();
    let bob = common::user(&*pg, "bob").await;
    let (imported, _) = read_archive(&*pg, &blobs2, bob, &a1).await.unwrap();
    assert_eq!(imported.id, p);
    assert_eq!(imported.owner_id, bob);
    let a2 = dir.path().join("two.alkemy");
    write_archive(&*pg, &blobs2, bob, p, &a2).await.unwrap();

    let (third, _d3) = common::sqlite().await;
    let blobs3 = BlobStore::local(&dir.path().join("m3")).unwrap();
    let carol = common::user(&*third, "carol").await;
    read_archive(&*third, &blobs3, carol, &a2).await.unwrap();

    let original = first.export_project(alice, p).await.unwrap();
    let via_pg = pg.export_project(bob, p).await.unwrap();
    let back = third.export_project(carol, p).await.unwrap();
    // Identical but for who owns it.
    assert_eq!(via_pg.owned_by(alice), original);
    assert_eq!(back.owned_by(alice), original);
    assert_eq!(back.project.owner_id, carol);
    // The media too, byte for byte.
    for asset in &original.assets {
        let key = alkemy_store::BlobKey::parse(&asset.storage_key).unwrap();
        let bytes = blobs3.get(&key).await.unwrap();
        assert_eq!(ContentHash::of_bytes(&bytes), asset.content_hash);
        assert_eq!(bytes, blobs1.get(&key).await.unwrap());
    }
    // Writing the same project again gives the same bytes.
    let a3 = dir.path().join("three.alkemy");
    write_archive(&*third, &blobs3, carol, p, &a3)
        .await
        .unwrap();
    let a2_again = dir.path().join("two-again.alkemy");
    write_archive(&*pg, &blobs2, bob, p, &a2_again)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&a2).unwrap(),
        std::fs::read(&a2_again).unwrap()
    );
    // Jobs are not part of a bundle.
    assert!(third.jobs(carol, p).await.unwrap().is_empty());
    assert!(!first.jobs(alice, p).await.unwrap().is_empty());
    let _ = JobKind::Analyze;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_archives_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _d) = common::sqlite().await;
    let blobs = BlobStore::local(&dir.path().join("m")).unwrap();
    let (alice, p) = produce(&store, &blobs).await;
    let good = dir.path().join("good.alkemy");
    write_archive(&*store, &blobs, alice, p, &good)
        .await
        .unwrap();

    // Rewrite the archive with one byte of one clip flipped.
    let bad = dir.path().join("bad.alkemy");
    {
        let mut input = tar::Archive::new(std::fs::File::open(&good).unwrap());
        let mut out = tar::Builder::new(std::fs::File::create(&bad).unwrap());
        for entry in input.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut header = entry.header().clone();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            if name.contains("/clips/") && data.len() > 10 {
                data[10] ^= 0xff;
            }
            header.set_cksum();
            out.append(&header, data.as_slice()).unwrap();
        }
        out.into_inner().unwrap().flush().unwrap();
    }
    let (target, _d2) = common::sqlite().await;
    let blobs2 = BlobStore::local(&dir.path().join("m2")).unwrap();
    let bob = common::user(&*target, "bob").await;
    let err = read_archive(&*target, &blobs2, bob, &bad)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(matches!(
        target.project(bob, p).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        blobs2.list("projects").await.unwrap().is_empty(),
        "no blob written"
    );

    // The intact archive imports.
    read_archive(&*target, &blobs2, bob, &good).await.unwrap();
    assert_eq!(target.project(bob, p).await.unwrap().title, "Round trip");
}
