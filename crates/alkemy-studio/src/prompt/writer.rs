//! A prompt written straight into the buffer it is returned in, part by
//! part, each after a separator. A prompt that fits its limit (nearly all)
//! costs one allocation, no copy and no bookkeeping; one that does not is
//! written again noting where each part lies, and handed to [`fit`] as
//! borrowed parts ([`written`]).

use super::fit::{Part, fit};

/// The separator between prompt parts.
pub(crate) const SEP: &str = ", ";

/// A prompt being written.
pub(crate) struct PromptWriter<'s> {
    /// The parts so far, joined by [`SEP`].
    pub text: String,
    /// When recording: `(priority, start, end)` of each part in `text`, in
    /// scratch space the caller lends.
    parts: Option<&'s mut Vec<(u8, usize, usize)>>,
    /// Parts written.
    count: usize,
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

/// A prompt of at most `limit` characters from what `write` writes: exactly
/// [`fit`]`(parts, SEP, limit)` of its parts. Written once when the whole
/// fits (the test `fit` makes first), else a second time, recording the
/// parts into `parts`.
pub(crate) fn written(
    capacity: usize,
    limit: usize,
    parts: &mut Vec<(u8, usize, usize)>,
    write: impl Fn(&mut PromptWriter<'_>),
) -> String {
    let mut w = PromptWriter::new(capacity, None);
    write(&mut w);
    if let Some(text) = w.fitting(limit) {
        return text;
    }
    parts.clear();
    let mut w = PromptWriter::new(capacity, Some(parts));
    write(&mut w);
    w.fitted(limit)
}

impl<'s> PromptWriter<'s> {
    /// An empty prompt with room for `capacity` bytes, recording its parts
    /// into `parts` if given (which must come empty).
    fn new(capacity: usize, parts: Option<&'s mut Vec<(u8, usize, usize)>>) -> Self {
        Self {
            text: String::with_capacity(capacity),
            parts,
            count: 0,
            blank: false,
        }
    }

    /// Starts a part: writes the separator if a part came before, and
    /// returns where the part begins. Write the part into
    /// [`text`](Self::text), then call [`end`](Self::end).
    pub fn begin(&mut self) -> usize {
        if self.count > 0 {
            self.text.push_str(SEP);
        }
        self.text.len()
    }

    /// Ends the part begun at `start`.
    pub fn end(&mut self, priority: u8, start: usize) {
        let end = self.text.len();
        self.blank |= self.text.get(start..end).is_none_or(is_blank);
        self.count += 1;
        if let Some(parts) = self.parts.as_deref_mut() {
            parts.push((priority, start, end));
        }
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
        if self.count == 0 {
            // The tail's text starts with a separator, which a first part
            // does not have.
            for &(priority, start, end) in &tail.parts {
                self.part(priority, tail.text.get(start..end).unwrap_or_default());
            }
            return;
        }
        let base = self.text.len();
        self.text.push_str(&tail.text);
        self.count += tail.parts.len();
        self.blank |= tail.blank;
        if let Some(parts) = self.parts.as_deref_mut() {
            parts.extend(
                tail.parts
                    .iter()
                    .map(|&(priority, start, end)| (priority, base + start, base + end)),
            );
        }
    }

    /// The text, if the whole join is within `limit` by `fit`'s first test:
    /// every part's bytes and a separator each (the joined text and one
    /// more separator), and no blank part.
    fn fitting(self, limit: usize) -> Option<String> {
        let bytes = if self.count == 0 {
            0
        } else {
            self.text.len() + SEP.len()
        };
        (bytes <= limit && !self.blank).then_some(self.text)
    }

    /// The recorded parts fitted to `limit`.
    fn fitted(self, limit: usize) -> String {
        let parts: Vec<Part<'_>> = self
            .parts
            .as_deref()
            .map_or(&[][..], Vec::as_slice)
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
        fn writing_is_fitting_the_parts(
            raw in prop::collection::vec((0u8..10, "[a-zé ]{0,12}"), 0..10),
            limit in 0usize..80,
        ) {
            let parts: Vec<Part<'_>> = raw.iter().map(|(p, t)| Part::new(*p, t.as_str())).collect();
            let expected = fit(&parts, SEP, limit);
            let mut scratch = Vec::new();
            // The same parts, the last ones as a tail, however many came
            // before it.
            for split in 0..=raw.len() {
                let mut tail = Tail::default();
                for (p, t) in &raw[split..] {
                    tail.part(*p, t);
                }
                let text = written(0, limit, &mut scratch, |w| {
                    for (p, t) in &raw[..split] {
                        w.part(*p, t);
                    }
                    w.tail(&tail);
                });
                prop_assert_eq!(&text, &expected);
            }
        }
    }
}
