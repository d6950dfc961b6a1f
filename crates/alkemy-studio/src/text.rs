//! Small text helpers shared by the planner and the prompt composer: word
//! iteration, excerpts cut at word boundaries, and name casing.

/// The words of `text`: runs of non-whitespace with surrounding punctuation
/// trimmed (inner apostrophes and hyphens kept). Empty results are skipped.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// The letter runs of `text` (ASCII letters, apostrophes inside a word and
/// any non-ASCII byte count as letters), split on everything else; a
/// byte-level scan for the hot cue matching.
pub(crate) fn letter_runs(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let is_letter = |b: u8| b.is_ascii_alphabetic() || b >= 0x80;
        while i < bytes.len() && !is_letter(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len()
            && (is_letter(bytes[i])
                || (bytes[i] == b'\'' && i + 1 < bytes.len() && is_letter(bytes[i + 1])))
        {
            i += 1;
        }
        // Splits happen only at ASCII bytes, so both ends are char boundaries.
        text.get(start..i)
    })
}

/// Number of words in `text` (runs of bytes other than ASCII whitespace:
/// counted on bytes because it runs on every beat of a feature).
pub(crate) fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        let space = b.is_ascii_whitespace();
        if !space && !in_word {
            count += 1;
        }
        in_word = !space;
    }
    count
}

/// A small, fast hasher (FxHash) for the planner's own keys: shot numbers
/// and ids. Not collision-resistant; the sets it backs hold a few thousand
/// entries, so even adversarial input costs milliseconds, not a hang.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// `text` on one line, whitespace collapsed, at most `max_chars` characters,
/// cut only between words; an ellipsis marks a cut. The first sentence is
/// preferred when it fits.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(max_chars.min(text.len()) + 3);
    let mut chars = 0usize;
    let mut cut = false;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        let needed = if out.is_empty() { n } else { n + 1 };
        if chars + needed > max_chars {
            cut = true;
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        chars += needed;
        // Stop after a sentence once there is enough to read.
        if chars >= 24 && ends_sentence(word) {
            cut = false;
            break;
        }
    }
    if cut {
        out.push('…');
    }
    out
}

fn ends_sentence(word: &str) -> bool {
    let w = word.trim_end_matches(['"', '\'', '”', '’', ')']);
    (w.ends_with('.') || w.ends_with('!') || w.ends_with('?')) && !is_abbreviation(w)
}

fn is_abbreviation(word: &str) -> bool {
    matches!(
        word,
        "Mr." | "Mrs." | "Ms." | "Dr." | "St." | "Jr." | "Sr." | "vs." | "Lt." | "Sgt." | "Capt."
    )
}

/// A canonical upper-case name in title case for prose: `DR. BENNETT` →
/// `Dr. Bennett`, `MCCLANE` → `Mcclane`.
pub(crate) fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if c.is_alphabetic() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            // Letters after an apostrophe continue the word (`Brick's`).
            start = c != '\'' && c != '’';
        }
    }
    out
}

/// Joins names as prose: `A`, `A and B`, `A, B and C`.
pub(crate) fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let mut out = String::new();
            for (i, n) in init.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(n.as_ref());
            }
            out.push_str(" and ");
            out.push_str(last.as_ref());
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_runs_split_on_punctuation_and_digits() {
        let w: Vec<_> = letter_runs("He walks -- slowly, bird's-eye 12 café!").collect();
        assert_eq!(w, ["He", "walks", "slowly", "bird's", "eye", "café"]);
    }

    #[test]
    fn counts_words() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("  one\ttwo\n three  "), 3);
        assert_eq!(word_count("café crème"), 2);
    }

    #[test]
    fn words_trim_punctuation() {
        let w: Vec<_> = words("He walks -- slowly, \"then\" RUNS!").collect();
        assert_eq!(w, ["He", "walks", "slowly", "then", "RUNS"]);
    }

    #[test]
    fn excerpt_cuts_between_words_and_prefers_a_sentence() {
        assert_eq!(
            excerpt("A gorgeous day.  The sun is shining.  But more.", 80),
            "A gorgeous day. The sun is shining."
        );
        let e = excerpt("alpha beta gamma delta epsilon", 16);
        assert_eq!(e, "alpha beta gamma…");
        assert_eq!(
            excerpt("Dr. Bennett comes in and sits down slowly.", 80).len(),
            42
        );
    }

    #[test]
    fn title_case_handles_initials_and_possessives() {
        assert_eq!(title_case("DR. BENNETT"), "Dr. Bennett");
        assert_eq!(title_case("BRICK'S PATIO"), "Brick's Patio");
        assert_eq!(title_case("AMOS CALLOWAY"), "Amos Calloway");
    }

    #[test]
    fn joins_names_as_prose() {
        assert_eq!(join_names::<&str>(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }
}
