//! Scene headings rebuilt from a shot's scene facts, for markers and
//! storyboard headings (a `Shot` carries the facts, not the heading text).

use alkemy_core::{IntExt, Shot, TimeOfDay};

/// The scene heading of a shot's scene, as a script would write it:
/// `INT. HOUSE - KITCHEN - NIGHT`.
pub fn scene_heading(shot: &Shot) -> String {
    let prefix = match shot.int_ext {
        IntExt::Int => "INT. ",
        IntExt::Ext => "EXT. ",
        IntExt::IntExt => "INT./EXT. ",
        IntExt::Unknown => "",
    };
    let time = match shot.time_of_day {
        TimeOfDay::Dawn => Some("DAWN"),
        TimeOfDay::Morning => Some("MORNING"),
        TimeOfDay::Day => Some("DAY"),
        TimeOfDay::Afternoon => Some("AFTERNOON"),
        TimeOfDay::Dusk => Some("DUSK"),
        TimeOfDay::Evening => Some("EVENING"),
        TimeOfDay::Night => Some("NIGHT"),
        TimeOfDay::Continuous => Some("CONTINUOUS"),
        TimeOfDay::Unspecified => None,
    };
    match time {
        Some(time) => format!("{prefix}{} - {time}", shot.location),
        None => format!("{prefix}{}", shot.location),
    }
}

/// The marker and title label of a scene: `Scene 12: EXT. RIVER - DAY`.
pub(crate) fn scene_label(shot: &Shot) -> String {
    format!("Scene {}: {}", shot.scene_number, scene_heading(shot))
}
