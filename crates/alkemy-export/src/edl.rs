//! `timeline.edl`: the first video track as a CMX3600 edit decision list.
//!
//! Non-drop-frame timecode at the timeline's integer rate (24 by default),
//! one event per clip with its reel (at most 8 characters, unique per media
//! file), `* FROM CLIP NAME:` and `* SOURCE FILE:` comments, black (`BL`)
//! events for gaps, and dissolves as two-line `C`/`D` events. CMX3600 starts
//! a dissolve where the incoming event starts, so a dissolve centred on a cut
//! moves that cut earlier by the part before it: the outgoing event ends
//! there and the incoming event starts there, on its head handle.
//!
//! Event numbers have three digits up to 999 and simply grow past that (as
//! OpenTimelineIO's own writer does); editors split longer lists by reel.

use std::collections::BTreeMap;
use std::io::{self, Write};

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{Clip, Timeline, TrackItem};

use crate::timecode::Timecode;

/// How to write the EDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdlOptions {
    /// Record timecode of the first frame, in seconds (3600: `01:00:00:00`).
    pub start_seconds: u32,
}

impl Default for EdlOptions {
    fn default() -> Self {
        Self {
            start_seconds: 3600,
        }
    }
}

/// Why the EDL could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EdlError {
    /// The timeline's frame rate is zero.
    #[error("timeline {0:?} has a frame rate of 0")]
    ZeroFps(String),
    /// Record timecode would pass 24 hours.
    #[error("timeline {0:?} runs past 23:59:59 of record timecode; start it earlier")]
    TooLong(String),
    /// Writing failed.
    #[error("cannot write timeline.edl: {0}")]
    Io(#[from] io::Error),
}

/// One event line's times and names.
struct Event<'a> {
    clip: Option<&'a Clip>,
    reel: String,
    src_in: u64,
    src_out: u64,
    rec_in: u64,
    rec_out: u64,
    /// Dissolve into this event: length and the outgoing event.
    dissolve: Option<(u64, usize)>,
}

/// Writes the EDL of the timeline's first video track.
pub fn write(
    timeline: &Timeline,
    options: &EdlOptions,
    mut out: impl Write,
) -> Result<(), EdlError> {
    let fps = timeline.fps;
    if fps == 0 {
        return Err(EdlError::ZeroFps(timeline.name.clone()));
    }
    let start = u64::from(options.start_seconds) * u64::from(fps);
    if start + timeline.frames() > 24 * 3600 * u64::from(fps) {
        return Err(EdlError::TooLong(timeline.name.clone()));
    }
    let events = events(timeline, start);
    let tc = |frames| Timecode { frames, fps };

    writeln!(out, "TITLE: {}", one_line(&timeline.name, 70))?;
    writeln!(out, "FCM: NON-DROP FRAME")?;
    for (i, ev) in events.iter().enumerate() {
        let number = i + 1;
        writeln!(out)?;
        match ev.dissolve {
            None => writeln!(
                out,
                "{number:03}  {:<8} V     C        {} {} {} {}",
                ev.reel,
                tc(ev.src_in),
                tc(ev.src_out),
                tc(ev.rec_in),
                tc(ev.rec_out)
            )?,
            Some((frames, from)) => {
                let prev = &events[from];
                writeln!(
                    out,
                    "{number:03}  {:<8} V     C        {} {} {} {}",
                    prev.reel,
                    tc(prev.src_out),
                    tc(prev.src_out),
                    tc(ev.rec_in),
                    tc(ev.rec_in)
                )?;
                writeln!(
                    out,
                    "{number:03}  {:<8} V     D    {frames:03} {} {} {} {}",
                    ev.reel,
                    tc(ev.src_in),
                    tc(ev.src_out),
                    tc(ev.rec_in),
                    tc(ev.rec_out)
                )?;
                if let Some(clip) = prev.clip {
                    writeln!(out, "* FROM CLIP NAME: {}", one_line(&clip.name, 120))?;
                }
                if let Some(clip) = ev.clip {
                    writeln!(out, "* TO CLIP NAME: {}", one_line(&clip.name, 120))?;
                    writeln!(out, "* SOURCE FILE: {}", one_line(&clip.media, 400))?;
                }
                continue;
            }
        }
        if let Some(clip) = ev.clip {
            writeln!(out, "* FROM CLIP NAME: {}", one_line(&clip.name, 120))?;
            writeln!(out, "* SOURCE FILE: {}", one_line(&clip.media, 400))?;
        }
    }
    Ok(())
}

/// The EDL as bytes.
pub fn to_bytes(timeline: &Timeline, options: &EdlOptions) -> Result<Vec<u8>, EdlError> {
    let mut out = Vec::new();
    write(timeline, options, &mut out)?;
    Ok(out)
}

fn events(timeline: &Timeline, start: u64) -> Vec<Event<'_>> {
    let Some(track) = timeline.video() else {
        return Vec::new();
    };
    let mut reels = Reels::default();
    let mut events: Vec<Event<'_>> = Vec::with_capacity(track.items.len());
    let mut pending_dissolve = None;
    for (record, item) in track.placed() {
        match item {
            TrackItem::Dissolve { frames } => pending_dissolve = Some(*frames),
            TrackItem::Gap { frames } => {
                pending_dissolve = None;
                events.push(Event {
                    clip: None,
                    reel: "BL".to_owned(),
                    src_in: 0,
                    src_out: *frames,
                    rec_in: start + record,
                    rec_out: start + record + frames,
                    dissolve: None,
                });
            }
            TrackItem::Clip(clip) => {
                let mut ev = Event {
                    clip: Some(clip),
                    reel: reels.name(clip),
                    src_in: clip.source_in,
                    src_out: clip.source_out(),
                    rec_in: start + record,
                    rec_out: start + record + clip.frames,
                    dissolve: None,
                };
                if let (Some(frames), Some(prev_index)) =
                    (pending_dissolve.take(), events.len().checked_sub(1))
                {
                    let (before, _) = dissolve_split(frames);
                    let prev = &mut events[prev_index];
                    if prev.clip.is_some() {
                        prev.src_out -= before;
                        prev.rec_out -= before;
                        ev.src_in -= before;
                        ev.rec_in -= before;
                        ev.dissolve = Some((frames, prev_index));
                    }
                }
                events.push(ev);
            }
        }
    }
    events
}

/// Reel names: at most 8 characters of `A-Z0-9_`, one per media file.
#[derive(Default)]
struct Reels {
    by_media: BTreeMap<String, String>,
    taken: BTreeMap<String, String>,
    counter: u32,
}

impl Reels {
    fn name(&mut self, clip: &Clip) -> String {
        if let Some(reel) = self.by_media.get(&clip.media) {
            return reel.clone();
        }
        let base: String = clip
            .name
            .chars()
            .filter_map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c.to_ascii_uppercase()),
                ' ' | '-' | '_' | '.' => Some('_'),
                _ => None,
            })
            .take(8)
            .collect();
        let reserved = matches!(base.as_str(), "" | "AX" | "BL" | "BLACK" | "BARS");
        let reel = if !reserved && !self.taken.contains_key(&base) {
            base
        } else {
            loop {
                self.counter += 1;
                let candidate = format!("R{:07}", self.counter);
                if !self.taken.contains_key(&candidate) {
                    break candidate;
                }
            }
        };
        self.taken.insert(reel.clone(), clip.media.clone());
        self.by_media.insert(clip.media.clone(), reel.clone());
        reel
    }
}

/// Text on one line: control characters become spaces; cut to `max` chars.
fn one_line(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use alkemy_core::{Clip, Marker, Timeline, Track, TrackItem, TrackKind};

    use super::*;

    /// Two scenes: `1A` (48 frames from frame 6 of 60) dissolving over 12
    /// frames into `2A` (24 frames from frame 6 of 36), at 24 fps.
    pub(crate) fn two_clips() -> Timeline {
        let clip = |name: &str, media: &str, media_frames, frames| {
            TrackItem::Clip(Clip {
                name: name.to_owned(),
                shot_id: Some(format!("sc-{name}")),
                media: media.to_owned(),
                media_frames,
                source_in: 6,
                frames,
            })
        };
        Timeline {
            name: "Test".to_owned(),
            fps: 24,
            width: 1280,
            height: 720,
            tracks: vec![Track {
                name: "V1".to_owned(),
                kind: TrackKind::Video,
                items: vec![
                    clip("1A", "clips/a.mp4", 60, 48),
                    TrackItem::Dissolve { frames: 12 },
                    clip("2A", "clips/b.mp4", 36, 24),
                ],
            }],
            markers: vec![
                Marker {
                    name: "Scene 1: INT. A - DAY".to_owned(),
                    frame: 0,
                    frames: 48,
                },
                Marker {
                    name: "Scene 2: EXT. B - NIGHT".to_owned(),
                    frame: 48,
                    frames: 24,
                },
            ],
        }
    }

    #[test]
    fn a_centred_dissolve_starts_its_event_half_a_dissolve_before_the_cut() {
        let text =
            String::from_utf8(to_bytes(&two_clips(), &EdlOptions::default()).unwrap()).unwrap();
        let want = "TITLE: Test
FCM: NON-DROP FRAME

001  1A       V     C        00:00:00:06 00:00:02:00 01:00:00:00 01:00:01:18
* FROM CLIP NAME: 1A
* SOURCE FILE: clips/a.mp4

002  1A       V     C        00:00:02:00 00:00:02:00 01:00:01:18 01:00:01:18
002  2A       V     D    012 00:00:00:00 00:00:01:06 01:00:01:18 01:00:03:00
* FROM CLIP NAME: 1A
* TO CLIP NAME: 2A
* SOURCE FILE: clips/b.mp4
";
        assert_eq!(text, want);
    }

    #[test]
    fn reels_are_short_unique_and_never_reserved() {
        let mut reels = Reels::default();
        let clip = |name: &str, media: &str| Clip {
            name: name.to_owned(),
            shot_id: None,
            media: media.to_owned(),
            media_frames: 1,
            source_in: 0,
            frames: 1,
        };
        assert_eq!(reels.name(&clip("Scene 12 title", "a")), "SCENE_12");
        assert_eq!(
            reels.name(&clip("Scene 12 title", "a")),
            "SCENE_12",
            "same media, same reel"
        );
        assert_eq!(
            reels.name(&clip("Scene 12 title B", "b")),
            "R0000001",
            "collision"
        );
        assert_eq!(reels.name(&clip("BL", "c")), "R0000002", "reserved");
        assert_eq!(reels.name(&clip("日本", "d")), "R0000003", "nothing left");
        assert_eq!(reels.name(&clip("12a", "e")), "12A");
    }

    #[test]
    fn refuses_zero_fps_and_more_than_a_day() {
        let mut t = two_clips();
        t.fps = 0;
        assert!(matches!(
            to_bytes(&t, &EdlOptions::default()),
            Err(EdlError::ZeroFps(_))
        ));
        let t = two_clips();
        let late = EdlOptions {
            start_seconds: 24 * 3600 - 1,
        };
        assert!(matches!(to_bytes(&t, &late), Err(EdlError::TooLong(_))));
    }
}
