//! Style presets: named sets of rule parameters (classic coverage, handheld
//! documentary, static wide tableau).
//!
//! A preset is only a starting point: [`StyleParams`] is what the rules read,
//! and per-scene overrides ([`SceneOverride`](super::SceneOverride)) adjust it.

use std::fmt;
use std::str::FromStr;

use alkemy_core::{CameraMovement, ShotSize};
use serde::{Deserialize, Serialize};

/// A named style of coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StylePreset {
    /// Classic Hollywood coverage: establishing shots, two-shot masters,
    /// over-the-shoulders, singles getting closer as a scene builds, dolly
    /// moves from the action.
    #[default]
    Classic,
    /// Handheld documentary: the camera follows the speaker, wider lenses,
    /// few establishing shots, no dolly moves.
    Documentary,
    /// Static wide tableau: locked-off wides that hold several lines, no
    /// inserts, no movement.
    Tableau,
}

impl StylePreset {
    /// Every preset, in the order they are listed to people.
    pub const ALL: [StylePreset; 3] = [
        StylePreset::Classic,
        StylePreset::Documentary,
        StylePreset::Tableau,
    ];

    /// The preset's name (`classic`).
    pub fn name(self) -> &'static str {
        match self {
            StylePreset::Classic => "classic",
            StylePreset::Documentary => "documentary",
            StylePreset::Tableau => "tableau",
        }
    }

    /// The rule parameters of the preset.
    pub fn params(self) -> StyleParams {
        match self {
            StylePreset::Classic => StyleParams {
                establishing: true,
                establishing_ms: 3500,
                two_shot_first: true,
                over_the_shoulder: true,
                lines_per_shot: 1,
                widest_coverage: ShotSize::Medium,
                closest: ShotSize::CloseUp,
                inserts: true,
                max_inserts_per_beat: 2,
                movement_from_action: true,
                base_movement: CameraMovement::Static,
                push_in_words: Some(45),
                lenses: LensTable([18, 24, 32, 40, 65, 85, 100, 100]),
                min_shot_ms: 1000,
            },
            StylePreset::Documentary => StyleParams {
                establishing: true,
                establishing_ms: 2500,
                two_shot_first: false,
                over_the_shoulder: true,
                lines_per_shot: 1,
                widest_coverage: ShotSize::Medium,
                closest: ShotSize::CloseUp,
                inserts: true,
                max_inserts_per_beat: 1,
                movement_from_action: true,
                base_movement: CameraMovement::Handheld,
                push_in_words: None,
                lenses: LensTable([16, 24, 28, 35, 50, 65, 85, 85]),
                min_shot_ms: 800,
            },
            StylePreset::Tableau => StyleParams {
                establishing: true,
                establishing_ms: 5000,
                two_shot_first: true,
                over_the_shoulder: false,
                lines_per_shot: 4,
                widest_coverage: ShotSize::Wide,
                closest: ShotSize::Full,
                inserts: false,
                max_inserts_per_beat: 0,
                movement_from_action: false,
                base_movement: CameraMovement::Static,
                push_in_words: None,
                lenses: LensTable([18, 25, 32, 32, 40, 50, 65, 65]),
                min_shot_ms: 2000,
            },
        }
    }
}

impl fmt::Display for StylePreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown style name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown style {0:?}; expected one of: classic, documentary, tableau")]
pub struct UnknownStyle(pub String);

impl FromStr for StylePreset {
    type Err = UnknownStyle;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        StylePreset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownStyle(s.to_owned()))
    }
}

/// Focal lengths (mm, full-frame equivalent) by shot size, widest first:
/// EWS, WS, FS, MS, MCU, CU, ECU, INSERT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LensTable(pub [u16; 8]);

impl LensTable {
    /// The lens for a size.
    pub fn for_size(&self, size: ShotSize) -> u16 {
        self.0[size_rank(size)]
    }
}

/// Index of a size on the widest-to-closest ladder (INSERT last).
pub(crate) fn size_rank(size: ShotSize) -> usize {
    match size {
        ShotSize::ExtremeWide => 0,
        ShotSize::Wide => 1,
        ShotSize::Full => 2,
        ShotSize::Medium => 3,
        ShotSize::MediumCloseUp => 4,
        ShotSize::CloseUp => 5,
        ShotSize::ExtremeCloseUp => 6,
        ShotSize::Insert => 7,
    }
}

/// The size at a ladder index (clamped to ECU; inserts are never a step).
pub(crate) fn size_at(rank: usize) -> ShotSize {
    match rank {
        0 => ShotSize::ExtremeWide,
        1 => ShotSize::Wide,
        2 => ShotSize::Full,
        3 => ShotSize::Medium,
        4 => ShotSize::MediumCloseUp,
        5 => ShotSize::CloseUp,
        _ => ShotSize::ExtremeCloseUp,
    }
}

/// The parameters the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleParams {
    /// Open a scene on an establishing shot when the place or time changes.
    pub establishing: bool,
    /// Weight of an establishing shot, in milliseconds before scaling to the
    /// scene's screen time.
    pub establishing_ms: u32,
    /// Open each dialogue exchange on a two-shot (the exchange's master).
    pub two_shot_first: bool,
    /// Use over-the-shoulder shots in early dialogue coverage.
    pub over_the_shoulder: bool,
    /// Dialogue lines one shot may hold (1 cuts on every line).
    pub lines_per_shot: u32,
    /// The widest size of dialogue coverage after the master.
    pub widest_coverage: ShotSize,
    /// The closest size any character shot may reach.
    pub closest: ShotSize,
    /// Cut to inserts of props called out in capitals.
    pub inserts: bool,
    /// Most inserts after one action paragraph.
    pub max_inserts_per_beat: u32,
    /// Derive movement from the action's verbs.
    pub movement_from_action: bool,
    /// Movement of shots with no reason to move.
    pub base_movement: CameraMovement,
    /// Push in slowly on speeches of at least this many words.
    pub push_in_words: Option<u32>,
    /// Lens by size.
    pub lenses: LensTable,
    /// Shortest shot, in milliseconds, when the scene's time allows.
    pub min_shot_ms: u32,
}

impl StyleParams {
    /// Clamps a character shot's size so it is never closer than
    /// [`closest`](Self::closest). Inserts pass through.
    pub fn clamp_size(&self, size: ShotSize) -> ShotSize {
        if size == ShotSize::Insert {
            return size;
        }
        let limit = size_rank(self.closest).min(6);
        size_at(size_rank(size).min(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in StylePreset::ALL {
            assert_eq!(p.name().parse::<StylePreset>().unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
        assert_eq!(
            " Tableau ".parse::<StylePreset>().unwrap(),
            StylePreset::Tableau
        );
        let err = "noir".parse::<StylePreset>().unwrap_err().to_string();
        assert!(err.contains("classic, documentary, tableau"), "{err}");
    }

    #[test]
    fn lenses_lengthen_as_shots_get_closer() {
        for p in StylePreset::ALL {
            let l = p.params().lenses.0;
            assert!(l.windows(2).all(|w| w[0] <= w[1]), "{p}: {l:?}");
        }
    }

    #[test]
    fn clamp_never_goes_closer_than_the_limit() {
        let tableau = StylePreset::Tableau.params();
        assert_eq!(tableau.clamp_size(ShotSize::CloseUp), ShotSize::Full);
        assert_eq!(tableau.clamp_size(ShotSize::Wide), ShotSize::Wide);
        assert_eq!(tableau.clamp_size(ShotSize::Insert), ShotSize::Insert);
    }
}
