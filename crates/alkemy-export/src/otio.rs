//! `timeline.otio`: the edit as OpenTimelineIO JSON.
//!
//! Schemas written: `Timeline.1`, `Stack.1`, `Track.1`, `Clip.2` with an
//! `ExternalReference.1` (its `available_range` is the whole media file),
//! `Gap.1`, `Transition.1` (`SMPTE_Dissolve`, `in_offset` before the cut and
//! `out_offset` after it) and `Marker.2` (scene markers, on the stack).
//! Every time is a `RationalTime.1` at the timeline's frame rate.

use std::io::{self, Write};

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{Timeline, TrackItem, TrackKind};
use serde::Serialize;

use crate::media_url::MediaPaths;

/// How to write OTIO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtioOptions {
    /// How media paths appear in `target_url`.
    pub media: MediaPaths,
    /// Record time of the first frame, in seconds (3600: `01:00:00:00`).
    pub start_seconds: u32,
}

impl Default for OtioOptions {
    fn default() -> Self {
        Self {
            media: MediaPaths::Relative,
            start_seconds: 3600,
        }
    }
}

/// Why OTIO could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OtioError {
    /// The timeline's frame rate is zero.
    #[error("timeline {0:?} has a frame rate of 0")]
    ZeroFps(String),
    /// Writing failed.
    #[error("cannot write timeline.otio: {0}")]
    Io(#[from] io::Error),
}

/// Writes the timeline as OTIO JSON (pretty-printed, deterministic).
pub fn write(timeline: &Timeline, options: &OtioOptions, out: impl Write) -> Result<(), OtioError> {
    if timeline.fps == 0 {
        return Err(OtioError::ZeroFps(timeline.name.clone()));
    }
    let doc = document(timeline, options);
    serde_json::to_writer_pretty(out, &doc).map_err(io::Error::from)?;
    Ok(())
}

/// The timeline as OTIO JSON bytes, with a final newline.
pub fn to_bytes(timeline: &Timeline, options: &OtioOptions) -> Result<Vec<u8>, OtioError> {
    let mut out = Vec::with_capacity(
        1024 + timeline.tracks.iter().map(|t| t.items.len()).sum::<usize>() * 1500,
    );
    write(timeline, options, &mut out)?;
    out.push(b'\n');
    Ok(out)
}

#[derive(Serialize)]
struct RationalTime {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    rate: f64,
    value: f64,
}

fn rt(frames: u64, fps: u32) -> RationalTime {
    RationalTime {
        schema: "RationalTime.1",
        rate: f64::from(fps),
        value: frames as f64,
    }
}

#[derive(Serialize)]
struct TimeRange {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    duration: RationalTime,
    start_time: RationalTime,
}

fn range(start: u64, frames: u64, fps: u32) -> TimeRange {
    TimeRange {
        schema: "TimeRange.1",
        duration: rt(frames, fps),
        start_time: rt(start, fps),
    }
}

/// `{}`.
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: DocumentMeta,
    name: &'a str,
    global_start_time: RationalTime,
    tracks: Stack<'a>,
}

#[derive(Serialize)]
struct DocumentMeta {
    alkemy: FrameSize,
}

#[derive(Serialize)]
struct FrameSize {
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct Stack<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'static str,
    source_range: Option<TimeRange>,
    effects: [Empty; 0],
    markers: Vec<MarkerJson<'a>>,
    enabled: bool,
    children: Vec<TrackJson<'a>>,
}

#[derive(Serialize)]
struct MarkerJson<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'a str,
    color: &'static str,
    marked_range: TimeRange,
    comment: &'static str,
}

#[derive(Serialize)]
struct TrackJson<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'a str,
    source_range: Option<TimeRange>,
    effects: [Empty; 0],
    markers: [Empty; 0],
    enabled: bool,
    children: Vec<ItemJson<'a>>,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ItemJson<'a> {
    Clip(ClipJson<'a>),
    Gap(GapJson),
    Transition(TransitionJson),
}

#[derive(Serialize)]
struct ClipJson<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: ClipMeta<'a>,
    name: &'a str,
    source_range: TimeRange,
    effects: [Empty; 0],
    markers: [Empty; 0],
    enabled: bool,
    media_references: MediaReferences<'a>,
    active_media_reference_key: &'static str,
}

#[derive(Serialize)]
struct ClipMeta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    alkemy: Option<ShotMeta<'a>>,
}

#[derive(Serialize)]
struct ShotMeta<'a> {
    shot_id: &'a str,
}

#[derive(Serialize)]
struct MediaReferences<'a> {
    #[serde(rename = "DEFAULT_MEDIA")]
    default_media: ExternalReference<'a>,
}

#[derive(Serialize)]
struct ExternalReference<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'a str,
    available_range: TimeRange,
    available_image_bounds: Option<Empty>,
    target_url: String,
}

#[derive(Serialize)]
struct GapJson {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'static str,
    source_range: TimeRange,
    effects: [Empty; 0],
    markers: [Empty; 0],
    enabled: bool,
}

#[derive(Serialize)]
struct TransitionJson {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Empty,
    name: &'static str,
    in_offset: RationalTime,
    out_offset: RationalTime,
    transition_type: &'static str,
}

fn document<'a>(timeline: &'a Timeline, options: &OtioOptions) -> Document<'a> {
    let fps = timeline.fps;
    let children = timeline
        .tracks
        .iter()
        .map(|track| TrackJson {
            schema: "Track.1",
            metadata: Empty {},
            name: &track.name,
            source_range: None,
            effects: [],
            markers: [],
            enabled: true,
            children: track
                .items
                .iter()
                .map(|item| item_json(item, fps, &options.media))
                .collect(),
            kind: match track.kind {
                TrackKind::Video => "Video",
                TrackKind::Audio => "Audio",
            },
        })
        .collect();
    let markers = timeline
        .markers
        .iter()
        .map(|m| MarkerJson {
            schema: "Marker.2",
            metadata: Empty {},
            name: &m.name,
            color: "RED",
            marked_range: range(m.frame, m.frames, fps),
            comment: "",
        })
        .collect();
    Document {
        schema: "Timeline.1",
        metadata: DocumentMeta {
            alkemy: FrameSize {
                width: timeline.width,
                height: timeline.height,
            },
        },
        name: &timeline.name,
        global_start_time: rt(u64::from(options.start_seconds) * u64::from(fps), fps),
        tracks: Stack {
            schema: "Stack.1",
            metadata: Empty {},
            name: "tracks",
            source_range: None,
            effects: [],
            markers,
            enabled: true,
            children,
        },
    }
}

fn item_json<'a>(item: &'a TrackItem, fps: u32, media: &MediaPaths) -> ItemJson<'a> {
    match item {
        TrackItem::Clip(clip) => ItemJson::Clip(ClipJson {
            schema: "Clip.2",
            metadata: ClipMeta {
                alkemy: clip.shot_id.as_deref().map(|shot_id| ShotMeta { shot_id }),
            },
            name: &clip.name,
            source_range: range(clip.source_in, clip.frames, fps),
            effects: [],
            markers: [],
            enabled: true,
            media_references: MediaReferences {
                default_media: ExternalReference {
                    schema: "ExternalReference.1",
                    metadata: Empty {},
                    name: &clip.name,
                    available_range: range(0, clip.media_frames, fps),
                    available_image_bounds: None,
                    target_url: media.url(&clip.media),
                },
            },
            active_media_reference_key: "DEFAULT_MEDIA",
        }),
        TrackItem::Gap { frames } => ItemJson::Gap(GapJson {
            schema: "Gap.1",
            metadata: Empty {},
            name: "",
            source_range: range(0, *frames, fps),
            effects: [],
            markers: [],
            enabled: true,
        }),
        TrackItem::Dissolve { frames } => {
            let (before, after) = dissolve_split(*frames);
            ItemJson::Transition(TransitionJson {
                schema: "Transition.1",
                metadata: Empty {},
                name: "Cross Dissolve",
                in_offset: rt(before, fps),
                out_offset: rt(after, fps),
                transition_type: "SMPTE_Dissolve",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::edl::tests::two_clips;

    #[test]
    fn schemas_and_times_at_the_timeline_rate() {
        let bytes = to_bytes(&two_clips(), &OtioOptions::default()).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["OTIO_SCHEMA"], "Timeline.1");
        assert_eq!(v["global_start_time"]["value"], 86_400.0);
        let stack = &v["tracks"];
        assert_eq!(stack["OTIO_SCHEMA"], "Stack.1");
        assert_eq!(stack["markers"][1]["OTIO_SCHEMA"], "Marker.2");
        assert_eq!(
            stack["markers"][1]["marked_range"]["start_time"]["value"],
            48.0
        );
        let items = &stack["children"][0]["children"];
        assert_eq!(items[0]["OTIO_SCHEMA"], "Clip.2");
        assert_eq!(items[0]["source_range"]["start_time"]["value"], 6.0);
        assert_eq!(items[0]["source_range"]["duration"]["rate"], 24.0);
        let media = &items[0]["media_references"]["DEFAULT_MEDIA"];
        assert_eq!(media["OTIO_SCHEMA"], "ExternalReference.1");
        assert_eq!(media["available_range"]["duration"]["value"], 60.0);
        assert_eq!(media["target_url"], "clips/a.mp4");
        assert_eq!(items[1]["OTIO_SCHEMA"], "Transition.1");
        assert_eq!(items[1]["transition_type"], "SMPTE_Dissolve");
        assert_eq!(
            (
                items[1]["in_offset"]["value"].as_f64(),
                items[1]["out_offset"]["value"].as_f64()
            ),
            (Some(6.0), Some(6.0))
        );
        assert_eq!(items[0]["metadata"]["alkemy"]["shot_id"], "sc-1A");
    }
}
