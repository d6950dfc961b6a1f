//! Properties over generated shot lists: exact frame math, contiguous EDL
//! timecode, and exporters that never panic or emit malformed files whatever
//! text the shots carry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alkemy_core::{ShotList, Timeline, TrackItem};
use alkemy_export::storyboard::{html, pdf};
use alkemy_export::{AssembleOptions, MediaRef, Panel, Storyboard, assemble, edl, fcpxml, otio};
use proptest::prelude::*;
use support::ShotBuilder;

/// Shot lists of 1–40 shots over a few scenes with durations from 1 ms to 20 s.
fn shot_lists() -> impl Strategy<Value = ShotList> {
    prop::collection::vec((0_u32..4, 1_u32..20_000), 1..40).prop_map(|specs| {
        let mut scene = 0;
        let shots = specs
            .into_iter()
            .enumerate()
            .map(|(i, (step, ms))| {
                scene += u32::from(step == 0);
                ShotBuilder::new(scene, &format!("{}{}", scene + 1, support::shot_letter(i)))
                    .duration_ms(ms)
                    .build()
            })
            .collect();
        ShotList {
            style: "classic".to_owned(),
            shots,
        }
    })
}

fn build(shots: &ShotList, fps: u32, handle: u64, dissolve: u64, cards: bool) -> Timeline {
    let mut media = support::media(shots, fps, handle);
    if cards {
        for shot in &shots.shots {
            media
                .title_cards
                .insert(shot.scene_index, MediaRef::new("cards/c.mp4", 48));
        }
    }
    let options = AssembleOptions {
        name: "P".to_owned(),
        fps,
        width: 854,
        height: 480,
        scene_dissolve_frames: dissolve,
        title_card_frames: if cards { 24 } else { 0 },
    };
    assemble(shots, &media, &options).unwrap()
}

/// Parses the event lines of an EDL into (source in, source out, record in,
/// record out) frame counts.
fn edl_events(text: &str, fps: u64) -> Vec<[u64; 4]> {
    let frames = |tc: &str| {
        let p: Vec<u64> = tc.split(':').map(|x| x.parse().unwrap()).collect();
        ((p[0] * 60 + p[1]) * 60 + p[2]) * fps + p[3]
    };
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let tc = &f[f.len() - 4..];
            [frames(tc[0]), frames(tc[1]), frames(tc[2]), frames(tc[3])]
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn timeline_length_is_the_sum_of_shot_frames(
        shots in shot_lists(),
        fps in prop::sample::select(vec![24_u32, 25, 30, 48, 60]),
        handle in 0_u64..20,
        dissolve in 0_u64..30,
        cards in any::<bool>(),
    ) {
        let t = build(&shots, fps, handle, dissolve, cards);
        let shot_frames: u64 = shots.shots.iter().map(|s| u64::from(s.frames(fps))).sum();
        let scenes = t.markers.len() as u64;
        let card_frames = if cards { 24 * scenes } else { 0 };
        prop_assert_eq!(t.frames(), shot_frames + card_frames);
        // Markers tile the timeline, one per scene.
        let mut at = 0;
        for m in &t.markers {
            prop_assert_eq!(m.frame, at);
            at += m.frames;
        }
        prop_assert_eq!(at, t.frames());
        // Every dissolve fits the handles and clips on both sides.
        let items = &t.tracks[0].items;
        for (i, item) in items.iter().enumerate() {
            if let TrackItem::Dissolve { frames } = item {
                let (before, after) = alkemy_core::timeline::dissolve_split(*frames);
                let (TrackItem::Clip(a), TrackItem::Clip(b)) = (&items[i - 1], &items[i + 1]) else {
                    panic!("a dissolve sits between two clips");
                };
                prop_assert!(*frames <= dissolve);
                prop_assert!(before <= b.head_handle() && after <= a.tail_handle());
                prop_assert!(before <= a.frames && after <= b.frames);
            }
        }
    }

    #[test]
    fn edl_record_timecode_is_monotonic_and_contiguous(
        shots in shot_lists(),
        fps in prop::sample::select(vec![24_u32, 25, 30]),
        handle in 0_u64..20,
        dissolve in 0_u64..30,
    ) {
        let t = build(&shots, fps, handle, dissolve, false);
        let text = String::from_utf8(edl::to_bytes(&t, &edl::EdlOptions::default()).unwrap()).unwrap();
        let events = edl_events(&text, u64::from(fps));
        let start = 3600 * u64::from(fps);
        let mut record = start;
        for [src_in, src_out, rec_in, rec_out] in events {
            prop_assert_eq!(rec_in, record, "contiguous");
            prop_assert!(rec_out >= rec_in, "monotonic");
            prop_assert_eq!(src_out - src_in, rec_out - rec_in, "source and record agree");
            record = rec_out;
        }
        prop_assert_eq!(record, start + t.frames());
    }

    #[test]
    fn exports_never_panic_on_arbitrary_shot_text(
        title in ".{0,40}",
        description in ".{0,200}",
        dialogue in proptest::option::of(".{0,200}"),
        location in ".{0,60}",
        number in "[^\\x00]{1,8}",
    ) {
        let mut b = ShotBuilder::new(0, "1A").description(&description);
        if let Some(d) = &dialogue {
            b = b.dialogue("X", d);
        }
        let mut shot = b.build();
        shot.location = location.into();
        shot.number = number.into();
        let shots = ShotList { style: "s".to_owned(), shots: vec![shot, ShotBuilder::new(1, "2A").build()] };
        let mut t = build(&shots, 24, 6, 12, false);
        t.name = title.clone();

        let json = otio::to_bytes(&t, &otio::OtioOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(v["name"].as_str().unwrap(), title.as_str());
        let xml = String::from_utf8(fcpxml::to_bytes(&t, &fcpxml::FcpxmlOptions::default()).unwrap()).unwrap();
        let doc = roxmltree::Document::parse_with_options(
            &xml,
            roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() },
        );
        prop_assert!(doc.is_ok(), "{:?}", doc.err());
        let edl = String::from_utf8(edl::to_bytes(&t, &edl::EdlOptions::default()).unwrap()).unwrap();
        // Two events; the second, a dissolve, has two lines.
        let numbers: Vec<&str> = edl.lines().filter(|l| l.starts_with(|c: char| c.is_ascii_digit())).map(|l| &l[..3]).collect();
        prop_assert_eq!(numbers, vec!["001", "002", "002"]);
        prop_assert_eq!(edl.lines().filter(|l| l.starts_with("* FROM CLIP NAME:")).count(), 2);

        let png = support::panel_png(8, 8, 3);
        let panels = shots.shots.iter().map(|shot| Panel { shot, image: Some(&png[..]) }).collect();
        let board = Storyboard { title: &title, panels };
        let page = String::from_utf8(html::to_bytes(&board)).unwrap();
        let parsed = scraper::Html::parse_document(&page);
        prop_assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let out = pdf::render(&board, &pdf::PdfOptions::default()).unwrap();
        prop_assert!(out.bytes.starts_with(b"%PDF-") && out.pages == 2);
    }
}
