//! Shots: the director of photography's plan for each scene, and the
//! generation prompts composed from it.
//!
//! A [`Shot`] is self-contained: it carries the scene facts (location, light)
//! and the blocking (who is where in frame) that a renderer, a prompt composer
//! or a cache key needs, so no later stage has to look back at the breakdown.

use std::fmt;

pub use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::breakdown::{IntExt, Light, TimeOfDay};
use crate::screenplay::Span;

/// Shot size, widest to closest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ShotSize {
    /// Extreme wide shot.
    #[serde(rename = "EWS")]
    ExtremeWide,
    /// Wide shot.
    #[serde(rename = "WS")]
    Wide,
    /// Full shot: head to toe.
    #[serde(rename = "FS")]
    Full,
    /// Medium shot: waist up.
    #[serde(rename = "MS")]
    Medium,
    /// Medium close-up: chest up.
    #[serde(rename = "MCU")]
    MediumCloseUp,
    /// Close-up: face.
    #[serde(rename = "CU")]
    CloseUp,
    /// Extreme close-up: a detail of the face.
    #[serde(rename = "ECU")]
    ExtremeCloseUp,
    /// Insert: an object.
    #[serde(rename = "INSERT")]
    Insert,
}

impl ShotSize {
    /// The abbreviation used on shot lists (`MCU`).
    pub fn abbrev(self) -> &'static str {
        match self {
            ShotSize::ExtremeWide => "EWS",
            ShotSize::Wide => "WS",
            ShotSize::Full => "FS",
            ShotSize::Medium => "MS",
            ShotSize::MediumCloseUp => "MCU",
            ShotSize::CloseUp => "CU",
            ShotSize::ExtremeCloseUp => "ECU",
            ShotSize::Insert => "INSERT",
        }
    }

    /// The name in words (`medium close-up`).
    pub fn name(self) -> &'static str {
        match self {
            ShotSize::ExtremeWide => "extreme wide shot",
            ShotSize::Wide => "wide shot",
            ShotSize::Full => "full shot",
            ShotSize::Medium => "medium shot",
            ShotSize::MediumCloseUp => "medium close-up",
            ShotSize::CloseUp => "close-up",
            ShotSize::ExtremeCloseUp => "extreme close-up",
            ShotSize::Insert => "insert",
        }
    }
}

impl fmt::Display for ShotSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbrev())
    }
}

/// Camera angle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraAngle {
    /// Lens at the subject's eye height.
    EyeLevel,
    /// Looking down on the subject.
    High,
    /// Looking up at the subject.
    Low,
    /// Straight down (bird's eye).
    Overhead,
    /// Tilted horizon.
    Dutch,
    /// A character's point of view.
    Pov,
    /// Over the shoulder of the listener.
    OverTheShoulder,
}

impl CameraAngle {
    /// The name in words (`over-the-shoulder`).
    pub fn name(self) -> &'static str {
        match self {
            CameraAngle::EyeLevel => "eye level",
            CameraAngle::High => "high angle",
            CameraAngle::Low => "low angle",
            CameraAngle::Overhead => "overhead",
            CameraAngle::Dutch => "Dutch angle",
            CameraAngle::Pov => "POV",
            CameraAngle::OverTheShoulder => "over-the-shoulder",
        }
    }
}

impl fmt::Display for CameraAngle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Camera movement, with direction where it has one (a renderer animates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraMovement {
    /// Locked off.
    Static,
    /// Pan left.
    PanLeft,
    /// Pan right.
    PanRight,
    /// Tilt up.
    TiltUp,
    /// Tilt down.
    TiltDown,
    /// Dolly (push) in.
    DollyIn,
    /// Dolly (pull) out.
    DollyOut,
    /// Tracking alongside the subject, moving left.
    TrackLeft,
    /// Tracking alongside the subject, moving right.
    TrackRight,
    /// Handheld.
    Handheld,
    /// Crane up (often a reveal).
    CraneUp,
    /// Crane down.
    CraneDown,
    /// Steadicam following the subject.
    Steadicam,
}

impl CameraMovement {
    /// The name in words (`dolly in`).
    pub fn name(self) -> &'static str {
        match self {
            CameraMovement::Static => "static",
            CameraMovement::PanLeft => "pan left",
            CameraMovement::PanRight => "pan right",
            CameraMovement::TiltUp => "tilt up",
            CameraMovement::TiltDown => "tilt down",
            CameraMovement::DollyIn => "dolly in",
            CameraMovement::DollyOut => "dolly out",
            CameraMovement::TrackLeft => "tracking left",
            CameraMovement::TrackRight => "tracking right",
            CameraMovement::Handheld => "handheld",
            CameraMovement::CraneUp => "crane up",
            CameraMovement::CraneDown => "crane down",
            CameraMovement::Steadicam => "Steadicam",
        }
    }
}

impl fmt::Display for CameraMovement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which way a figure faces, from the camera's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facing {
    /// Toward frame left.
    Left,
    /// Toward frame right.
    Right,
    /// Toward the camera.
    Camera,
    /// Away from the camera (the shoulder in an over-the-shoulder).
    Away,
}

/// A character in frame and where the blocking puts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Canonical character name.
    pub name: CompactString,
    /// Horizontal position of the figure's centre, 0.0 (left edge) to 1.0 (right edge).
    pub x: f32,
    /// Which way they face.
    pub facing: Facing,
    /// Foreground figures (the shoulder of an OTS) are drawn larger and cropped.
    pub foreground: bool,
}

/// The prompts to generate a shot's still and its motion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShotPrompt {
    /// Text-to-image prompt.
    pub image: String,
    /// Image-to-video prompt (camera and subject motion).
    pub motion: String,
    /// What to avoid.
    pub negative: String,
    /// A seed stable for the shot, so regenerating gives the same result.
    pub seed: u64,
}

/// One planned shot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    /// Stable identifier, unique within the shot list (`sc12-12A`).
    pub id: CompactString,
    /// Index of the scene in the breakdown (0-based).
    pub scene_index: u32,
    /// The scene's number.
    pub scene_number: CompactString,
    /// Shot number in industry form: `12`, `12A`, `12B`… (no I or O).
    pub number: CompactString,
    /// Shot size.
    pub size: ShotSize,
    /// Camera angle.
    pub angle: CameraAngle,
    /// Camera movement.
    pub movement: CameraMovement,
    /// Lens focal length in millimetres (35 mm full-frame equivalent).
    pub lens_mm: u16,
    /// Planned duration in milliseconds.
    pub duration_ms: u32,
    /// Characters in frame with their blocking.
    pub cast: Vec<Figure>,
    /// Who speaks during the shot, if anyone.
    pub speaker: Option<CompactString>,
    /// The line spoken during the shot (for captions and subtitles). When
    /// the shot holds several lines (dual dialogue, a tableau take), one
    /// `NAME: text` row per line, `speaker` being the first.
    pub dialogue: Option<String>,
    /// The object of an insert, if this is one.
    pub subject: Option<CompactString>,
    /// Scene location (normalised).
    pub location: CompactString,
    /// Interior / exterior.
    pub int_ext: IntExt,
    /// Time of day as written.
    pub time_of_day: TimeOfDay,
    /// The light the scene is in.
    pub light: Light,
    /// The script lines this shot covers.
    pub span: Span,
    /// One line describing the shot.
    pub description: String,
    /// Setup number within the scene (1-based, in order of first use):
    /// shots sharing camera position and lighting, for shooting order.
    pub setup: u32,
    /// Generation prompts, once composed.
    pub prompt: Option<ShotPrompt>,
}

impl Shot {
    /// Planned duration in seconds.
    pub fn duration_s(&self) -> f64 {
        f64::from(self.duration_ms) / 1000.0
    }

    /// Number of whole frames at `fps` (rounded, at least 1).
    pub fn frames(&self, fps: u32) -> u32 {
        let frames = (u64::from(self.duration_ms) * u64::from(fps) + 500) / 1000;
        u32::try_from(frames).unwrap_or(u32::MAX).max(1)
    }
}

/// A whole production's shots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotList {
    /// The style preset the plan was made with.
    pub style: String,
    /// Shots in script order.
    pub shots: Vec<Shot>,
}

impl ShotList {
    /// Total planned duration in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.shots.iter().map(|s| u64::from(s.duration_ms)).sum()
    }

    /// The shots of one scene.
    pub fn scene(&self, scene_index: u32) -> impl Iterator<Item = &Shot> {
        self.shots
            .iter()
            .filter(move |s| s.scene_index == scene_index)
    }
}
