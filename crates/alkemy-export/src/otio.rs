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
use serde_json::{Map, Value, json};

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

fn document(timeline: &Timeline, options: &OtioOptions) -> Value {
    let fps = timeline.fps;
    let tracks: Vec<Value> = timeline
        .tracks
        .iter()
        .map(|track| {
            let children: Vec<Value> = track
                .items
                .iter()
                .map(|item| item_json(item, fps, &options.media))
                .collect();
            json!({
                "OTIO_SCHEMA": "Track.1",
                "metadata": {},
                "name": track.name,
                "source_range": null,
                "effects": [],
                "markers": [],
                "enabled": true,
                "children": children,
                "kind": match track.kind {
                    TrackKind::Video => "Video",
                    TrackKind::Audio => "Audio",
                },
            })
        })
        .collect();
    let markers: Vec<Value> = timeline
        .markers
        .iter()
        .map(|m| {
            json!({
                "OTIO_SCHEMA": "Marker.2",
                "metadata": {},
                "name": m.name,
                "color": "RED",
                "marked_range": range(m.frame, m.frames, fps),
                "comment": "",
            })
        })
        .collect();
    json!({
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {
            "alkemy": {"width": timeline.width, "height": timeline.height},
        },
        "name": timeline.name,
        "global_start_time": rt(u64::from(options.start_seconds) * u64::from(fps), fps),
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "metadata": {},
            "name": "tracks",
            "source_range": null,
            "effects": [],
            "markers": markers,
            "enabled": true,
            "children": tracks,
        },
    })
}

fn item_json(item: &TrackItem, fps: u32, media: &MediaPaths) -> Value {
    match item {
        TrackItem::Clip(clip) => {
            let mut metadata = Map::new();
            if let Some(shot) = &clip.shot_id {
                metadata.insert("alkemy".to_owned(), json!({ "shot_id": shot }));
            }
            json!({
                "OTIO_SCHEMA": "Clip.2",
                "metadata": metadata,
                "name": clip.name,
                "source_range": range(clip.source_in, clip.frames, fps),
                "effects": [],
                "markers": [],
                "enabled": true,
                "media_references": {
                    "DEFAULT_MEDIA": {
                        "OTIO_SCHEMA": "ExternalReference.1",
                        "metadata": {},
                        "name": clip.name,
                        "available_range": range(0, clip.media_frames, fps),
                        "available_image_bounds": null,
                        "target_url": media.url(&clip.media),
                    },
                },
                "active_media_reference_key": "DEFAULT_MEDIA",
            })
        }
        TrackItem::Gap { frames } => json!({
            "OTIO_SCHEMA": "Gap.1",
            "metadata": {},
            "name": "",
            "source_range": range(0, *frames, fps),
            "effects": [],
            "markers": [],
            "enabled": true,
        }),
        TrackItem::Dissolve { frames } => {
            let (before, after) = dissolve_split(*frames);
            json!({
                "OTIO_SCHEMA": "Transition.1",
                "metadata": {},
                "name": "Cross Dissolve",
                "in_offset": rt(before, fps),
                "out_offset": rt(after, fps),
                "transition_type": "SMPTE_Dissolve",
            })
        }
    }
}

#[cfg(test)]
mod tests {
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
