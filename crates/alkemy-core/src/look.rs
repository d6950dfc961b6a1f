//! The look of a production: the moodboard's palette, style keywords and
//! summary, which every generated frame is asked to follow.
//!
//! Colours are an [`Rgb`] triple that reads and writes as `#rrggbb`, so a
//! malformed colour cannot get past deserialisation into a prompt.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An sRGB colour, written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub [u8; 3]);

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// Error for a colour that is not `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid colour {0:?}: expected #rrggbb")]
pub struct ParseRgbError(String);

impl FromStr for Rgb {
    type Err = ParseRgbError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRgbError(s.to_owned());
        let hex = s.strip_prefix('#').ok_or_else(err)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        Ok(Rgb([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A named colour of the palette.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Swatch {
    /// What a person (and a prompt) calls it: `teal`, `sodium orange`.
    pub name: String,
    /// The colour.
    pub rgb: Rgb,
}

/// The production's look, as the moodboard stage settles it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Moodboard {
    /// One or two sentences on the look (`sun-bleached Southern gothic`).
    pub summary: String,
    /// Style keywords, most important first (`35mm film`, `anamorphic`).
    pub style_keywords: Vec<String>,
    /// The palette, dominant colour first.
    pub palette: Vec<Swatch>,
    /// Things every frame should avoid, on top of the usual defects.
    #[serde(default)]
    pub avoid: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_round_trip_as_hex() {
        let c: Rgb = "#1A2b3c".parse().unwrap();
        assert_eq!(c, Rgb([0x1a, 0x2b, 0x3c]));
        assert_eq!(c.to_string(), "#1a2b3c");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"#1a2b3c\"");
        assert_eq!(serde_json::from_str::<Rgb>(&json).unwrap(), c);
    }

    #[test]
    fn rejects_malformed_colours() {
        for bad in ["1a2b3c", "#1a2b3", "#1a2b3g", "#1a2b3c4", "", "#ééé"] {
            assert!(bad.parse::<Rgb>().is_err(), "{bad:?} accepted");
        }
        assert!(
            serde_json::from_str::<Moodboard>(
                r##"{"summary":"","style_keywords":[],"palette":[{"name":"x","rgb":"red"}]}"##
            )
            .is_err()
        );
    }
}
