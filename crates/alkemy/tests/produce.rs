//! `alkemy produce` end to end, the built binary on a real screenplay:
//! every promised file is there and valid (ffprobe reads the animatic as
//! h264/yuv420p/avc1 with the timeline's length to the frame, OpenTimelineIO
//! reads the edit back), a second run reuses everything, an edit to one scene
//! remakes only that scene, runs killed with SIGKILL resume to the same bytes
//! as an uninterrupted run, and bad input exits 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{ffprobe, python};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/brick-and-steel.fountain"
);

fn alkemy(args: &[&str]) -> Output {
    support::alkemy_offline().args(args).output().unwrap()
}

/// Produces `script` into `out` at 480p and returns the JSON report.
fn produce(script: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let out_s = out.to_str().unwrap();
    let mut args = vec![
        "produce",
        script,
        "--out",
        out_s,
        "--resolution",
        "480p",
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = alkemy(&args);
    assert!(
        o.status.success(),
        "produce failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every file under `dir` (relative path → bytes), the journal and preview
/// cache excluded.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel.starts_with(".alkemy") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn shots_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("shots.json")).unwrap()).unwrap()
}

#[test]
fn produces_every_file_and_a_valid_animatic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("brick");
    let report = produce(EXAMPLE, &out, &[]);
    let shots = shots_json(&out);
    let shot_count = shots["shots"].as_array().unwrap().len();
    assert!(shot_count >= 8, "at least a shot per scene: {shot_count}");
    assert_eq!(report["shots"], shot_count);
    assert_eq!(report["scenes"], 8);
    assert_eq!(report["frames_made"], shot_count);
    assert_eq!(report["clips_made"], shot_count);

    for file in [
        "analysis.json",
        "shots.csv",
        "shots.json",
        "animatic.mp4",
        "storyboard.html",
        "storyboard.pdf",
        "timeline.otio",
        "timeline.edl",
        "timeline.fcpxml",
        "manifest.json",
    ] {
        let len = std::fs::metadata(out.join(file)).unwrap().len();
        assert!(len > 100, "{file} is {len} bytes");
    }
    // Storyboards embed a storyboard-sized JPEG per shot, so a feature's
    // stays tens of megabytes.
    let pdf = std::fs::read(out.join("storyboard.pdf")).unwrap();
    let jpegs = pdf.windows(10).filter(|w| w == b"/DCTDecode").count();
    assert_eq!(jpegs, shot_count, "a JPEG panel per shot in the PDF");
    let html = std::fs::read_to_string(out.join("storyboard.html")).unwrap();
    assert_eq!(html.matches("data:image/jpeg;base64,").count(), shot_count);
    assert!(
        pdf.len() < shot_count * 40_000,
        "PDF is {} bytes",
        pdf.len()
    );

    let frames = std::fs::read_dir(out.join("frames")).unwrap().count();
    assert_eq!(frames, shot_count, "one frame per shot");
    let clips: Vec<String> = std::fs::read_dir(out.join("clips"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        clips.iter().filter(|c| !c.starts_with("title-")).count(),
        shot_count
    );
    assert_eq!(clips.iter().filter(|c| c.starts_with("title-")).count(), 8);

    // The CSV has the production columns and a row per shot.
    let csv = std::fs::read_to_string(out.join("shots.csv")).unwrap();
    let header = csv.lines().next().unwrap().to_ascii_lowercase();
    for column in [
        "scene", "shot", "size", "angle", "movement", "lens", "duration",
    ] {
        assert!(
            header.contains(column),
            "shots.csv header {header:?} lacks {column}"
        );
    }
    assert_eq!(csv.lines().count(), shot_count + 1);

    // The manifest lists every frame and clip with its inputs hash.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let assets = manifest["assets"].as_array().unwrap();
    for kind in ["frame", "clip"] {
        let n = assets.iter().filter(|a| a["kind"] == kind).count();
        assert_eq!(n, shot_count, "{kind} assets in the manifest");
    }
    assert!(
        assets
            .iter()
            .all(|a| a["inputs_hash"].as_str().is_some_and(|h| h.len() == 64))
    );

    // The animatic: what a browser and an editor need, and the timeline's
    // length to the frame.
    let timeline_frames = report["frames"].as_u64().unwrap();
    if let Some(ffprobe) = ffprobe() {
        let v = support::probe(&ffprobe, &out.join("animatic.mp4"));
        let stream = &v["streams"][0];
        assert_eq!(stream["codec_name"], "h264");
        assert_eq!(stream["codec_tag_string"], "avc1");
        assert_eq!(stream["pix_fmt"], "yuv420p");
        assert_eq!(stream["width"], 854);
        assert_eq!(stream["height"], 480);
        assert_eq!(stream["r_frame_rate"], "24/1");
        let counted: u64 = stream["nb_read_frames"].as_str().unwrap().parse().unwrap();
        assert_eq!(counted, timeline_frames, "decoded frames = timeline frames");
        let duration: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((duration - timeline_frames as f64 / 24.0).abs() < 0.5 / 24.0);
    }
    // moov before mdat, so browsers start playing before the end arrives.
    let mp4 = std::fs::read(out.join("animatic.mp4")).unwrap();
    let moov = mp4.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = mp4.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov < mdat);

    // OpenTimelineIO reads our three edit files with the same clips as the
    // shot list and the animatic's length.
    if let Some(python) = python() {
        let script = r#"
import sys, json, opentimelineio as otio
out = {}
for name in ["timeline.otio", "timeline.edl", "timeline.fcpxml"]:
    kwargs = {"rate": 24} if name.endswith(".edl") else {}
    tl = otio.adapters.read_from_file(sys.argv[1] + "/" + name, **kwargs)
    # FCPXML reads as a collection (library, event) holding the timeline.
    if not isinstance(tl, otio.schema.Timeline):
        tl = next(iter(tl.find_children(descended_from_type=otio.schema.Timeline, shallow_search=False)))
    clips = [c for c in tl.find_clips()]
    track = tl.video_tracks()[0]
    # The FCPXML reader turns the sequence's start timecode into a leading gap.
    lead = 0.0
    for item in track:
        if not isinstance(item, otio.schema.Gap):
            break
        lead += item.duration().to_seconds()
    frames = round((track.duration().to_seconds() - lead) * 24)
    out[name] = {"clips": len(clips), "frames": frames}
print(json.dumps(out))
"#;
        let o = Command::new(python)
            .args(["-c", script])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // Shots plus one title card per scene.
        let expected_clips = shot_count + 8;
        for name in ["timeline.otio", "timeline.edl", "timeline.fcpxml"] {
            assert_eq!(v[name]["clips"], expected_clips, "{name}: {v}");
        }
        for name in ["timeline.otio", "timeline.edl", "timeline.fcpxml"] {
            assert_eq!(v[name]["frames"], timeline_frames, "{name}: {v}");
        }
    }
}

#[test]
fn a_second_run_reuses_everything_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("again");
    produce(EXAMPLE, &out, &[]);
    let before = files(&out);
    let report = produce(EXAMPLE, &out, &[]);
    assert_eq!(report["frames_made"], 0);
    assert_eq!(report["clips_made"], 0);
    let after = files(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        if path == "manifest.json" {
            continue; // records this run's reuse and timings
        }
        assert!(
            after[path] == *bytes,
            "{path} changed on a run with nothing to do"
        );
    }
}

#[test]
fn editing_one_scene_remakes_only_that_scenes_frames_and_clips() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("edit.fountain");
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    std::fs::write(&script, &text).unwrap();
    let out = dir.path().join("out");
    produce(script.to_str().unwrap(), &out, &[]);
    let before = files(&out);

    // Change a line of dialogue in the third scene (a line every scene after
    // it is below, so their source lines shift too).
    let edited = text.replacen(
        "They're coming out of the woodwork!",
        "They're all coming out of the woodwork!",
        1,
    );
    assert_ne!(edited, text, "the example has the line to edit");
    std::fs::write(&script, edited).unwrap();
    let report = produce(script.to_str().unwrap(), &out, &[]);
    let after = files(&out);

    let shots = shots_json(&out);
    let scene_of: BTreeMap<String, String> = shots["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["scene_number"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(p, b)| {
            (p.starts_with("frames/") || p.starts_with("clips/")) && before.get(*p) != Some(*b)
        })
        .map(|(p, _)| p)
        .collect();
    assert!(!changed.is_empty(), "the edited shot must be remade");
    for path in &changed {
        let stem = Path::new(path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let scene = scene_of.get(&stem).map(String::as_str);
        assert_eq!(
            scene,
            Some("3"),
            "{path} changed but is not in the edited scene"
        );
    }
    let made = report["frames_made"].as_u64().unwrap() + report["clips_made"].as_u64().unwrap();
    assert_eq!(
        made as usize,
        changed.len(),
        "the report counts what changed"
    );
}

#[test]
fn runs_killed_at_random_points_resume_to_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean");
    produce(EXAMPLE, &clean, &[]);
    let expected = files(&clean);

    let out = dir.path().join("killed");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    eprintln!("kill schedule seed {seed}");
    let mut state = u64::from(seed) | 1;
    for round in 0..4 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(150 + (state >> 33) % 1500);
        let mut child = support::alkemy_offline()
            .args(["produce", EXAMPLE, "--out"])
            .arg(&out)
            .args(["--resolution", "480p", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // SIGKILL: no chance to clean up.
        let _ = child.kill();
        let _ = child.wait();
        eprintln!("round {round}: killed after {delay:?}");
    }
    produce(EXAMPLE, &out, &[]);
    let got = files(&out);
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the same files, and no temporary leftovers"
    );
    for (path, bytes) in &expected {
        if path == "manifest.json" || path == "timeline.fcpxml" {
            continue; // timings; absolute media paths of another folder
        }
        assert!(
            got[path] == *bytes,
            "{path} differs from an uninterrupted run"
        );
    }
}

#[test]
fn the_animatic_plays_to_the_end_in_chromium() {
    let Some(chromium) = support::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("play");
    let report = produce(EXAMPLE, &out, &["--scenes", "1-2"]);
    let frames = report["frames"].as_u64().unwrap();
    let played = support::play_in_chromium(&chromium, &out.join("animatic.mp4"));
    let ended = played.unwrap_or_else(|e| panic!("chromium did not play the animatic: {e}"));
    let expected = frames as f64 / 24.0;
    assert!(
        (ended - expected).abs() < 0.1,
        "ended at {ended} s, the animatic is {expected} s"
    );
}

#[test]
fn a_scene_selection_produces_only_those_scenes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("some");
    let report = produce(EXAMPLE, &out, &["--scenes", "2-3"]);
    assert_eq!(report["scenes"], 2);
    let shots = shots_json(&out);
    let scenes: std::collections::BTreeSet<&str> = shots["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scene_number"].as_str().unwrap())
        .collect();
    assert_eq!(scenes.into_iter().collect::<Vec<_>>(), ["2", "3"]);
}

#[test]
fn a_dry_run_quotes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dry");
    let o = alkemy(&[
        "produce",
        EXAMPLE,
        "--out",
        out.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let quote: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(quote["frames_to_make"].as_u64().unwrap() >= 8);
    assert_eq!(quote["total"], 0, "offline models cost nothing");
    assert!(!out.exists(), "a dry run creates nothing");
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.fountain");
    std::fs::write(&empty, "").unwrap();
    let out = dir.path().join("x");
    let out_s = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["produce", empty.to_str().unwrap(), "--out", out_s],
            "empty",
        ),
        (
            vec!["produce", "/no/such/file.fountain", "--out", out_s],
            "cannot read",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--resolution", "4k"],
            "resolution",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--scenes", "7-3"],
            "scene",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--scenes", "99"],
            "no scene",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--style", "noir"],
            "style",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--pdf-grid", "4x4"],
            "expected 2x3 or 3x3",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "--budget=-3"],
            "must not be negative",
        ),
        (
            vec!["produce", EXAMPLE, "--out", out_s, "-j", "0"],
            "--jobs",
        ),
    ];
    for (args, needle) in cases {
        let o = alkemy(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.to_lowercase().contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
