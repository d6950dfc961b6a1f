//! The breakdown of a screenplay: scenes, characters, locations, element
//! suggestions and statistics, as a first assistant director would draw them up.
//!
//! Scenes carry their content as [`Beat`]s (action paragraphs and dialogue
//! blocks with canonical speaker names) so that shot planning needs nothing but
//! the breakdown.

use serde::{Deserialize, Serialize};

use crate::screenplay::Span;

/// Interior or exterior, from the scene heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntExt {
    /// `INT.`
    Int,
    /// `EXT.`
    Ext,
    /// `INT./EXT.`, `I/E`.
    IntExt,
    /// No prefix (forced headings, `EST.` is treated as exterior).
    Unknown,
}

/// Time of day as written in the heading, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOfDay {
    /// DAWN, SUNRISE, FIRST LIGHT.
    Dawn,
    /// MORNING.
    Morning,
    /// DAY, NOON.
    Day,
    /// AFTERNOON.
    Afternoon,
    /// DUSK, SUNSET, MAGIC HOUR, TWILIGHT.
    Dusk,
    /// EVENING.
    Evening,
    /// NIGHT, MIDNIGHT.
    Night,
    /// CONTINUOUS, SAME TIME, MOMENTS LATER, LATER: follows the previous scene.
    Continuous,
    /// Not stated or not recognised.
    Unspecified,
}

/// The light a scene is shot in: what a renderer or a prompt needs. Derived
/// from [`TimeOfDay`], inheriting from the previous scene for `CONTINUOUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Low warm sun, long shadows.
    Dawn,
    /// Full daylight.
    Day,
    /// Low orange sun, blue shadows.
    Dusk,
    /// Darkness and practical lights.
    Night,
}

/// One beat of a scene's content, in script order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Beat {
    /// An action paragraph.
    Action {
        /// The paragraph text.
        text: String,
        /// Centered text (`>…<`).
        centered: bool,
        /// Canonical names of characters this paragraph mentions.
        characters: Vec<String>,
        /// Source lines.
        span: Span,
    },
    /// A dialogue block: one cue and what follows it.
    Dialogue {
        /// The canonical character name (`STEEL`, not `STEEL (CONT'D)`).
        speaker: String,
        /// Cue extensions such as `V.O.`, `O.S.`, `CONT'D`.
        extensions: Vec<String>,
        /// Parentheticals in the block, with their parentheses.
        parentheticals: Vec<String>,
        /// The spoken text (dialogue and lyrics, parentheticals removed).
        text: String,
        /// The right-hand side of dual dialogue.
        dual: bool,
        /// Source lines, cue included.
        span: Span,
    },
    /// A transition such as `CUT TO:`.
    Transition {
        /// The transition text.
        text: String,
        /// Source lines.
        span: Span,
    },
}

impl Beat {
    /// The beat's source span.
    pub fn span(&self) -> Span {
        match self {
            Beat::Action { span, .. }
            | Beat::Dialogue { span, .. }
            | Beat::Transition { span, .. } => *span,
        }
    }
}

/// A scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// The scene number: as written in the script when present, else sequential.
    pub number: String,
    /// The heading as written (markup removed).
    pub heading: String,
    /// Interior / exterior.
    pub int_ext: IntExt,
    /// Normalised location, all levels kept: `HOUSE - KITCHEN`.
    pub location: String,
    /// The location's levels, outermost first: `["HOUSE", "KITCHEN"]`.
    pub location_path: Vec<String>,
    /// Normalised time of day.
    pub time_of_day: TimeOfDay,
    /// The light it is shot in (time of day resolved against earlier scenes).
    pub light: Light,
    /// The page the scene starts on (1-based, industry page model).
    pub page: u32,
    /// Length in eighths of a page (at least 1).
    pub eighths: u32,
    /// Estimated screen time in seconds.
    pub duration_s: f64,
    /// Canonical names of everyone present: speakers and characters named in action.
    pub characters: Vec<String>,
    /// Canonical names of those who speak, in order of first line.
    pub speaking: Vec<String>,
    /// The synopsis (`=` lines) attached to the scene, if any.
    pub synopsis: Option<String>,
    /// The innermost outline section the scene sits in, if any.
    pub section: Option<String>,
    /// Source lines, heading to the last line before the next scene.
    pub span: Span,
    /// The scene's content.
    pub beats: Vec<Beat>,
}

/// A character: one entry per person however the cue was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Character {
    /// Canonical name, upper case as in cues.
    pub name: String,
    /// Other forms of the same person's cue that were merged into this entry,
    /// such as `EDWARD'S VOICE` or a forced `@McCLANE`.
    pub aliases: Vec<String>,
    /// Number of dialogue blocks.
    pub dialogue_blocks: u32,
    /// Words spoken.
    pub words: u32,
    /// Numbers of the scenes the character appears in.
    pub scenes: Vec<String>,
    /// The number of the first scene the character appears in.
    pub first_scene: Option<String>,
    /// The action line where the name first appears in capitals.
    pub introduction: Option<String>,
}

/// A location with the scenes set there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Normalised name (`HOUSE - KITCHEN`).
    pub name: String,
    /// Interior / exterior of its scenes (the first seen when mixed).
    pub int_ext: IntExt,
    /// Scene numbers.
    pub scenes: Vec<String>,
    /// Distinct times of day, in order of first use.
    pub times_of_day: Vec<TimeOfDay>,
}

/// Breakdown categories for suggested elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementCategory {
    /// Hand props.
    Prop,
    /// Cars, boats, aircraft.
    Vehicle,
    /// Sound effects called out in capitals.
    Sound,
    /// Costume.
    Wardrobe,
    /// Animals.
    Animal,
    /// Special or visual effects.
    Effect,
    /// Anything else worth a line on the breakdown sheet.
    Other,
}

/// Where a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionSource {
    /// A capitalised word or phrase in action.
    Capitals,
    /// A note in the script.
    Note,
}

/// A breakdown element suggested from the text; a person confirms it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementSuggestion {
    /// Category guessed.
    pub category: ElementCategory,
    /// The element as written.
    pub name: String,
    /// The scene number it belongs to.
    pub scene: String,
    /// Where it was found.
    pub source: SuggestionSource,
    /// Source lines.
    pub span: Span,
}

/// Whole-script statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Stats {
    /// Pages in the industry page model.
    pub pages: u32,
    /// Number of scenes.
    pub scenes: u32,
    /// Words in the body (title page excluded).
    pub words: u32,
    /// Words of dialogue.
    pub dialogue_words: u32,
    /// Words of action.
    pub action_words: u32,
    /// Dialogue blocks.
    pub dialogue_blocks: u32,
    /// Characters who speak.
    pub speaking_characters: u32,
    /// Estimated screen time, seconds.
    pub duration_s: f64,
    /// Of which dialogue, seconds.
    pub dialogue_duration_s: f64,
    /// Of which action, seconds.
    pub action_duration_s: f64,
}

/// The breakdown of a whole screenplay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The title from the title page, if any.
    pub title: Option<String>,
    /// Scenes in script order.
    pub scenes: Vec<Scene>,
    /// Content before the first scene heading (a cold open such as
    /// `FADE IN:` and action over black), not counted as a scene.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prologue: Vec<Beat>,
    /// Characters, most dialogue first.
    pub characters: Vec<Character>,
    /// Locations in order of first appearance.
    pub locations: Vec<Location>,
    /// Suggested breakdown elements.
    pub elements: Vec<ElementSuggestion>,
    /// Statistics.
    pub stats: Stats,
}

impl Breakdown {
    /// The scene with this number.
    pub fn scene(&self, number: &str) -> Option<&Scene> {
        self.scenes.iter().find(|s| s.number == number)
    }

    /// The character with this canonical name.
    pub fn character(&self, name: &str) -> Option<&Character> {
        self.characters.iter().find(|c| c.name == name)
    }
}
