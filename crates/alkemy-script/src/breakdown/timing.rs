//! Estimated screen time of dialogue and action.
//!
//! Dialogue is timed by how long it takes to say: one syllable is taken as
//! three letters or digits spoken at 5.14 syllables a second (the mean
//! articulation rate measured across films), plus a pause of 0.75 s at each
//! sentence end and 0.3 s at each comma. Action is timed at 20 characters a
//! second of description. This is the method of betterfountain (whose
//! figures for Big Fish and Brick & Steel the corpus records), with its
//! pause counting fixed to count every pause; `docs/benchmarks.md` and the
//! corpus tests compare the totals.

use super::bytes;
use crate::masks;

/// Seconds per syllable: 1 / 5.13994 syllables a second.
const SECONDS_PER_SYLLABLE: f64 = 0.194_554_8;
/// Letters per syllable.
const LETTERS_PER_SYLLABLE: f64 = 3.0;
/// Pause at `.`, `?`, `!`, `:` followed by a space.
const SENTENCE_PAUSE: f64 = 0.75;
/// Pause at `, `.
const COMMA_PAUSE: f64 = 0.3;
/// Characters of action read a second.
const ACTION_CHARS_PER_SECOND: f64 = 20.0;

/// Seconds to speak `text`.
pub fn dialogue_seconds(text: &str) -> f64 {
    let (letters, sentences, commas) = counts(text);
    f64::from(letters) / LETTERS_PER_SYLLABLE * SECONDS_PER_SYLLABLE
        + f64::from(sentences) * SENTENCE_PAUSE
        + f64::from(commas) * COMMA_PAUSE
}

/// Letters, sentence ends and commas of any text, from byte-class masks
/// (see [`masks`]). Bytes of other characters count as neither letters,
/// spaces nor punctuation in the masks, so only the characters outside
/// ASCII are decoded, from the mask of their lead bytes, and added.
fn counts(text: &str) -> (u32, u32, u32) {
    let bytes = text.as_bytes();
    let (mut letters, mut sentences, mut commas) = (0, 0, 0);
    // The last byte of the block before was a stop, or a comma.
    let (mut after_stop, mut after_comma) = (0u64, 0u64);
    for (k, block) in masks::blocks(bytes, 0).enumerate() {
        let [letter, space, stop, comma, mut lead] = masks::masks(&block, |v| {
            [
                masks::alphanumeric(v) | masks::eq(v, b'_'),
                masks::space(v),
                masks::eq(v, b'.') | masks::eq(v, b'?') | masks::eq(v, b'!') | masks::eq(v, b':'),
                masks::eq(v, b','),
                masks::in_range(v, 0xC0, 0xFF),
            ]
        });
        letters += letter.count_ones();
        sentences += (space & ((stop << 1) | after_stop)).count_ones();
        commas += (space & ((comma << 1) | after_comma)).count_ones();
        after_stop = stop >> 63;
        after_comma = comma >> 63;
        while lead != 0 {
            let i = k * masks::BLOCK + lead.trailing_zeros() as usize;
            lead &= lead - 1;
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                continue;
            };
            if ('\u{2010}'..='\u{2027}').contains(&c) {
                // Dashes, curly quotes and the ellipsis, the usual characters
                // outside ASCII: neither letters nor spaces.
                continue;
            }
            if c.is_alphanumeric() {
                letters += 1;
            } else if c.is_whitespace() && i > 0 {
                match bytes[i - 1] {
                    b'.' | b'?' | b'!' | b':' => sentences += 1,
                    b',' => commas += 1,
                    _ => {}
                }
            }
        }
    }
    (letters, sentences, commas)
}

/// Seconds of screen time for an action paragraph.
pub fn action_seconds(text: &str) -> f64 {
    // Characters are the bytes that do not continue a UTF-8 sequence.
    let chars = bytes::count(text.as_bytes(), |b| (b & 0xC0 != 0x80) & (b != b'\n'));
    f64::from(chars) / ACTION_CHARS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialogue_time_grows_with_letters_and_pauses() {
        let plain = dialogue_seconds("abc def");
        assert!((plain - 2.0 * SECONDS_PER_SYLLABLE).abs() < 1e-9);
        let paused = dialogue_seconds("abc. def, ghi");
        assert!((paused - (3.0 * SECONDS_PER_SYLLABLE + 0.75 + 0.3)).abs() < 1e-9);
    }

    /// The character-by-character definition the fast paths must match.
    fn reference_counts(text: &str) -> (u32, u32, u32) {
        let (mut letters, mut sentences, mut commas) = (0, 0, 0);
        let mut prev = '\0';
        for c in text.chars() {
            if c.is_alphanumeric() || c == '_' {
                letters += 1;
            } else if c.is_whitespace() {
                match prev {
                    '.' | '?' | '!' | ':' => sentences += 1,
                    ',' => commas += 1,
                    _ => {}
                }
            }
            prev = c;
        }
        (letters, sentences, commas)
    }

    proptest::proptest! {
        #[test]
        fn fast_counts_match_the_definition(
            text in "([a-zA-Z_0-9 .,:?!\n\t@\\[`{]|é|’|—|…|\u{2028}|\u{2029}|\u{a0}|\u{3000}|日){0,300}"
        ) {
            proptest::prop_assert_eq!(counts(&text), reference_counts(&text));
        }
    }

    #[test]
    fn action_time_is_characters_over_twenty() {
        assert!((action_seconds("0123456789\n0123456789") - 1.0).abs() < 1e-9);
    }
}
