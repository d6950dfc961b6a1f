//! Storyboards for people: every shot's panel with its metadata, grouped by
//! scene, as a self-contained HTML page ([`html`]) and a printable PDF with
//! grid layouts ([`pdf`]).
//!
//! Both read the same [`Storyboard`]: the shots in order with each panel's
//! image bytes (PNG or JPEG). The captions (scene/shot, size ·
//! angle · movement · lens, duration, description, dialogue) come from
//! [`caption`] so both formats say exactly the same thing.

use alkemy_core::Shot;

use crate::scene::scene_heading;

pub mod html;
pub mod pdf;

/// One panel: a shot and its image.
#[derive(Debug, Clone, Copy)]
pub struct Panel<'a> {
    /// The shot.
    pub shot: &'a Shot,
    /// The panel image (PNG or JPEG), if one was made.
    pub image: Option<&'a [u8]>,
}

/// A storyboard: the production's title and its panels in script order.
#[derive(Debug, Clone)]
pub struct Storyboard<'a> {
    /// The production title.
    pub title: &'a str,
    /// Panels in script order.
    pub panels: Vec<Panel<'a>>,
}

/// A run of consecutive panels in one scene.
pub(crate) struct SceneGroup<'s, 'a> {
    /// The scene's heading line (`Scene 12 · INT. HOUSE - NIGHT`).
    pub heading: String,
    /// Its number as written.
    pub number: &'a str,
    /// The panels.
    pub panels: &'s [Panel<'a>],
}

impl<'a> Storyboard<'a> {
    /// Groups the panels into runs of the same scene.
    pub(crate) fn scenes(&self) -> Vec<SceneGroup<'_, 'a>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for i in 1..=self.panels.len() {
            let end_of_run = i == self.panels.len()
                || self.panels[i].shot.scene_index != self.panels[start].shot.scene_index;
            if end_of_run {
                let first = self.panels[start].shot;
                groups.push(SceneGroup {
                    heading: format!("Scene {} · {}", first.scene_number, scene_heading(first)),
                    number: &first.scene_number,
                    panels: &self.panels[start..i],
                });
                start = i;
            }
        }
        groups
    }

    /// Width ÷ height of the panels: that of the first image whose size can
    /// be read, else 16:9.
    pub(crate) fn frame_aspect(&self) -> f32 {
        self.panels
            .iter()
            .filter_map(|p| p.image.and_then(image_size))
            .map(|(w, h)| w as f32 / h as f32)
            .find(|a| a.is_finite() && (0.2..=5.0).contains(a))
            .unwrap_or(16.0 / 9.0)
    }

    /// Total planned running time in milliseconds.
    pub(crate) fn duration_ms(&self) -> u64 {
        self.panels
            .iter()
            .map(|p| u64::from(p.shot.duration_ms))
            .sum()
    }
}

/// Width and height of a PNG or JPEG, from its header.
pub(crate) fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    png_size(bytes).or_else(|| jpeg_info(bytes).map(|j| (j.width, j.height)))
}

/// What a baseline or progressive JPEG's frame header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegInfo {
    pub width: u32,
    pub height: u32,
    /// Colour components: 1 (grey), 3 (YCbCr/RGB) or 4 (CMYK).
    pub components: u8,
    /// Bits per sample (8 for every JPEG a PDF reader must show).
    pub precision: u8,
}

/// Reads a JPEG's frame header (the first `SOFn` marker), walking the
/// marker segments from the start of the file; `None` if it is not a JPEG
/// or is cut short before the header.
pub(crate) fn jpeg_info(bytes: &[u8]) -> Option<JpegInfo> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    loop {
        // Markers may be preceded by fill bytes (0xFF).
        while *bytes.get(pos)? == 0xFF && *bytes.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        pos += 2;
        // Standalone markers carry no length.
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?]));
        if len < 2 {
            return None;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let seg = bytes.get(pos + 2..pos + len)?;
            let precision = *seg.first()?;
            let height = u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]));
            let width = u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]));
            let components = *seg.get(5)?;
            return (width > 0 && height > 0).then_some(JpegInfo {
                width,
                height,
                components,
                precision,
            });
        }
        if marker == 0xDA || marker == 0xD9 {
            // Scan data or the end before any frame header.
            return None;
        }
        pos += len;
    }
}

/// Width and height from a PNG's header.
pub(crate) fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// The caption lines shared by the HTML and PDF storyboards.
pub(crate) struct Caption {
    /// `12A`.
    pub number: String,
    /// `MCU · eye level · static · 50 mm`.
    pub camera: String,
    /// `3.5 s`.
    pub duration: String,
    /// The shot description.
    pub description: String,
    /// `STEEL: It's over.` when someone speaks.
    pub dialogue: Option<String>,
}

/// Builds a shot's caption.
pub(crate) fn caption(shot: &Shot) -> Caption {
    let dialogue = shot
        .dialogue
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|line| match &shot.speaker {
            Some(speaker) if !speaker.trim().is_empty() => format!("{speaker}: {line}"),
            _ => line.to_owned(),
        });
    Caption {
        number: shot.number.to_string(),
        camera: format!(
            "{} · {} · {} · {} mm",
            shot.size.abbrev(),
            shot.angle.name(),
            shot.movement.name(),
            shot.lens_mm
        ),
        duration: format_duration(shot.duration_ms),
        description: shot.description.clone(),
        dialogue,
    }
}

/// `3.5 s`, `12 s`, `1:05.5`.
pub(crate) fn format_duration(ms: u32) -> String {
    let tenths = (ms + 50) / 100;
    let (s, t) = (tenths / 10, tenths % 10);
    let frac = if t == 0 {
        String::new()
    } else {
        format!(".{t}")
    };
    if s >= 60 {
        format!("{}:{:02}{frac}", s / 60, s % 60)
    } else {
        format!("{s}{frac} s")
    }
}

/// `1 h 52 min`, `3 min 20 s`.
pub(crate) fn format_running_time(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    match (s / 3600, (s / 60) % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JFIF file's markers up to its frame header, as an encoder writes
    /// them: SOI, APP0, a quantisation table, then SOF0 (480×270, 3 colours).
    fn jpeg_head(sof: u8) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xE0, 0x00, 0x10]);
        b.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
        b.extend([1u8; 64]);
        b.extend([0xFF, 0xFF]); // a fill byte before the next marker
        b.extend([0xFF, sof, 0x00, 0x11, 0x08, 0x01, 0x0E, 0x01, 0xE0, 0x03]);
        b.extend([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend([0xFF, 0xDA, 0x00, 0x08]);
        b
    }

    #[test]
    fn jpeg_frame_headers_are_read_past_other_segments() {
        let info = jpeg_info(&jpeg_head(0xC0)).unwrap();
        assert_eq!((info.width, info.height), (480, 270));
        assert_eq!((info.components, info.precision), (3, 8));
        // Progressive JPEGs have their header in SOF2.
        assert_eq!(jpeg_info(&jpeg_head(0xC2)).unwrap().width, 480);
        assert_eq!(image_size(&jpeg_head(0xC0)), Some((480, 270)));
        // DHT (0xC4) is not a frame header: the scan comes first here.
        assert_eq!(jpeg_info(&jpeg_head(0xC4)), None);
        // Cut short anywhere: no header, no panic.
        let whole = jpeg_head(0xC0);
        for end in 0..whole.len() - 14 {
            assert_eq!(jpeg_info(&whole[..end]), None, "cut at {end}");
        }
        assert_eq!(jpeg_info(b"\x89PNG\r\n\x1a\n"), None);
    }

    #[test]
    fn durations_read_like_a_shot_list() {
        assert_eq!(format_duration(3_500), "3.5 s");
        assert_eq!(format_duration(12_000), "12 s");
        assert_eq!(format_duration(65_500), "1:05.5");
        assert_eq!(format_duration(40), "0 s");
        assert_eq!(format_running_time(6_725_000), "1 h 52 min");
        assert_eq!(format_running_time(200_000), "3 min 20 s");
    }
}
