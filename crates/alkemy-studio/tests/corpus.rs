//! Acceptance on real screenplays from the corpus: Big Fish (a feature) and
//! Brick & Steel (a short), parsed by `alkemy-script` and planned by the rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use alkemy_core::{AspectRatio, Beat, Breakdown, CameraAngle, ShotList, ShotSize};
use alkemy_studio::plan::grammar::is_off_screen;
use alkemy_studio::prompt::{PromptContext, PromptLimits, compose_all};
use alkemy_studio::{PlanOptions, StylePreset, plan, shotlist_csv};

const BIG_FISH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/features/big-fish.fountain"
);
const BRICK_AND_STEEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/shorts/brick-and-steel.fountain"
);

fn load(path: &str) -> Breakdown {
    let bytes = std::fs::read(path).unwrap();
    let name = path.rsplit('/').next();
    alkemy_script::breakdown(&alkemy_script::read(&bytes, name).unwrap())
}

/// The invariants every plan of every script keeps.
fn check_invariants(b: &Breakdown, list: &ShotList) {
    // Every scene has at least one shot, in script order.
    for i in 0..b.scenes.len() {
        assert!(
            list.scene(i as u32).count() >= 1,
            "scene {} has no shot",
            b.scenes[i].number
        );
    }
    let order: Vec<u32> = list.shots.iter().map(|s| s.scene_index).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
    // Durations share each scene's screen time exactly (to the millisecond),
    // so the whole adds up to the breakdown's estimate.
    for (i, scene) in b.scenes.iter().enumerate() {
        let sum: u64 = list.scene(i as u32).map(|s| u64::from(s.duration_ms)).sum();
        let want = (scene.duration_s * 1000.0).round() as u64;
        assert_eq!(sum, want, "scene {}", scene.number);
    }
    let total_s = list.duration_ms() as f64 / 1000.0;
    let estimate = b.stats.duration_s;
    assert!(
        (total_s - estimate).abs() <= estimate * 0.05,
        "planned {total_s:.1} s against an estimate of {estimate:.1} s"
    );
    // No two shots share a number or an id.
    let numbers: HashSet<&str> = list.shots.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(numbers.len(), list.shots.len(), "duplicate shot numbers");
    let ids: HashSet<&str> = list.shots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), list.shots.len(), "duplicate shot ids");
    // Every speaking line is covered by a shot that holds its speaker; a line
    // spoken off screen (V.O., O.S.) by a shot that carries it as dialogue.
    for (i, scene) in b.scenes.iter().enumerate() {
        for beat in &scene.beats {
            let Beat::Dialogue {
                speaker,
                extensions,
                span,
                ..
            } = beat
            else {
                continue;
            };
            let covering = list.scene(i as u32).filter(|s| {
                s.span.start_line <= span.start_line && span.end_line <= s.span.end_line
            });
            let ok = if is_off_screen(extensions) {
                covering
                    .filter(|s| s.dialogue.is_some())
                    .any(|s| s.dialogue.as_deref().is_some())
            } else {
                covering
                    .filter(|s| s.cast.iter().any(|f| f.name == speaker))
                    .count()
                    > 0
            };
            assert!(
                ok,
                "scene {}: {speaker}'s line at {span:?} is not covered",
                scene.number
            );
        }
    }
    // The 180° line: within a scene, any two characters keep their
    // left-to-right order in every frame that holds both.
    for i in 0..b.scenes.len() {
        let mut sides: Vec<(&str, &str)> = Vec::new();
        for s in list.scene(i as u32) {
            for a in &s.cast {
                for c in &s.cast {
                    if a.x < c.x {
                        assert!(
                            !sides.contains(&(c.name.as_str(), a.name.as_str())),
                            "scene {}: shot {} crosses the line between {} and {}",
                            b.scenes[i].number,
                            s.number,
                            a.name,
                            c.name
                        );
                        sides.push((a.name.as_str(), c.name.as_str()));
                    }
                }
            }
        }
    }
    // Cast, speakers and spans stay within their scene.
    for s in &list.shots {
        let scene = &b.scenes[s.scene_index as usize];
        assert!(
            s.span.start_line >= scene.span.start_line && s.span.end_line <= scene.span.end_line
        );
        for f in &s.cast {
            assert!(
                scene.characters.iter().any(|c| *c == f.name),
                "{} not in scene {}",
                f.name,
                scene.number
            );
            assert!((0.0..=1.0).contains(&f.x));
        }
        assert!(s.lens_mm >= 12);
        assert!(!s.description.is_empty());
    }
}

#[test]
fn big_fish_meets_the_acceptance_bar_in_every_style() {
    let b = load(BIG_FISH);
    assert_eq!(b.scenes.len(), 190);
    for style in StylePreset::ALL {
        let list = plan(&b, &PlanOptions::with_style(style));
        check_invariants(&b, &list);
    }
    let list = plan(&b, &PlanOptions::default());
    // A feature gets a real shot list, not one shot per scene.
    assert!(
        list.shots.len() > 3 * b.scenes.len(),
        "{} shots",
        list.shots.len()
    );
    let sizes: HashSet<ShotSize> = list.shots.iter().map(|s| s.size).collect();
    assert!(sizes.len() >= 6, "{sizes:?}");
    assert!(
        list.shots
            .iter()
            .any(|s| s.angle == CameraAngle::OverTheShoulder)
    );
}

#[test]
fn big_fish_plans_and_prompts_are_byte_identical_across_runs() {
    let run = || {
        let b = load(BIG_FISH);
        let mut list = plan(&b, &PlanOptions::default());
        let csv = shotlist_csv::to_string(&list).unwrap();
        compose_all(
            &mut list,
            PromptContext {
                project: "big-fish",
                breakdown: &b,
                identities: &[],
                moodboard: None,
                aspect: AspectRatio::Scope,
                limits: PromptLimits::for_model("fal:flux-dev"),
            },
        );
        (serde_json::to_vec(&list).unwrap(), csv)
    };
    let (json_a, csv_a) = run();
    let (json_b, csv_b) = run();
    assert_eq!(json_a, json_b);
    assert_eq!(csv_a, csv_b);
    let list: ShotList = serde_json::from_slice(&json_a).unwrap();
    for s in &list.shots {
        let p = s.prompt.as_ref().unwrap();
        assert!(p.image.chars().count() <= 1800 && !p.image.is_empty());
        assert!(!p.motion.is_empty() && !p.negative.is_empty());
    }
    let seeds: HashSet<u64> = list
        .shots
        .iter()
        .map(|s| s.prompt.as_ref().unwrap().seed)
        .collect();
    assert!(
        seeds.len() + 2 >= list.shots.len(),
        "seeds should practically never collide"
    );
}

#[test]
fn brick_and_steel_is_covered_like_a_first_pass_would() {
    let b = load(BRICK_AND_STEEL);
    let list = plan(&b, &PlanOptions::default());
    check_invariants(&b, &list);
    // The opening patio scene is a two-hander: Brick and Steel face each
    // other from opposite sides in their singles.
    let patio: Vec<_> = list.scene(0).collect();
    assert!(patio[0].description.starts_with("Establishing"));
    let single_side = |who: &str| -> HashSet<bool> {
        patio
            .iter()
            .filter(|s| s.cast.len() == 1 && s.cast[0].name == who)
            .map(|s| s.cast[0].x < 0.5)
            .collect()
    };
    let (brick, steel) = (single_side("BRICK"), single_side("STEEL"));
    assert_eq!(brick.len(), 1, "Brick always on one side");
    assert_eq!(steel.len(), 1, "Steel always on one side");
    assert_ne!(brick, steel, "on opposite sides");
    // The forced "SNIPER SCOPE POV" heading is shot as a POV.
    let pov = b
        .scenes
        .iter()
        .position(|s| s.heading.contains("POV"))
        .unwrap();
    assert!(list.scene(pov as u32).all(|s| s.angle == CameraAngle::Pov));
    // The dual "Screw retirement." is one shot holding both.
    let dual = list
        .shots
        .iter()
        .find(|s| {
            s.dialogue
                .as_deref()
                .is_some_and(|d| d.matches("Screw retirement").count() == 2)
        })
        .expect("dual dialogue in one shot");
    assert_eq!(dual.cast.len(), 2);
}
