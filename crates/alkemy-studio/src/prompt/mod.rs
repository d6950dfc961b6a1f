//! The prompt composer: for each shot, an image prompt, a motion prompt, a
//! negative prompt and a stable seed.
//!
//! A prompt is assembled from ranked parts ([`fit::Part`]): shot grammar
//! (size, angle, lens), the characters in frame and where they stand, what
//! happens, the location and its light, the moodboard's style and palette,
//! the aspect ratio. When a provider's limit ([`PromptLimits`]) is exceeded
//! the least important parts go first, and text is never cut mid-word.
//! The parts are written straight into the prompt's own buffer
//! (`writer.rs`), and are only handed to [`fit::fit`] when the whole does
//! not fit: composing runs for every shot of a feature.
//!
//! Dialogue never enters an image prompt: image models would letter it into
//! the frame. The seed is the BLAKE3 hash of the project and the shot id, so
//! regenerating a shot repeats it and no two shots share a seed by accident.

pub mod cast;
pub mod fit;
mod limits;
mod phrases;
mod writer;

use std::collections::HashMap;

use rayon::prelude::*;

use alkemy_core::{
    AspectRatio, Breakdown, CameraAngle, Facing, Figure, IdentityRef, Moodboard, Shot, ShotList,
    ShotPrompt, ShotSize,
};

pub use limits::PromptLimits;

use crate::text::{FxBuild, push_title_case};
use fit::{Part, fit};
use writer::{PromptWriter, Tail, written};

/// What the composer needs besides the shot.
#[derive(Debug, Clone, Copy)]
pub struct PromptContext<'a> {
    /// The project's identity (id or title): namespaces the seeds.
    pub project: &'a str,
    /// The breakdown, for character descriptions.
    pub breakdown: &'a Breakdown,
    /// Trained identities, by character.
    pub identities: &'a [IdentityRef],
    /// The look, if the moodboard stage has run.
    pub moodboard: Option<&'a Moodboard>,
    /// The frame's aspect ratio.
    pub aspect: AspectRatio,
    /// The target provider's length limits.
    pub limits: PromptLimits,
}

/// Composes prompts; build once per shot list: it indexes the cast and
/// prepares what every shot shares (the look, the negative prompts).
#[derive(Debug)]
pub struct Composer<'a> {
    ctx: PromptContext<'a>,
    /// Per character: how a prompt names them, and their name in title case.
    names: HashMap<&'a str, (String, String), FxBuild>,
    /// The first three style keywords, the rest, and the palette.
    style_main: Option<String>,
    style_extra: Option<String>,
    palette: Option<String>,
    /// Fitted negative prompts for: an insert, one figure, two, any other.
    negatives: [String; 4],
}

/// `, where in frame, which way they look`, by place (left, right,
/// centre) and facing (left, right, camera, away): one piece to append.
const FIGURE_PLACES: [[&str; 4]; 3] = [
    [
        ", frame left, looking left",
        ", frame left, looking right",
        ", frame left, facing camera",
        ", frame left, back to camera",
    ],
    [
        ", frame right, looking left",
        ", frame right, looking right",
        ", frame right, facing camera",
        ", frame right, back to camera",
    ],
    [
        ", centre frame, looking left",
        ", centre frame, looking right",
        ", centre frame, facing camera",
        ", centre frame, back to camera",
    ],
];

/// Importance of prompt parts (higher is kept longer).
mod rank {
    pub const GRAMMAR: u8 = 10;
    pub const SUBJECT: u8 = 9;
    pub const LOCATION: u8 = 8;
    pub const OTHER_FIGURES: u8 = 7;
    pub const ACTION: u8 = 6;
    pub const LIGHT: u8 = 5;
    pub const STYLE: u8 = 4;
    pub const PALETTE: u8 = 3;
    pub const STYLE_EXTRA: u8 = 2;
    pub const ASPECT: u8 = 2;
    pub const QUALITY: u8 = 1;
}

/// Defects every frame avoids, most damaging first (dropped last).
const DEFECTS: [&str; 9] = [
    "text",
    "subtitles",
    "watermark",
    "logo",
    "deformed hands",
    "extra fingers",
    "distorted faces",
    "blurry",
    "low resolution",
];

impl<'a> Composer<'a> {
    /// A composer for a context.
    pub fn new(ctx: PromptContext<'a>) -> Self {
        let names = ctx
            .breakdown
            .characters
            .iter()
            .map(|c| {
                let identity = ctx.identities.iter().find(|i| i.character == c.name);
                (
                    c.name.as_str(),
                    (
                        cast::prompt_name(&cast::describe(c), identity),
                        crate::text::title_case(&c.name),
                    ),
                )
            })
            .collect();
        let (mut style_main, mut style_extra, mut palette) = (None, None, None);
        if let Some(look) = ctx.moodboard {
            let keywords: Vec<&str> = look
                .style_keywords
                .iter()
                .map(|k| k.trim())
                .filter(|k| !k.is_empty())
                .collect();
            let (main, extra) = keywords.split_at(keywords.len().min(3));
            style_main = (!main.is_empty()).then(|| main.join(", "));
            style_extra = (!extra.is_empty()).then(|| extra.join(", "));
            let colours: Vec<&str> = look
                .palette
                .iter()
                .map(|s| s.name.trim())
                .filter(|s| !s.is_empty())
                .collect();
            palette = (!colours.is_empty())
                .then(|| format!("colour palette of {}", crate::text::join_names(&colours)));
        }
        let negative = |extra: Option<&'static str>| {
            let mut parts: Vec<Part<'_>> = Vec::with_capacity(16);
            if let Some(look) = ctx.moodboard {
                for a in look.avoid.iter().filter(|a| !a.trim().is_empty()) {
                    parts.push(Part::new(rank::STYLE, a.trim()));
                }
            }
            for (i, d) in DEFECTS.iter().enumerate() {
                parts.push(Part::new(rank::GRAMMAR.saturating_sub(i as u8 / 2), *d));
            }
            if let Some(e) = extra {
                parts.push(Part::new(rank::LIGHT, e));
            }
            fit(&parts, ", ", ctx.limits.negative_chars)
        };
        let negatives = [
            negative(Some("people, faces")),
            negative(Some("crowd, extra people")),
            negative(Some("extra people")),
            negative(None),
        ];
        Self {
            ctx,
            names,
            style_main,
            style_extra,
            palette,
            negatives,
        }
    }

    /// Appends how a prompt names a character.
    fn push_name(&self, out: &mut String, name: &str) {
        match self.names.get(name) {
            Some((n, _)) => out.push_str(n),
            None => push_title_case(out, name),
        }
    }

    /// Appends a character's name in title case.
    fn push_title(&self, out: &mut String, name: &str) {
        match self.names.get(name) {
            Some((_, t)) => out.push_str(t),
            None => push_title_case(out, name),
        }
    }

    /// Appends the figure in words: who, where in frame, which way they look.
    fn push_figure(&self, out: &mut String, f: &Figure) {
        if f.foreground {
            out.push_str("over the shoulder of ");
            self.push_name(out, &f.name);
            out.push_str(" in the foreground");
            return;
        }
        let place = if f.x < 0.45 {
            0
        } else if f.x > 0.55 {
            1
        } else {
            2
        };
        let look = match f.facing {
            Facing::Left => 0,
            Facing::Right => 1,
            Facing::Camera => 2,
            Facing::Away => 3,
        };
        self.push_name(out, &f.name);
        out.push_str(FIGURE_PLACES[place][look]);
    }

    /// The prompts for one shot.
    pub fn compose(&self, shot: &Shot) -> ShotPrompt {
        let place = phrases::location(shot.int_ext, &shot.location);
        let mut tails = Tails::default();
        self.tails(shot, &place, &mut tails);
        self.compose_at(shot, &tails, &mut Scratch::default())
    }

    /// The parts of a shot's prompts that follow what is particular to the
    /// shot: its place (`place`), its light and the look. Every shot of a
    /// scene has the same. Written into `tails`, reusing its buffers.
    fn tails(&self, shot: &Shot, place: &str, tails: &mut Tails) {
        let light = phrases::light(shot.light, shot.int_ext);
        let Tails { image, motion } = tails;
        image.clear();
        image.part(rank::LOCATION, place);
        image.part(rank::LIGHT, light);
        if let Some(s) = &self.style_main {
            image.part(rank::STYLE, s);
        }
        if let Some(s) = &self.style_extra {
            image.part(rank::STYLE_EXTRA, s);
        }
        if let Some(s) = &self.palette {
            image.part(rank::PALETTE, s);
        }
        image.part(rank::ASPECT, phrases::aspect(self.ctx.aspect));
        image.part(rank::QUALITY, "cinematic film still, detailed");
        motion.clear();
        motion.part(rank::LOCATION, place);
        motion.part(rank::LIGHT, light);
        if let Some(look) = self.ctx.moodboard
            && let Some(first) = look.style_keywords.first()
        {
            motion.part(rank::STYLE, first.trim());
        }
        motion.part(rank::QUALITY, "smooth, realistic motion");
    }

    /// The prompts for one shot, given its [`tails`](Self::tails).
    fn compose_at(&self, shot: &Shot, tails: &Tails, scratch: &mut Scratch) -> ShotPrompt {
        let limits = self.ctx.limits;
        let negative = match shot.cast.len() {
            0 if shot.size == ShotSize::Insert => 0,
            0 => 3,
            1 => 1,
            2 => 2,
            _ => 3,
        };
        let image = written(
            scratch.image_capacity,
            limits.image_chars,
            &mut scratch.parts,
            |w| {
                self.write_image(shot, w);
                w.tail(&tails.image);
            },
        );
        scratch.image_capacity = image.len() + CAPACITY_MARGIN;
        let motion = written(
            scratch.motion_capacity,
            limits.motion_chars,
            &mut scratch.parts,
            |w| {
                self.write_motion(shot, w);
                w.tail(&tails.motion);
            },
        );
        scratch.motion_capacity = motion.len() + CAPACITY_MARGIN;
        ShotPrompt {
            image,
            motion,
            negative: self.negatives[negative].clone(),
            seed: seed(self.ctx.project, &shot.id),
        }
    }

    /// The image prompt's parts up to its [`Tails::image`].
    fn write_image(&self, shot: &Shot, w: &mut PromptWriter<'_>) {
        let start = w.begin();
        w.text.push_str(phrases::size(shot.size));
        if shot.angle != CameraAngle::EyeLevel && shot.angle != CameraAngle::OverTheShoulder {
            w.text.push_str(", ");
            w.text.push_str(phrases::angle(shot.angle));
        }
        w.text.push_str(", ");
        push_decimal(&mut w.text, shot.lens_mm);
        w.text.push_str("mm lens");
        w.end(rank::GRAMMAR, start);
        if shot.size == ShotSize::Insert
            && let Some(subject) = &shot.subject
        {
            let start = w.begin();
            w.text.push_str("of ");
            if subject.is_ascii() {
                w.text
                    .extend(subject.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                w.text.push_str(&subject.to_lowercase());
            }
            w.end(rank::SUBJECT, start);
        }
        // The subject (not in the foreground) first, then the others.
        let figures = shot
            .cast
            .iter()
            .filter(|f| !f.foreground)
            .chain(shot.cast.iter().filter(|f| f.foreground));
        for (i, f) in figures.enumerate() {
            let r = if i == 0 {
                rank::SUBJECT
            } else {
                rank::OTHER_FIGURES
            };
            let start = w.begin();
            self.push_figure(&mut w.text, f);
            w.end(r, start);
        }
        if let Some(speaker) = &shot.speaker
            && shot.cast.iter().any(|f| f.name == speaker && !f.foreground)
        {
            let start = w.begin();
            self.push_title(&mut w.text, speaker);
            w.text.push_str(" speaking");
            w.end(rank::ACTION, start);
        } else if shot.dialogue.is_none() && shot.size != ShotSize::Insert {
            w.part(rank::ACTION, &shot.description);
        }
    }

    /// The motion prompt's parts up to its [`Tails::motion`].
    fn write_motion(&self, shot: &Shot, w: &mut PromptWriter<'_>) {
        w.part(rank::GRAMMAR, phrases::movement(shot.movement));
        let subject = shot
            .cast
            .iter()
            .find(|f| !f.foreground && Some(&f.name) == shot.speaker.as_ref())
            .or_else(|| shot.cast.iter().find(|f| !f.foreground));
        match (&shot.speaker, subject) {
            (Some(speaker), Some(f)) if f.name == speaker => {
                let start = w.begin();
                self.push_title(&mut w.text, speaker);
                w.text
                    .push_str(" talks with natural expression and small gestures");
                w.end(rank::SUBJECT, start);
            }
            (Some(_), Some(f)) => {
                let start = w.begin();
                self.push_title(&mut w.text, &f.name);
                w.text.push_str(" listens and reacts");
                w.end(rank::SUBJECT, start);
            }
            _ if shot.size == ShotSize::Insert => {
                w.part(rank::SUBJECT, "the object in detail, subtle parallax");
            }
            _ if shot.cast.is_empty() => {
                w.part(rank::SUBJECT, "ambient motion in the scene, light and air");
            }
            _ => w.part(rank::SUBJECT, &shot.description),
        }
    }
}

/// The shared ends of a scene's image and motion prompts.
#[derive(Debug, Default)]
struct Tails {
    image: Tail,
    motion: Tail,
}

/// Buffers reused from shot to shot while composing a list.
#[derive(Debug, Default)]
struct Scratch {
    /// The parts' places in the prompt being written.
    parts: Vec<(u8, usize, usize)>,
    /// Room for the next image prompt: the last one's length and a margin
    /// (shots of a scene have prompts of about the same length), so most
    /// are written without growing and without much unused room.
    image_capacity: usize,
    /// The same for motion prompts.
    motion_capacity: usize,
}

/// Bytes of room beyond the previous prompt's length.
const CAPACITY_MARGIN: usize = 48;

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// The seed of a shot: the first eight bytes of BLAKE3(`project` NUL
/// `shot_id`), kept to 31 bits because several providers take a signed
/// 32-bit seed.
pub fn seed(project: &str, shot_id: &str) -> u64 {
    // One call on the joined bytes (a stack buffer for the usual short
    // ids) is the same hash as feeding a `Hasher` the three pieces, and
    // skips setting one up.
    let len = project.len() + 1 + shot_id.len();
    let mut stack = [0u8; 128];
    let mut heap = Vec::new();
    let input: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    input[..project.len()].copy_from_slice(project.as_bytes());
    input[project.len() + 1..].copy_from_slice(shot_id.as_bytes());
    let bytes = blake3::hash(input);
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes.as_bytes()[..8]);
    u64::from_le_bytes(first) & 0x7fff_ffff
}

/// Composes prompts for every shot of a list, in place.
///
/// Runs of shots are composed in parallel; each shot's prompts depend only
/// on it and the context, so the result does not depend on the threads.
pub fn compose_all(list: &mut ShotList, ctx: PromptContext<'_>) {
    let composer = Composer::new(ctx);
    list.shots
        .par_chunks_mut(SHOTS_PER_TASK)
        .for_each(|run| compose_run(&composer, run));
}

/// Shots one parallel task composes: about 40 µs of work.
const SHOTS_PER_TASK: usize = 128;

/// Composes the prompts of consecutive shots.
fn compose_run(composer: &Composer<'_>, shots: &mut [Shot]) {
    let mut scratch = Scratch::default();
    // The location phrase is shared by the shots of a scene, and so are
    // the prompts' tails while the light is the same.
    let mut place = String::new();
    let mut tails = Tails::default();
    let mut scene = None;
    let mut tails_for = None;
    for shot in shots {
        if scene != Some(shot.scene_index) {
            place.clear();
            phrases::push_location(&mut place, shot.int_ext, &shot.location);
            scene = Some(shot.scene_index);
            tails_for = None;
        }
        let key = Some((shot.light, shot.int_ext));
        if tails_for != key {
            composer.tails(shot, &place, &mut tails);
            tails_for = key;
        }
        shot.prompt = Some(composer.compose_at(shot, &tails, &mut scratch));
    }
}

#[cfg(test)]
mod tests;
