//! `alkemy shots` end to end: the built binary on a real screenplay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Output;

const BRICK_AND_STEEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/shorts/brick-and-steel.fountain"
);

fn shots(args: &[&str]) -> Output {
    support::alkemy_offline()
        .arg("shots")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn csv_shot_list_is_deterministic_with_production_columns() {
    let a = shots(&[BRICK_AND_STEEL]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let text = String::from_utf8(a.stdout.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Scene,Shot,Size,Angle,Movement,Lens,Duration,Cast,Location,Description")
    );
    assert!(lines.count() > 8, "more shots than scenes");
    let b = shots(&[BRICK_AND_STEEL, "--format", "csv"]);
    assert_eq!(a.stdout, b.stdout, "same script, same bytes");
}

#[test]
fn json_carries_shots_with_prompts() {
    let out = shots(&[BRICK_AND_STEEL, "--format", "json", "--aspect", "2.39:1"]);
    let v = support::stdout_json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["style"], "classic");
    let list = v["shots"].as_array().unwrap();
    assert_eq!(v["shot_count"].as_u64().unwrap() as usize, list.len());
    for s in list {
        let image = s["prompt"]["image"].as_str().unwrap();
        assert!(image.contains("2.39:1"), "{image}");
        assert!(s["prompt"]["seed"].as_u64().is_some());
    }
}

#[test]
fn styles_change_the_plan() {
    let classic = shots(&[BRICK_AND_STEEL]);
    let tableau = shots(&[BRICK_AND_STEEL, "--style", "tableau"]);
    assert!(tableau.status.success());
    assert_ne!(classic.stdout, tableau.stdout);
    let text = String::from_utf8(tableau.stdout).unwrap();
    assert!(!text.contains(",CU,"), "a tableau never goes close");
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    let out = shots(&[BRICK_AND_STEEL, "--style", "noir"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("classic, documentary, tableau"), "{err}");

    let out = shots(&["/nonexistent/script.fountain"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/script.fountain"));
}
