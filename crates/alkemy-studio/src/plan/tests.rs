//! One test per rule of the director of photography, on hand-built
//! breakdowns.

use alkemy_core::{CameraAngle, CameraMovement, Facing, ShotSize};

use super::*;
use crate::testkit::{Script, long_script, on_threads};

fn classic(b: &Breakdown) -> ShotList {
    plan(b, &PlanOptions::default())
}

fn names(s: &Shot) -> Vec<&str> {
    s.cast.iter().map(|f| f.name.as_str()).collect()
}

fn figure<'a>(s: &'a Shot, name: &str) -> Option<&'a Figure> {
    s.cast.iter().find(|f| f.name == name)
}

fn two_hander() -> Breakdown {
    Script::new()
        .scene("1", "EXT. BRICK'S PATIO - DAY")
        .action("BRICK sits quietly.", &["BRICK"])
        .action("STEEL emerges with two cold beers.", &["STEEL"])
        .says("STEEL", "Beer's ready.")
        .says("BRICK", "Are they cold?")
        .says("STEEL", "Does a bear crap in the woods?")
        .says("BRICK", "To retirement.")
        .says("STEEL", "To retirement.")
        .says("BRICK", "We should never have quit.")
        .says("STEEL", "Screw retirement.")
        .says("BRICK", "Screw retirement.")
        .build()
}

#[test]
fn two_hander_gets_reverse_singles_on_opposite_sides() {
    let list = classic(&two_hander());
    let steel_singles: Vec<&Shot> = list
        .shots
        .iter()
        .filter(|s| names(s) == ["STEEL"])
        .collect();
    let brick_singles: Vec<&Shot> = list
        .shots
        .iter()
        .filter(|s| s.speaker.as_deref() == Some("BRICK") && names(s) == ["BRICK"])
        .collect();
    assert!(
        !steel_singles.is_empty() && !brick_singles.is_empty(),
        "{list:#?}"
    );
    // BRICK appears first, so he holds frame left and looks right; STEEL the reverse.
    for s in &brick_singles {
        let f = &s.cast[0];
        assert_eq!(f.facing, Facing::Right, "{}", s.number);
        assert!(f.x < 0.5, "{}", s.number);
    }
    for s in &steel_singles {
        let f = &s.cast[0];
        assert_eq!(f.facing, Facing::Left, "{}", s.number);
        assert!(f.x > 0.5, "{}", s.number);
    }
    // 180° rule: every frame holding both keeps BRICK left of STEEL, and the
    // over-the-shoulders put the listener's shoulder in the foreground.
    let mut ots = 0;
    for s in &list.shots {
        if let (Some(b), Some(st)) = (figure(s, "BRICK"), figure(s, "STEEL")) {
            assert!(b.x < st.x, "shot {} crosses the line", s.number);
            if s.angle == CameraAngle::OverTheShoulder {
                ots += 1;
                let speaker = s.speaker.as_deref().unwrap();
                let shoulder = s.cast.iter().find(|f| f.foreground).unwrap();
                assert_ne!(shoulder.name, speaker);
                assert_eq!(shoulder.facing, Facing::Away);
            }
        }
    }
    assert!(ots >= 2, "classic coverage uses over-the-shoulders");
}

#[test]
fn singles_follow_the_speaker() {
    let list = classic(&two_hander());
    for s in list.shots.iter().filter(|s| s.dialogue.is_some()) {
        let speaker = s.speaker.as_deref().unwrap();
        assert!(
            names(s).contains(&speaker),
            "shot {} misses {speaker}",
            s.number
        );
        if s.cast.len() == 1 || s.angle == CameraAngle::OverTheShoulder {
            let subject = s.cast.iter().find(|f| !f.foreground).unwrap();
            assert_eq!(
                subject.name, speaker,
                "shot {} is not on the speaker",
                s.number
            );
        }
    }
}

#[test]
fn exchange_opens_on_a_two_shot_and_gets_closer() {
    let list = classic(&two_hander());
    let dialogue: Vec<&Shot> = list.shots.iter().filter(|s| s.dialogue.is_some()).collect();
    assert_eq!(dialogue.len(), 8, "one shot per line in classic coverage");
    assert_eq!(
        names(dialogue[0]).len(),
        2,
        "the exchange opens on a two-shot"
    );
    assert_eq!(dialogue[0].size, ShotSize::Medium);
    let sizes: Vec<ShotSize> = dialogue[1..].iter().map(|s| s.size).collect();
    assert!(
        sizes.windows(2).all(|w| w[0] <= w[1]),
        "sizes must tighten: {sizes:?}"
    );
    assert!(*sizes.last().unwrap() >= ShotSize::CloseUp, "{sizes:?}");
}

#[test]
fn heated_lines_come_closer() {
    let calm = Script::new()
        .scene("1", "INT. ROOM - DAY")
        .says("A", "Hello.")
        .says("B", "Hello.")
        .says("A", "Fine day.")
        .says("B", "It is.")
        .build();
    let heated = Script::new()
        .scene("1", "INT. ROOM - DAY")
        .says("A", "Hello.")
        .says("B", "Hello.")
        .says_paren("A", "(shouting)", "Fine day.")
        .says("B", "It is.")
        .build();
    let size_of_third = |b: &Breakdown| {
        classic(b)
            .shots
            .iter()
            .filter(|s| s.dialogue.is_some())
            .nth(2)
            .unwrap()
            .size
    };
    assert!(size_of_third(&heated) > size_of_third(&calm));
}

#[test]
fn location_change_gets_an_establishing_shot() {
    let b = Script::new()
        .scene("1", "EXT. BRICK'S PATIO - DAY")
        .action("A gorgeous day.", &[])
        .scene("2", "EXT. BRICK'S PATIO - CONTINUOUS")
        .action("Still gorgeous.", &[])
        .scene("3", "INT. TRAILER HOME - DAY")
        .action("Money and drugs on the table.", &[])
        .scene("4", "INT. TRAILER HOME - NIGHT")
        .action("Empty bottles.", &[])
        .build();
    let list = classic(&b);
    let first = |i: u32| list.scene(i).next().unwrap();
    assert!(first(0).description.starts_with("Establishing"));
    assert_eq!(
        first(0).size,
        ShotSize::ExtremeWide,
        "exteriors establish extra wide"
    );
    assert!(
        !first(1).description.starts_with("Establishing"),
        "same place, continuous"
    );
    assert!(first(2).description.starts_with("Establishing"));
    assert_eq!(first(2).size, ShotSize::Wide, "interiors establish wide");
    assert!(
        first(3).description.starts_with("Establishing"),
        "night falls"
    );
    assert!(first(0).cast.is_empty());
    assert_eq!(first(0).span.start_line, b.scenes[0].span.start_line);
}

#[test]
fn new_room_of_the_same_place_gets_a_wide() {
    let b = Script::new()
        .scene("1", "INT. HOUSE - KITCHEN - DAY")
        .action("Dishes.", &[])
        .scene("2", "INT. HOUSE - BEDROOM - DAY")
        .action("A bed.", &[])
        .build();
    let list = classic(&b);
    let second = list.scene(1).next().unwrap();
    assert!(second.description.starts_with("Establishing"));
    assert_eq!(second.size, ShotSize::Wide);
}

#[test]
fn forced_pov_heading_is_shot_as_a_pov() {
    let b = Script::new()
        .scene("1", "EXT. POOL - DAY")
        .action("Steel on the phone.", &["STEEL"])
        .scene("2", "SNIPER SCOPE POV")
        .action("Steel's face FILLS the scope.", &["STEEL"])
        .build();
    let list = classic(&b);
    let pov: Vec<&Shot> = list.scene(1).collect();
    assert_eq!(pov.len(), 1, "no establishing shot for a POV: {pov:#?}");
    assert_eq!(pov[0].angle, CameraAngle::Pov);
}

#[test]
fn props_in_capitals_get_one_insert_each() {
    let b = Script::new()
        .scene("1", "INT. TRAILER HOME - DAY")
        .action("Jack counts the MONEY next to a SHOTGUN.", &["JACK"])
        .prop("MONEY")
        .prop("SHOTGUN")
        .sound("KNOCK")
        .action("Jack puts the money away.", &["JACK"])
        .prop("MONEY")
        .build();
    let list = classic(&b);
    let inserts: Vec<&Shot> = list
        .shots
        .iter()
        .filter(|s| s.size == ShotSize::Insert)
        .collect();
    let subjects: Vec<&str> = inserts
        .iter()
        .filter_map(|s| s.subject.as_deref())
        .collect();
    assert_eq!(
        subjects,
        ["MONEY", "SHOTGUN"],
        "once per prop, never a sound"
    );
    // The inserts follow the paragraph that names them.
    let order: Vec<&str> = list.shots.iter().map(|s| s.description.as_str()).collect();
    let money = order.iter().position(|d| *d == "Insert: MONEY").unwrap();
    assert!(order[money - 1].starts_with("Jack counts"), "{order:?}");
    assert!(inserts.iter().all(|s| s.cast.is_empty() && s.lens_mm >= 85));
}

#[test]
fn verbs_move_the_camera() {
    let b = Script::new()
        .scene("1", "EXT. ROAD - DAY")
        .action("EDWARD walks down the road.", &["EDWARD"])
        .action("Edward runs from the dog.", &["EDWARD"])
        .action("The fog lifts, revealing SPECTRE.", &[])
        .action("Edward sits.", &["EDWARD"])
        .build();
    let list = classic(&b);
    let moves: Vec<CameraMovement> = list.scene(0).skip(1).map(|s| s.movement).collect();
    assert_eq!(
        moves,
        [
            CameraMovement::TrackRight,
            CameraMovement::Handheld,
            CameraMovement::CraneUp,
            CameraMovement::Static
        ]
    );
}

#[test]
fn tracking_follows_the_side_of_the_line() {
    let b = Script::new()
        .scene("1", "EXT. ROAD - DAY")
        .says("A", "Go.")
        .says("B", "I'm going.")
        .action("B walks away.", &["B"])
        .build();
    let list = classic(&b);
    let walk = list
        .shots
        .iter()
        .find(|s| s.description == "B walks away.")
        .unwrap();
    assert_eq!(
        walk.movement,
        CameraMovement::TrackLeft,
        "B is on the right, facing left"
    );
}

#[test]
fn lens_follows_size() {
    let list = classic(&two_hander());
    let table = StylePreset::Classic.params().lenses;
    for s in &list.shots {
        assert_eq!(s.lens_mm, table.for_size(s.size), "shot {}", s.number);
    }
    let wide = list
        .shots
        .iter()
        .find(|s| s.size <= ShotSize::Wide)
        .unwrap();
    let close = list
        .shots
        .iter()
        .find(|s| s.size == ShotSize::CloseUp)
        .unwrap();
    assert!(close.lens_mm > wide.lens_mm);
}

#[test]
fn durations_add_up_to_the_scene_exactly() {
    let b = Script::new()
        .scene("1", "EXT. PATIO - DAY")
        .duration(37.1234)
        .action("A gorgeous day.", &[])
        .says("A", "Hi.")
        .says(
            "B",
            "A much longer line that takes a good while to say out loud.",
        )
        .scene("2", "INT. HOUSE - DAY")
        .duration(0.4)
        .action("Quick.", &[])
        .build();
    let list = classic(&b);
    let sum = |i: u32| list.scene(i).map(|s| u64::from(s.duration_ms)).sum::<u64>();
    assert_eq!(sum(0), 37_123);
    assert_eq!(sum(1), 400);
    let line = |needle: &str| {
        list.shots
            .iter()
            .find(|s| s.dialogue.as_deref().is_some_and(|d| d.contains(needle)))
            .unwrap()
            .duration_ms
    };
    assert!(
        line("much longer") > line("Hi."),
        "longer lines get longer shots"
    );
}

#[test]
fn numbers_follow_the_industry_form() {
    let list = classic(&two_hander());
    let numbers: Vec<&str> = list.shots.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(&numbers[..4], ["1", "1A", "1B", "1C"]);
    assert!(numbers.iter().all(|n| !n.contains('I') && !n.contains('O')));
    let ids: HashSet<&str> = list.shots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), list.shots.len());
    assert_eq!(list.shots[1].id, "sc1-1A");
}

#[test]
fn off_screen_speech_plays_over_the_listener() {
    let b = Script::new()
        .scene("1", "INT. KITCHEN - NIGHT")
        .action("SANDRA washes dishes.", &["SANDRA"])
        .says_ext("EDWARD", "O.S.", "I'm home!")
        .says_ext("NARRATOR", "V.O.", "She never heard him come in.")
        .build();
    let list = classic(&b);
    for who in ["EDWARD", "NARRATOR"] {
        let s = list
            .shots
            .iter()
            .find(|s| s.speaker.as_deref() == Some(who))
            .unwrap();
        assert_eq!(names(s), ["SANDRA"], "{who} is heard, Sandra is seen");
        assert!(s.dialogue.is_some());
    }
}

#[test]
fn dual_dialogue_is_one_two_shot() {
    let b = Script::new()
        .scene("1", "EXT. PATIO - DAY")
        .says("STEEL", "Screw retirement.")
        .dual("BRICK", "Screw retirement.")
        .build();
    let list = classic(&b);
    let s: Vec<&Shot> = list.shots.iter().filter(|s| s.dialogue.is_some()).collect();
    assert_eq!(s.len(), 1);
    assert_eq!(names(s[0]).len(), 2);
    assert_eq!(
        s[0].dialogue.as_deref(),
        Some("STEEL: Screw retirement.\nBRICK: Screw retirement.")
    );
    assert_eq!(s[0].span.start_line, b.scenes[0].beats[0].span().start_line);
    assert_eq!(s[0].span.end_line, b.scenes[0].beats[1].span().end_line);
}

#[test]
fn singles_share_a_setup_per_side() {
    let list = classic(&two_hander());
    let setup_of = |who: &str| -> HashSet<u32> {
        list.shots
            .iter()
            .filter(|s| {
                s.cast.len() == 1 && names(s) == [who] && s.movement == CameraMovement::Static
            })
            .map(|s| s.setup)
            .collect()
    };
    let (b, s) = (setup_of("BRICK"), setup_of("STEEL"));
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(s.len(), 1, "{s:?}");
    assert_ne!(b, s);
    let order = shooting_order(&list);
    let setups: Vec<u32> = order.iter().map(|s| s.setup).collect();
    assert!(setups.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn presets_change_the_rules() {
    let b = Script::new()
        .scene("1", "INT. TRAILER - DAY")
        .action("DAN counts the MONEY.", &["DAN"])
        .prop("MONEY")
        .action("Jack walks in.", &["JACK"])
        .says("JACK", "Did you know?")
        .says("DAN", "Know what?")
        .says("JACK", "They're retired.")
        .says("DAN", "Then let's retire them.")
        .says("JACK", "Permanently?")
        .build();
    let doc = plan(&b, &PlanOptions::with_style(StylePreset::Documentary));
    assert!(doc.shots.iter().all(|s| matches!(
        s.movement,
        CameraMovement::Handheld | CameraMovement::Steadicam
    )));
    assert_eq!(doc.style, "documentary");
    let tab = plan(&b, &PlanOptions::with_style(StylePreset::Tableau));
    assert!(
        tab.shots
            .iter()
            .all(|s| s.movement == CameraMovement::Static)
    );
    assert!(tab.shots.iter().all(|s| s.size <= ShotSize::Full));
    assert!(!tab.shots.iter().any(|s| s.size == ShotSize::Insert));
    let tab_dialogue = tab.shots.iter().filter(|s| s.dialogue.is_some()).count();
    let classic_dialogue = classic(&b)
        .shots
        .iter()
        .filter(|s| s.dialogue.is_some())
        .count();
    assert!(
        tab_dialogue < classic_dialogue,
        "tableau holds several lines per take"
    );
    // Every line is still covered by a shot holding its speaker.
    for beat in &b.scenes[0].beats {
        if let alkemy_core::Beat::Dialogue { speaker, span, .. } = beat {
            assert!(
                tab.shots
                    .iter()
                    .any(|s| s.span.start_line <= span.start_line
                        && span.end_line <= s.span.end_line
                        && names(s).contains(&speaker.as_str()))
            );
        }
    }
}

#[test]
fn scene_overrides_apply_to_their_scene_only() {
    let b = Script::new()
        .scene("1", "EXT. ROAD - DAY")
        .action("EDWARD walks.", &["EDWARD"])
        .scene("2", "EXT. RIVER - DAY")
        .action("Edward walks.", &["EDWARD"])
        .build();
    let mut o = PlanOptions::default();
    o.overrides.insert(
        "2".into(),
        SceneOverride {
            establishing: Some(false),
            movement: Some(CameraMovement::Handheld),
            ..SceneOverride::default()
        },
    );
    let list = plan(&b, &o);
    let s1: Vec<&Shot> = list.scene(0).collect();
    let s2: Vec<&Shot> = list.scene(1).collect();
    assert_eq!(s1.len(), 2);
    assert_eq!(s1[1].movement, CameraMovement::TrackRight);
    assert_eq!(s2.len(), 1, "no establishing shot");
    assert_eq!(s2[0].movement, CameraMovement::Handheld);
    assert_eq!(o.unknown_scenes(&b), Vec::<String>::new());
}

#[test]
fn empty_scenes_still_get_a_shot() {
    let b = Script::new()
        .scene("1", "EXT. SKY - NIGHT")
        .scene("2", "OPENING TITLES")
        .transition("CUT TO:")
        .build();
    let list = classic(&b);
    assert_eq!(list.scene(0).count(), 1);
    assert_eq!(list.scene(1).count(), 1);
    assert_eq!(list.scene(1).next().unwrap().duration_ms, 60_000);
}

#[test]
fn centred_text_is_one_title_card() {
    let b = Script::new()
        .scene("1", "OPENING TITLES")
        .centered("BRICK & STEEL")
        .centered("FULL RETIRED")
        .build();
    let list = classic(&b);
    assert_eq!(list.shots.len(), 1);
    assert_eq!(
        list.shots[0].subject.as_deref(),
        Some("BRICK & STEEL\nFULL RETIRED")
    );
}

#[test]
fn action_without_names_frames_who_is_on_stage() {
    let b = Script::new()
        .scene("1", "EXT. PATIO - DAY")
        .says("STEEL", "To retirement.")
        .says("BRICK", "To retirement.")
        .action("They drink long and well from the beers.", &[])
        .build();
    let list = classic(&b);
    let drink = list.shots.last().unwrap();
    assert_eq!(names(drink), ["STEEL", "BRICK"]);
}

#[test]
fn planning_is_deterministic() {
    let b = two_hander();
    let a = serde_json::to_vec(&classic(&b)).unwrap();
    let c = serde_json::to_vec(&classic(&b)).unwrap();
    assert_eq!(a, c);
}

/// Shots finished remembering every number and id handed out (what
/// proposals use) against `plan`'s finisher.
fn finished_remembering(b: &Breakdown, options: &PlanOptions) -> ShotList {
    let planner = Planner::new(b);
    let mut finisher = Finisher::with_capacity(0);
    let mut shots = Vec::new();
    for (index, scene) in b.scenes.iter().enumerate() {
        let params = options.params_for(&scene.number);
        let drafts = planner.cover(b, index, &params);
        finisher.finish(scene, index, drafts, &params, &mut shots);
    }
    ShotList {
        style: options.style.name().to_owned(),
        shots,
    }
}

#[test]
fn digit_scene_numbers_need_no_memory_of_numbers() {
    let options = PlanOptions::default();
    // Distinct digits (numbers new by construction), then numberings that
    // clash unless numbers and ids are remembered.
    for numbers in [
        &["1", "2", "10", "01", "12"][..],
        &["12", "12A", "12"],
        &["1", "1", "2"],
        &["", "0", "A1"],
        &["3", "3 "],
    ] {
        let mut script = Script::new();
        for n in numbers {
            script = script
                .scene(n, "INT. ROOM - DAY")
                .action("BRICK sits.", &["BRICK"])
                .says("BRICK", "One.")
                .says("STEEL", "Two.")
                .says("BRICK", "Three.");
        }
        let b = script.build();
        let list = classic(&b);
        assert_eq!(list, finished_remembering(&b, &options), "{numbers:?}");
        let unique = |f: fn(&Shot) -> &str| {
            let set: HashSet<&str> = list.shots.iter().map(f).collect();
            set.len() == list.shots.len()
        };
        assert!(unique(|s| &s.number) && unique(|s| &s.id), "{numbers:?}");
    }
    let fresh = |n: &[&str]| {
        let scenes: Vec<Scene> = n
            .iter()
            .fold(Script::new(), |s, n| s.scene(n, "INT. ROOM - DAY"))
            .build()
            .scenes;
        Finisher::for_scenes(&scenes).fresh
    };
    assert!(fresh(&["1", "2", "10"]));
    assert!(!fresh(&["1", "1"]) && !fresh(&["1", "1A"]) && !fresh(&[""]));
}

#[test]
fn plans_do_not_depend_on_the_number_of_threads() {
    let options = PlanOptions::default();
    let numberings: [fn(usize) -> String; 2] = [
        // Distinct digits: scenes finished where they are covered.
        |i| (i + 1).to_string(),
        // Clashing numbers: covered in parallel, finished in order.
        |i| {
            if i % 5 == 0 {
                "7".to_owned()
            } else {
                format!("{}A", i / 2)
            }
        },
    ];
    for number in numberings {
        let b = long_script(70, number);
        let sequential = finished_remembering(&b, &options);
        assert!(sequential.shots.len() > 70 * 2);
        for threads in [1, 2, 5] {
            let list = on_threads(threads, || classic(&b));
            assert_eq!(list, sequential, "{threads} threads");
        }
    }
}
