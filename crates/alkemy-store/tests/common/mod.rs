//! Shared test helpers: fresh stores on each backend and sample content.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use alkemy_core::{
    Beat, Breakdown, CameraAngle, CameraMovement, Character, Clip, Facing, Figure, IntExt, Light,
    Location, Marker, Scene, Shot, ShotList, ShotPrompt, ShotSize, Span, Stats, TimeOfDay,
    Timeline, Track, TrackItem, TrackKind, UserId,
};
use alkemy_store::model::NewUser;
use alkemy_store::testing::{PgDatabase, shared_cluster};
use alkemy_store::{OpenOptions, Store};

/// A fresh SQLite store in a temporary directory (kept alive by the guard).
pub async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("alkemy.db").display());
    let store = alkemy_store::open(&url, OpenOptions::default())
        .await
        .unwrap();
    (store, dir)
}

/// A fresh, migrated PostgreSQL database in the shared throwaway cluster,
/// opened as the application role; `None` when PostgreSQL is missing.
pub async fn postgres() -> Option<(Arc<dyn Store>, PgDatabase)> {
    let cluster = shared_cluster()?;
    let db = cluster.database().await.unwrap();
    let store = alkemy_store::open(&db.app_url, OpenOptions::default())
        .await
        .unwrap();
    Some((store, db))
}

/// Makes a user.
pub async fn user(store: &dyn Store, name: &str) -> UserId {
    store
        .create_user(NewUser {
            email: format!("{name}@example.com"),
            display_name: name.to_owned(),
            password_hash: None,
        })
        .await
        .unwrap()
        .id
}

/// A breakdown of `scenes` scenes, two characters each.
pub fn breakdown(scenes: usize) -> Breakdown {
    let mut out = Vec::with_capacity(scenes);
    for i in 0..scenes {
        let n = (i + 1).to_string();
        out.push(Scene {
            number: n.clone(),
            heading: format!("INT. HOUSE {i} - NIGHT"),
            int_ext: IntExt::Int,
            location: format!("HOUSE {i}"),
            location_path: vec![format!("HOUSE {i}")],
            time_of_day: TimeOfDay::Night,
            light: Light::Night,
            page: u32::try_from(i / 2 + 1).unwrap(),
            eighths: 4,
            duration_s: 30.5,
            characters: vec!["EDWARD".into(), "SANDRA".into()],
            speaking: vec!["EDWARD".into()],
            synopsis: None,
            section: Some("ACT ONE".into()),
            span: Span {
                start_line: u32::try_from(i * 10 + 1).unwrap(),
                end_line: u32::try_from(i * 10 + 9).unwrap(),
            },
            beats: vec![
                Beat::Action {
                    text: "Edward stands at the window, rain streaking the glass.".into(),
                    centered: false,
                    characters: vec!["EDWARD".into()],
                    span: Span::line(u32::try_from(i * 10 + 2).unwrap()),
                },
                Beat::Dialogue {
                    speaker: "EDWARD".into(),
                    extensions: vec![],
                    parentheticals: vec!["(quietly)".into()],
                    text: "Every story has a river in it.".into(),
                    dual: false,
                    span: Span::line(u32::try_from(i * 10 + 4).unwrap()),
                },
            ],
        });
    }
    // Built through serde so fields other engineers add to `Breakdown`
    // (with serde defaults) do not break this helper.
    let characters = vec![Character {
        name: "EDWARD".into(),
        aliases: vec!["ED".into()],
        dialogue_blocks: u32::try_from(scenes).unwrap(),
        words: u32::try_from(scenes * 6).unwrap(),
        scenes: out.iter().map(|s| s.number.clone()).collect(),
        first_scene: Some("1".into()),
        introduction: None,
    }];
    let locations = vec![Location {
        name: "HOUSE 0".into(),
        int_ext: IntExt::Int,
        scenes: vec!["1".into()],
        times_of_day: vec![TimeOfDay::Night],
    }];
    let stats = Stats {
        pages: u32::try_from(scenes / 2 + 1).unwrap(),
        scenes: u32::try_from(scenes).unwrap(),
        duration_s: 30.5 * scenes as f64,
        ..Stats::default()
    };
    let b: Breakdown = serde_json::from_value(serde_json::json!({
        "title": "Sample",
        "scenes": out,
        "characters": characters,
        "locations": locations,
        "elements": [],
        "stats": stats,
    }))
    .unwrap();
    b
}

/// A shot list with `per_scene` shots for each of `scenes` scenes.
pub fn shot_list(scenes: usize, per_scene: usize) -> ShotList {
    let mut shots = Vec::with_capacity(scenes * per_scene);
    for sc in 0..scenes {
        for k in 0..per_scene {
            let letter = if k == 0 {
                String::new()
            } else {
                char::from(b'A' + u8::try_from(k % 20).unwrap()).to_string()
            };
            let number = format!("{}{letter}", sc + 1);
            shots.push(Shot {
                id: format!("sc{}-{number}", sc + 1).into(),
                scene_index: u32::try_from(sc).unwrap(),
                scene_number: (sc + 1).to_string().into(),
                number: number.into(),
                size: [ShotSize::Wide, ShotSize::Medium, ShotSize::CloseUp][k % 3],
                angle: CameraAngle::EyeLevel,
                movement: CameraMovement::DollyIn,
                lens_mm: 35,
                duration_ms: 3_500,
                cast: vec![Figure {
                    name: "EDWARD".into(),
                    x: 0.33,
                    facing: Facing::Right,
                    foreground: false,
                }],
                speaker: Some("EDWARD".into()),
                dialogue: Some("Every story has a river in it.".into()),
                subject: None,
                location: format!("HOUSE {sc}").into(),
                int_ext: IntExt::Int,
                time_of_day: TimeOfDay::Night,
                light: Light::Night,
                span: Span::line(u32::try_from(sc * 10 + 2).unwrap()),
                description: "Edward at the window, rain on the glass.".into(),
                setup: 1,
                prompt: Some(ShotPrompt {
                    image: "a man at a rainy window at night, cinematic".into(),
                    motion: "slow push in".into(),
                    negative: "text, watermark".into(),
                    seed: u64::try_from(sc * 100 + k).unwrap() + (1 << 60),
                }),
            });
        }
    }
    ShotList {
        style: "classic".into(),
        shots,
    }
}

/// A two-track timeline over the first `n` shots.
pub fn timeline(n: usize) -> Timeline {
    let mut items = Vec::new();
    for i in 0..n {
        if i > 0 && i % 3 == 0 {
            items.push(TrackItem::Dissolve { frames: 12 });
        }
        items.push(TrackItem::Clip(Clip {
            name: format!("{}", i + 1),
            shot_id: Some(format!("sc{}-{}", i + 1, i + 1)),
            media: format!("clips/{i}.mp4"),
            media_frames: 96,
            source_in: 0,
            frames: 84,
        }));
    }
    items.push(TrackItem::Gap { frames: 24 });
    Timeline {
        name: "Sample cut".into(),
        fps: 24,
        width: 1280,
        height: 720,
        tracks: vec![
            Track {
                name: "V1".into(),
                kind: TrackKind::Video,
                items,
            },
            Track {
                name: "A1".into(),
                kind: TrackKind::Audio,
                items: vec![],
            },
        ],
        markers: vec![Marker {
            name: "Scene 1: INT. HOUSE 0 - NIGHT".into(),
            frame: 0,
            frames: 84,
        }],
    }
}

/// A usage record of `cents` for a project.
pub fn usage(cents: i64, project: Option<alkemy_core::ProjectId>) -> alkemy_store::model::NewUsage {
    alkemy_store::model::NewUsage {
        project_id: project,
        job_id: None,
        record: alkemy_core::UsageRecord {
            provider: "fal".into(),
            model: "fal:flux-dev".into(),
            capability: alkemy_core::Capability::Image,
            units: vec![alkemy_core::Units::new(alkemy_core::UnitKind::Image, 1)],
            cost: alkemy_core::Money::from_cents(cents),
            shot_id: Some("sc1-1".into()),
            request_hash: alkemy_core::ContentHash::of_bytes(b"request"),
            at_ms: 1_700_000_000_000,
            skipped: vec![],
            rejected: None,
        },
    }
}
