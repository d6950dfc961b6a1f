//! The rule-based director of photography: [`plan`] turns a [`Breakdown`]
//! into a [`ShotList`].
//!
//! Each scene is covered independently ([`coverage`]) into draft shots, then
//! finished here: shot numbers ([`numbering`]), setups ([`setups`]), lenses
//! by size, and durations that share the scene's estimated screen time
//! exactly ([`timing`]). The result is a pure function of the breakdown and
//! the options: the same script gives byte-identical output.

pub mod blocking;
mod coverage;
pub mod grammar;
pub mod numbering;
mod options;
mod props;
pub mod setups;
mod style;
pub mod timing;

use std::collections::{HashMap, HashSet};

use std::fmt::Write as _;

use rayon::prelude::*;

use alkemy_core::{
    Breakdown, CameraAngle, CameraMovement, CompactString, Figure, Scene, Shot, ShotList, ShotSize,
    Span,
};

pub use options::{PlanOptions, SceneOverride};
pub use style::{LensTable, StyleParams, StylePreset, UnknownStyle};

use blocking::Stage;
use numbering::Numberer;
use props::Candidate;
use setups::SetupKey;

/// What a draft shot is for (decides how later rules may merge into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DraftRole {
    /// Opens a scene on the place.
    Establishing,
    /// Covers an action paragraph.
    Action,
    /// An insert on a prop.
    Insert,
    /// A title card (centred text).
    Title,
    /// Covers on-screen dialogue of one exchange.
    Dialogue {
        /// The exchange within the scene.
        exchange: usize,
    },
    /// Listeners while someone speaks off screen.
    Reaction,
    /// Proposed by a model and accepted.
    Proposed,
}

impl DraftRole {
    /// Whether the draft holds on-screen dialogue.
    pub(crate) fn is_dialogue(self) -> bool {
        matches!(self, DraftRole::Dialogue { .. })
    }
}

/// A shot before numbering, setups and timing.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub role: DraftRole,
    pub size: ShotSize,
    pub angle: CameraAngle,
    pub movement: CameraMovement,
    /// A chosen lens; `None` takes the style's lens for the size.
    pub lens_mm: Option<u16>,
    pub cast: Vec<Figure>,
    /// `(speaker, text)` of the lines spoken during the shot.
    pub lines: Vec<(CompactString, String)>,
    pub subject: Option<CompactString>,
    pub span: Span,
    /// Relative length, in milliseconds before scaling to the scene.
    pub weight: u64,
    pub description: String,
    pub setup: SetupKey,
}

/// The speaker and the dialogue field of a shot from its lines: one line is
/// its text; several are `NAME: text`, one per row.
fn speaker_and_dialogue(
    lines: Vec<(CompactString, String)>,
) -> (Option<CompactString>, Option<String>) {
    let mut it = lines.into_iter();
    let Some((speaker, text)) = it.next() else {
        return (None, None);
    };
    let mut rest = it.peekable();
    if rest.peek().is_none() {
        return (Some(speaker), Some(text));
    }
    let mut out = format!("{speaker}: {text}");
    for (s, t) in rest {
        out.push('\n');
        out.push_str(&s);
        out.push_str(": ");
        out.push_str(&t);
    }
    (Some(speaker), Some(out))
}

/// Plans every scene of a breakdown with the rules alone (the offline
/// default). Deterministic; never fails; every scene gets at least one shot.
///
/// Scenes are covered in parallel (each scene's rules read only it and the
/// scene before); the result does not depend on the number of threads.
pub fn plan(breakdown: &Breakdown, options: &PlanOptions) -> ShotList {
    let planner = Planner::new(breakdown);
    let scenes = &breakdown.scenes;
    let mut finisher = Finisher::for_scenes(scenes);
    let shots = if finisher.fresh {
        // Numbers and ids are new by construction: each scene is finished
        // where it is covered, and the pieces joined in scene order.
        let pieces: Vec<Vec<Shot>> = (0..scenes.len())
            .into_par_iter()
            .with_min_len(SCENES_PER_TASK)
            .fold(
                || (Finisher::fresh(), Vec::new()),
                |(mut finisher, mut out), index| {
                    let scene = &scenes[index];
                    let params = options.params_for(&scene.number);
                    let drafts = planner.cover(breakdown, index, &params);
                    finisher.finish(scene, index, drafts, &params, &mut out);
                    (finisher, out)
                },
            )
            .map(|(_, out)| out)
            .collect();
        let mut shots = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
        for piece in pieces {
            shots.extend(piece);
        }
        shots
    } else {
        // Numbers must be remembered across scenes: cover in parallel,
        // finish in order.
        let covered: Vec<(Vec<Draft>, StyleParams)> = (0..scenes.len())
            .into_par_iter()
            .with_min_len(SCENES_PER_TASK)
            .map(|index| {
                let params = options.params_for(&scenes[index].number);
                (planner.cover(breakdown, index, &params), params)
            })
            .collect();
        let mut shots = Vec::with_capacity(covered.iter().map(|(d, _)| d.len()).sum());
        for (index, (scene, (drafts, params))) in scenes.iter().zip(covered).enumerate() {
            finisher.finish(scene, index, drafts, &params, &mut shots);
        }
        shots
    };
    ShotList {
        style: options.style.name().to_owned(),
        shots,
    }
}

/// The fewest scenes one parallel task covers: about 60 µs of work, so
/// that a short script is planned as one task, not split thinner.
const SCENES_PER_TASK: usize = 8;

/// Per-breakdown lookups the rules need, built once.
pub(crate) struct Planner<'a> {
    /// The element suggestions that name an object, by scene number.
    elements: HashMap<&'a str, Vec<Candidate<'a>>, crate::text::FxBuild>,
    /// The characters' names in title case, as prose writes them.
    proper_names: HashMap<&'a str, String, crate::text::FxBuild>,
}

impl<'a> Planner<'a> {
    pub(crate) fn new(breakdown: &'a Breakdown) -> Self {
        let mut elements: HashMap<&str, Vec<Candidate<'a>>, crate::text::FxBuild> =
            HashMap::default();
        for c in breakdown.elements.iter().filter_map(Candidate::of) {
            elements
                .entry(c.element.scene.as_str())
                .or_default()
                .push(c);
        }
        let proper_names = breakdown
            .characters
            .iter()
            .map(|c| (c.name.as_str(), crate::text::title_case(&c.name)))
            .collect();
        Self {
            elements,
            proper_names,
        }
    }

    /// The rules' drafts for scene `index`.
    pub(crate) fn cover(
        &self,
        breakdown: &'a Breakdown,
        index: usize,
        params: &StyleParams,
    ) -> Vec<Draft> {
        let scene = &breakdown.scenes[index];
        let stage = Stage::of_scene(scene);
        let elements = self
            .elements
            .get(scene.number.as_str())
            .map_or(&[][..], Vec::as_slice);
        coverage::cover(&coverage::SceneInput {
            scene,
            prev: index.checked_sub(1).map(|p| &breakdown.scenes[p]),
            params,
            elements,
            stage: &stage,
            proper_names: &self.proper_names,
        })
    }
}

/// Turns drafts into numbered, timed shots with unique numbers and ids.
#[derive(Debug, Default)]
pub(crate) struct Finisher {
    numbers: Numberer,
    /// Hashes of the ids handed out (see [`numbering`] on why a hash).
    ids: HashSet<u64, crate::text::FxBuild>,
    /// Whether every shot number and id is new by construction, so the
    /// sets above are not needed (see [`Finisher::for_scenes`]).
    fresh: bool,
    /// Buffers reused from scene to scene: the drafts' weights, their
    /// durations, and the timing's scratch space.
    weights: Vec<u64>,
    durations: Vec<u32>,
    remainders: Vec<(u128, usize)>,
    /// The same for setup numbers, and the draft where each setup is
    /// first used.
    setups: Vec<u32>,
    firsts: Vec<usize>,
}

/// Appends `s` to `out` with anything but ASCII letters, digits and `-`
/// replaced by `_` (one per character), so ids are safe in file names.
fn push_id_part(out: &mut CompactString, s: &str) {
    let safe = |c: char| {
        if c.is_ascii_alphanumeric() || c == '-' {
            c
        } else {
            '_'
        }
    };
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        out.push_str(s);
    } else {
        out.extend(s.chars().map(safe));
    }
}

impl Finisher {
    /// A finisher sized for about `shots` shots.
    pub(crate) fn with_capacity(shots: usize) -> Self {
        Self {
            numbers: Numberer::with_capacity(shots),
            ids: HashSet::with_capacity_and_hasher(shots, crate::text::FxBuild::default()),
            ..Self::default()
        }
    }

    /// A finisher that hands out numbers and ids without remembering them
    /// (see [`Finisher::for_scenes`]).
    fn fresh() -> Self {
        Self {
            fresh: true,
            ..Self::default()
        }
    }

    /// A finisher for `scenes`, each finished once. When their numbers are
    /// distinct runs of ASCII digits (as most scripts number them), every
    /// candidate number is new: its digits name its scene and its letters
    /// the shot, so numbers and ids are handed out without remembering them.
    pub(crate) fn for_scenes(scenes: &[Scene]) -> Self {
        let digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
        let mut seen: HashSet<&str, crate::text::FxBuild> =
            HashSet::with_capacity_and_hasher(scenes.len(), crate::text::FxBuild::default());
        let fresh = scenes
            .iter()
            .all(|s| digits(&s.number) && seen.insert(s.number.as_str()));
        if fresh {
            Self::fresh()
        } else {
            Self::with_capacity(scenes.len() * 12)
        }
    }

    pub(crate) fn finish(
        &mut self,
        scene: &Scene,
        index: usize,
        drafts: Vec<Draft>,
        params: &StyleParams,
        out: &mut Vec<Shot>,
    ) {
        self.weights.clear();
        self.weights.extend(drafts.iter().map(|d| d.weight));
        timing::distribute_into(
            timing::scene_ms(scene.duration_s),
            &self.weights,
            params.min_shot_ms,
            &mut self.durations,
            &mut self.remainders,
        );
        // Setups numbered in order of first use, as `setups::number`.
        self.setups.clear();
        self.firsts.clear();
        for (k, d) in drafts.iter().enumerate() {
            let known = self
                .firsts
                .iter()
                .position(|&f| drafts.get(f).is_some_and(|first| first.setup == d.setup));
            let number = known.unwrap_or_else(|| {
                self.firsts.push(k);
                self.firsts.len() - 1
            });
            self.setups
                .push(u32::try_from(number + 1).unwrap_or(u32::MAX));
        }
        let mut base = CompactString::const_new("sc");
        push_id_part(&mut base, &scene.number);
        base.push('-');
        let prefix = base.len();
        let scene_index = u32::try_from(index).unwrap_or(u32::MAX);
        let mut candidate = 0;
        out.reserve(drafts.len());
        // The drafts are taken by value one at a time (not through a zip,
        // which would move each into a tuple first).
        for (k, draft) in drafts.into_iter().enumerate() {
            let (Some(&duration_ms), Some(&setup)) = (self.durations.get(k), self.setups.get(k))
            else {
                break;
            };
            let number = if self.fresh {
                numbering::candidate(&scene.number, k)
            } else {
                self.numbers.next(&scene.number, &mut candidate)
            };
            base.truncate(prefix);
            push_id_part(&mut base, &number);
            let mut id = base.clone();
            let mut n = 2;
            while !self.fresh && !self.ids.insert(numbering::hash_str(&id)) {
                id.clone_from(&base);
                // Writing to a string cannot fail.
                let _ = write!(id, "-{n}");
                n += 1;
            }
            let (speaker, dialogue) = speaker_and_dialogue(draft.lines);
            out.push(Shot {
                id,
                scene_index,
                scene_number: CompactString::new(&scene.number),
                number,
                size: draft.size,
                angle: draft.angle,
                movement: draft.movement,
                lens_mm: draft
                    .lens_mm
                    .unwrap_or_else(|| params.lenses.for_size(draft.size)),
                duration_ms,
                cast: draft.cast,
                speaker,
                dialogue,
                subject: draft.subject,
                location: CompactString::new(&scene.location),
                int_ext: scene.int_ext,
                time_of_day: scene.time_of_day,
                light: scene.light,
                span: draft.span,
                description: draft.description,
                setup,
                prompt: None,
            });
        }
    }
}

/// The shots of a list in shooting order: scene by scene, setup by setup
/// (script order within a setup), so the camera moves as little as possible.
pub fn shooting_order(list: &ShotList) -> Vec<&Shot> {
    let mut v: Vec<(usize, &Shot)> = list.shots.iter().enumerate().collect();
    v.sort_by_key(|(i, s)| (s.scene_index, s.setup, *i));
    v.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests;
