//! Planning options: the style preset and per-scene overrides, as the
//! project store persists them.

use std::collections::BTreeMap;

use alkemy_core::{Breakdown, CameraMovement, ShotSize};
use serde::{Deserialize, Serialize};

use super::style::{StyleParams, StylePreset};

/// What the planner is asked to do.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    /// The style preset for the whole production.
    pub style: StylePreset,
    /// Per-scene adjustments, keyed by scene number (a `BTreeMap` so the
    /// options serialise deterministically and make stable cache keys).
    pub overrides: BTreeMap<String, SceneOverride>,
}

impl PlanOptions {
    /// Options with a preset and no overrides.
    pub fn with_style(style: StylePreset) -> Self {
        Self {
            style,
            overrides: BTreeMap::new(),
        }
    }

    /// The parameters in force for a scene: its override applied to its
    /// preset.
    pub fn params_for(&self, scene_number: &str) -> StyleParams {
        match self.overrides.get(scene_number) {
            Some(o) => o.apply(o.style.unwrap_or(self.style).params()),
            None => self.style.params(),
        }
    }

    /// Scene numbers with an override that the breakdown does not have
    /// (renumbered or deleted scenes), for a person to clean up.
    pub fn unknown_scenes(&self, breakdown: &Breakdown) -> Vec<String> {
        self.overrides
            .keys()
            .filter(|n| breakdown.scene(n).is_none())
            .cloned()
            .collect()
    }
}

/// A person's adjustments to one scene's plan. Every field is optional; an
/// absent field keeps the style's value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SceneOverride {
    /// Another preset for this scene.
    pub style: Option<StylePreset>,
    /// Force the establishing shot on or off.
    pub establishing: Option<bool>,
    /// Force inserts on or off.
    pub inserts: Option<bool>,
    /// The closest size allowed (`INSERT` counts as `ECU`).
    pub closest: Option<ShotSize>,
    /// Dialogue lines per shot (0 counts as 1).
    pub lines_per_shot: Option<u32>,
    /// Every shot of the scene moves this way (e.g. all handheld).
    pub movement: Option<CameraMovement>,
}

impl SceneOverride {
    /// Applies the override to a set of parameters.
    pub fn apply(&self, mut params: StyleParams) -> StyleParams {
        if let Some(v) = self.establishing {
            params.establishing = v;
        }
        if let Some(v) = self.inserts {
            params.inserts = v;
            if v && params.max_inserts_per_beat == 0 {
                params.max_inserts_per_beat = 1;
            }
        }
        if let Some(v) = self.closest {
            params.closest = if v == ShotSize::Insert {
                ShotSize::ExtremeCloseUp
            } else {
                v
            };
        }
        if let Some(v) = self.lines_per_shot {
            params.lines_per_shot = v.max(1);
        }
        if let Some(m) = self.movement {
            params.base_movement = m;
            params.movement_from_action = false;
            params.push_in_words = None;
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_round_trip_through_json() {
        let mut o = PlanOptions::with_style(StylePreset::Documentary);
        o.overrides.insert(
            "12A".into(),
            SceneOverride {
                style: Some(StylePreset::Tableau),
                closest: Some(ShotSize::MediumCloseUp),
                ..SceneOverride::default()
            },
        );
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<PlanOptions>(&json).unwrap(), o);
        // Missing fields take defaults, so old stored options keep loading.
        let empty: PlanOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, PlanOptions::default());
    }

    #[test]
    fn scene_override_replaces_only_what_it_names() {
        let mut o = PlanOptions::with_style(StylePreset::Classic);
        o.overrides.insert(
            "3".into(),
            SceneOverride {
                inserts: Some(false),
                lines_per_shot: Some(0),
                ..SceneOverride::default()
            },
        );
        let p = o.params_for("3");
        assert!(!p.inserts);
        assert_eq!(p.lines_per_shot, 1);
        assert_eq!(p.closest, StylePreset::Classic.params().closest);
        assert_eq!(o.params_for("4"), StylePreset::Classic.params());
    }
}
