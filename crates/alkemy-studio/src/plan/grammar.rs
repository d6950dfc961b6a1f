//! Shot grammar read from the script's words: camera movement from the
//! action's verbs, angles from cues, off-screen speech, and how heated a line
//! is.
//!
//! Matching is on whole words, ASCII case-insensitively, with no allocation
//! per word beyond a small reused buffer: this runs on every paragraph of a
//! feature film and must stay in the microseconds.

use alkemy_core::CameraAngle;

use crate::text::{letter_runs, words};

/// What the action asks of the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MoveCue {
    /// Someone walks, crosses, drives: track alongside.
    Track,
    /// Someone runs, fights, flees: handheld.
    Handheld,
    /// Something is revealed, rises, looms: crane up.
    Reveal,
    /// Someone approaches, leans in, realises: dolly in.
    PushIn,
    /// Someone backs away, retreats: dolly out.
    PullOut,
    /// Someone looks up (tilt up).
    TiltUp,
    /// Someone looks or falls down (tilt down).
    TiltDown,
    /// Someone turns or glances: pan.
    Pan,
}

impl MoveCue {
    /// Which cue wins when a paragraph has several: the most physical.
    fn priority(self) -> u8 {
        match self {
            MoveCue::Handheld => 7,
            MoveCue::Track => 6,
            MoveCue::Reveal => 5,
            MoveCue::PushIn => 4,
            MoveCue::PullOut => 3,
            MoveCue::TiltUp => 2,
            MoveCue::TiltDown => 2,
            MoveCue::Pan => 1,
        }
    }
}

fn single_word_cue(w: &str) -> Option<MoveCue> {
    Some(match w {
        "walk" | "walks" | "walking" | "walked" | "stroll" | "strolls" | "strolling" | "stride"
        | "strides" | "striding" | "cross" | "crosses" | "crossing" | "pace" | "paces"
        | "pacing" | "wander" | "wanders" | "wandering" | "march" | "marches" | "marching"
        | "drive" | "drives" | "driving" | "ride" | "rides" | "riding" | "follow" | "follows"
        | "following" | "heads" | "limps" | "limping" | "trudges" | "saunters" | "swims"
        | "swimming" => MoveCue::Track,
        "run" | "runs" | "running" | "ran" | "race" | "races" | "racing" | "sprint" | "sprints"
        | "sprinting" | "chase" | "chases" | "chasing" | "flee" | "flees" | "fleeing"
        | "scramble" | "scrambles" | "fight" | "fights" | "fighting" | "struggle" | "struggles"
        | "struggling" | "tackle" | "tackles" | "dash" | "dashes" | "bolts" | "rush" | "rushes"
        | "rushing" | "lunge" | "lunges" | "punch" | "punches" | "brawl" | "wrestle"
        | "wrestles" | "stumbles" | "staggers" | "grabs" | "shoves" => MoveCue::Handheld,
        "reveal" | "reveals" | "revealing" | "revealed" | "rises" | "rising" | "looms"
        | "looming" | "towers" | "towering" | "soars" | "soaring" | "unveils" => MoveCue::Reveal,
        "approach" | "approaches" | "approaching" | "leans" | "realizes" | "realises"
        | "stares" | "staring" | "notices" | "creeps" | "closes" => MoveCue::PushIn,
        "retreat" | "retreats" | "retreating" | "recedes" | "receding" | "withdraws" => {
            MoveCue::PullOut
        }
        "turns" | "turning" | "spins" | "glances" | "whirls" | "swivels" => MoveCue::Pan,
        "falls" | "collapses" | "drops" | "sinks" | "kneels" => MoveCue::TiltDown,
        "climbs" | "ascends" => MoveCue::TiltUp,
        _ => return None,
    })
}

fn two_word_cue(a: &str, b: &str) -> Option<MoveCue> {
    Some(match (a, b) {
        ("backs", "away") | ("steps", "back") | ("pulls", "away") | ("backs", "off") => {
            MoveCue::PullOut
        }
        ("looks", "up") | ("glances", "up") | ("gazes", "up") => MoveCue::TiltUp,
        ("looks", "down") | ("glances", "down") => MoveCue::TiltDown,
        ("moves", "closer") | ("steps", "closer") | ("leans", "in") | ("moves", "in") => {
            MoveCue::PushIn
        }
        _ => return None,
    })
}

/// Lower-cases an ASCII word into `buf` (non-ASCII words stay as they are).
fn lower<'a>(word: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    buf.push_str(word);
    buf.make_ascii_lowercase();
    buf.as_str()
}

/// The strongest movement cue in an action paragraph, if any.
pub fn movement_cue(text: &str) -> Option<MoveCue> {
    cues(text).0
}

/// An angle the action or heading asks for, if any.
pub fn angle_cue(text: &str) -> Option<CameraAngle> {
    cues(text).1
}

fn angle_of(prev: &str, cur: &str) -> Option<CameraAngle> {
    match (prev, cur) {
        (_, "pov") => Some(CameraAngle::Pov),
        (_, "overhead" | "aerial") | ("from", "above") | ("bird's", "eye") => {
            Some(CameraAngle::Overhead)
        }
        ("looks", "up") | ("gazes", "up") | (_, "towers" | "towering" | "looms") => {
            Some(CameraAngle::Low)
        }
        ("looks", "down") | ("peers", "down") | ("stares", "down") => Some(CameraAngle::High),
        (_, "dizzy" | "drunk" | "woozy" | "disoriented" | "reeling") => Some(CameraAngle::Dutch),
        _ => None,
    }
}

/// The movement and angle cues of a paragraph, in one pass over its words.
pub fn cues(text: &str) -> (Option<MoveCue>, Option<CameraAngle>) {
    let mut best: Option<MoveCue> = None;
    let mut angle: Option<CameraAngle> = None;
    let mut prev = String::new();
    let mut cur = String::new();
    for w in letter_runs(text) {
        // No cue word is shorter or longer than these, nor starts with a
        // digit: skip the work for the rest.
        if w.len() < 2 || w.len() > 12 {
            prev.clear();
            continue;
        }
        lower(w, &mut cur);
        let found = two_word_cue(&prev, &cur).or_else(|| single_word_cue(&cur));
        if let Some(c) = found
            && best.is_none_or(|b| c.priority() > b.priority())
        {
            best = Some(c);
        }
        if angle.is_none() {
            angle = angle_of(&prev, &cur);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (best, angle)
}

/// Whether a cue's extensions put the speaker off screen (`V.O.`, `O.S.`,
/// `O.C.`, and their unpunctuated spellings). Allocation-free: it runs on
/// every dialogue block.
pub fn is_off_screen(extensions: &[String]) -> bool {
    extensions.iter().any(|e| {
        let mut buf = [0u8; 12];
        let mut n = 0;
        for b in e.bytes().filter(u8::is_ascii_alphabetic) {
            if n == buf.len() {
                return false;
            }
            buf[n] = b.to_ascii_uppercase();
            n += 1;
        }
        matches!(
            &buf[..n],
            b"VO" | b"OS" | b"OC" | b"OFF" | b"OFFSCREEN" | b"VOICEOVER" | b"PRELAP"
        )
    })
}

/// How heated a line is: 0 calm, 1 raised (exclamations, shouting or
/// whispering parentheticals: both bring the camera closer).
pub fn intensity(text: &str, parentheticals: &[String]) -> u8 {
    let exclaims = text.contains('!');
    let heated = parentheticals.iter().any(|p| {
        let mut buf = String::new();
        words(p).any(|w| {
            matches!(
                lower(w, &mut buf),
                "shouting"
                    | "shouts"
                    | "yelling"
                    | "yells"
                    | "screaming"
                    | "screams"
                    | "angry"
                    | "furious"
                    | "whispering"
                    | "whispers"
                    | "quietly"
                    | "tearful"
                    | "crying"
                    | "sobbing"
            )
        })
    });
    u8::from(exclaims || heated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_pick_movement() {
        assert_eq!(
            movement_cue("Edward walks down the road."),
            Some(MoveCue::Track)
        );
        assert_eq!(
            movement_cue("He RUNS for the door."),
            Some(MoveCue::Handheld)
        );
        assert_eq!(
            movement_cue("The fog lifts, revealing a town."),
            Some(MoveCue::Reveal)
        );
        assert_eq!(
            movement_cue("She backs away from the cage."),
            Some(MoveCue::PullOut)
        );
        assert_eq!(movement_cue("Steel sits."), None);
        // The most physical cue wins.
        assert_eq!(
            movement_cue("He walks, then runs."),
            Some(MoveCue::Handheld)
        );
    }

    #[test]
    fn angles_from_cues() {
        assert_eq!(angle_cue("SNIPER SCOPE POV"), Some(CameraAngle::Pov));
        assert_eq!(
            angle_cue("Karl towers over the crowd."),
            Some(CameraAngle::Low)
        );
        assert_eq!(angle_cue("Seen from above."), Some(CameraAngle::Overhead));
        assert_eq!(angle_cue("He smiles."), None);
    }

    #[test]
    fn off_screen_extensions() {
        let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_off_screen(&e(&["V.O."])));
        assert!(is_off_screen(&e(&["CONT'D", "O.S."])));
        assert!(is_off_screen(&e(&["OC"])));
        assert!(!is_off_screen(&e(&["CONT'D"])));
        assert!(!is_off_screen(&[]));
    }

    #[test]
    fn heated_lines() {
        assert_eq!(intensity("Get out!", &[]), 1);
        assert_eq!(intensity("Get out.", &["(whispering)".into()]), 1);
        assert_eq!(intensity("Get out.", &["(beat)".into()]), 0);
    }
}
