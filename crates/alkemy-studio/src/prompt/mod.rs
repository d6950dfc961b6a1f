//! The prompt composer: for each shot, an image prompt, a motion prompt, a
//! negative prompt and a stable seed.
//!
//! A prompt is assembled from ranked parts ([`fit::Part`]): shot grammar
//! (size, angle, lens), the characters in frame and where they stand, what
//! happens, the location and its light, the moodboard's style and palette,
//! the aspect ratio. When a provider's limit ([`PromptLimits`]) is exceeded
//! the least important parts go first, and text is never cut mid-word.
//!
//! Dialogue never enters an image prompt: image models would letter it into
//! the frame. The seed is the BLAKE3 hash of the project and the shot id, so
//! regenerating a shot repeats it and no two shots share a seed by accident.

pub mod cast;
pub mod fit;
mod limits;
mod phrases;

use std::collections::HashMap;

use alkemy_core::{
    AspectRatio, Breakdown, CameraAngle, Facing, Figure, IdentityRef, Moodboard, Shot, ShotList,
    ShotPrompt, ShotSize,
};

pub use limits::PromptLimits;

use crate::text::title_case;
use fit::{Part, fit};

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
    names: HashMap<&'a str, String>,
    /// The first three style keywords, the rest, and the palette.
    style_main: Option<String>,
    style_extra: Option<String>,
    palette: Option<String>,
    /// Fitted negative prompts for: an insert, one figure, two, any other.
    negatives: [String; 4],
}

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
                    cast::prompt_name(&cast::describe(c), identity),
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

    fn name_of(&self, name: &str) -> String {
        match self.names.get(name) {
            Some(n) => n.clone(),
            None => title_case(name),
        }
    }

    /// The figure in words: who, where in frame, which way they look.
    fn figure(&self, f: &Figure) -> String {
        let who = self.name_of(&f.name);
        if f.foreground {
            return format!("over the shoulder of {who} in the foreground");
        }
        let place = if f.x < 0.45 {
            "frame left"
        } else if f.x > 0.55 {
            "frame right"
        } else {
            "centre frame"
        };
        let look = match f.facing {
            Facing::Left => "looking left",
            Facing::Right => "looking right",
            Facing::Camera => "facing camera",
            Facing::Away => "back to camera",
        };
        format!("{who}, {place}, {look}")
    }

    /// The prompts for one shot.
    pub fn compose(&self, shot: &Shot) -> ShotPrompt {
        let place = phrases::location(shot.int_ext, &shot.location);
        self.compose_at(shot, &place)
    }

    /// The prompts for one shot whose location phrase is already made.
    fn compose_at(&self, shot: &Shot, place: &str) -> ShotPrompt {
        let limits = self.ctx.limits;
        let negative = match shot.cast.len() {
            0 if shot.size == ShotSize::Insert => 0,
            0 => 3,
            1 => 1,
            2 => 2,
            _ => 3,
        };
        ShotPrompt {
            image: fit(&self.image_parts(shot, place), ", ", limits.image_chars),
            motion: fit(&self.motion_parts(shot, place), ", ", limits.motion_chars),
            negative: self.negatives[negative].clone(),
            seed: seed(self.ctx.project, &shot.id),
        }
    }

    fn image_parts<'s>(&'s self, shot: &'s Shot, place: &'s str) -> Vec<Part<'s>> {
        let mut parts = Vec::with_capacity(12);
        let mut grammar = String::with_capacity(64);
        grammar.push_str(phrases::size(shot.size));
        if shot.angle != CameraAngle::EyeLevel && shot.angle != CameraAngle::OverTheShoulder {
            grammar.push_str(", ");
            grammar.push_str(phrases::angle(shot.angle));
        }
        grammar.push_str(", ");
        grammar.push_str(&shot.lens_mm.to_string());
        grammar.push_str("mm lens");
        parts.push(Part::new(rank::GRAMMAR, grammar));
        if shot.size == ShotSize::Insert
            && let Some(subject) = &shot.subject
        {
            parts.push(Part::new(
                rank::SUBJECT,
                format!("of {}", subject.to_lowercase()),
            ));
        }
        // The subject (not in the foreground) first, then the others.
        let mut figures: Vec<&Figure> = shot.cast.iter().collect();
        figures.sort_by_key(|f| f.foreground);
        for (i, f) in figures.into_iter().enumerate() {
            let r = if i == 0 {
                rank::SUBJECT
            } else {
                rank::OTHER_FIGURES
            };
            parts.push(Part::new(r, self.figure(f)));
        }
        if let Some(speaker) = &shot.speaker
            && shot
                .cast
                .iter()
                .any(|f| &f.name == speaker && !f.foreground)
        {
            parts.push(Part::new(
                rank::ACTION,
                format!("{} speaking", title_case(speaker)),
            ));
        } else if shot.dialogue.is_none() && shot.size != ShotSize::Insert {
            parts.push(Part::new(rank::ACTION, shot.description.as_str()));
        }
        parts.push(Part::new(rank::LOCATION, place));
        parts.push(Part::new(
            rank::LIGHT,
            phrases::light(shot.light, shot.int_ext),
        ));
        if let Some(s) = &self.style_main {
            parts.push(Part::new(rank::STYLE, s.as_str()));
        }
        if let Some(s) = &self.style_extra {
            parts.push(Part::new(rank::STYLE_EXTRA, s.as_str()));
        }
        if let Some(s) = &self.palette {
            parts.push(Part::new(rank::PALETTE, s.as_str()));
        }
        parts.push(Part::new(rank::ASPECT, phrases::aspect(self.ctx.aspect)));
        parts.push(Part::new(rank::QUALITY, "cinematic film still, detailed"));
        parts
    }

    fn motion_parts<'s>(&'s self, shot: &'s Shot, place: &'s str) -> Vec<Part<'s>> {
        let mut parts = Vec::with_capacity(6);
        parts.push(Part::new(rank::GRAMMAR, phrases::movement(shot.movement)));
        let subject = shot
            .cast
            .iter()
            .find(|f| !f.foreground && Some(&f.name) == shot.speaker.as_ref())
            .or_else(|| shot.cast.iter().find(|f| !f.foreground));
        let action: Part<'s> = match (&shot.speaker, subject) {
            (Some(speaker), Some(f)) if &f.name == speaker => Part::new(
                rank::SUBJECT,
                format!(
                    "{} talks with natural expression and small gestures",
                    title_case(speaker)
                ),
            ),
            (Some(_), Some(f)) => Part::new(
                rank::SUBJECT,
                format!("{} listens and reacts", title_case(&f.name)),
            ),
            _ if shot.size == ShotSize::Insert => {
                Part::new(rank::SUBJECT, "the object in detail, subtle parallax")
            }
            _ if shot.cast.is_empty() => {
                Part::new(rank::SUBJECT, "ambient motion in the scene, light and air")
            }
            _ => Part::new(rank::SUBJECT, shot.description.as_str()),
        };
        parts.push(action);
        parts.push(Part::new(rank::LOCATION, place));
        parts.push(Part::new(
            rank::LIGHT,
            phrases::light(shot.light, shot.int_ext),
        ));
        if let Some(look) = self.ctx.moodboard
            && let Some(first) = look.style_keywords.first()
        {
            parts.push(Part::new(rank::STYLE, first.trim()));
        }
        parts.push(Part::new(rank::QUALITY, "smooth, realistic motion"));
        parts
    }
}

/// The seed of a shot: the first eight bytes of BLAKE3(`project` NUL
/// `shot_id`), kept to 31 bits because several providers take a signed
/// 32-bit seed.
pub fn seed(project: &str, shot_id: &str) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(project.as_bytes());
    h.update(&[0]);
    h.update(shot_id.as_bytes());
    let bytes = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes.as_bytes()[..8]);
    u64::from_le_bytes(first) & 0x7fff_ffff
}

/// Composes prompts for every shot of a list, in place.
pub fn compose_all(list: &mut ShotList, ctx: PromptContext<'_>) {
    let composer = Composer::new(ctx);
    // The location phrase is shared by the shots of a scene.
    let mut place = String::new();
    let mut scene = None;
    for shot in &mut list.shots {
        if scene != Some(shot.scene_index) {
            place = phrases::location(shot.int_ext, &shot.location);
            scene = Some(shot.scene_index);
        }
        shot.prompt = Some(composer.compose_at(shot, &place));
    }
}

#[cfg(test)]
mod tests;
