//! Industry shot numbers.
//!
//! Convention (US feature practice): the first shot of scene `12` is `12`,
//! the following ones `12A`, `12B`, … `12Z`, skipping `I` and `O` (they read
//! as 1 and 0); after `Z` the letters double (`12AA`, `12BB`, …), then
//! triple. A scene whose number already ends in a letter (`12A`, an added
//! scene) separates the shot letters with a hyphen: `12A`, `12A-A`, `12A-B`,
//! so its shots can never be mistaken for scene 12's. Whatever the script's
//! numbering (duplicates included), numbers are unique within a shot list:
//! a number already taken is skipped. Taken numbers are remembered by a
//! 64-bit hash, which can only err towards skipping a free number (a
//! collision), never towards reusing a taken one. When every scene number
//! is a distinct run of digits, no candidate can be taken (its digits name
//! its scene, its letters the shot), and the planner hands them out without
//! remembering them (`Finisher::for_scenes`).

use std::collections::HashSet;
use std::hash::Hasher;

use alkemy_core::CompactString;

use crate::text::{FxBuild, FxHasher};

/// The shot letters, without `I` and `O`.
const LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The suffix of the `k`-th shot of a scene (0-based): `""`, `A`, `B`, …,
/// `Z`, `AA`, `BB`, …
pub fn suffix(k: usize) -> CompactString {
    let mut out = CompactString::default();
    push_suffix(&mut out, k);
    out
}

/// Appends [`suffix`]`(k)` to `out`.
fn push_suffix(out: &mut CompactString, k: usize) {
    if k == 0 {
        return;
    }
    let letter = char::from(LETTERS[(k - 1) % LETTERS.len()]);
    let times = (k - 1) / LETTERS.len() + 1;
    out.extend(std::iter::repeat_n(letter, times));
}

/// The `k`-th candidate shot number of a scene.
pub fn candidate(scene_number: &str, k: usize) -> CompactString {
    let base = if scene_number.is_empty() {
        "0"
    } else {
        scene_number
    };
    let mut out = CompactString::new(base);
    if k == 0 {
        return out;
    }
    if !base.ends_with(|c: char| c.is_ascii_digit()) {
        out.push('-');
    }
    push_suffix(&mut out, k);
    out
}

/// Hands out unique shot numbers across a shot list.
#[derive(Debug, Default)]
pub struct Numberer {
    used: HashSet<u64, FxBuild>,
}

/// A well-mixed 64-bit hash of a string (FxHash of its bytes, then a final
/// avalanche so the set's buckets spread).
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

impl Numberer {
    /// A numberer sized for about `shots` numbers.
    pub fn with_capacity(shots: usize) -> Self {
        Self {
            used: HashSet::with_capacity_and_hasher(shots, FxBuild::default()),
        }
    }

    /// `count` unique numbers for a scene, in order.
    pub fn scene(&mut self, scene_number: &str, count: usize) -> Vec<CompactString> {
        let mut k = 0;
        (0..count)
            .map(|_| self.next(scene_number, &mut k))
            .collect()
    }

    /// The next unique number of a scene, trying candidates from the
    /// `k`-th on (`k` is left past the one taken).
    pub(crate) fn next(&mut self, scene_number: &str, k: &mut usize) -> CompactString {
        loop {
            let n = candidate(scene_number, *k);
            *k += 1;
            if self.used.insert(hash_str(&n)) {
                return n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_skip_i_and_o_then_double() {
        let s: Vec<CompactString> = (0..27).map(suffix).collect();
        assert_eq!(&s[..4], ["", "A", "B", "C"]);
        assert_eq!(s[8], "H");
        assert_eq!(s[9], "J");
        assert!(!s.iter().any(|x| x.contains('I') || x.contains('O')));
        assert_eq!(s[24], "Z");
        assert_eq!(s[25], "AA");
        assert_eq!(s[26], "BB");
        assert_eq!(suffix(49), "AAA");
    }

    #[test]
    fn lettered_scenes_use_a_hyphen() {
        assert_eq!(candidate("12", 0), "12");
        assert_eq!(candidate("12", 2), "12B");
        assert_eq!(candidate("12A", 0), "12A");
        assert_eq!(candidate("12A", 1), "12A-A");
        assert_eq!(candidate("A12", 1), "A12A");
    }

    #[test]
    fn numbers_stay_unique_across_clashing_scene_numbers() {
        let mut n = Numberer::default();
        let a = n.scene("12", 3); // 12, 12A, 12B
        let b = n.scene("12A", 2); // 12A is taken by scene 12's second shot
        let c = n.scene("12", 2); // a duplicated scene number
        assert_eq!(a, ["12", "12A", "12B"]);
        assert_eq!(b, ["12A-A", "12A-B"]);
        assert_eq!(c, ["12C", "12D"]);
    }
}
