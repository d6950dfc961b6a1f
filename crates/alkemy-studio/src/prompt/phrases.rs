//! Shot grammar in the words image and video models respond to.

use alkemy_core::{AspectRatio, CameraAngle, CameraMovement, IntExt, Light, ShotSize};

use crate::text::push_title_case;

/// The size as a prompt phrase.
pub fn size(size: ShotSize) -> &'static str {
    match size {
        ShotSize::ExtremeWide => "extreme wide establishing shot",
        ShotSize::Wide => "wide shot",
        ShotSize::Full => "full shot, head to toe",
        ShotSize::Medium => "medium shot, waist up",
        ShotSize::MediumCloseUp => "medium close-up, chest up",
        ShotSize::CloseUp => "close-up on the face",
        ShotSize::ExtremeCloseUp => "extreme close-up",
        ShotSize::Insert => "insert close-up",
    }
}

/// The angle as a prompt phrase.
pub fn angle(angle: CameraAngle) -> &'static str {
    match angle {
        CameraAngle::EyeLevel => "eye-level camera",
        CameraAngle::High => "high angle looking down",
        CameraAngle::Low => "low angle looking up",
        CameraAngle::Overhead => "overhead top-down view",
        CameraAngle::Dutch => "Dutch tilted angle",
        CameraAngle::Pov => "point-of-view shot",
        CameraAngle::OverTheShoulder => "over-the-shoulder shot",
    }
}

/// The movement as a motion-prompt phrase.
pub fn movement(m: CameraMovement) -> &'static str {
    match m {
        CameraMovement::Static => "static locked-off camera",
        CameraMovement::PanLeft => "camera pans left",
        CameraMovement::PanRight => "camera pans right",
        CameraMovement::TiltUp => "camera tilts up",
        CameraMovement::TiltDown => "camera tilts down",
        CameraMovement::DollyIn => "slow dolly in",
        CameraMovement::DollyOut => "slow dolly out",
        CameraMovement::TrackLeft => "camera tracks left alongside the subject",
        CameraMovement::TrackRight => "camera tracks right alongside the subject",
        CameraMovement::Handheld => "handheld camera, slight natural shake",
        CameraMovement::CraneUp => "crane up revealing the scene",
        CameraMovement::CraneDown => "crane down into the scene",
        CameraMovement::Steadicam => "smooth Steadicam following the subject",
    }
}

/// Where: `exterior, Brick's Patio`.
pub fn location(int_ext: IntExt, location: &str) -> String {
    let mut out = String::with_capacity(location.len() + 24);
    push_location(&mut out, int_ext, location);
    out
}

/// Appends [`location`]`(int_ext, location)` to `out`.
pub(crate) fn push_location(out: &mut String, int_ext: IntExt, location: &str) {
    match int_ext {
        IntExt::Int => out.push_str("interior, "),
        IntExt::Ext => out.push_str("exterior, "),
        IntExt::IntExt | IntExt::Unknown => {}
    }
    push_title_case(out, location);
    if int_ext == IntExt::IntExt {
        out.push_str(", seen inside and out");
    }
}

/// The light of the scene.
pub fn light(light: Light, int_ext: IntExt) -> &'static str {
    let inside = int_ext == IntExt::Int;
    match (light, inside) {
        (Light::Day, false) => "natural daylight, clear sun",
        (Light::Day, true) => "soft daylight through windows",
        (Light::Dawn, _) => "dawn, low warm sun, long shadows",
        (Light::Dusk, _) => "dusk, orange sun and blue shadows",
        (Light::Night, false) => "night, moonlight and street lights, deep shadows",
        (Light::Night, true) => "night interior, warm practical lamps, low-key light",
    }
}

/// The frame.
pub fn aspect(aspect: AspectRatio) -> &'static str {
    match aspect {
        AspectRatio::Widescreen => "16:9 widescreen frame",
        AspectRatio::Scope => "2.39:1 anamorphic widescreen frame",
        AspectRatio::Flat => "1.85:1 widescreen frame",
        AspectRatio::Academy => "4:3 frame",
        AspectRatio::Square => "square 1:1 frame",
        AspectRatio::Vertical => "9:16 vertical frame",
    }
}
