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
    let mut letters = 0u32;
    let mut sentences = 0u32;
    let mut commas = 0u32;
    let mut count = |c_is_letter: bool, is_space: bool, prev: u8| {
        if c_is_letter {
            letters += 1;
        } else if is_space {
            match prev {
                b'.' | b'?' | b'!' | b':' => sentences += 1,
                b',' => commas += 1,
                _ => {}
            }
        }
    };
    if text.is_ascii() {
        let mut prev = 0u8;
        for &b in text.as_bytes() {
            count(
                b.is_ascii_alphanumeric() || b == b'_',
                b.is_ascii_whitespace(),
                prev,
            );
            prev = b;
        }
    } else {
        let mut prev = 0u8;
        for c in text.chars() {
            count(c.is_alphanumeric() || c == '_', c.is_whitespace(), prev);
            prev = if c.is_ascii() { c as u8 } else { 0 };
        }
    }
    f64::from(letters) / LETTERS_PER_SYLLABLE * SECONDS_PER_SYLLABLE
        + f64::from(sentences) * SENTENCE_PAUSE
        + f64::from(commas) * COMMA_PAUSE
}

/// Seconds of screen time for an action paragraph.
pub fn action_seconds(text: &str) -> f64 {
    let chars = if text.is_ascii() {
        text.bytes().filter(|&b| b != b'\n').count()
    } else {
        text.chars().filter(|&c| c != '\n').count()
    };
    chars as f64 / ACTION_CHARS_PER_SECOND
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

    #[test]
    fn action_time_is_characters_over_twenty() {
        assert!((action_seconds("0123456789\n0123456789") - 1.0).abs() < 1e-9);
    }
}
