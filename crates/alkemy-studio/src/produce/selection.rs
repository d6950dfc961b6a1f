//! `--scenes 3-7,12A`: which scenes of a script to produce.
//!
//! Items are separated by commas. A single item names a scene number exactly
//! as the script writes it (`12A`). A range `A-B` takes every scene whose
//! number's leading digits fall between the leading digits of `A` and `B`
//! (so `3-7` includes `4A`). Scripts without scene numbers are numbered
//! 1, 2, 3… by the breakdown, so ranges work on them as positions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A set of scenes, parsed from `3-7,12A`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneSelection {
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Item {
    Exact(String),
    Range(u64, u64),
}

/// A selection that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scene selection {input:?}: {reason} (expected e.g. `3-7`, `12A` or `1,4-6`)")]
pub struct SelectionError {
    input: String,
    reason: String,
}

impl SceneSelection {
    /// Whether a scene number is selected.
    pub fn contains(&self, number: &str) -> bool {
        self.items.iter().any(|item| match item {
            Item::Exact(n) => n.eq_ignore_ascii_case(number.trim()),
            Item::Range(lo, hi) => leading_number(number).is_some_and(|n| (*lo..=*hi).contains(&n)),
        })
    }
}

fn leading_number(s: &str) -> Option<u64> {
    let digits: &str = {
        let s = s.trim();
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        &s[..end]
    };
    digits.parse().ok()
}

impl FromStr for SceneSelection {
    type Err = SelectionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| SelectionError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let mut items = Vec::new();
        for part in input.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(err("an empty item"));
            }
            match part.split_once('-') {
                Some((a, b)) if leading_number(a).is_some() && leading_number(b).is_some() => {
                    let (lo, hi) = (leading_number(a), leading_number(b));
                    let (Some(lo), Some(hi)) = (lo, hi) else {
                        return Err(err("a range needs numbers at both ends"));
                    };
                    if lo > hi {
                        return Err(err(&format!("the range {part} runs backwards")));
                    }
                    items.push(Item::Range(lo, hi));
                }
                _ => items.push(Item::Exact(part.to_owned())),
            }
        }
        Ok(Self { items })
    }
}

impl fmt::Display for SceneSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match item {
                Item::Exact(n) => f.write_str(n)?,
                Item::Range(lo, hi) => write!(f, "{lo}-{hi}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_exact_numbers() {
        let sel: SceneSelection = "3-7, 12A".parse().unwrap();
        for yes in ["3", "4A", "7", "12A", "12a"] {
            assert!(sel.contains(yes), "{yes} should be selected");
        }
        for no in ["2", "8", "12", "12B", "A3"] {
            assert!(!sel.contains(no), "{no} should not be selected");
        }
        assert_eq!(sel.to_string(), "3-7,12A");
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "3,,4", "7-3"] {
            assert!(bad.parse::<SceneSelection>().is_err(), "{bad:?}");
        }
        // A dash inside a scene id that is not a numeric range is an exact name.
        let sel: SceneSelection = "1-ZX3ZM".parse().unwrap();
        assert!(sel.contains("1-ZX3ZM"));
        assert!(!sel.contains("1"));
    }
}
