//! The analysis as a wire format: [`AnalysisJson`] is what
//! `alkemy analyze --format json` prints and what `produce` writes as
//! `analysis.json`. It is versioned and converted from the domain types here,
//! at the edge, so the domain types can change without breaking readers.
//! [`text`] renders the same analysis as a readable report.

pub mod text;

use alkemy_core::screenplay::Diagnostic;
use alkemy_core::{
    Breakdown, ElementSuggestion, IntExt, Light, Screenplay, SourceFormat, Span, Stats, TimeOfDay,
    TitleEntry,
};
use serde::{Deserialize, Serialize};

/// `analysis.json`, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisJson {
    /// Format version: 1. A reader rejects a version it does not know.
    pub version: u32,
    /// The title from the title page.
    pub title: Option<String>,
    /// The format the script was read from.
    pub format: SourceFormat,
    /// The title page as written.
    pub title_page: Vec<TitleEntry>,
    /// Scenes in script order.
    pub scenes: Vec<SceneJson>,
    /// Characters, most dialogue first.
    pub characters: Vec<CharacterJson>,
    /// Locations in order of first appearance.
    pub locations: Vec<LocationJson>,
    /// Suggested breakdown elements.
    pub elements: Vec<ElementSuggestion>,
    /// Whole-script statistics.
    pub stats: Stats,
    /// What the parser noticed.
    pub diagnostics: Vec<Diagnostic>,
}

/// One scene of [`AnalysisJson`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneJson {
    /// Scene number (as written, else sequential).
    pub number: String,
    /// The heading as written.
    pub heading: String,
    /// Interior / exterior.
    pub int_ext: IntExt,
    /// Normalised location, levels joined with ` - `.
    pub location: String,
    /// The location's levels, outermost first.
    pub location_path: Vec<String>,
    /// Time of day.
    pub time_of_day: TimeOfDay,
    /// Light it is shot in.
    pub light: Light,
    /// Start page.
    pub page: u32,
    /// Length in eighths of a page.
    pub eighths: u32,
    /// Estimated screen time, seconds (one decimal).
    pub duration_s: f64,
    /// Everyone present.
    pub characters: Vec<String>,
    /// Those who speak.
    pub speaking: Vec<String>,
    /// Synopsis, if written.
    pub synopsis: Option<String>,
    /// Innermost outline section.
    pub section: Option<String>,
    /// Source lines.
    pub span: Span,
}

/// One character of [`AnalysisJson`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharacterJson {
    /// Canonical name.
    pub name: String,
    /// Other forms of the name.
    pub aliases: Vec<String>,
    /// Dialogue blocks.
    pub dialogue_blocks: u32,
    /// Words spoken.
    pub words: u32,
    /// Scene numbers.
    pub scenes: Vec<String>,
    /// First scene.
    pub first_scene: Option<String>,
    /// The line that introduces them.
    pub introduction: Option<String>,
}

/// One location of [`AnalysisJson`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationJson {
    /// Normalised name.
    pub name: String,
    /// Interior / exterior.
    pub int_ext: IntExt,
    /// Scene numbers.
    pub scenes: Vec<String>,
    /// Times of day used.
    pub times_of_day: Vec<TimeOfDay>,
}

fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl AnalysisJson {
    /// The version this code writes.
    pub const VERSION: u32 = 1;

    /// Builds the wire form from the screenplay and its breakdown.
    pub fn new(screenplay: &Screenplay, breakdown: &Breakdown) -> Self {
        let mut stats = breakdown.stats.clone();
        stats.duration_s = tenth(stats.duration_s);
        stats.dialogue_duration_s = tenth(stats.dialogue_duration_s);
        stats.action_duration_s = tenth(stats.action_duration_s);
        Self {
            version: Self::VERSION,
            title: breakdown.title.clone(),
            format: screenplay.format,
            title_page: screenplay.title_page.clone(),
            scenes: breakdown
                .scenes
                .iter()
                .map(|s| SceneJson {
                    number: s.number.clone(),
                    heading: s.heading.clone(),
                    int_ext: s.int_ext,
                    location: s.location.clone(),
                    location_path: s.location_path.clone(),
                    time_of_day: s.time_of_day,
                    light: s.light,
                    page: s.page,
                    eighths: s.eighths,
                    duration_s: tenth(s.duration_s),
                    characters: s.characters.clone(),
                    speaking: s.speaking.clone(),
                    synopsis: s.synopsis.clone(),
                    section: s.section.clone(),
                    span: s.span,
                })
                .collect(),
            characters: breakdown
                .characters
                .iter()
                .map(|c| CharacterJson {
                    name: c.name.clone(),
                    aliases: c.aliases.clone(),
                    dialogue_blocks: c.dialogue_blocks,
                    words: c.words,
                    scenes: c.scenes.clone(),
                    first_scene: c.first_scene.clone(),
                    introduction: c.introduction.clone(),
                })
                .collect(),
            locations: breakdown
                .locations
                .iter()
                .map(|l| LocationJson {
                    name: l.name.clone(),
                    int_ext: l.int_ext,
                    scenes: l.scenes.clone(),
                    times_of_day: l.times_of_day.clone(),
                })
                .collect(),
            elements: breakdown.elements.clone(),
            stats,
            diagnostics: screenplay.diagnostics.clone(),
        }
    }
}
