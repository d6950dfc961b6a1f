//! The real corpus: scene and speaker counts against other tools' ground
//! truth (`fixtures/corpus/ground-truth.json`), every variant of Big Fish
//! agreeing with the others, and the breakdown's derived facts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alkemy_core::{Beat, Breakdown, ElementKind, Screenplay, SourceFormat};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/corpus/");

fn read(rel: &str) -> Screenplay {
    let bytes = std::fs::read(format!("{CORPUS}{rel}")).unwrap();
    alkemy_script::read(&bytes, Some(rel)).unwrap()
}

fn analyse(rel: &str) -> (Screenplay, Breakdown) {
    let sp = read(rel);
    let b = alkemy_script::breakdown(&sp);
    (sp, b)
}

fn ground_truth() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{CORPUS}ground-truth.json")).unwrap())
        .unwrap()
}

fn speakers(b: &Breakdown) -> Vec<(&str, u32)> {
    b.characters
        .iter()
        .filter(|c| c.dialogue_blocks > 0)
        .map(|c| (c.name.as_str(), c.dialogue_blocks))
        .collect()
}

/// Scenes and speaking characters as the ground truth counts them.
fn check_counts(rel: &str, truth_key: &str) -> Breakdown {
    let truth = ground_truth();
    let t = &truth[truth_key];
    let (_, b) = analyse(rel);
    assert_eq!(
        u64::from(b.stats.scenes),
        t["scenes"].as_u64().unwrap(),
        "{rel}: scenes"
    );
    assert_eq!(
        u64::from(b.stats.speaking_characters),
        t["characters"].as_u64().unwrap(),
        "{rel}: speaking characters {:?}",
        speakers(&b)
    );
    b
}

#[test]
fn big_fish_every_variant_190_scenes_48_speakers() {
    let truth = ground_truth();
    let expected = &truth["features/big-fish.screenplain.fountain"];
    for rel in [
        "features/big-fish.fountain",
        "features/big-fish.screenplain.fountain",
        "features/big-fish.betterfountain.fountain",
        "features/big-fish.latin1.fountain",
    ] {
        let b = check_counts(rel, "features/big-fish.screenplain.fountain");
        assert_eq!(
            u64::from(b.stats.dialogue_blocks),
            expected["dialogue_blocks"].as_u64().unwrap(),
            "{rel}: dialogue blocks"
        );
        for (name, blocks) in expected["top_speakers"].as_object().unwrap() {
            let c = b
                .character(name)
                .unwrap_or_else(|| panic!("{rel}: no {name}"));
            assert_eq!(
                u64::from(c.dialogue_blocks),
                blocks.as_u64().unwrap(),
                "{rel}: {name}"
            );
        }
    }
}

#[test]
fn big_fish_latin1_gives_the_same_breakdown_as_utf8() {
    let (_, utf8) = analyse("features/big-fish.screenplain.fountain");
    let (_, latin1) = analyse("features/big-fish.latin1.fountain");
    assert_eq!(utf8.scenes.len(), latin1.scenes.len());
    for (a, b) in utf8.scenes.iter().zip(&latin1.scenes) {
        assert_eq!(a.heading, b.heading);
        assert_eq!(a.characters, b.characters);
        assert_eq!(a.page, b.page);
        assert_eq!(a.eighths, b.eighths);
        assert_eq!(a.beats, b.beats, "scene {}", a.number);
    }
    assert_eq!(utf8.characters, latin1.characters);
    assert_eq!(utf8.stats, latin1.stats);
    // The trap: a degree sign that is one byte in Latin-1.
    assert!(
        latin1
            .scenes
            .iter()
            .any(|s| s.heading.contains("LA RUE 14°"))
    );
}

#[test]
fn big_fish_pages_match_the_printed_script() {
    let (sp, b) = analyse("features/big-fish.screenplain.fountain");
    // screenplain's PDF of this file has 122 pages.
    assert!(
        (118..=126).contains(&b.stats.pages),
        "pages {}",
        b.stats.pages
    );
    // The epigraph fills page 1 and is followed by a forced page break.
    assert_eq!(b.scenes[0].page, 2);
    let total: u32 = b.scenes.iter().map(|s| s.eighths).sum();
    let pages = f64::from(total) / 8.0;
    assert!(
        (pages - f64::from(b.stats.pages)).abs() < 8.0,
        "eighths sum to {pages} pages"
    );
    assert!(b.scenes.windows(2).all(|w| w[0].page <= w[1].page));
    assert!(sp.elements.iter().any(|e| e.kind == ElementKind::PageBreak));
}

#[test]
fn big_fish_words_and_times_are_close_to_betterfountain() {
    let truth = ground_truth();
    let t = &truth["features/big-fish.betterfountain.fountain"];
    let (_, b) = analyse("features/big-fish.betterfountain.fountain");
    let words = t["words"].as_f64().unwrap();
    // betterfountain counts every whitespace-separated token of the file,
    // title page and markup included; we count the printed body.
    let ratio = f64::from(b.stats.words) / words;
    assert!(
        (0.95..=1.0).contains(&ratio),
        "words {} vs {words}",
        b.stats.words
    );
    let secs = |hms: &str| -> f64 {
        hms.split(':')
            .fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap())
    };
    let total = secs(t["duration_total"].as_str().unwrap());
    assert!(
        (b.stats.duration_s - total).abs() / total < 0.10,
        "total {} vs {total}",
        b.stats.duration_s
    );
}

#[test]
fn brick_and_steel_8_scenes_7_speakers_with_dual_dialogue() {
    let b = check_counts(
        "shorts/brick-and-steel.fountain",
        "shorts/brick-and-steel.fountain",
    );
    check_counts(
        "shorts/brick-and-steel.betterfountain.fountain",
        "shorts/brick-and-steel.betterfountain.fountain",
    );
    let truth = ground_truth();
    for (name, blocks) in truth["shorts/brick-and-steel.fountain"]["speakers"]
        .as_object()
        .unwrap()
    {
        assert_eq!(
            u64::from(b.character(name).unwrap().dialogue_blocks),
            blocks.as_u64().unwrap(),
            "{name}"
        );
    }
    let duals: Vec<&str> = b
        .scenes
        .iter()
        .flat_map(|s| &s.beats)
        .filter_map(|beat| match beat {
            Beat::Dialogue {
                speaker,
                dual: true,
                ..
            } => Some(speaker.as_str()),
            _ => None,
        })
        .collect();
    // `BRICK ^` is the right-hand side.
    assert_eq!(duals, ["BRICK"]);
}

#[test]
fn the_last_birthday_card_48_scenes_12_speakers_with_sections() {
    let b = check_counts(
        "shorts/the-last-birthday-card.fountain",
        "shorts/the-last-birthday-card.fountain",
    );
    let truth = ground_truth();
    for (name, blocks) in truth["shorts/the-last-birthday-card.fountain"]["speakers"]
        .as_object()
        .unwrap()
    {
        assert_eq!(
            u64::from(b.character(name).unwrap().dialogue_blocks),
            blocks.as_u64().unwrap(),
            "{name}"
        );
    }
    // `### Scott's SF Apartment` heads the first scene; synopses there
    // describe sections, not scenes.
    assert_eq!(b.scenes[0].section.as_deref(), Some("Scott's SF Apartment"));
    assert!(b.scenes.iter().all(|s| s.section.is_some()));
}

#[test]
fn characters_named_in_action_are_present() {
    let (_, b) = analyse("features/big-fish.screenplain.fountain");
    let first = &b.scenes[0];
    // "WILL BLOOM, AGE 3, listens wide-eyed as his father EDWARD BLOOM…"
    assert!(
        first.characters.contains(&"WILL".to_owned()),
        "{:?}",
        first.characters
    );
    assert!(first.characters.contains(&"EDWARD".to_owned()));
    let will = b.character("WILL").unwrap();
    assert!(
        will.aliases.contains(&"WILL BLOOM".to_owned()),
        "{:?}",
        will.aliases
    );
    assert!(
        will.introduction
            .as_deref()
            .unwrap()
            .contains("WILL BLOOM, AGE 3")
    );
    // Every speaker of a scene is present in it.
    for s in &b.scenes {
        for sp in &s.speaking {
            assert!(s.characters.contains(sp));
        }
    }
}

#[test]
fn every_corpus_fountain_file_parses_with_spans_in_order() {
    let mut n = 0;
    for dir in ["features", "shorts"] {
        for entry in std::fs::read_dir(format!("{CORPUS}{dir}")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().into_owned();
            if !name.ends_with(".fountain") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let sp = alkemy_script::read(&bytes, Some(&name)).unwrap();
            assert_eq!(sp.format, SourceFormat::Fountain, "{name}");
            let b = alkemy_script::breakdown(&sp);
            assert!(!b.scenes.is_empty(), "{name}");
            for e in &sp.elements {
                assert!(
                    e.span.start_line >= 1 && e.span.start_line <= e.span.end_line,
                    "{name}"
                );
            }
            n += 1;
        }
    }
    assert!(n >= 15);
}
