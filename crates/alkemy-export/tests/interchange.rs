//! OpenTimelineIO reads our OTIO, EDL and FCPXML back (its own JSON reader
//! and its `otio-cmx3600-adapter` and `otio-fcpx-xml-adapter` plugins) and
//! finds the same clips, durations, transitions and markers as our Timeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{Timeline, TrackItem};
use alkemy_export::{AssembleOptions, MediaRef, assemble, edl, fcpxml, otio};
use serde_json::Value;
use support::tools::{python_with, run_json};

/// A feature-length edit: 190 scenes, 1,100 shots (more than CMX3600's 999
/// events), handles of 8 frames, 12-frame dissolves at scene changes, title
/// cards on every fifth scene.
fn edit(fps: u32) -> Timeline {
    let shots = support::feature(SCENES, 1_100);
    let mut media = support::media(&shots, fps, 8);
    for scene in (0..SCENES).step_by(5) {
        media.title_cards.insert(
            scene,
            MediaRef::with_handles(format!("cards/scene-{scene}.mp4"), u64::from(fps) * 2, 8),
        );
    }
    let options = AssembleOptions {
        name: "Brick & Steel <final>".to_owned(),
        fps,
        width: 1280,
        height: 720,
        scene_dissolve_frames: 12,
        title_card_frames: u64::from(fps) * 2,
    };
    assemble(&shots, &media, &options).unwrap()
}

const SCENES: u32 = 190;

fn read_back(
    python: &std::path::PathBuf,
    bytes: &[u8],
    ext: &str,
    adapter: &str,
    fps: u32,
) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("timeline.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    run_json(
        python,
        "otio_read.py",
        &[path.to_str().unwrap(), adapter, &fps.to_string()],
    )
}

fn items_of<'v>(read: &'v Value, kind: &str) -> Vec<&'v Value> {
    read["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == kind)
        .collect()
}

/// Our clips against the clips read back: names, durations, in points.
fn assert_same_clips(timeline: &Timeline, read: &Value) {
    let ours: Vec<_> = timeline.tracks[0].clips().collect();
    let clips = items_of(read, "clip");
    assert_eq!(clips.len(), ours.len());
    for (c, o) in clips.iter().zip(&ours) {
        assert_eq!(c["name"], o.name.as_str());
        assert_eq!(n(&c["duration"]), o.frames, "{}", o.name);
        assert_eq!(n(&c["start"]), o.source_in, "{}", o.name);
    }
}

/// The marker names read back, against ours.
fn assert_same_markers(timeline: &Timeline, read: &Value) {
    let markers: Vec<&str> = read["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = timeline.markers.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(markers, ours);
}

fn n(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not a frame count: {v}"))
}

#[test]
fn opentimelineio_reads_our_otio_with_the_same_clips_transitions_and_markers() {
    let Some(python) = python_with("opentimelineio") else {
        return;
    };
    let timeline = edit(24);
    let bytes = otio::to_bytes(&timeline, &otio::OtioOptions::default()).unwrap();
    let read = read_back(&python, &bytes, "otio", "otio_json", 24);

    assert_same_clips(&timeline, &read);
    // OTIO also keeps each clip's media reference.
    for (c, o) in items_of(&read, "clip")
        .iter()
        .zip(timeline.tracks[0].clips())
    {
        assert_eq!(n(&c["available"]), o.media_frames, "{}", o.name);
        assert_eq!(c["url"], o.media.as_str());
    }
    let ours_dissolves: Vec<u64> = timeline.tracks[0]
        .items
        .iter()
        .filter_map(|i| match i {
            TrackItem::Dissolve { frames } => Some(*frames),
            _ => None,
        })
        .collect();
    assert_eq!(
        ours_dissolves.len(),
        SCENES as usize - 1,
        "one dissolve per scene change"
    );
    let transitions = items_of(&read, "transition");
    assert_eq!(transitions.len(), ours_dissolves.len());
    for (t, d) in transitions.iter().zip(&ours_dissolves) {
        let (before, after) = dissolve_split(*d);
        assert_eq!((n(&t["in_offset"]), n(&t["out_offset"])), (before, after));
        assert_eq!(t["kind"], "SMPTE_Dissolve");
    }
    assert_same_markers(&timeline, &read);
    assert_eq!(timeline.markers.len(), SCENES as usize);
    assert_eq!(n(&read["duration"]), timeline.frames());
    assert_eq!(read["name"], "Brick & Steel <final>");
}

/// CMX3600 starts a dissolve where the incoming event starts, so a dissolve
/// centred on our cut moves the cut earlier by its first half: each clip
/// loses the first half of the dissolve after it and gains the one before it.
fn edl_durations(timeline: &Timeline) -> Vec<u64> {
    let items = &timeline.tracks[0].items;
    let mut out = Vec::new();
    let mut gained = 0;
    for (i, item) in items.iter().enumerate() {
        match item {
            TrackItem::Dissolve { frames } => gained = dissolve_split(*frames).0,
            TrackItem::Clip(clip) => {
                let lost = match items.get(i + 1) {
                    Some(TrackItem::Dissolve { frames }) => dissolve_split(*frames).0,
                    _ => 0,
                };
                out.push(clip.frames + gained - lost);
                gained = 0;
            }
            TrackItem::Gap { .. } => gained = 0,
        }
    }
    out
}

#[test]
fn the_cmx3600_reader_finds_every_event_and_dissolve_at_24_and_25_fps() {
    let Some(python) = python_with("opentimelineio") else {
        return;
    };
    for fps in [24, 25] {
        let timeline = edit(fps);
        let bytes = edl::to_bytes(&timeline, &edl::EdlOptions::default()).unwrap();
        let read = read_back(&python, &bytes, "edl", "cmx_3600", fps);

        let clips = items_of(&read, "clip");
        let expected = edl_durations(&timeline);
        assert_eq!(clips.len(), expected.len(), "{fps} fps");
        let got: Vec<u64> = clips.iter().map(|c| n(&c["duration"])).collect();
        assert_eq!(got, expected, "{fps} fps");
        assert!(clips.iter().all(|c| c["generator"] == false));

        let transitions = items_of(&read, "transition");
        assert_eq!(transitions.len(), SCENES as usize - 1);
        assert!(
            transitions
                .iter()
                .all(|t| n(&t["out_offset"]) == 12 && n(&t["in_offset"]) == 0)
        );
        assert_eq!(n(&read["duration"]), timeline.frames(), "{fps} fps");
        assert_eq!(read["name"], "Brick & Steel <final>");
    }
}

#[test]
fn the_fcpxml_reader_finds_the_same_clips_durations_and_scene_markers() {
    let Some(python) = python_with("otio_fcpx_xml_adapter") else {
        return;
    };
    let timeline = edit(24);
    let options = fcpxml::FcpxmlOptions::default();
    let bytes = fcpxml::to_bytes(&timeline, &options).unwrap();
    let read = read_back(&python, &bytes, "fcpxml", "fcpx_xml", 24);

    assert_same_clips(&timeline, &read);
    // The reader ignores the sequence's tcStart and puts a gap of that
    // length first; nothing else may be a gap.
    let gaps = items_of(&read, "gap");
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        n(&gaps[0]["duration"]),
        u64::from(options.start_seconds) * 24
    );
    assert_eq!(
        n(&read["duration"]) - n(&gaps[0]["duration"]),
        timeline.frames()
    );
    assert_same_markers(&timeline, &read);
}
