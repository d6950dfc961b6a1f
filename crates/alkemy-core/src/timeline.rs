//! The edit: tracks of clips on a frame grid, with transitions and markers.
//!
//! Times are whole frames at the timeline's frame rate, which is what every
//! interchange format (OTIO, CMX3600 EDL, FCPXML) ultimately expresses, so no
//! rounding happens on export.

use serde::{Deserialize, Serialize};

/// What a track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// Pictures.
    Video,
    /// Sound.
    Audio,
}

/// A piece of media placed on a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clip {
    /// Display name (usually the shot number).
    pub name: String,
    /// The shot it shows, if any (title cards have none).
    pub shot_id: Option<String>,
    /// Path of the media file, relative to the production's output folder.
    pub media: String,
    /// Length of the whole media file in frames.
    pub media_frames: u64,
    /// First frame of the media used (in point).
    pub source_in: u64,
    /// Frames used; the out point is `source_in + frames`.
    pub frames: u64,
}

impl Clip {
    /// The source out point (exclusive): `source_in + frames`.
    pub fn source_out(&self) -> u64 {
        self.source_in.saturating_add(self.frames)
    }

    /// Media frames available before the in point (the head handle).
    pub fn head_handle(&self) -> u64 {
        self.source_in.min(self.media_frames)
    }

    /// Media frames available after the out point (the tail handle).
    pub fn tail_handle(&self) -> u64 {
        self.media_frames.saturating_sub(self.source_out())
    }
}

/// An item on a track, in order; the record position is the sum of what precedes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrackItem {
    /// A clip.
    Clip(Clip),
    /// Empty time.
    Gap {
        /// Length in frames.
        frames: u64,
    },
    /// A dissolve between the clips on either side, centred on the cut;
    /// it takes no time of its own.
    Dissolve {
        /// Length in frames.
        frames: u64,
    },
}

/// How a dissolve of `frames` splits around its cut: `(before, after)`.
///
/// The part before the cut shows the incoming clip's head handle, the part
/// after it the outgoing clip's tail handle; an odd frame goes after the cut.
pub fn dissolve_split(frames: u64) -> (u64, u64) {
    let before = frames / 2;
    (before, frames - before)
}

impl TrackItem {
    /// How many frames the item advances the record position.
    pub fn frames(&self) -> u64 {
        match self {
            TrackItem::Clip(clip) => clip.frames,
            TrackItem::Gap { frames } => *frames,
            TrackItem::Dissolve { .. } => 0,
        }
    }
}

/// A track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Track name (`V1`).
    pub name: String,
    /// What it carries.
    pub kind: TrackKind,
    /// Items in order.
    pub items: Vec<TrackItem>,
}

impl Track {
    /// Length in frames.
    pub fn frames(&self) -> u64 {
        self.items.iter().map(TrackItem::frames).sum()
    }

    /// Every item with its record start frame (relative to the track start).
    pub fn placed(&self) -> impl Iterator<Item = (u64, &TrackItem)> {
        self.items.iter().scan(0_u64, |record, item| {
            let start = *record;
            *record = record.saturating_add(item.frames());
            Some((start, item))
        })
    }

    /// The clips in order.
    pub fn clips(&self) -> impl Iterator<Item = &Clip> {
        self.items.iter().filter_map(|item| match item {
            TrackItem::Clip(clip) => Some(clip),
            _ => None,
        })
    }
}

/// A named point on the timeline (one per scene).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// Label (`Scene 12: EXT. RIVER - DAY`).
    pub name: String,
    /// Record frame.
    pub frame: u64,
    /// Length in frames (the scene's length).
    pub frames: u64,
}

/// An edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The edit's name (the production title).
    pub name: String,
    /// Frames per second (integer rates: 24, 25, 30…).
    pub fps: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Tracks, `V1` first.
    pub tracks: Vec<Track>,
    /// Markers in record order.
    pub markers: Vec<Marker>,
}

impl Timeline {
    /// Length in frames: the longest track.
    pub fn frames(&self) -> u64 {
        self.tracks.iter().map(Track::frames).max().unwrap_or(0)
    }

    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.fps == 0 {
            return 0.0;
        }
        self.frames() as f64 / f64::from(self.fps)
    }

    /// The first video track, if any.
    pub fn video(&self) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == TrackKind::Video)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(name: &str, frames: u64) -> TrackItem {
        TrackItem::Clip(Clip {
            name: name.to_owned(),
            shot_id: None,
            media: format!("{name}.mp4"),
            media_frames: frames + 10,
            source_in: 4,
            frames,
        })
    }

    #[test]
    fn placed_items_start_where_the_previous_ones_end() {
        let track = Track {
            name: "V1".to_owned(),
            kind: TrackKind::Video,
            items: vec![
                clip("a", 24),
                TrackItem::Dissolve { frames: 8 },
                clip("b", 12),
                TrackItem::Gap { frames: 5 },
                clip("c", 3),
            ],
        };
        let starts: Vec<u64> = track.placed().map(|(start, _)| start).collect();
        assert_eq!(starts, vec![0, 24, 24, 36, 41]);
        assert_eq!(track.frames(), 44);
    }

    #[test]
    fn handles_and_split() {
        let TrackItem::Clip(c) = clip("a", 20) else {
            unreachable!()
        };
        assert_eq!(
            (c.head_handle(), c.source_out(), c.tail_handle()),
            (4, 24, 6)
        );
        assert_eq!(dissolve_split(12), (6, 6));
        assert_eq!(dissolve_split(7), (3, 4));
    }
}
