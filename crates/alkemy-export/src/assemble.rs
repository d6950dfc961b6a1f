//! Timeline assembly: the shot list and the clips the pipeline rendered become
//! an [`alkemy_core::Timeline`] on one video track.
//!
//! Frame math is exact: every shot occupies `Shot::frames(fps)` frames of
//! record time, so the timeline's length is the sum of the shots' frames (plus
//! title cards, when asked for). Dissolves at scene changes are centred on the
//! cut and take no record time; they need handles (media beyond the in and out
//! points), so each is shortened to what the media on both sides can give, and
//! left out where there is none. Render clips with handles of at least half
//! the dissolve to get full-length dissolves.

use std::collections::BTreeMap;

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{
    Clip, Marker, ProjectSettings, Shot, ShotList, Timeline, Track, TrackItem, TrackKind,
};

use crate::scene::scene_label;

/// A rendered media file on disk and the part of it to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// Path relative to the production's output folder (`clips/sc12-12A.mp4`).
    pub path: String,
    /// Length of the whole file in frames.
    pub frames: u64,
    /// First frame to use; frames before it are the head handle.
    pub source_in: u64,
}

impl MediaRef {
    /// A file used from its first frame.
    pub fn new(path: impl Into<String>, frames: u64) -> Self {
        Self {
            path: path.into(),
            frames,
            source_in: 0,
        }
    }

    /// A file of `used + 2 × handle` frames whose middle `used` frames are
    /// the shot, with `handle` frames to spare at each end.
    pub fn with_handles(path: impl Into<String>, used: u64, handle: u64) -> Self {
        Self {
            path: path.into(),
            frames: used.saturating_add(handle.saturating_mul(2)),
            source_in: handle,
        }
    }
}

/// What the pipeline rendered: one clip per shot, and optionally a title
/// card per scene.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Media {
    /// Clips by shot id.
    pub shots: BTreeMap<String, MediaRef>,
    /// Title cards by scene index; a scene with an entry opens with its card.
    pub title_cards: BTreeMap<u32, MediaRef>,
}

/// How to assemble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembleOptions {
    /// The edit's name (the production title).
    pub name: String,
    /// Frames per second (integer).
    pub fps: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Dissolve length at scene changes in frames; 0 for straight cuts.
    pub scene_dissolve_frames: u64,
    /// Length of a scene's title card in frames, where the media has one.
    pub title_card_frames: u64,
}

impl AssembleOptions {
    /// Options for a project: its fps and frame size, half-second scene
    /// dissolves and two-second title cards.
    pub fn new(name: impl Into<String>, settings: &ProjectSettings) -> Self {
        let (width, height) = settings.resolution.frame_size(settings.aspect);
        let fps = settings.fps;
        Self {
            name: name.into(),
            fps,
            width,
            height,
            scene_dissolve_frames: u64::from(fps / 2),
            title_card_frames: u64::from(fps) * 2,
        }
    }
}

/// Why a timeline could not be assembled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    /// The frame rate is zero.
    #[error("frame rate must be at least 1 frame per second")]
    ZeroFps,
    /// A shot has no rendered clip.
    #[error("shot {shot}: no rendered clip was given")]
    MissingClip {
        /// The shot id.
        shot: String,
    },
    /// A clip is shorter than the shot (or title card) it must fill.
    #[error(
        "{what}: {path} has {available} frames from its in point {source_in}, {needed} are needed; render it again at the planned duration"
    )]
    ShortClip {
        /// The shot or title card (`shot sc1-1A`, `scene 3 title card`).
        what: String,
        /// The media path.
        path: String,
        /// Frames in the file after the in point.
        available: u64,
        /// The in point.
        source_in: u64,
        /// Frames needed.
        needed: u64,
    },
}

/// Builds the timeline of a shot list from the clips rendered for it.
pub fn assemble(
    shots: &ShotList,
    media: &Media,
    options: &AssembleOptions,
) -> Result<Timeline, AssembleError> {
    if options.fps == 0 {
        return Err(AssembleError::ZeroFps);
    }
    let mut edit = Edit::new(options.scene_dissolve_frames);
    let mut markers = Vec::new();
    let mut scene_start: Option<(u64, &Shot)> = None;

    for (i, shot) in shots.shots.iter().enumerate() {
        let new_scene = i == 0 || shots.shots[i - 1].scene_index != shot.scene_index;
        // Where the scene changes, whatever opens the scene dissolves in.
        let mut dissolve = new_scene && i > 0;
        if new_scene {
            if let Some((start, first)) = scene_start.take() {
                markers.push(scene_marker(first, start, edit.record));
            }
            scene_start = Some((edit.record, shot));
            let card = media.title_cards.get(&shot.scene_index);
            if let Some(card) = card.filter(|_| options.title_card_frames > 0) {
                let clip = clip_for(
                    card,
                    format!("Scene {} title", shot.scene_number),
                    None,
                    options.title_card_frames,
                    format!("scene {} title card", shot.scene_number),
                )?;
                edit.push(clip, dissolve);
                // The card is the scene change; the first shot cuts in.
                dissolve = false;
            }
        }
        let frames = u64::from(shot.frames(options.fps));
        edit.push(shot_clip(shot, media, frames)?, dissolve);
    }
    if let Some((start, first)) = scene_start {
        markers.push(scene_marker(first, start, edit.record));
    }

    Ok(Timeline {
        name: options.name.clone(),
        fps: options.fps,
        width: options.width,
        height: options.height,
        tracks: vec![Track {
            name: "V1".to_owned(),
            kind: TrackKind::Video,
            items: edit.items,
        }],
        markers,
    })
}

fn scene_marker(first: &Shot, start: u64, end: u64) -> Marker {
    Marker {
        name: scene_label(first),
        frame: start,
        frames: end - start,
    }
}

fn shot_clip(shot: &Shot, media: &Media, frames: u64) -> Result<Clip, AssembleError> {
    let media_ref =
        media
            .shots
            .get(shot.id.as_str())
            .ok_or_else(|| AssembleError::MissingClip {
                shot: shot.id.to_string(),
            })?;
    clip_for(
        media_ref,
        shot.number.to_string(),
        Some(shot.id.to_string()),
        frames,
        format!("shot {}", shot.id),
    )
}

fn clip_for(
    media: &MediaRef,
    name: String,
    shot_id: Option<String>,
    frames: u64,
    what: String,
) -> Result<Clip, AssembleError> {
    let available = media.frames.saturating_sub(media.source_in);
    if available < frames {
        return Err(AssembleError::ShortClip {
            what,
            path: media.path.clone(),
            available,
            source_in: media.source_in,
            needed: frames,
        });
    }
    Ok(Clip {
        name,
        shot_id,
        media: media.path.clone(),
        media_frames: media.frames,
        source_in: media.source_in,
        frames,
    })
}

/// The track being built: items, the record position, and how much of the
/// last clip is still free for a dissolve (not taken by the one before it).
struct Edit {
    items: Vec<TrackItem>,
    record: u64,
    dissolve_frames: u64,
    /// The last clip's index in `items` and its free frames.
    last: Option<(usize, u64)>,
}

impl Edit {
    fn new(dissolve_frames: u64) -> Self {
        Self {
            items: Vec::new(),
            record: 0,
            dissolve_frames,
            last: None,
        }
    }

    /// Appends a clip, dissolving into it from the previous clip if asked.
    fn push(&mut self, clip: Clip, dissolve: bool) {
        let mut taken = 0;
        if dissolve
            && let Some((prev, prev_free)) = self.last
            && let TrackItem::Clip(prev) = &self.items[prev]
        {
            let frames = fit_dissolve(self.dissolve_frames, prev, prev_free, &clip);
            if frames > 0 {
                self.items.push(TrackItem::Dissolve { frames });
                taken = dissolve_split(frames).1;
            }
        }
        self.record += clip.frames;
        let free = clip.frames - taken;
        self.last = Some((self.items.len(), free));
        self.items.push(TrackItem::Clip(clip));
    }
}

/// The longest dissolve up to `wanted` frames that both clips can give: the
/// part before the cut needs the incoming head handle and free frames at the
/// end of the outgoing clip; the part after it needs the outgoing tail handle
/// and frames of the incoming clip.
fn fit_dissolve(wanted: u64, prev: &Clip, prev_free: u64, next: &Clip) -> u64 {
    (1..=wanted)
        .rev()
        .find(|&d| {
            let (before, after) = dissolve_split(d);
            before <= next.head_handle()
                && before <= prev_free
                && after <= prev.tail_handle()
                && after <= next.frames
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(frames: u64, media_frames: u64, source_in: u64) -> Clip {
        Clip {
            name: "x".to_owned(),
            shot_id: None,
            media: "x.mp4".to_owned(),
            media_frames,
            source_in,
            frames,
        }
    }

    #[test]
    fn dissolves_shrink_to_the_handles_available() {
        // Handles of 6 on both sides: a 12-frame dissolve fits.
        assert_eq!(fit_dissolve(12, &clip(48, 60, 6), 48, &clip(48, 60, 6)), 12);
        // A 3-frame tail on the outgoing clip allows 3 after the cut: 6 in all.
        assert_eq!(fit_dissolve(12, &clip(48, 51, 0), 48, &clip(48, 60, 6)), 6);
        // No head handle on the incoming clip: only a 1-frame dissolve (0 + 1).
        assert_eq!(fit_dissolve(12, &clip(48, 60, 6), 48, &clip(48, 48, 0)), 1);
        // No handles at all: a cut.
        assert_eq!(fit_dissolve(12, &clip(48, 48, 0), 48, &clip(48, 48, 0)), 0);
        // The outgoing clip has only 2 free frames left before the cut.
        assert_eq!(fit_dissolve(12, &clip(48, 60, 6), 2, &clip(48, 60, 6)), 5);
    }
}

#[cfg(test)]
mod errors {
    use alkemy_core::ProjectSettings;

    use super::*;

    fn one_shot_list() -> ShotList {
        let shot: Shot = serde_json::from_value(serde_json::json!({
            "id": "sc1-1A", "scene_index": 0, "scene_number": "1", "number": "1A",
            "size": "MS", "angle": "eye_level", "movement": "static", "lens_mm": 50,
            "duration_ms": 2_000, "cast": [], "speaker": null, "dialogue": null,
            "subject": null, "location": "ROOM", "int_ext": "int", "time_of_day": "day",
            "light": "day", "span": {"start_line": 1, "end_line": 2}, "description": "",
            "setup": 1, "prompt": null
        }))
        .unwrap();
        ShotList {
            style: "classic".to_owned(),
            shots: vec![shot],
        }
    }

    #[test]
    fn missing_and_short_clips_name_the_shot() {
        let shots = one_shot_list();
        let options = AssembleOptions::new("T", &ProjectSettings::default());
        assert_eq!(
            (
                options.fps,
                options.width,
                options.height,
                options.scene_dissolve_frames
            ),
            (24, 1280, 720, 12)
        );
        let e = assemble(&shots, &Media::default(), &options).unwrap_err();
        assert_eq!(
            e,
            AssembleError::MissingClip {
                shot: "sc1-1A".to_owned()
            }
        );

        let mut media = Media::default();
        media.shots.insert(
            "sc1-1A".to_owned(),
            MediaRef::with_handles("clips/x.mp4", 40, 4),
        );
        let e = assemble(&shots, &media, &options).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("shot sc1-1A: clips/x.mp4 has 44 frames"),
            "{e}"
        );

        media.shots.insert(
            "sc1-1A".to_owned(),
            MediaRef::with_handles("clips/x.mp4", 48, 4),
        );
        let t = assemble(&shots, &media, &options).unwrap();
        assert_eq!(t.frames(), 48);
        assert_eq!(t.markers[0].name, "Scene 1: INT. ROOM - DAY");
        let zero = AssembleOptions { fps: 0, ..options };
        assert_eq!(
            assemble(&shots, &media, &zero).unwrap_err(),
            AssembleError::ZeroFps
        );
    }
}
