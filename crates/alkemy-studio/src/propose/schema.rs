//! What the model is asked and the JSON schema of its answer (the subset of
//! JSON Schema that Gemini and OpenAI both accept: no `oneOf`, no nullable
//! types; "none" is an empty string).

use std::fmt::Write;

use alkemy_core::{Beat, Scene, Shot};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::text::excerpt;

/// Size names the schema allows.
pub const SIZES: [&str; 8] = ["EWS", "WS", "FS", "MS", "MCU", "CU", "ECU", "INSERT"];
/// Angle names the schema allows.
pub const ANGLES: [&str; 7] = [
    "eye_level",
    "high",
    "low",
    "overhead",
    "dutch",
    "pov",
    "over_the_shoulder",
];
/// Movement names the schema allows.
pub const MOVEMENTS: [&str; 13] = [
    "static",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "dolly_in",
    "dolly_out",
    "track_left",
    "track_right",
    "handheld",
    "crane_up",
    "crane_down",
    "steadicam",
];

/// The JSON schema of an answer.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "scenes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "scene": {"type": "string", "description": "the scene number as given"},
                        "shots": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "string", "enum": SIZES},
                                    "angle": {"type": "string", "enum": ANGLES},
                                    "movement": {"type": "string", "enum": MOVEMENTS},
                                    "lens_mm": {"type": "integer"},
                                    "cast": {"type": "array", "items": {"type": "string"}},
                                    "speaker": {"type": "string", "description": "who speaks in the shot, or empty"},
                                    "subject": {"type": "string", "description": "the object of an INSERT, or empty"},
                                    "first_line": {"type": "integer"},
                                    "last_line": {"type": "integer"},
                                    "duration_s": {"type": "number"},
                                    "description": {"type": "string"}
                                },
                                "required": ["size", "angle", "movement", "lens_mm", "cast", "speaker", "subject", "first_line", "last_line", "duration_s", "description"]
                            }
                        }
                    },
                    "required": ["scene", "shots"]
                }
            }
        },
        "required": ["scenes"]
    })
}

/// The system instruction.
pub const SYSTEM: &str = "You are an experienced director of photography breaking a screenplay \
into shots. For each scene you are given, list its shots in script order. Use only the \
characters listed for that scene, by the exact names given. Every line of on-screen dialogue \
must be covered by a shot whose cast includes its speaker; V.O. and O.S. speakers are heard, \
not seen. first_line and last_line are the source lines the shot covers and must lie within \
the scene's lines. Inserts (size INSERT) need a subject. Keep the 180-degree rule. Answer \
only with JSON matching the schema.";

/// One scene as the model reads it: heading, timing, cast, numbered beats,
/// and the rules' plan to improve on.
pub fn describe_scene(out: &mut String, scene: &Scene, rule_shots: &[Shot]) {
    let _ = writeln!(
        out,
        "SCENE {} (lines {}-{}): {} | screen time {:.1} s | characters: {}",
        scene.number,
        scene.span.start_line,
        scene.span.end_line,
        scene.heading,
        scene.duration_s,
        scene.characters.join(", ")
    );
    for beat in &scene.beats {
        let span = beat.span();
        let _ = match beat {
            Beat::Action { text, .. } => writeln!(
                out,
                "  L{}-{} ACTION: {}",
                span.start_line,
                span.end_line,
                excerpt(text, 240)
            ),
            Beat::Dialogue {
                speaker,
                extensions,
                text,
                ..
            } => {
                let ext = if extensions.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", extensions.join(", "))
                };
                writeln!(
                    out,
                    "  L{}-{} {speaker}{ext}: {}",
                    span.start_line,
                    span.end_line,
                    excerpt(text, 240)
                )
            }
            Beat::Transition { text, .. } => {
                writeln!(
                    out,
                    "  L{}-{} TRANSITION: {text}",
                    span.start_line, span.end_line
                )
            }
        };
    }
    out.push_str("  Rule-based plan to improve on:");
    for s in rule_shots {
        let cast: Vec<&str> = s.cast.iter().map(|f| f.name.as_str()).collect();
        let _ = write!(
            out,
            " [{} {} {} L{}-{} {}]",
            s.size,
            s.angle,
            s.movement,
            s.span.start_line,
            s.span.end_line,
            cast.join("+")
        );
    }
    out.push('\n');
}

/// A proposed shot as the model wrote it: every field loose, so one bad
/// field rejects one shot, not the answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawShot {
    /// Size name.
    pub size: Value,
    /// Angle name.
    pub angle: Value,
    /// Movement name.
    pub movement: Value,
    /// Focal length.
    pub lens_mm: Value,
    /// Cast names.
    pub cast: Value,
    /// Speaker or empty.
    pub speaker: Value,
    /// Insert subject or empty.
    pub subject: Value,
    /// First source line.
    pub first_line: Value,
    /// Last source line.
    pub last_line: Value,
    /// Duration in seconds.
    pub duration_s: Value,
    /// One line.
    pub description: Value,
}
