//! The animatic and its MP4s, checked by independent tools: ffprobe reports
//! h264 / yuv420p / avc1, the planned duration to the frame, moov before mdat;
//! joined clips last the sum of their parts; ffmpeg decodes every frame
//! without error; OpenH264's decoder reads our skip frames back as repeats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use alkemy_core::{CameraMovement, Shot};
use alkemy_media::{
    Animatic, AnimaticOptions, ClipSpec, EncodedClip, PanelOptions, PrevizRenderer, RgbImage,
    TitleCard, assemble,
};

fn tool(var: &str, fallback: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(fallback));
    if path.exists() {
        return Some(path);
    }
    if std::env::var("ALKEMY_TEST_STRICT").is_ok_and(|v| v == "1") {
        panic!(
            "{var}: {} is missing and ALKEMY_TEST_STRICT=1",
            path.display()
        );
    }
    eprintln!("skipping: {} not found (set {var})", path.display());
    None
}

fn ffprobe() -> Option<PathBuf> {
    tool("ALKEMY_TEST_FFPROBE", "/usr/bin/ffprobe")
}

fn ffmpeg() -> Option<PathBuf> {
    // ffmpeg ships beside ffprobe.
    let probe = ffprobe()?;
    let path = probe.with_file_name("ffmpeg");
    path.exists().then_some(path)
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/output");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn probe_json(ffprobe: &Path, file: &Path) -> serde_json::Value {
    let out = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write_clip(name: &str, clip: &EncodedClip) -> PathBuf {
    let path = out_dir().join(name);
    std::fs::write(&path, clip.to_mp4()).unwrap();
    path
}

fn still_for(shot: &Shot, w: u32, h: u32) -> RgbImage {
    PrevizRenderer::new()
        .render(shot, w, h, PanelOptions::clean())
        .unwrap()
}

/// Top-level boxes of an MP4 in order.
fn top_boxes(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&bytes[i + 4..i + 8]).into_owned());
        if size < 8 {
            break;
        }
        i += size;
    }
    out
}

fn check_stream(json: &serde_json::Value, frames: u64, fps: u32, w: u32, h: u32) {
    let s = &json["streams"][0];
    assert_eq!(s["codec_name"], "h264", "{json}");
    assert_eq!(s["codec_tag_string"], "avc1");
    assert_eq!(s["pix_fmt"], "yuv420p");
    assert_eq!(s["width"], w);
    assert_eq!(s["height"], h);
    assert_eq!(
        s["nb_frames"].as_str().unwrap().parse::<u64>().unwrap(),
        frames,
        "nb_frames"
    );
    assert_eq!(
        s["nb_read_frames"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        frames,
        "decoded frames"
    );
    let duration: f64 = s["duration"].as_str().unwrap().parse().unwrap();
    let want = frames as f64 / f64::from(fps);
    assert!(
        (duration - want).abs() < 0.5 / f64::from(fps),
        "duration {duration} vs {want}"
    );
}

#[test]
fn shot_clips_have_the_planned_length_to_the_frame() {
    let Some(ffprobe) = ffprobe() else { return };
    let (w, h, fps) = (320, 180, 24);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, fps)).unwrap();
    let shots = support::brick_and_steel();
    // A static shot, a push-in, a pan, handheld and a crane: each movement kind.
    for shot in shots
        .iter()
        .filter(|s| ["sc1-1A", "sc1-1E", "sc2-2", "sc2-2B", "sc7-7"].contains(&s.id.as_str()))
    {
        let clip = animatic.shot_clip(&still_for(shot, w, h), shot).unwrap();
        let frames = u64::from(shot.frames(fps));
        assert_eq!(clip.frames() as u64, frames);
        let path = write_clip(&format!("{}.mp4", shot.id), &clip);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            top_boxes(&bytes),
            vec!["ftyp", "moov", "mdat"],
            "moov must come before mdat"
        );
        check_stream(&probe_json(&ffprobe, &path), frames, fps, w, h);
    }
}

#[test]
fn static_shots_cost_one_picture_and_moving_shots_are_stepped() {
    let (w, h, fps) = (320, 180, 24);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, fps)).unwrap();
    let shot = support::shot("s").ms(5000).build();
    let clip = animatic.shot_clip(&still_for(&shot, w, h), &shot).unwrap();
    assert_eq!(clip.frames(), 120);
    assert_eq!(clip.samples.iter().filter(|s| !s.repeat).count(), 1);
    let skip_bytes: usize = clip.samples[1..].iter().map(|s| s.data.len()).sum();
    assert!(
        skip_bytes < 119 * 24,
        "repeats should be tiny: {skip_bytes} bytes"
    );
    let moving = support::shot("m")
        .ms(5000)
        .movement(CameraMovement::DollyIn)
        .build();
    let clip = animatic
        .shot_clip(&still_for(&moving, w, h), &moving)
        .unwrap();
    let coded = clip.samples.iter().filter(|s| !s.repeat).count();
    assert_eq!(coded, 60, "motion on twos at 24 fps");
}

#[test]
fn joined_clips_last_the_sum_and_decode_cleanly() {
    let Some(ffprobe) = ffprobe() else { return };
    let (w, h, fps) = (426, 240, 24);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, fps)).unwrap();
    let shots = support::brick_and_steel();
    let mut clips = Vec::new();
    let card = TitleCard {
        kicker: "SCENE 1".to_owned(),
        title: "EXT. BRICK'S PATIO - DAY".to_owned(),
        note: Some("Two retired cops and two cold beers.".to_owned()),
    };
    clips.push(animatic.title_card(&card, 36).unwrap());
    // A one-frame title right after: two IDR pictures in a row must still decode.
    clips.push(animatic.title_card(&card, 1).unwrap());
    let stills: Vec<RgbImage> = shots.iter().take(7).map(|s| still_for(s, w, h)).collect();
    for (i, shot) in shots.iter().take(7).enumerate() {
        if i == 6 {
            // Scene change: dissolve from the last frame of one shot into the next.
            let a = animatic
                .shot_frame(&stills[5], &shots[5], alkemy_media::Edge::Last)
                .unwrap();
            let b = animatic
                .shot_frame(&stills[6], shot, alkemy_media::Edge::First)
                .unwrap();
            clips.push(animatic.dissolve(&a, &b, 12).unwrap());
        }
        // Round-trip each clip through its MP4 file, as a cache would.
        let mp4 = animatic.shot_clip(&stills[i], shot).unwrap().to_mp4();
        clips.push(EncodedClip::from_mp4(&mp4, &shot.id).unwrap());
    }
    let total: u64 = clips.iter().map(|c| c.frames() as u64).sum();
    let joined = assemble(&clips).unwrap();
    assert_eq!(joined.frames() as u64, total);
    let path = write_clip("joined.mp4", &joined);
    check_stream(&probe_json(&ffprobe, &path), total, fps, w, h);
    // Full decode with error detection on.
    if let Some(ffmpeg) = ffmpeg() {
        let out = Command::new(ffmpeg)
            .args(["-v", "error", "-xerror", "-err_detect", "explode", "-i"])
            .arg(&path)
            .args(["-f", "null", "-"])
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn decoded_frames_match_what_was_encoded() {
    use openh264::decoder::Decoder;
    use openh264::formats::YUVSource;
    let (w, h, fps) = (320, 180, 24);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, fps)).unwrap();
    let shot = support::brick_and_steel()
        .into_iter()
        .find(|s| s.id == "sc2-2")
        .unwrap();
    let clip = animatic.shot_clip(&still_for(&shot, w, h), &shot).unwrap();
    let mut decoder = Decoder::new().unwrap();
    let mut annexb = Vec::new();
    for (i, sample) in clip.samples.iter().enumerate() {
        annexb.clear();
        if i == 0 {
            for ps in [&clip.params.sps, &clip.params.pps] {
                annexb.extend_from_slice(&[0, 0, 0, 1]);
                annexb.extend_from_slice(ps);
            }
        }
        let mut at = 0;
        while at + 4 <= sample.data.len() {
            let len = u32::from_be_bytes(sample.data[at..at + 4].try_into().unwrap()) as usize;
            annexb.extend_from_slice(&[0, 0, 0, 1]);
            annexb.extend_from_slice(&sample.data[at + 4..at + 4 + len]);
            at += 4 + len;
        }
        let pic = decoder
            .decode(&annexb)
            .unwrap()
            .expect("a picture per sample");
        assert_eq!(pic.dimensions(), (w as usize, h as usize));
    }
}

#[test]
fn any_still_any_size_is_fitted() {
    let animatic = Animatic::new(AnimaticOptions::new(256, 144, 24)).unwrap();
    // A tall JPEG-like still (odd size) and a tiny one.
    for (sw, sh) in [(333, 999), (17, 9), (1920, 1080)] {
        let mut data = Vec::with_capacity((sw * sh * 3) as usize);
        for i in 0..sw * sh {
            data.extend_from_slice(&[(i % 251) as u8, (i % 13 * 19) as u8, 90]);
        }
        let still = RgbImage::from_raw(sw, sh, data).unwrap();
        for m in support::MOVEMENTS {
            let clip = animatic
                .clip(
                    &still,
                    &ClipSpec {
                        movement: m,
                        frames: 10,
                        subtitle: Some("Hello"),
                        seed: 1,
                    },
                    "fit",
                )
                .unwrap();
            assert_eq!(clip.frames(), 10);
        }
    }
}

#[test]
fn mismatched_clips_are_refused() {
    let a = Animatic::new(AnimaticOptions::new(256, 144, 24)).unwrap();
    let b = Animatic::new(AnimaticOptions::new(320, 180, 24)).unwrap();
    let still = RgbImage::filled(64, 64, [200, 100, 50]).unwrap();
    let ca = a.clip(&still, &ClipSpec::hold(3), "a").unwrap();
    let cb = b.clip(&still, &ClipSpec::hold(3), "b").unwrap();
    let err = assemble(&[ca, cb]).unwrap_err();
    assert!(err.is_bad_input(), "{err}");
    assert!(assemble(&[]).is_err());
    assert!(EncodedClip::from_mp4(b"not an mp4 at all", "junk").is_err());
}

#[test]
fn shot_frame_at_is_the_picture_the_clip_shows_there() {
    let (w, h, fps) = (320, 180, 24);
    let animatic = Animatic::new(AnimaticOptions::new(w, h, fps)).unwrap();
    let shot = support::shot("d")
        .ms(3000)
        .movement(CameraMovement::DollyIn)
        .build();
    let still = still_for(&shot, w, h);
    let frames = shot.frames(fps);
    // The pictures `frames()` yields for the same clip, repeats resolved.
    let spec = ClipSpec {
        movement: shot.movement,
        frames,
        subtitle: None,
        seed: 0,
    };
    let mut shown: Vec<RgbImage> = Vec::new();
    animatic
        .frames(&still, &spec, "test", |frame| {
            let picture = match frame {
                alkemy_media::Frame::New(p) => p.to_rgb()?,
                alkemy_media::Frame::Repeat => shown.last().unwrap().clone(),
            };
            shown.push(picture);
            Ok(())
        })
        .unwrap();
    for index in [0, 1, frames / 2, frames - 7, frames - 1] {
        let at = animatic
            .shot_frame_at(&still, &shot, frames, index)
            .unwrap();
        assert!(
            at.as_bytes() == shown[index as usize].as_bytes(),
            "frame {index} differs from the clip's"
        );
    }
    // Moving shots really move: the first and last frames differ.
    assert!(shown[0].as_bytes() != shown[frames as usize - 1].as_bytes());
}
