//! A prompt written straight into the buffer it is returned in, part by
//! part: each part is appended after a separator and its place is noted, so
//! a prompt that fits its limit (nearly all) costs one allocation and no
//! copy, and one that does not is handed to [`fit`] as borrowed parts.

use super::fit::{Part, fit};

/// The separator between prompt parts.
pub(crate) const SEP: &str = ", ";

/// A prompt being written.
pub(crate) struct PromptWriter<'s> {
    /// The parts so far, joined by [`SEP`].
    pub text: String,
    /// `(priority, start, end)` of each part in `text`: scratch space the
    /// caller lends so it is allocated once per shot list.
    parts: &'s mut Vec<(u8, usize, usize)>,
    /// Whether a part is blank (only whitespace), which `fit` drops.
    blank: bool,
}

/// Whether `part` holds only whitespace; a part starting with a visible
/// ASCII character (nearly all) is settled without `trim`.
fn is_blank(part: &str) -> bool {
    match part.as_bytes().first() {
        Some(&b) if b > b' ' && b < 0x7f => false,
        _ => part.trim().is_empty(),
    }
}

impl<'s> PromptWriter<'s> {
    /// An empty prompt with room for `capacity` bytes.
    pub fn new(capacity: usize, parts: &'s mut Vec<(u8, usize, usize)>) -> Self {
        parts.clear();
        Self {
            text: String::with_capacity(capacity),
            parts,
            blank: false,
        }
    }

    /// Starts a part: writes the separator if a part came before, and
    /// returns where the part begins. Write the part into
    /// [`text`](Self::text), then call [`end`](Self::end).
    pub fn begin(&mut self) -> usize {
        if !self.parts.is_empty() {
            self.text.push_str(SEP);
        }
        self.text.len()
    }

    /// Ends the part begun at `start`.
    pub fn end(&mut self, priority: u8, start: usize) {
        let end = self.text.len();
        self.blank |= self.text.get(start..end).is_none_or(is_blank);
        self.parts.push((priority, start, end));
    }

    /// A whole part.
    pub fn part(&mut self, priority: u8, text: &str) {
        let start = self.begin();
        self.text.push_str(text);
        self.end(priority, start);
    }

    /// Appends the parts of `tail`, as if each were written with
    /// [`part`](Self::part).
    pub fn tail(&mut self, tail: &Tail) {
        if self.parts.is_empty() {
            // The tail's text starts with a separator, which a first part
            // does not have.
            for &(priority, start, end) in &tail.parts {
                self.part(priority, tail.text.get(start..end).unwrap_or_default());
            }
            return;
        }
        let base = self.text.len();
        self.text.push_str(&tail.text);
        self.parts.extend(
            tail.parts
                .iter()
                .map(|&(priority, start, end)| (priority, base + start, base + end)),
        );
        self.blank |= tail.blank;
    }

    /// The prompt within `limit` characters: exactly
    /// [`fit`]`(parts, SEP, limit)`, without building the parts when the
    /// join already fits (the same test `fit` makes first).
    pub fn finish(self, limit: usize) -> String {
        // `fit`'s measure: every part's bytes and a separator each, which
        // is the joined text and one more separator.
        let bytes = if self.parts.is_empty() {
            0
        } else {
            self.text.len() + SEP.len()
        };
        if bytes <= limit && !self.blank {
            return self.text;
        }
        let parts: Vec<Part<'_>> = self
            .parts
            .iter()
            .map(|&(p, s, e)| Part::new(p, self.text.get(s..e).unwrap_or_default()))
            .collect();
        fit(&parts, SEP, limit)
    }
}

/// Parts written once and appended to many prompts (those every shot of a
/// scene shares: the place, its light, the look), each after a separator.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    /// A separator and a part, for each part.
    text: String,
    /// `(priority, start, end)` of each part in `text`.
    parts: Vec<(u8, usize, usize)>,
    /// Whether a part is blank.
    blank: bool,
}

impl Tail {
    /// Empties the tail, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.parts.clear();
        self.blank = false;
    }

    /// Adds a part.
    pub fn part(&mut self, priority: u8, text: &str) {
        self.text.push_str(SEP);
        let start = self.text.len();
        self.text.push_str(text);
        self.blank |= is_blank(text);
        self.parts.push((priority, start, self.text.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn finishing_is_fitting_the_parts(
            raw in prop::collection::vec((0u8..10, "[a-zé ]{0,12}"), 0..10),
            limit in 0usize..80,
        ) {
            let mut scratch = Vec::new();
            let mut w = PromptWriter::new(0, &mut scratch);
            for (p, t) in &raw {
                w.part(*p, t);
            }
            let parts: Vec<Part<'_>> = raw.iter().map(|(p, t)| Part::new(*p, t.as_str())).collect();
            prop_assert_eq!(w.finish(limit), fit(&parts, SEP, limit));
            // The same parts, the last ones as a tail, however many came
            // before it.
            for split in 0..=raw.len() {
                let mut w = PromptWriter::new(0, &mut scratch);
                let mut tail = Tail::default();
                for (i, (p, t)) in raw.iter().enumerate() {
                    if i < split {
                        w.part(*p, t);
                    } else {
                        tail.part(*p, t);
                    }
                }
                w.tail(&tail);
                prop_assert_eq!(w.finish(limit), fit(&parts, SEP, limit));
            }
        }
    }
}
