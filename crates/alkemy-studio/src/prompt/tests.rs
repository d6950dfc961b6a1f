//! Prompt composition on planned shots of a hand-built breakdown.

use alkemy_core::{Rgb, Swatch};
use proptest::prelude::*;

use super::*;
use crate::plan::{PlanOptions, plan};
use crate::testkit::{Script, long_script, on_threads};

fn breakdown() -> Breakdown {
    Script::new()
        .scene("1", "EXT. BRICK'S PATIO - DAY")
        .action(
            "But BRICK BRADDOCK, retired police detective, is sitting quietly.",
            &["BRICK"],
        )
        .action("The SCREEN DOOR slides open.", &[])
        .prop("SCREEN DOOR")
        .action(
            "DICK STEEL, his former partner and fellow retiree, emerges with two cold beers.",
            &["STEEL"],
        )
        .says("STEEL", "Beer's ready!")
        .says("BRICK", "Are they cold?")
        .says("STEEL", "Does a bear crap in the woods?")
        .intro(
            "BRICK",
            "But BRICK BRADDOCK, retired police detective, is sitting quietly.",
        )
        .intro(
            "STEEL",
            "DICK STEEL, his former partner and fellow retiree, emerges with two cold beers.",
        )
        .build()
}

fn moodboard() -> Moodboard {
    Moodboard {
        summary: "Sun-bleached buddy cop".into(),
        style_keywords: vec![
            "35mm film".into(),
            "anamorphic".into(),
            "grain".into(),
            "halation".into(),
        ],
        palette: vec![
            Swatch {
                name: "teal".into(),
                rgb: Rgb([0, 128, 128]),
            },
            Swatch {
                name: "amber".into(),
                rgb: Rgb([255, 191, 0]),
            },
        ],
        avoid: vec!["cartoon".into()],
    }
}

fn ctx<'a>(
    b: &'a Breakdown,
    look: Option<&'a Moodboard>,
    ids: &'a [IdentityRef],
) -> PromptContext<'a> {
    PromptContext {
        project: "brick-and-steel",
        breakdown: b,
        identities: ids,
        moodboard: look,
        aspect: AspectRatio::Scope,
        limits: PromptLimits::for_model("local:previz"),
    }
}

fn composed(b: &Breakdown, c: PromptContext<'_>) -> ShotList {
    let mut list = plan(b, &PlanOptions::default());
    compose_all(&mut list, c);
    list
}

#[test]
fn prompts_do_not_depend_on_the_number_of_threads() {
    let b = long_script(300, |i| (i + 1).to_string());
    let look = moodboard();
    let c = ctx(&b, Some(&look), &[]);
    let mut sequential = plan(&b, &PlanOptions::default());
    assert!(sequential.shots.len() > SHOTS_PER_TASK * 2);
    compose_run(&Composer::new(c), &mut sequential.shots);
    for threads in [1, 2, 5] {
        let list = on_threads(threads, || composed(&b, c));
        assert_eq!(list, sequential, "{threads} threads");
    }
}

fn prompt(s: &Shot) -> &ShotPrompt {
    s.prompt.as_ref().unwrap()
}

#[test]
fn image_prompt_carries_grammar_cast_place_light_and_look() {
    let b = breakdown();
    let look = moodboard();
    let list = composed(&b, ctx(&b, Some(&look), &[]));
    let single = list
        .shots
        .iter()
        .find(|s| s.cast.len() == 1 && s.speaker.as_deref() == Some("STEEL"))
        .or_else(|| {
            list.shots
                .iter()
                .find(|s| s.speaker.as_deref() == Some("STEEL"))
        })
        .unwrap();
    let p = &prompt(single).image;
    assert!(p.starts_with(phrases::size(single.size)), "{p}");
    assert!(p.contains(&format!("{}mm lens", single.lens_mm)), "{p}");
    assert!(
        p.contains("Dick Steel, his former partner and fellow retiree"),
        "{p}"
    );
    assert!(p.contains("exterior, Brick's Patio"), "{p}");
    assert!(p.contains("natural daylight"), "{p}");
    assert!(p.contains("35mm film, anamorphic, grain"), "{p}");
    assert!(p.contains("colour palette of teal and amber"), "{p}");
    assert!(p.contains("2.39:1"), "{p}");
    assert!(
        !p.contains("bear crap") && !p.contains("Beer's ready"),
        "no dialogue in pictures: {p}"
    );
    let insert = list
        .shots
        .iter()
        .find(|s| s.size == ShotSize::Insert)
        .unwrap();
    assert!(
        prompt(insert).image.contains("of screen door"),
        "{}",
        prompt(insert).image
    );
    assert!(prompt(insert).negative.contains("people"));
}

#[test]
fn over_the_shoulder_names_the_foreground_shoulder() {
    let b = breakdown();
    let list = composed(&b, ctx(&b, None, &[]));
    let ots = list
        .shots
        .iter()
        .find(|s| s.angle == CameraAngle::OverTheShoulder)
        .unwrap();
    let p = &prompt(ots).image;
    assert!(p.contains("over the shoulder of"), "{p}");
    assert!(p.contains("looking"), "{p}");
}

#[test]
fn identities_bring_their_trigger_words() {
    let b = breakdown();
    let ids = [IdentityRef {
        character: "BRICK".into(),
        lora_url: "https://example.invalid/brick.safetensors".into(),
        trigger: "brkbrd".into(),
        scale: 0.9,
    }];
    let list = composed(&b, ctx(&b, None, &ids));
    let brick = list
        .shots
        .iter()
        .find(|s| s.cast.iter().any(|f| f.name == "BRICK"))
        .unwrap();
    assert!(
        prompt(brick).image.contains("brkbrd (Brick Braddock"),
        "{}",
        prompt(brick).image
    );
    let steel_only = list
        .shots
        .iter()
        .find(|s| s.cast.len() == 1 && s.cast[0].name == "STEEL")
        .unwrap();
    assert!(!prompt(steel_only).image.contains("brkbrd"));
}

#[test]
fn motion_prompt_follows_movement_and_speaker() {
    let b = breakdown();
    let list = composed(&b, ctx(&b, None, &[]));
    for s in &list.shots {
        let m = &prompt(s).motion;
        assert!(m.starts_with(phrases::movement(s.movement)), "{m}");
        if let Some(sp) = &s.speaker
            && s.cast.iter().any(|f| f.name == sp && !f.foreground)
        {
            assert!(m.contains("talks"), "{m}");
        }
    }
}

#[test]
fn seeds_are_stable_per_shot_and_project() {
    let b = breakdown();
    let a = composed(&b, ctx(&b, None, &[]));
    let again = composed(&b, ctx(&b, None, &[]));
    let seeds: Vec<u64> = a.shots.iter().map(|s| prompt(s).seed).collect();
    let seeds_again: Vec<u64> = again.shots.iter().map(|s| prompt(s).seed).collect();
    assert_eq!(seeds, seeds_again);
    let distinct: std::collections::HashSet<u64> = seeds.iter().copied().collect();
    assert_eq!(distinct.len(), seeds.len());
    assert!(seeds.iter().all(|&s| s <= i32::MAX as u64));
    assert_ne!(seed("brick-and-steel", "sc1-1"), seed("other", "sc1-1"));
    assert_eq!(seed("p", "sc1-1"), seed("p", "sc1-1"));
}

#[test]
fn short_limits_drop_the_least_important_parts() {
    let b = breakdown();
    let look = moodboard();
    let mut c = ctx(&b, Some(&look), &[]);
    c.limits = PromptLimits::CLIP;
    let list = composed(&b, c);
    let full = composed(&b, ctx(&b, Some(&look), &[]));
    for (short, long) in list.shots.iter().zip(&full.shots) {
        let (s, l) = (&prompt(short).image, &prompt(long).image);
        assert!(s.chars().count() <= 300, "{s}");
        assert!(
            s.starts_with(phrases::size(short.size)),
            "grammar is kept: {s}"
        );
        if l.chars().count() > 300 {
            assert!(
                !s.contains("cinematic film still"),
                "quality tags go first: {s}"
            );
        }
    }
}

#[test]
fn negative_prompt_lists_defects_and_the_look_to_avoid() {
    let b = breakdown();
    let look = moodboard();
    let list = composed(&b, ctx(&b, Some(&look), &[]));
    let single = list.shots.iter().find(|s| s.cast.len() == 1).unwrap();
    let n = &prompt(single).negative;
    assert!(
        n.contains("cartoon") && n.contains("watermark") && n.contains("crowd"),
        "{n}"
    );
}

proptest! {
    #[test]
    fn prompts_respect_any_limit_and_keep_whole_words(limit in 0usize..400) {
        let b = breakdown();
        let look = moodboard();
        let mut c = ctx(&b, Some(&look), &[]);
        let full = composed(&b, c);
        c.limits = PromptLimits { image_chars: limit, motion_chars: limit, negative_chars: limit };
        let short = composed(&b, c);
        for (s, f) in short.shots.iter().zip(&full.shots) {
            for (cut, whole) in [
                (&prompt(s).image, &prompt(f).image),
                (&prompt(s).motion, &prompt(f).motion),
                (&prompt(s).negative, &prompt(f).negative),
            ] {
                prop_assert!(cut.chars().count() <= limit);
                let strip = |w: &str| w.trim_end_matches([',', ';', ':']).to_owned();
                let words: Vec<String> = whole.split_whitespace().map(strip).collect();
                for w in cut.split_whitespace() {
                    prop_assert!(words.contains(&strip(w)), "{w:?} cut from {whole:?}");
                }
            }
        }
    }
}
