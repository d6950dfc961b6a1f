//! The coverage rules: one scene's beats become draft shots in script order.
//!
//! - **Establishing:** a new place (or a new room, or a new time of day)
//!   opens on a wide of the location before anything else.
//! - **Action:** each action paragraph gets a shot framing the characters it
//!   names (or, when it names nobody, whoever is already on stage); its verbs
//!   choose the movement and its size.
//! - **Inserts:** props called out in capitals get an insert after the
//!   paragraph that names them, once per scene.
//! - **Dialogue:** an exchange (lines not broken by a long action paragraph)
//!   opens on a two-shot master, then over-the-shoulders and singles follow
//!   the speaker, closer as the exchange builds and on heated lines.
//!   Off-screen speech (`V.O.`, `O.S.`) plays over the listeners' reaction.
//!   Dual dialogue joins the previous shot as a two-shot.
//! - Blocking comes from the scene's [`Stage`], so the 180° line holds.

use alkemy_core::{
    Beat, CameraAngle, CameraMovement, CompactString, Facing, IntExt, Scene, ShotSize, Span,
    TimeOfDay,
};

use super::Draft;
use super::DraftRole;
use super::blocking::Stage;
use super::grammar::{MoveCue, angle_cue, intensity, is_off_screen, words_and_cues};
use super::props::{Candidate, is_insertable, prop_name};
use super::setups::SetupKey;
use super::style::{StyleParams, size_at, size_rank};
use std::borrow::Cow;
use std::collections::HashMap;

use crate::text::{FxBuild, excerpt, push_excerpt, word_count};

/// An action paragraph longer than this (in words) ends a dialogue exchange.
const EXCHANGE_BREAK_WORDS: usize = 25;
/// Most characters in a dialogue master before it becomes a group wide.
const MAX_TWO_SHOT: usize = 2;
/// Length of descriptions' excerpts, in characters.
const EXCERPT_CHARS: usize = 90;

/// Everything the rules need about one scene.
pub(crate) struct SceneInput<'a> {
    /// The scene.
    pub scene: &'a Scene,
    /// The scene before it, if any.
    pub prev: Option<&'a Scene>,
    /// The parameters in force.
    pub params: &'a StyleParams,
    /// Element suggestions of this scene that name an object.
    pub elements: &'a [Candidate<'a>],
    /// The scene's line of action.
    pub stage: &'a Stage,
    /// Characters' names in title case (those of the breakdown's cast).
    pub proper_names: &'a HashMap<&'a str, String, FxBuild>,
}

/// Position of each dialogue beat in its exchange: `(exchange id, index,
/// exchange length)`; `None` for other beats.
fn exchanges(beats: &[Beat], facts: &[BeatFacts]) -> Vec<Option<(usize, usize, usize)>> {
    let mut out = vec![None; beats.len()];
    let mut id = 0usize;
    let mut counts: Vec<usize> = vec![0];
    for (i, beat) in beats.iter().enumerate() {
        match beat {
            Beat::Dialogue { dual: true, .. } => {
                // Spoken at the same time as the previous line: same position.
                out[i] = out[..i].iter().rev().flatten().next().copied();
            }
            Beat::Dialogue { .. } => {
                out[i] = Some((id, counts[id], 0));
                counts[id] += 1;
            }
            Beat::Action { centered, .. } => {
                if (*centered || facts[i].words > EXCHANGE_BREAK_WORDS) && counts[id] > 0 {
                    id += 1;
                    counts.push(0);
                }
            }
            Beat::Transition { .. } => {
                if counts[id] > 0 {
                    id += 1;
                    counts.push(0);
                }
            }
        }
    }
    for (ex, k, n) in out.iter_mut().flatten() {
        let _ = k;
        *n = counts[*ex];
    }
    out
}

/// The on-screen speakers of exchange `ex`, in order of first line.
fn participants<'a>(
    beats: &'a [Beat],
    ex_of: &[Option<(usize, usize, usize)>],
    off: &[bool],
    ex: usize,
) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    for ((beat, pos), off) in beats.iter().zip(ex_of).zip(off) {
        if let (Beat::Dialogue { speaker, .. }, Some((e, _, _))) = (beat, pos)
            && *e == ex
            && !off
        {
            add_unique(&mut v, speaker);
        }
    }
    v
}

/// Whom a line is said to: the nearest other on-screen speaker of the
/// exchange before it, else after it, else anyone else on stage.
fn listener<'a>(
    beats: &'a [Beat],
    ex_of: &[Option<(usize, usize, usize)>],
    off: &[bool],
    at: usize,
    speaker: &str,
    on_stage: &[&'a str],
) -> Option<&'a str> {
    let ex = ex_of[at].map(|(e, _, _)| e);
    let other = |i: usize| -> Option<&'a str> {
        match (&beats[i], ex_of[i]) {
            (Beat::Dialogue { speaker: s, .. }, Some((e, _, _)))
                if Some(e) == ex && s != speaker && !off[i] =>
            {
                Some(s)
            }
            _ => None,
        }
    };
    // Exchange ids never decrease along the scene, so the search stops at
    // the first line of an earlier exchange (before) or a later one (after).
    let exchange_of = |i: usize| ex_of[i].map(|(e, _, _)| e);
    (0..at)
        .rev()
        .take_while(|&i| exchange_of(i).is_none() || exchange_of(i) >= ex)
        .find_map(other)
        .or_else(|| {
            (at + 1..beats.len())
                .take_while(|&i| exchange_of(i).is_none() || ex.is_none() || exchange_of(i) <= ex)
                .find_map(other)
        })
        .or_else(|| on_stage.iter().find(|n| **n != speaker).copied())
}

/// How big the opening shot of a scene is, if it needs one: a new place
/// gets a full establishing shot (EWS outside, WS inside), a new room of the
/// same place or a new time of day a wide. Forced headings without INT/EXT
/// (`SNIPER SCOPE POV`, `OPENING TITLES`) are not places and get none.
pub(crate) fn establishing_size(prev: Option<&Scene>, scene: &Scene) -> Option<ShotSize> {
    if scene.int_ext == IntExt::Unknown {
        return None;
    }
    let full = if scene.int_ext == IntExt::Ext {
        ShotSize::ExtremeWide
    } else {
        ShotSize::Wide
    };
    let Some(prev) = prev else {
        return Some(full);
    };
    fn outer(s: &Scene) -> &str {
        s.location_path.first().unwrap_or(&s.location)
    }
    if outer(prev) != outer(scene) || prev.int_ext != scene.int_ext {
        return Some(full);
    }
    if prev.location != scene.location {
        return Some(ShotSize::Wide);
    }
    let new_time = !matches!(
        scene.time_of_day,
        TimeOfDay::Continuous | TimeOfDay::Unspecified
    ) && scene.light != prev.light;
    new_time.then_some(full)
}

/// The camera move for a cue, given which way the subject faces.
fn movement_for(cue: Option<MoveCue>, params: &StyleParams, facing: Facing) -> CameraMovement {
    let handheld_style = params.base_movement == CameraMovement::Handheld;
    match cue {
        None => params.base_movement,
        Some(MoveCue::Track) if handheld_style => CameraMovement::Steadicam,
        Some(_) if handheld_style => CameraMovement::Handheld,
        Some(MoveCue::Track) => match facing {
            Facing::Left => CameraMovement::TrackLeft,
            _ => CameraMovement::TrackRight,
        },
        Some(MoveCue::Handheld) => CameraMovement::Handheld,
        Some(MoveCue::Reveal) => CameraMovement::CraneUp,
        Some(MoveCue::PushIn) => CameraMovement::DollyIn,
        Some(MoveCue::PullOut) => CameraMovement::DollyOut,
        Some(MoveCue::TiltUp) => CameraMovement::TiltUp,
        Some(MoveCue::TiltDown) => CameraMovement::TiltDown,
        Some(MoveCue::Pan) => match facing {
            Facing::Left => CameraMovement::PanLeft,
            _ => CameraMovement::PanRight,
        },
    }
}

/// Whether a movement needs its own rig (and so its own setup).
fn is_rigged(m: CameraMovement) -> bool {
    matches!(
        m,
        CameraMovement::DollyIn
            | CameraMovement::DollyOut
            | CameraMovement::TrackLeft
            | CameraMovement::TrackRight
            | CameraMovement::CraneUp
            | CameraMovement::CraneDown
            | CameraMovement::Steadicam
    )
}

/// Characters of the scene an action paragraph names in ordinary case
/// (`Steel sits.`, `Steel's face`): the breakdown only reports names in
/// capitals. A name counts when written capitalised as a whole word.
///
/// `proper_names` holds the scene's characters' names in title case, made
/// once per scene. Candidates are found by their first byte (`memchr`), so
/// nothing is built per search.
fn named_in_prose<'a>(
    text: &str,
    scene: &'a Scene,
    proper_names: &[Cow<'_, str>],
    out: &mut Vec<&'a str>,
) {
    let bytes = text.as_bytes();
    for (c, proper) in scene.characters.iter().zip(proper_names) {
        // An empty name is named nowhere.
        let Some(&first) = proper.as_bytes().first() else {
            continue;
        };
        if out.iter().any(|n| n == c) {
            continue;
        }
        // The leftmost match from `from`; after a match inside a longer
        // word, the search goes on after it (as `str::find` from there).
        let mut from = 0;
        while let Some(at) = bytes
            .get(from..)
            .and_then(|rest| memchr::memchr(first, rest))
            .map(|i| from + i)
        {
            let end = at + proper.len();
            if bytes.get(at..end) != Some(proper.as_bytes()) {
                from = at + 1;
                continue;
            }
            let boundary = |ch: Option<char>| ch.is_none_or(|ch| !ch.is_alphanumeric());
            if boundary(text.get(..at).and_then(|t| t.chars().next_back()))
                && boundary(text.get(end..).and_then(|t| t.chars().next()))
            {
                out.push(c);
                break;
            }
            from = end;
        }
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start_line <= inner.start_line && inner.end_line <= outer.end_line
}

fn add_unique<'a>(list: &mut Vec<&'a str>, name: &'a str) {
    if !list.contains(&name) {
        list.push(name);
    }
}

/// What the rules read of a beat, computed once per scene: its word count
/// and, for action, its movement and angle cues.
#[derive(Debug, Clone, Copy, Default)]
struct BeatFacts {
    words: usize,
    cue: Option<MoveCue>,
    angle: Option<CameraAngle>,
}

fn beat_facts(beat: &Beat) -> BeatFacts {
    match beat {
        Beat::Action { text, .. } => {
            let (words, cue, angle) = words_and_cues(text);
            BeatFacts { words, cue, angle }
        }
        Beat::Dialogue { text, .. } => BeatFacts {
            words: word_count(text),
            ..BeatFacts::default()
        },
        Beat::Transition { .. } => BeatFacts::default(),
    }
}

/// `speaker: "excerpt"`, the dialogue shots' description of a line.
fn push_line(out: &mut String, speaker: &str, text: &str) {
    out.push_str(speaker);
    out.push_str(": \"");
    push_excerpt(out, text, EXCERPT_CHARS);
    out.push('"');
}

/// Covers one scene with draft shots, in script order; never empty.
pub(crate) fn cover(input: &SceneInput<'_>) -> Vec<Draft> {
    let SceneInput {
        scene,
        prev,
        params,
        elements,
        stage,
        proper_names: titles,
    } = *input;
    let beats = &scene.beats;
    let facts: Vec<BeatFacts> = beats.iter().map(beat_facts).collect();
    let ex_of = exchanges(beats, &facts);
    let off_flags: Vec<bool> = beats
        .iter()
        .map(|b| matches!(b, Beat::Dialogue { extensions, .. } if is_off_screen(extensions)))
        .collect();
    let proper_names: Vec<Cow<'_, str>> = scene
        .characters
        .iter()
        .map(|c| match titles.get(c.as_str()) {
            Some(p) => Cow::Borrowed(p.as_str()),
            None => Cow::Owned(crate::text::title_case(c)),
        })
        .collect();
    let mut seen_dialogue = false;
    let pov_scene = angle_cue(&scene.heading) == Some(CameraAngle::Pov);
    let base_angle = if pov_scene {
        CameraAngle::Pov
    } else {
        CameraAngle::EyeLevel
    };
    let mut drafts: Vec<Draft> = Vec::with_capacity(beats.len() + 2);
    let mut on_stage: Vec<&str> = Vec::new();
    // The characters an action paragraph names (one buffer for them all).
    let mut named: Vec<&str> = Vec::new();
    // The drafts of the scene's inserts.
    let mut inserted: Vec<usize> = Vec::new();

    if params.establishing
        && let Some(size) = establishing_size(prev, scene)
    {
        let first_action = beats
            .iter()
            .zip(&facts)
            .find_map(|(b, f)| matches!(b, Beat::Action { .. }).then_some(f));
        let reveal = params.movement_from_action
            && first_action.is_some_and(|f| f.cue == Some(MoveCue::Reveal));
        let movement = if reveal {
            movement_for(Some(MoveCue::Reveal), params, Facing::Camera)
        } else {
            params.base_movement
        };
        drafts.push(Draft {
            role: DraftRole::Establishing,
            size,
            angle: base_angle,
            movement,
            lens_mm: None,
            cast: Vec::new(),
            lines: Vec::new(),
            subject: None,
            span: Span::line(scene.span.start_line),
            weight: u64::from(params.establishing_ms),
            description: format!("Establishing: {}", scene.heading),
            setup: SetupKey::Establishing,
        });
    }

    for (i, beat) in beats.iter().enumerate() {
        match beat {
            Beat::Action {
                text,
                centered: true,
                span,
                ..
            } => {
                // Consecutive centred lines are one title card.
                if let Some(last) = drafts.last_mut()
                    && last.role == DraftRole::Title
                {
                    last.span = last.span.cover(*span);
                    if let Some(s) = last.subject.as_mut() {
                        s.push('\n');
                        s.push_str(text);
                    }
                    last.weight += 800 + 300 * facts[i].words as u64;
                    continue;
                }
                let mut description = String::with_capacity(16 + EXCERPT_CHARS);
                description.push_str("Title card: ");
                push_excerpt(&mut description, text, EXCERPT_CHARS);
                drafts.push(Draft {
                    role: DraftRole::Title,
                    size: ShotSize::Insert,
                    angle: CameraAngle::EyeLevel,
                    movement: CameraMovement::Static,
                    lens_mm: None,
                    cast: Vec::new(),
                    lines: Vec::new(),
                    subject: Some(CompactString::new(text)),
                    span: *span,
                    weight: 800 + 300 * facts[i].words as u64,
                    description,
                    setup: SetupKey::Insert(String::from("title")),
                });
            }
            Beat::Action {
                text,
                characters,
                span,
                ..
            } => {
                named.clear();
                for c in characters {
                    if scene.characters.iter().any(|s| s == c) {
                        add_unique(&mut named, c);
                    }
                }
                named_in_prose(text, scene, &proper_names, &mut named);
                for c in &named {
                    add_unique(&mut on_stage, c);
                }
                let cast: &[&str] = if named.is_empty() { &on_stage } else { &named };
                let BeatFacts {
                    words,
                    cue,
                    angle: angle_hint,
                } = facts[i];
                let cue = cue.filter(|_| params.movement_from_action);
                let in_exchange = seen_dialogue && words <= EXCHANGE_BREAK_WORDS;
                let size = match (cast.len(), cue) {
                    (0, _) | (_, Some(MoveCue::Reveal)) => ShotSize::Wide,
                    (_, Some(MoveCue::Track | MoveCue::Handheld)) => ShotSize::Full,
                    (1, _) if words <= 15 => ShotSize::Medium,
                    (1, _) => ShotSize::Full,
                    (2, _) if in_exchange => ShotSize::Medium,
                    (2, _) => ShotSize::Full,
                    _ => ShotSize::Wide,
                };
                let size = params.clamp_size(size);
                let lead_facing = cast.first().map_or(Facing::Camera, |n| stage.facing(n));
                let movement = movement_for(cue, params, lead_facing);
                let angle = if pov_scene {
                    CameraAngle::Pov
                } else {
                    angle_hint.unwrap_or(CameraAngle::EyeLevel)
                };
                let setup = if is_rigged(movement) {
                    SetupKey::Move(i)
                } else if let ([one], true) = (cast, size >= ShotSize::Medium) {
                    SetupKey::Favouring((*one).to_owned())
                } else {
                    SetupKey::Master
                };
                drafts.push(Draft {
                    role: DraftRole::Action,
                    size,
                    angle,
                    movement,
                    lens_mm: None,
                    cast: stage.group_of(cast),
                    lines: Vec::new(),
                    subject: None,
                    span: *span,
                    weight: (250 * words as u64).max(1500),
                    description: excerpt(text, EXCERPT_CHARS),
                    setup,
                });
                if params.inserts {
                    let mut made = 0;
                    let props = elements
                        .iter()
                        .filter(|c| contains(*span, c.span) && is_insertable(c, text, scene))
                        .filter_map(|c| prop_name(&c.element.name));
                    for name in props {
                        // Each insert's subject is its name.
                        if inserted.iter().any(|&d| {
                            drafts
                                .get(d)
                                .and_then(|d| d.subject.as_deref())
                                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                        }) {
                            continue;
                        }
                        if made >= params.max_inserts_per_beat {
                            break;
                        }
                        made += 1;
                        inserted.push(drafts.len());
                        let movement = if params.base_movement == CameraMovement::Handheld {
                            CameraMovement::Handheld
                        } else {
                            CameraMovement::Static
                        };
                        drafts.push(Draft {
                            role: DraftRole::Insert,
                            size: ShotSize::Insert,
                            angle: CameraAngle::High,
                            movement,
                            lens_mm: None,
                            cast: Vec::new(),
                            lines: Vec::new(),
                            description: format!("Insert: {name}"),
                            setup: SetupKey::Insert(name.to_ascii_uppercase()),
                            subject: Some(CompactString::from(name)),
                            span: *span,
                            weight: 1500,
                        });
                    }
                }
            }
            Beat::Dialogue {
                speaker,
                extensions,
                parentheticals,
                text,
                dual,
                span,
            } => {
                let off = off_flags[i];
                seen_dialogue = true;
                let words = facts[i].words as u64;
                let weight = (words * 400 + 600).max(1000);
                let pos = ex_of[i];
                if !off {
                    add_unique(&mut on_stage, speaker);
                }
                // Dual dialogue: both speak at once, in one two-shot.
                if *dual
                    && let Some(last) = drafts.last_mut()
                    && last.role.is_dialogue()
                {
                    let mut names: Vec<&str> = last.cast.iter().map(|f| f.name.as_str()).collect();
                    if !off {
                        add_unique(&mut names, speaker);
                    }
                    let cast = stage.group_of(&names);
                    let mut description = String::with_capacity(64);
                    description.push_str("Two-shot: ");
                    crate::text::push_join_names(&mut description, &names);
                    description.push_str(" speak at once");
                    last.size = params.clamp_size(params.widest_coverage.min(ShotSize::Medium));
                    last.angle = base_angle;
                    last.cast = cast;
                    last.setup = SetupKey::Master;
                    last.span = last.span.cover(*span);
                    last.weight += weight;
                    last.lines.push((CompactString::new(speaker), text.clone()));
                    last.description = description;
                    continue;
                }
                // Tableau: one take holds several lines of the exchange.
                if !off
                    && params.lines_per_shot > 1
                    && let Some(last) = drafts.last_mut()
                    && let DraftRole::Dialogue { exchange, .. } = last.role
                    && Some(exchange) == pos.map(|(e, _, _)| e)
                    && (last.lines.len() as u32) < params.lines_per_shot
                {
                    let mut names: Vec<&str> = last.cast.iter().map(|f| f.name.as_str()).collect();
                    add_unique(&mut names, speaker);
                    let cast = stage.group_of(&names);
                    last.cast = cast;
                    last.span = last.span.cover(*span);
                    last.weight += weight;
                    last.lines.push((CompactString::new(speaker), text.clone()));
                    continue;
                }
                let (exchange, k, n) = pos.unwrap_or((usize::MAX, 0, 1));
                let role = DraftRole::Dialogue { exchange };
                if off {
                    let listeners: Vec<&str> =
                        on_stage.iter().copied().filter(|n| n != speaker).collect();
                    let (size, setup) = match listeners.as_slice() {
                        [] => (ShotSize::Wide, SetupKey::Master),
                        [one] => (
                            params.widest_coverage,
                            SetupKey::Favouring((*one).to_owned()),
                        ),
                        _ => (ShotSize::Full, SetupKey::Master),
                    };
                    let ext = extensions.first().map_or("O.S.", String::as_str);
                    let mut description = String::with_capacity(48 + EXCERPT_CHARS);
                    if listeners.is_empty() {
                        description.push_str(speaker);
                        description.push_str(" (");
                        description.push_str(ext);
                        description.push_str(") over the scene: \"");
                    } else {
                        crate::text::push_join_names(&mut description, &listeners);
                        description.push_str(" listening; ");
                        description.push_str(speaker);
                        description.push_str(" (");
                        description.push_str(ext);
                        description.push_str("): \"");
                    }
                    push_excerpt(&mut description, text, EXCERPT_CHARS);
                    description.push('"');
                    drafts.push(Draft {
                        role: DraftRole::Reaction,
                        size: params.clamp_size(size),
                        angle: base_angle,
                        movement: params.base_movement,
                        lens_mm: None,
                        cast: stage.group_of(&listeners),
                        lines: vec![(CompactString::new(speaker), text.clone())],
                        subject: None,
                        span: *span,
                        weight,
                        description,
                        setup,
                    });
                    continue;
                }
                let partner = listener(beats, &ex_of, &off_flags, i, speaker, &on_stage);
                if k == 0 && params.two_shot_first && partner.is_some() {
                    let mut names = participants(beats, &ex_of, &off_flags, exchange);
                    if let Some(p) = partner {
                        add_unique(&mut names, p);
                    }
                    let mut description = String::with_capacity(48 + EXCERPT_CHARS);
                    description.push_str(if names.len() > MAX_TWO_SHOT {
                        "Group shot: "
                    } else {
                        "Two-shot: "
                    });
                    crate::text::push_join_names(&mut description, &names);
                    description.push_str(" — ");
                    push_line(&mut description, speaker, text);
                    let size = if names.len() > MAX_TWO_SHOT {
                        ShotSize::Wide.max(params.widest_coverage.min(ShotSize::Full))
                    } else {
                        params.widest_coverage
                    };
                    drafts.push(Draft {
                        role,
                        size: params.clamp_size(size),
                        angle: base_angle,
                        movement: params.base_movement,
                        lens_mm: None,
                        cast: stage.group_of(&names),
                        lines: vec![(CompactString::new(speaker), text.clone())],
                        subject: None,
                        span: *span,
                        weight,
                        description,
                        setup: SetupKey::Master,
                    });
                    continue;
                }
                // Coverage: closer as the exchange builds, and on heated lines.
                let widest = size_rank(params.widest_coverage);
                let closest = size_rank(params.clamp_size(params.closest)).max(widest);
                let steps = closest - widest;
                let progress = k as f64 / n.max(1) as f64;
                let step = ((progress * (steps + 1) as f64) as usize
                    + usize::from(intensity(text, parentheticals)))
                .min(steps);
                let size = params.clamp_size(size_at(widest + step));
                let ots = params.over_the_shoulder
                    && progress < 0.5
                    && size <= ShotSize::MediumCloseUp
                    && partner.is_some();
                let mut description = String::with_capacity(48 + EXCERPT_CHARS);
                let (cast, angle) = match (partner, ots) {
                    (Some(p), true) => {
                        description.push_str("Over ");
                        description.push_str(p);
                        description.push_str("'s shoulder on ");
                        (
                            stage.over_the_shoulder(speaker, p),
                            if pov_scene {
                                CameraAngle::Pov
                            } else {
                                CameraAngle::OverTheShoulder
                            },
                        )
                    }
                    _ => (vec![stage.single(speaker)], base_angle),
                };
                push_line(&mut description, speaker, text);
                let push = params.base_movement == CameraMovement::Static
                    && params.push_in_words.is_some_and(|w| words >= u64::from(w));
                let (movement, setup) = if push {
                    (CameraMovement::DollyIn, SetupKey::Move(i))
                } else {
                    (params.base_movement, SetupKey::Favouring(speaker.clone()))
                };
                drafts.push(Draft {
                    role,
                    size,
                    angle,
                    movement,
                    lens_mm: None,
                    cast,
                    lines: vec![(CompactString::new(speaker), text.clone())],
                    subject: None,
                    span: *span,
                    weight,
                    description,
                    setup,
                });
            }
            Beat::Transition { .. } => {}
        }
    }

    if drafts.is_empty() {
        let size = if scene.int_ext == IntExt::Ext {
            ShotSize::ExtremeWide
        } else {
            ShotSize::Wide
        };
        drafts.push(Draft {
            role: DraftRole::Action,
            size: params.clamp_size(size),
            angle: base_angle,
            movement: params.base_movement,
            lens_mm: None,
            cast: stage.group(&scene.characters),
            lines: Vec::new(),
            subject: None,
            span: scene.span,
            weight: 1,
            description: format!("Wide: {}", scene.heading),
            setup: SetupKey::Master,
        });
    }
    drafts
}
