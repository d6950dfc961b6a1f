//! Project-wide settings that shape every generated frame and clip.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Frame aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum AspectRatio {
    /// 16:9, HD television and most streaming.
    #[default]
    #[serde(rename = "16:9")]
    Widescreen,
    /// 2.39:1 anamorphic scope.
    #[serde(rename = "2.39:1")]
    Scope,
    /// 1.85:1 flat.
    #[serde(rename = "1.85:1")]
    Flat,
    /// 4:3 academy-ish.
    #[serde(rename = "4:3")]
    Academy,
    /// 1:1 square.
    #[serde(rename = "1:1")]
    Square,
    /// 9:16 vertical.
    #[serde(rename = "9:16")]
    Vertical,
}

impl AspectRatio {
    /// Width divided by height.
    pub fn ratio(self) -> f64 {
        match self {
            AspectRatio::Widescreen => 16.0 / 9.0,
            AspectRatio::Scope => 2.39,
            AspectRatio::Flat => 1.85,
            AspectRatio::Academy => 4.0 / 3.0,
            AspectRatio::Square => 1.0,
            AspectRatio::Vertical => 9.0 / 16.0,
        }
    }

    /// The ratio as written (`16:9`).
    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Widescreen => "16:9",
            AspectRatio::Scope => "2.39:1",
            AspectRatio::Flat => "1.85:1",
            AspectRatio::Academy => "4:3",
            AspectRatio::Square => "1:1",
            AspectRatio::Vertical => "9:16",
        }
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown aspect ratio or resolution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct ParseSettingError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl FromStr for AspectRatio {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "16:9" => AspectRatio::Widescreen,
            "2.39:1" | "2.39" | "scope" => AspectRatio::Scope,
            "1.85:1" | "1.85" | "flat" => AspectRatio::Flat,
            "4:3" => AspectRatio::Academy,
            "1:1" => AspectRatio::Square,
            "9:16" => AspectRatio::Vertical,
            other => {
                return Err(ParseSettingError {
                    what: "aspect ratio",
                    value: other.to_owned(),
                    expected: "16:9, 2.39:1, 1.85:1, 4:3, 1:1, 9:16",
                });
            }
        })
    }
}

/// Output resolution, named by frame height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Resolution {
    /// 480 lines.
    #[serde(rename = "480p")]
    P480,
    /// 720 lines.
    #[default]
    #[serde(rename = "720p")]
    P720,
    /// 1080 lines.
    #[serde(rename = "1080p")]
    P1080,
}

impl Resolution {
    /// Frame height in pixels.
    pub fn height(self) -> u32 {
        match self {
            Resolution::P480 => 480,
            Resolution::P720 => 720,
            Resolution::P1080 => 1080,
        }
    }

    /// Frame size for an aspect ratio: the height is kept for landscape
    /// ratios (the width for portrait ones), and both are rounded to even
    /// numbers as 4:2:0 video requires.
    pub fn frame_size(self, aspect: AspectRatio) -> (u32, u32) {
        let h = f64::from(self.height());
        let r = aspect.ratio();
        let (w, h) = if r >= 1.0 { (h * r, h) } else { (h, h / r) };
        let even = |x: f64| ((x / 2.0).round() as u32) * 2;
        (even(w), even(h))
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}p", self.height())
    }
}

impl FromStr for Resolution {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "480p" | "480" => Resolution::P480,
            "720p" | "720" => Resolution::P720,
            "1080p" | "1080" => Resolution::P1080,
            other => {
                return Err(ParseSettingError {
                    what: "resolution",
                    value: other.to_owned(),
                    expected: "480p, 720p, 1080p",
                });
            }
        })
    }
}

/// Settings that every stage reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectSettings {
    /// Frame aspect ratio.
    pub aspect: AspectRatio,
    /// Output resolution.
    pub resolution: Resolution,
    /// Frames per second of the timeline and renders.
    pub fps: u32,
    /// Name of the shot-planning style preset.
    pub style: String,
    /// Spending limit for paid generation, if any.
    pub budget: Option<Money>,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            aspect: AspectRatio::default(),
            resolution: Resolution::default(),
            fps: 24,
            style: "classic".to_owned(),
            budget: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_sizes_are_even_and_follow_the_ratio() {
        assert_eq!(
            Resolution::P720.frame_size(AspectRatio::Widescreen),
            (1280, 720)
        );
        assert_eq!(
            Resolution::P480.frame_size(AspectRatio::Widescreen),
            (854, 480)
        );
        assert_eq!(
            Resolution::P1080.frame_size(AspectRatio::Scope),
            (2582, 1080)
        );
        assert_eq!(
            Resolution::P720.frame_size(AspectRatio::Vertical),
            (720, 1280)
        );
    }

    #[test]
    fn parses_names() {
        assert_eq!("2.39:1".parse::<AspectRatio>().unwrap(), AspectRatio::Scope);
        assert_eq!("1080p".parse::<Resolution>().unwrap(), Resolution::P1080);
        let err = "4k".parse::<Resolution>().unwrap_err().to_string();
        assert!(err.contains("480p, 720p, 1080p"), "{err}");
    }
}
