//! Validation of proposed shots against the scene: every field the model
//! wrote is checked, fixable slips are repaired with a note, and anything
//! that would mislead a later stage rejects the shot.

use alkemy_core::{
    Beat, Breakdown, CameraAngle, CameraMovement, CompactString, Scene, ShotSize, Span,
};
use serde_json::Value;

use super::schema::RawShot;
use crate::plan::Draft;
use crate::plan::DraftRole;
use crate::plan::blocking::Stage;
use crate::plan::setups::SetupKey;
use crate::text::excerpt;

/// Lenses outside this range (mm) are not lenses anyone shoots with.
const LENS_RANGE: std::ops::RangeInclusive<u64> = 8..=800;
/// Longest description kept, in characters.
const DESCRIPTION_CHARS: usize = 160;

/// A shot the model proposed that passed validation, with any repairs.
#[derive(Debug)]
pub struct Checked {
    /// The shot, ready to merge.
    pub draft: Draft,
    /// Repairs made (unknown cast dropped, duration replaced…).
    pub notes: Vec<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        _ => None,
    }
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn norm(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn parse_size(v: &Value) -> Option<ShotSize> {
    let s = text(v)?.to_ascii_uppercase();
    serde_json::from_value(Value::String(s)).ok()
}

fn parse_angle(v: &Value) -> Option<CameraAngle> {
    let s = norm(&text(v)?);
    let s = match s.as_str() {
        "ots" => "over_the_shoulder".to_owned(),
        "eye" => "eye_level".to_owned(),
        _ => s,
    };
    serde_json::from_value(Value::String(s)).ok()
}

fn parse_movement(v: &Value) -> Option<CameraMovement> {
    let s = norm(&text(v)?);
    let s = match s.as_str() {
        "tracking_left" => "track_left".to_owned(),
        "tracking_right" => "track_right".to_owned(),
        "none" | "locked_off" => "static".to_owned(),
        _ => s,
    };
    serde_json::from_value(Value::String(s)).ok()
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start_line <= inner.start_line && inner.end_line <= outer.end_line
}

/// The canonical name a proposal means, if that character is in the scene
/// (case-insensitive, aliases accepted).
fn canonical<'a>(breakdown: &Breakdown, scene: &'a Scene, name: &str) -> Option<&'a str> {
    let name = name.trim();
    scene
        .characters
        .iter()
        .find(|c| {
            c.eq_ignore_ascii_case(name)
                || breakdown
                    .character(c)
                    .is_some_and(|ch| ch.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
        })
        .map(String::as_str)
}

/// Checks one proposed shot of `scene`.
pub fn check(
    breakdown: &Breakdown,
    scene: &Scene,
    stage: &Stage,
    raw: &Value,
) -> Result<Checked, String> {
    // Serde would also read a struct from an array, positionally; a shot is
    // an object or nothing.
    if !raw.is_object() {
        return Err(format!(
            "shot {} is not an object",
            excerpt(&raw.to_string(), 60)
        ));
    }
    let raw: RawShot =
        serde_json::from_value(raw.clone()).map_err(|e| format!("shot is unreadable: {e}"))?;
    let mut notes = Vec::new();
    let size = parse_size(&raw.size).ok_or_else(|| format!("unknown size {}", raw.size))?;
    let angle = parse_angle(&raw.angle).ok_or_else(|| format!("unknown angle {}", raw.angle))?;
    let movement = parse_movement(&raw.movement)
        .ok_or_else(|| format!("unknown movement {}", raw.movement))?;

    let (first, last) = match (integer(&raw.first_line), integer(&raw.last_line)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err("missing first_line/last_line".to_owned()),
    };
    let span_ok = first >= 1 && first <= last && last <= i64::from(u32::MAX);
    let span = Span {
        start_line: u32::try_from(first).unwrap_or(0),
        end_line: u32::try_from(last).unwrap_or(0),
    };
    if !span_ok || !contains(scene.span, span) {
        return Err(format!(
            "first_line {first} to last_line {last} lie outside the scene (lines {}-{})",
            scene.span.start_line, scene.span.end_line
        ));
    }

    let mut cast: Vec<String> = Vec::new();
    match &raw.cast {
        Value::Array(names) => {
            for n in names {
                let Some(name) = text(n) else {
                    if !n.is_null() && n.as_str().is_none_or(|s| !s.trim().is_empty()) {
                        notes.push(format!("dropped cast entry {n}: not a name"));
                    }
                    continue;
                };
                match canonical(breakdown, scene, &name) {
                    Some(c) if !cast.iter().any(|x| x == c) => cast.push(c.to_owned()),
                    Some(_) => {}
                    None => notes.push(format!("dropped {name:?}: not in the scene")),
                }
            }
        }
        Value::Null => {}
        other => notes.push(format!("cast {other} ignored: not a list of names")),
    }

    let speaker = match &raw.speaker {
        Value::Null => None,
        Value::String(_) => match text(&raw.speaker) {
            None => None,
            Some(name) => Some(
                canonical(breakdown, scene, &name)
                    .ok_or_else(|| format!("speaker {name:?} is not in the scene"))?
                    .to_owned(),
            ),
        },
        other => return Err(format!("speaker {other} is not a name")),
    };
    let lines_in_span: Vec<(&String, &String, bool)> = scene
        .beats
        .iter()
        .filter(|b| contains(span, b.span()))
        .filter_map(|b| match b {
            Beat::Dialogue {
                speaker,
                extensions,
                text,
                ..
            } => Some((
                speaker,
                text,
                crate::plan::grammar::is_off_screen(extensions),
            )),
            _ => None,
        })
        .collect();
    let lines: Vec<(String, String)> = match &speaker {
        Some(sp) => {
            let mine: Vec<(String, String)> = lines_in_span
                .iter()
                .filter(|(s, _, _)| *s == sp)
                .map(|(s, t, _)| ((*s).clone(), (*t).clone()))
                .collect();
            if mine.is_empty() {
                return Err(format!("speaker {sp} has no line in lines {first}-{last}"));
            }
            let on_screen = lines_in_span.iter().any(|(s, _, off)| *s == sp && !off);
            if on_screen && !cast.iter().any(|c| c == sp) {
                notes.push(format!("added speaker {sp} to the cast"));
                cast.push(sp.clone());
            }
            mine
        }
        None => lines_in_span
            .iter()
            .map(|(s, t, _)| ((*s).clone(), (*t).clone()))
            .collect(),
    };

    let subject = text(&raw.subject);
    if size == ShotSize::Insert && subject.is_none() {
        return Err("an INSERT needs a subject".to_owned());
    }

    let weight = match raw.duration_s.as_f64() {
        Some(d) if d.is_finite() && d > 0.0 && d <= scene.duration_s.max(1.0) * 2.0 => {
            (d * 1000.0).round() as u64
        }
        _ => {
            notes.push(format!("duration {} replaced", raw.duration_s));
            2000
        }
    };
    let lens_mm = match integer(&raw.lens_mm) {
        Some(l) if l >= 0 && LENS_RANGE.contains(&(l as u64)) => u16::try_from(l).ok(),
        other => {
            notes.push(format!(
                "lens {} replaced by the lens for {size}",
                other.map_or_else(|| raw.lens_mm.to_string(), |l| format!("{l}mm"))
            ));
            None
        }
    };

    let description = text(&raw.description)
        .map(|d| excerpt(&d, DESCRIPTION_CHARS))
        .unwrap_or_else(|| format!("{} {}", size.name(), cast.join(", ")));

    let figures = match (cast.as_slice(), &speaker, angle) {
        ([a, b], Some(sp), CameraAngle::OverTheShoulder) if a == sp || b == sp => {
            let other = if a == sp { b } else { a };
            stage.over_the_shoulder(sp, other)
        }
        _ => stage.group(&cast),
    };
    let setup = if matches!(
        movement,
        CameraMovement::DollyIn
            | CameraMovement::DollyOut
            | CameraMovement::TrackLeft
            | CameraMovement::TrackRight
            | CameraMovement::CraneUp
            | CameraMovement::CraneDown
            | CameraMovement::Steadicam
    ) {
        SetupKey::Move(span.start_line as usize)
    } else if let Some(s) = subject.as_ref().filter(|_| size == ShotSize::Insert) {
        SetupKey::Insert(s.to_ascii_uppercase())
    } else if let Some(sp) = speaker.as_ref().filter(|_| size >= ShotSize::Medium) {
        SetupKey::Favouring(sp.clone())
    } else if let ([one], true) = (cast.as_slice(), size >= ShotSize::Medium) {
        SetupKey::Favouring(one.clone())
    } else {
        SetupKey::Master
    };

    Ok(Checked {
        draft: Draft {
            role: DraftRole::Proposed,
            size,
            angle,
            movement,
            lens_mm,
            cast: figures,
            lines: lines
                .into_iter()
                .map(|(speaker, text)| (CompactString::from(speaker), text))
                .collect(),
            subject: subject
                .filter(|_| size == ShotSize::Insert)
                .map(CompactString::from),
            span,
            weight,
            description,
            setup,
        },
        notes,
    })
}
