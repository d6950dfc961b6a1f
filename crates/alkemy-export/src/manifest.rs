//! `manifest.json`: the provenance and cost of every file a production wrote.
//!
//! This is a wire format (`"version": 1`), kept apart from the domain types:
//! fields are only ever added. The pipeline fills a [`Manifest`] as it goes and
//! writes it last; totals are computed when it is written, so they always
//! agree with the assets listed.

use std::collections::BTreeMap;

use alkemy_core::{ContentHash, Money};
use serde::{Deserialize, Serialize};

/// The manifest format version this crate writes.
pub const MANIFEST_VERSION: u32 = 1;

/// What an asset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// A still for a shot (`frames/`).
    Frame,
    /// A clip for a shot (`clips/`).
    Clip,
    /// A scene's title card.
    TitleCard,
    /// The joined animatic (`animatic.mp4`).
    Animatic,
    /// A storyboard (`storyboard.html`, `storyboard.pdf`).
    Storyboard,
    /// An edit for editors (`timeline.otio`, `.edl`, `.fcpxml`).
    Timeline,
    /// The shot list (`shots.csv`).
    ShotList,
    /// The script analysis (`analysis.json`).
    Analysis,
    /// Anything else.
    Other,
}

/// One file the production wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAsset {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: AssetKind,
    /// The shot it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shot_id: Option<String>,
    /// Hash of the canonical inputs it was made from (its cache key).
    pub inputs_hash: ContentHash,
    /// Provider that made it (`local`, `fal`, `gemini`).
    pub provider: String,
    /// Model that made it (`previz`, `flux-dev`).
    pub model: String,
    /// Seed, where the model takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// What it cost, in micro-dollars.
    #[serde(rename = "cost_micros")]
    pub cost: Money,
    /// Whether it was reused from the cache (costing nothing this run).
    #[serde(default)]
    pub cached: bool,
    /// Time taken to make it, in milliseconds.
    pub time_ms: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// Totals for one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderTotal {
    /// The provider.
    pub provider: String,
    /// Assets it made.
    pub assets: u64,
    /// What they cost, in micro-dollars.
    #[serde(rename = "cost_micros")]
    pub cost: Money,
    /// Time taken, in milliseconds.
    pub time_ms: u64,
}

/// Totals over every asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTotals {
    /// Number of assets.
    pub assets: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Cost, in micro-dollars.
    #[serde(rename = "cost_micros")]
    pub cost: Money,
    /// The cost as text (`$1.25`), for people reading the file.
    pub cost_display: String,
    /// Time taken, in milliseconds (summed over assets, not wall time).
    pub time_ms: u64,
    /// Assets reused from the cache.
    pub cached: u64,
    /// Per provider, by name.
    pub by_provider: Vec<ProviderTotal>,
}

/// The manifest of a production, as the pipeline fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The production title.
    pub title: String,
    /// The program and version that wrote it (`alkemy 0.1.0`).
    pub generator: String,
    /// When the production was made (RFC 3339), if the pipeline says.
    pub created: Option<String>,
    /// Every asset, one per path.
    assets: Vec<ManifestAsset>,
    /// Position of each path in `assets`.
    index: BTreeMap<String, usize>,
}

/// `manifest.json` on the wire: the manifest plus computed totals.
#[derive(Serialize, Deserialize)]
struct ManifestFile {
    version: u32,
    title: String,
    generator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    assets: Vec<ManifestAsset>,
    totals: ManifestTotals,
}

/// A manifest that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid manifest JSON.
    #[error("manifest.json is not a valid manifest: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a newer Alkemy.
    #[error("manifest.json has version {found}; this Alkemy reads version {MANIFEST_VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
}

impl Manifest {
    /// An empty manifest.
    pub fn new(title: impl Into<String>, generator: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            generator: generator.into(),
            created: None,
            assets: Vec::new(),
            index: BTreeMap::new(),
        }
    }

    /// Adds an asset, replacing an earlier entry for the same path.
    pub fn record(&mut self, asset: ManifestAsset) {
        match self.index.get(&asset.path) {
            Some(&i) => self.assets[i] = asset,
            None => {
                self.index.insert(asset.path.clone(), self.assets.len());
                self.assets.push(asset);
            }
        }
    }

    /// The assets, in the order they were first recorded.
    pub fn assets(&self) -> &[ManifestAsset] {
        &self.assets
    }

    /// Totals over every asset.
    pub fn totals(&self) -> ManifestTotals {
        totals(&self.assets)
    }

    /// The pretty-printed JSON (`"version": 1`), assets sorted by path, with
    /// totals and a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut assets = self.assets.clone();
        assets.sort_by(|a, b| a.path.cmp(&b.path));
        let file = ManifestFile {
            version: MANIFEST_VERSION,
            title: self.title.clone(),
            generator: self.generator.clone(),
            created: self.created.clone(),
            totals: totals(&assets),
            assets,
        };
        // Serialising these plain structs (string keys only) cannot fail.
        let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads a manifest, refusing versions newer than this crate's (the
    /// totals are recomputed from the assets).
    pub fn from_json(bytes: &[u8]) -> Result<Self, ManifestError> {
        #[derive(Deserialize)]
        struct Probe {
            version: u32,
        }
        let probe: Probe = serde_json::from_slice(bytes)?;
        if probe.version > MANIFEST_VERSION {
            return Err(ManifestError::Version {
                found: probe.version,
            });
        }
        let file: ManifestFile = serde_json::from_slice(bytes)?;
        let mut manifest = Manifest::new(file.title, file.generator);
        manifest.created = file.created;
        for asset in file.assets {
            manifest.record(asset);
        }
        Ok(manifest)
    }
}

fn totals(assets: &[ManifestAsset]) -> ManifestTotals {
    let mut by_provider: BTreeMap<&str, ProviderTotal> = BTreeMap::new();
    for a in assets {
        let t = by_provider
            .entry(&a.provider)
            .or_insert_with(|| ProviderTotal {
                provider: a.provider.clone(),
                assets: 0,
                cost: Money::ZERO,
                time_ms: 0,
            });
        t.assets += 1;
        t.cost += a.cost;
        t.time_ms = t.time_ms.saturating_add(a.time_ms);
    }
    let cost: Money = assets.iter().map(|a| a.cost).sum();
    ManifestTotals {
        assets: assets.len() as u64,
        bytes: assets.iter().map(|a| a.bytes).fold(0, u64::saturating_add),
        cost,
        cost_display: cost.to_string(),
        time_ms: assets
            .iter()
            .map(|a| a.time_ms)
            .fold(0, u64::saturating_add),
        cached: assets.iter().filter(|a| a.cached).count() as u64,
        by_provider: by_provider.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(path: &str, provider: &str, cost_micros: i64, bytes: u64) -> ManifestAsset {
        ManifestAsset {
            path: path.to_owned(),
            kind: AssetKind::Frame,
            shot_id: Some("sc1-1".to_owned()),
            inputs_hash: ContentHash::of_bytes(path.as_bytes()),
            provider: provider.to_owned(),
            model: "m".to_owned(),
            seed: Some(7),
            cost: Money::from_micros(cost_micros),
            cached: false,
            time_ms: 10,
            bytes,
        }
    }

    #[test]
    fn totals_add_up_per_provider_and_round_trip() {
        let mut m = Manifest::new("Brick & Steel", "alkemy 0.1.0");
        m.record(asset("frames/b.png", "fal", 25_000, 100));
        m.record(asset("frames/a.png", "local", 0, 50));
        m.record(asset("clips/a.mp4", "fal", 1_000_000, 1_000));
        // Re-recording a path replaces it.
        m.record(asset("frames/b.png", "fal", 30_000, 120));
        let json = m.to_json();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["assets"][0]["path"], "clips/a.mp4");
        assert_eq!(v["assets"].as_array().unwrap().len(), 3);
        assert_eq!(v["totals"]["cost_micros"], 1_030_000);
        assert_eq!(v["totals"]["cost_display"], "$1.03");
        assert_eq!(v["totals"]["bytes"], 1_170);
        assert_eq!(v["totals"]["by_provider"][0]["provider"], "fal");
        assert_eq!(v["totals"]["by_provider"][0]["assets"], 2);
        assert_eq!(v["totals"]["by_provider"][1]["cost_micros"], 0);
        assert_eq!(v["assets"][1]["inputs_hash"].as_str().unwrap().len(), 64);
        let back = Manifest::from_json(&json).unwrap();
        assert_eq!(back.assets().len(), 3);
        assert_eq!(back.totals().cost, Money::from_micros(1_030_000));
        assert_eq!(back.to_json(), json);
    }

    #[test]
    fn refuses_a_newer_version() {
        let e = Manifest::from_json(br#"{"version": 2}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Version { found: 2 }), "{e}");
    }
}
