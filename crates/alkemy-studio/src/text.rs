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
/// any non-ASCII byte count as letters), split on everything else: the
/// words the cue matching reads (it scans them inline; this is their
/// definition, which its tests hold it to).
#[cfg(test)]
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

/// Eight bytes at a time in a `u64` ("SIMD within a register"): tests
/// that set the high bit of each byte that passes, with no carry from one
/// byte into the next (every sum stays below 0x100).
pub(crate) mod swar {
    /// Every byte's low seven bits.
    pub const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    /// Every byte's high bit.
    pub const HIGH: u64 = 0x8080_8080_8080_8080;
    /// One in every byte.
    pub const ONES: u64 = 0x0101_0101_0101_0101;

    /// The eight bytes at `at`, little-endian, if there are eight.
    pub fn load(bytes: &[u8], at: usize) -> Option<u64> {
        let chunk = bytes.get(at..at.checked_add(8)?)?;
        <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
    }

    /// The eight bytes at `at`, little-endian, zero-padded past the end.
    pub fn load_padded(bytes: &[u8], at: usize) -> u64 {
        load(bytes, at).unwrap_or_else(|| {
            // Fewer than eight bytes are left: fold them in, last first.
            bytes
                .get(at..)
                .unwrap_or_default()
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        })
    }

    /// Bytes equal to `b`.
    pub fn equal(x: u64, b: u8) -> u64 {
        let y = x ^ (ONES * u64::from(b));
        !(((y & LOW7) + LOW7) | y | LOW7)
    }

    /// ASCII bytes within `lo..=hi` (both below 0x80).
    pub fn ascii_range(x: u64, lo: u8, hi: u8) -> u64 {
        let low = x & LOW7;
        let at_least_lo = low + ONES * u64::from(0x80 - lo);
        let past_hi = low + ONES * u64::from(0x80 - hi - 1);
        at_least_lo & !past_hi & !x & HIGH
    }

    /// Letters of a word: ASCII letters (either case) and the bytes of
    /// non-ASCII characters.
    pub fn letters(x: u64) -> u64 {
        ascii_range(x | (ONES * 0x20), b'a', b'z') | (x & HIGH)
    }

    /// ASCII whitespace as `char::is_whitespace` has it: space, and tab to
    /// carriage return (vertical tab included).
    pub fn ascii_space(x: u64) -> u64 {
        equal(x, b' ') | ascii_range(x, b'\t', b'\r')
    }

    /// The high bits gathered into one bit per byte (bit `i` for byte `i`).
    pub fn gather(flags: u64) -> u8 {
        (((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56) as u8
    }
}

/// 1 if `b` is ASCII whitespace (`u8::is_ascii_whitespace`: space, tab,
/// LF, FF, CR), else 0; written with compares only so loops over it
/// vectorise.
fn ascii_space(b: u8) -> u8 {
    u8::from(b == b' ') | (u8::from(b.wrapping_sub(b'\t') < 5) & u8::from(b != 0x0b))
}

/// Number of words in `text` (runs of bytes other than ASCII whitespace).
/// Counted as word starts (a non-space byte after a space, or first)
/// without branches, in blocks whose count fits a byte, so the loop
/// vectorises: it runs on every beat of a feature.
pub(crate) fn word_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return 0;
    };
    let mut count = usize::from(ascii_space(first) ^ 1);
    let (before, after) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    for (a, b) in before.chunks(255).zip(after.chunks(255)) {
        let block = a.iter().zip(b).fold(0u8, |n, (&a, &b)| {
            n + (ascii_space(a) & (ascii_space(b) ^ 1))
        });
        count += usize::from(block);
    }
    count
}

/// A small, fast hasher (FxHash) for the planner's own keys: shot numbers
/// and ids. Not collision-resistant; the sets it backs hold a few thousand
/// entries, so even adversarial input costs milliseconds, not a hang.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    /// Mixes one word in.
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    /// Eight bytes at a time, the last word zero-padded.
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(swar::load_padded(rest, 0));
        }
    }

    /// A `u64` key (the sets of hashed numbers and ids) in one step.
    fn write_u64(&mut self, n: u64) {
        self.add(n);
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
    push_excerpt(&mut out, text, max_chars);
    out
}

/// Appends [`excerpt`]`(text, max_chars)` to `out`.
///
/// Words are split on Unicode whitespace exactly as `str::split_whitespace`
/// does, but eight bytes at a time: in a chunk of plain ASCII the word
/// edges are the changes of a whitespace bit mask, read with bit tricks;
/// a chunk holding a non-ASCII byte is read byte by byte (descriptions are
/// made for every shot of a feature).
pub(crate) fn push_excerpt(out: &mut String, text: &str, max_chars: usize) {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut walk = ExcerptWalk {
        text,
        max_chars,
        chars: 0,
        pending: None,
        word: None,
        continuation: 0,
    };
    // `Some(cut)` once the walk stops early.
    let mut stopped = None;
    // Bytes before this index belong to a multi-byte whitespace char.
    let mut space_until = 0;
    let mut at = 0;
    'chunks: while at < len {
        let x = swar::load_padded(bytes, at);
        // Bytes past the end read as whitespace: they end the last word.
        let valid = match len - at {
            8.. => 0xff,
            rest => (1u8 << rest) - 1,
        };
        if x & swar::HIGH == 0 {
            let space = swar::gather(swar::ascii_space(x)) | !valid;
            let space_before = u8::from(walk.word.is_none());
            // Bit `i` is set where byte `i` starts or ends a word.
            let mut edges = space ^ ((space << 1) | space_before);
            while edges != 0 {
                let i = edges.trailing_zeros() as usize;
                edges &= edges - 1;
                if space & (1 << i) == 0 {
                    walk.start_word(at + i);
                } else if let Some(cut) = walk.end_word(out, at + i) {
                    stopped = Some(cut);
                    break 'chunks;
                }
            }
        } else {
            for i in at..(at + 8).min(len) {
                let Some(&b) = bytes.get(i) else { break };
                let space = if i < space_until {
                    true
                } else if b < 0x80 {
                    matches!(b, b' ' | b'\t'..=b'\r')
                } else if b & 0xc0 == 0x80 {
                    // Inside a char: one more byte, no more chars.
                    if walk.word.is_some() {
                        walk.continuation += 1;
                    }
                    continue;
                } else if matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3) {
                    // The lead bytes of every non-ASCII whitespace char.
                    let (space, n) = space_at(text, i);
                    if space {
                        space_until = i + n;
                    }
                    space
                } else {
                    false
                };
                match (space, walk.word.is_some()) {
                    (true, true) => {
                        if let Some(cut) = walk.end_word(out, i) {
                            stopped = Some(cut);
                            break 'chunks;
                        }
                    }
                    (false, false) => walk.start_word(i),
                    _ => {}
                }
            }
        }
        at += 8;
    }
    if stopped.is_none() && walk.word.is_some() {
        stopped = walk.end_word(out, len);
    }
    if let Some((from, to)) = walk.pending
        && let Some(words) = text.get(from..to)
    {
        out.push_str(words);
    }
    if stopped == Some(true) {
        out.push('…');
    }
}

/// Where [`push_excerpt`] is in its text.
struct ExcerptWalk<'t> {
    text: &'t str,
    max_chars: usize,
    /// Characters taken so far: words, and one space between two.
    chars: usize,
    /// The words taken so far that are not yet in `out`: a range of the
    /// text that reads exactly as the output would (words one space apart),
    /// so the usual well-spaced text is copied in one piece.
    pending: Option<(usize, usize)>,
    /// The first byte of the word being read.
    word: Option<usize>,
    /// Continuation bytes (not chars) in the word being read.
    continuation: usize,
}

impl ExcerptWalk<'_> {
    fn start_word(&mut self, at: usize) {
        self.word = Some(at);
        self.continuation = 0;
    }

    /// The word being read ends at byte `end`: takes it if it fits.
    /// `Some(cut)` stops the walk, with an ellipsis when `cut`.
    #[inline(always)]
    fn end_word(&mut self, out: &mut String, end: usize) -> Option<bool> {
        let start = self.word.take()?;
        let n = end - start - self.continuation;
        // Every word has a char, so nothing is taken while `chars` is 0.
        let needed = n + usize::from(self.chars != 0);
        if self.chars + needed > self.max_chars {
            return Some(true);
        }
        let bytes = self.text.as_bytes();
        self.pending = match self.pending {
            Some((from, to)) if start == to + 1 && bytes.get(to) == Some(&b' ') => {
                Some((from, end))
            }
            Some((from, to)) => {
                out.push_str(self.text.get(from..to).unwrap_or_default());
                out.push(' ');
                Some((start, end))
            }
            None => Some((start, end)),
        };
        self.chars += needed;
        // Stop after a sentence once there is enough to read. Only `.`,
        // `!`, `?` and what may follow them (`"`, `'`, `)`, and the last
        // bytes of `”` and `’`) can end one.
        let sentence = self.chars >= 24
            && matches!(
                end.checked_sub(1).and_then(|i| bytes.get(i)),
                Some(b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | 0x9d | 0x99)
            )
            && self.text.get(start..end).is_some_and(ends_sentence);
        sentence.then_some(false)
    }
}

/// Whether the char starting at byte `i` of `text` is whitespace (as
/// `char::is_whitespace`), and its length in bytes.
fn space_at(text: &str, i: usize) -> (bool, usize) {
    let Some(&b) = text.as_bytes().get(i) else {
        return (false, 1);
    };
    if b < 0x80 {
        return (matches!(b, b' ' | b'\t'..=b'\r'), 1);
    }
    text.get(i..)
        .and_then(|rest| rest.chars().next())
        .map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8()))
}

fn ends_sentence(word: &str) -> bool {
    // Most words end in a letter: only `.`, `!`, `?` and what may follow
    // them (`"`, `'`, `)`, and the last bytes of `”` and `’`) can end a
    // sentence.
    if !matches!(
        word.as_bytes().last(),
        Some(b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | 0x9d | 0x99)
    ) {
        return false;
    }
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
    push_title_case(&mut out, name);
    out
}

/// Appends [`title_case`]`(name)` to `out`.
pub(crate) fn push_title_case(out: &mut String, name: &str) {
    if name.is_ascii() {
        // Byte by byte: the same rules, with no case tables, through a
        // buffer on the stack.
        let mut start = true;
        let mut buf = [0u8; 64];
        for chunk in name.as_bytes().chunks(buf.len()) {
            for (o, &b) in buf.iter_mut().zip(chunk) {
                *o = if !b.is_ascii_alphabetic() {
                    start = b != b'\'';
                    b
                } else if std::mem::replace(&mut start, false) {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                };
            }
            // ASCII in, ASCII out.
            out.push_str(std::str::from_utf8(&buf[..chunk.len()]).unwrap_or_default());
        }
        return;
    }
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
}

/// Joins names as prose: `A`, `A and B`, `A, B and C`.
pub(crate) fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    push_join_names(&mut out, names);
    out
}

/// Appends [`join_names`]`(names)` to `out`.
pub(crate) fn push_join_names<S: AsRef<str>>(out: &mut String, names: &[S]) {
    match names {
        [] => {}
        [one] => out.push_str(one.as_ref()),
        [init @ .., last] => {
            for (i, n) in init.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(n.as_ref());
            }
            out.push_str(" and ");
            out.push_str(last.as_ref());
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

    /// The straightforward definition of [`excerpt`] (over
    /// `split_whitespace` and `chars`), which the byte-level one must match.
    fn excerpt_reference(text: &str, max_chars: usize) -> String {
        let mut out = String::new();
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

    /// The definition of [`title_case`] on `char`s, for every input.
    fn title_case_reference(name: &str) -> String {
        let mut out = String::new();
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
                start = c != '\'' && c != '’';
            }
        }
        out
    }

    #[test]
    fn swar_tests_agree_with_byte_tests() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let x = (u64::from(b) << (8 * at))
                    | (u64::from(b'x') * (swar::ONES & !(0xff << (8 * at))));
                let bit = |flags: u64| flags & (0x80 << (8 * at)) != 0;
                assert_eq!(bit(swar::equal(x, b'\'')), b == b'\'', "{b}");
                assert_eq!(
                    bit(swar::letters(x)),
                    b.is_ascii_alphabetic() || b >= 0x80,
                    "{b}"
                );
                assert_eq!(
                    bit(swar::ascii_space(x)),
                    b < 0x80 && char::from(b).is_whitespace(),
                    "{b}"
                );
                assert!(swar::gather(swar::equal(x, b)) & (1 << at) != 0);
            }
        }
        let bytes: Vec<u8> = (1..=11).collect();
        for at in 0..=bytes.len() {
            let mut padded = [0u8; 8];
            for (p, &b) in padded.iter_mut().zip(&bytes[at..]) {
                *p = b;
            }
            assert_eq!(
                swar::load_padded(&bytes, at),
                u64::from_le_bytes(padded),
                "{at}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn byte_level_text_helpers_match_their_definitions(
            text in "([a-zA-Z.!?'’\"éßÉǆ]{1,9}[ \t\n\u{0B}\u{0C}\r\u{A0}\u{85}\u{2003}\u{3000}]{1,3}){0,30}",
            max in 0usize..120,
        ) {
            proptest::prop_assert_eq!(excerpt(&text, max), excerpt_reference(&text, max));
            let mut prefixed = String::from("x: ");
            push_excerpt(&mut prefixed, &text, max);
            proptest::prop_assert_eq!(&prefixed[3..], excerpt_reference(&text, max));
            proptest::prop_assert_eq!(title_case(&text), title_case_reference(&text));
            let naive = text
                .split(|c: char| c.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .count();
            proptest::prop_assert_eq!(word_count(&text), naive);
        }

        /// Mostly plain ASCII, as screenplays are: the chunks read through
        /// bit masks, with a non-ASCII char or whitespace now and then.
        #[test]
        fn excerpts_of_mostly_ascii_text_match_the_definition(
            text in "([a-z.!?\"'A-Z]{1,12}( |  |\n|\t|\u{0B}|\u{A0}|’|é|\u{2028}|\u{3000}|\u{1680}|\u{205F}|\u{85}| ’ )){0,40}[a-z.]{0,30}",
            max in 0usize..160,
        ) {
            proptest::prop_assert_eq!(excerpt(&text, max), excerpt_reference(&text, max));
        }
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
