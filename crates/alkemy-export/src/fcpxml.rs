//! `timeline.fcpxml`: the first video track as FCPXML 1.9 for Final Cut Pro
//! and DaVinci Resolve.
//!
//! `resources` hold one `format` (frame duration `1/fps s`, frame size) and
//! one `asset` per media file (its whole length, with a `media-rep` whose
//! `src` is a URL per [`MediaPaths`]), plus the Cross Dissolve `effect` when
//! the edit has dissolves. The `library/event/project/sequence/spine` holds
//! `asset-clip`s (offset, start and duration as rational seconds such as
//! `5/4s`), `gap`s, centred `transition`s (offset = cut − half the dissolve,
//! overlapping the clips on either side as FCP writes them) and each scene
//! marker on the clip where the scene starts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{Marker, Timeline, TrackItem};

use crate::media_url::MediaPaths;
use crate::timecode::rational_seconds;
use crate::xml::Escaped;

/// Final Cut Pro's Cross Dissolve effect identifier.
const CROSS_DISSOLVE_UID: &str = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265";

/// How to write FCPXML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcpxmlOptions {
    /// How media paths appear in `media-rep` `src`. Final Cut Pro needs
    /// [`MediaPaths::Absolute`]; Resolve also accepts relative URLs.
    pub media: MediaPaths,
    /// Record time of the first frame, in seconds (the sequence's `tcStart`).
    pub start_seconds: u32,
    /// Event name in the library.
    pub event: String,
}

impl Default for FcpxmlOptions {
    fn default() -> Self {
        Self {
            media: MediaPaths::Relative,
            start_seconds: 3600,
            event: "Alkemy".to_owned(),
        }
    }
}

/// Why FCPXML could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FcpxmlError {
    /// The timeline's frame rate is zero.
    #[error("timeline {0:?} has a frame rate of 0")]
    ZeroFps(String),
    /// Writing failed.
    #[error("cannot write timeline.fcpxml: {0}")]
    Io(#[from] io::Error),
}

/// Writes the timeline as FCPXML 1.9.
pub fn write(
    timeline: &Timeline,
    options: &FcpxmlOptions,
    mut out: impl Write,
) -> Result<(), FcpxmlError> {
    let bytes = to_bytes(timeline, options)?;
    out.write_all(&bytes)?;
    Ok(())
}

/// The timeline as FCPXML 1.9 bytes.
pub fn to_bytes(timeline: &Timeline, options: &FcpxmlOptions) -> Result<Vec<u8>, FcpxmlError> {
    let fps = timeline.fps;
    if fps == 0 {
        return Err(FcpxmlError::ZeroFps(timeline.name.clone()));
    }
    let t = |frames: u64| rational_seconds(frames, fps);
    let start = u64::from(options.start_seconds) * u64::from(fps);
    let items: &[TrackItem] = timeline.video().map(|v| v.items.as_slice()).unwrap_or(&[]);

    // Resources: the format, one asset per media file, the dissolve effect.
    let mut assets: BTreeMap<&str, String> = BTreeMap::new();
    let mut s = String::with_capacity(2048 + items.len() * 600);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.9\">\n  <resources>\n");
    let _ = writeln!(
        s,
        "    <format id=\"r1\"{} frameDuration=\"{}\" width=\"{}\" height=\"{}\" colorSpace=\"1-1-1 (Rec. 709)\"/>",
        format_name(timeline)
            .map(|n| format!(" name=\"{n}\""))
            .unwrap_or_default(),
        t(1),
        timeline.width,
        timeline.height
    );
    let mut next_id = 2;
    for item in items {
        if let TrackItem::Clip(clip) = item {
            if assets.contains_key(clip.media.as_str()) {
                continue;
            }
            let id = format!("r{next_id}");
            next_id += 1;
            let _ = writeln!(
                s,
                "    <asset id=\"{id}\" name=\"{}\" start=\"0s\" duration=\"{}\" hasVideo=\"1\" format=\"r1\" videoSources=\"1\">\n      <media-rep kind=\"original-media\" src=\"{}\"/>\n    </asset>",
                Escaped(&clip.name),
                t(clip.media_frames),
                Escaped(&options.media.url(&clip.media))
            );
            assets.insert(&clip.media, id);
        }
    }
    let dissolve_id = format!("r{next_id}");
    if items
        .iter()
        .any(|i| matches!(i, TrackItem::Dissolve { .. }))
    {
        let _ = writeln!(
            s,
            "    <effect id=\"{dissolve_id}\" name=\"Cross Dissolve\" uid=\"{CROSS_DISSOLVE_UID}\"/>"
        );
    }
    s.push_str("  </resources>\n  <library>\n");
    let _ = writeln!(s, "    <event name=\"{}\">", Escaped(&options.event));
    let _ = writeln!(s, "      <project name=\"{}\">", Escaped(&timeline.name));
    let _ = writeln!(
        s,
        "        <sequence format=\"r1\" duration=\"{}\" tcStart=\"{}\" tcFormat=\"NDF\">\n          <spine>",
        t(timeline.frames()),
        t(start)
    );

    let mut markers = timeline.markers.iter().peekable();
    let mut record = 0_u64;
    for item in items {
        match item {
            TrackItem::Clip(clip) => {
                // Every clip's media got an asset above; "r1" is never used.
                let id = assets
                    .get(clip.media.as_str())
                    .map(String::as_str)
                    .unwrap_or("r1");
                let _ = write!(
                    s,
                    "            <asset-clip ref=\"{id}\" offset=\"{}\" name=\"{}\" start=\"{}\" duration=\"{}\" format=\"r1\" tcFormat=\"NDF\"",
                    t(start + record),
                    Escaped(&clip.name),
                    t(clip.source_in),
                    t(clip.frames)
                );
                let end = record + clip.frames;
                let mut inner = String::new();
                while let Some(m) = markers.next_if(|m| m.frame < end) {
                    marker(
                        &mut inner,
                        m,
                        clip.source_in + m.frame.saturating_sub(record),
                        fps,
                    );
                }
                if inner.is_empty() {
                    s.push_str("/>\n");
                } else {
                    s.push_str(">\n");
                    s.push_str(&inner);
                    s.push_str("            </asset-clip>\n");
                }
                record = end;
            }
            TrackItem::Gap { frames } => {
                let _ = writeln!(
                    s,
                    "            <gap name=\"Gap\" offset=\"{}\" start=\"{}\" duration=\"{}\"/>",
                    t(start + record),
                    t(start),
                    t(*frames)
                );
                record += frames;
            }
            TrackItem::Dissolve { frames } => {
                let (before, _) = dissolve_split(*frames);
                let _ = writeln!(
                    s,
                    "            <transition name=\"Cross Dissolve\" offset=\"{}\" duration=\"{}\">\n              <filter-video ref=\"{dissolve_id}\" name=\"Cross Dissolve\"/>\n            </transition>",
                    t((start + record).saturating_sub(before)),
                    t(*frames)
                );
            }
        }
    }
    s.push_str("          </spine>\n        </sequence>\n      </project>\n    </event>\n  </library>\n</fcpxml>\n");
    Ok(s.into_bytes())
}

fn marker(s: &mut String, m: &Marker, start: u64, fps: u32) {
    let _ = writeln!(
        s,
        "              <marker start=\"{}\" duration=\"{}\" value=\"{}\"/>",
        rational_seconds(start, fps),
        rational_seconds(1, fps),
        Escaped(&m.name)
    );
}

/// Final Cut Pro's name for common formats; others are described by their
/// frame duration and size alone.
fn format_name(timeline: &Timeline) -> Option<String> {
    let size = match (timeline.width, timeline.height) {
        (1920, 1080) => "1080p",
        (1280, 720) => "720p",
        (3840, 2160) => "2160p",
        _ => return None,
    };
    let rate = match timeline.fps {
        24 | 25 | 30 | 50 | 60 => timeline.fps,
        _ => return None,
    };
    Some(format!("FFVideoFormat{size}{rate}"))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::edl::tests::two_clips;

    #[test]
    fn rational_times_absolute_media_centred_transition_and_markers_on_clips() {
        let options = FcpxmlOptions {
            media: MediaPaths::Absolute(PathBuf::from("/films/out")),
            ..FcpxmlOptions::default()
        };
        let xml = String::from_utf8(to_bytes(&two_clips(), &options).unwrap()).unwrap();
        for want in [
            "<fcpxml version=\"1.9\">",
            "<format id=\"r1\" name=\"FFVideoFormat720p24\" frameDuration=\"1/24s\" width=\"1280\" height=\"720\"",
            "<asset id=\"r2\" name=\"1A\" start=\"0s\" duration=\"5/2s\"",
            "<media-rep kind=\"original-media\" src=\"file:///films/out/clips/a.mp4\"/>",
            "<asset id=\"r3\" name=\"2A\" start=\"0s\" duration=\"3/2s\"",
            "<sequence format=\"r1\" duration=\"3s\" tcStart=\"3600s\" tcFormat=\"NDF\">",
            // 1A: from frame 6 (1/4 s) for 48 frames, at the sequence start.
            "<asset-clip ref=\"r2\" offset=\"3600s\" name=\"1A\" start=\"1/4s\" duration=\"2s\"",
            "<marker start=\"1/4s\" duration=\"1/24s\" value=\"Scene 1: INT. A - DAY\"/>",
            // The 12-frame dissolve starts 6 frames before the cut at 3602 s.
            "<transition name=\"Cross Dissolve\" offset=\"14407/4s\" duration=\"1/2s\">",
            "<filter-video ref=\"r4\" name=\"Cross Dissolve\"/>",
            "<effect id=\"r4\" name=\"Cross Dissolve\" uid=\"FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265\"/>",
            "<asset-clip ref=\"r3\" offset=\"3602s\" name=\"2A\" start=\"1/4s\" duration=\"1s\"",
            "<marker start=\"1/4s\" duration=\"1/24s\" value=\"Scene 2: EXT. B - NIGHT\"/>",
        ] {
            assert!(xml.contains(want), "missing {want}\n{xml}");
        }
    }
}
