//! Names written in capitals in action: which known characters a paragraph
//! mentions, which capitalised phrases introduce someone new
//! (`WILL BLOOM, AGE 3`), and which are other capitalised things (sounds,
//! props) for element suggestions.
//!
//! One pass over the words; each run of capitalised words is matched against
//! the known names longest-first, trying at most [`MAX_NAME_WORDS`] words per
//! start, so the cost stays linear in the text.

use rustc_hash::FxHashMap as HashMap;

use crate::masks;

/// The longest name, in words, that is looked up.
const MAX_NAME_WORDS: usize = 4;

/// What a paragraph mentions.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Mentions {
    /// Known characters (indices into the name table), in order, each once.
    pub known: Vec<usize>,
    /// Capitalised phrases that introduce someone (`NAME, 40s`), with the
    /// known character whose name they start with, if any.
    pub introductions: Vec<(String, Option<usize>)>,
    /// Other capitalised phrases.
    pub other: Vec<String>,
}

/// A word of the text with its trailing punctuation noted.
struct Word<'a> {
    /// The word without surrounding punctuation.
    core: &'a str,
    /// It ended with `,` `;` `:` `!` `?` or `)`: a name does not continue past it.
    stops: bool,
    /// It ended with a comma.
    comma: bool,
    /// Capitals only (at least one upper-case letter, no lower-case).
    caps: bool,
}

fn word(raw: &str) -> Word<'_> {
    let stops = raw.ends_with([',', ';', ':', '!', '?', ')', '"', '”']);
    let comma = raw.ends_with(',');
    let core = raw.trim_matches(|c: char| {
        matches!(
            c,
            ',' | ';'
                | ':'
                | '!'
                | '?'
                | '('
                | ')'
                | '"'
                | '“'
                | '”'
                | '‘'
                | '\''
                | '*'
                | '_'
                | '['
                | ']'
        )
    });
    let core = core.strip_suffix("...").unwrap_or(core);
    let caps = if core.is_ascii() {
        core.bytes().any(|b| b.is_ascii_uppercase())
            && !core.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        core.chars().any(char::is_uppercase) && !core.chars().any(char::is_lowercase)
    };
    Word {
        core,
        stops,
        comma,
        caps,
    }
}

/// Strips a possessive and a final full stop: `EDWARD'S` → `EDWARD`.
fn base(s: &str) -> &str {
    let s = s
        .strip_suffix("'S")
        .or_else(|| s.strip_suffix("’S"))
        .unwrap_or(s);
    s.strip_suffix('.').unwrap_or(s)
}

/// Does the word after a comma describe an age (`40`, `40s`, `AGE`, `mid-30s`)?
fn is_age(next: &str) -> bool {
    let n = next.trim_start_matches('(');
    n.starts_with(|c: char| c.is_ascii_digit())
        || ["AGE", "age", "late", "early", "mid", "LATE", "EARLY", "MID"]
            .iter()
            .any(|p| n.starts_with(p))
}

/// Buffers reused from paragraph to paragraph, for texts that all live as
/// long as `'a`.
#[derive(Default)]
pub struct Scratch<'a> {
    /// The name being looked up.
    buf: String,
    /// The run of capitalised words being matched.
    run: Vec<Word<'a>>,
}

/// Finds mentions in `text` and writes them to `out` (cleared first).
/// `names` maps upper-case names (canonical and aliases) to a character
/// index.
pub fn scan<'a>(
    text: &'a str,
    names: &HashMap<String, usize>,
    scratch: &mut Scratch<'a>,
    out: &mut Mentions,
) {
    out.known.clear();
    out.introductions.clear();
    out.other.clear();
    let Scratch { buf, run } = scratch;
    // Only runs of capitalised words matter: collect each run as it comes,
    // with the raw word after it (for the age test of an introduction).
    let mut words = Words::new(text);
    while let Some(raw) = words.next_candidate() {
        if !may_be_capitals(raw) {
            continue;
        }
        let w = word(raw);
        if !w.caps || w.core.is_empty() {
            continue;
        }
        run.clear();
        let mut stops = w.stops;
        run.push(w);
        while !stops {
            let Some(next) = words.peek() else { break };
            if !may_be_capitals(next) {
                break;
            }
            let w = word(next);
            if !w.caps || w.core.is_empty() {
                break;
            }
            stops = w.stops;
            run.push(w);
            words.next();
        }
        let run_is_intro = run.last().is_some_and(|w| w.comma) && words.peek().is_some_and(is_age);
        match_run(run, run_is_intro, names, buf, out);
        if run_is_intro {
            // Skip the age after an introduction (`, AGE 3`).
            words.next();
        }
    }
}

/// The whitespace-separated words of a text, as `str::split_whitespace`,
/// deciding ASCII bytes without decoding characters.
#[derive(Clone)]
struct Words<'a> {
    text: &'a str,
    pos: usize,
    /// The block whose candidate mask is cached, plus one (0: none yet).
    block: usize,
    /// Bytes of that block that may start a run of capitals (see
    /// [`Words::next_candidate`]).
    candidates: u64,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            block: 0,
            candidates: 0,
        }
    }

    /// The next word, without moving past it.
    fn peek(&self) -> Option<&'a str> {
        self.clone().next()
    }

    /// Bytes of block `k` that may start a run of capitals: an ASCII
    /// capital not followed by a lower-case letter, or the lead byte of a
    /// character outside ASCII.
    fn candidates(&mut self, k: usize) -> u64 {
        if self.block != k + 1 {
            let bytes = self.text.as_bytes();
            let block = masks::block(bytes, k, 0);
            let [upper, lower, lead] = masks::masks(&block, |v| {
                [
                    masks::in_range(v, b'A', b'Z'),
                    masks::in_range(v, b'a', b'z'),
                    masks::in_range(v, 0xC0, 0xFF),
                ]
            });
            let next_lower = bytes
                .get((k + 1) * masks::BLOCK)
                .is_some_and(u8::is_ascii_lowercase);
            let lower_after = (lower >> 1) | (u64::from(next_lower) << 63);
            self.block = k + 1;
            self.candidates = (upper & !lower_after) | lead;
        }
        self.candidates
    }

    /// The next word that may start a run of capitals: one with an ASCII
    /// capital or a character outside ASCII. The words skipped, lower case
    /// or digits only, or a capital then a lower-case letter, could not (a
    /// name needs a capital letter, and a run no lower-case one); a word
    /// returned may still hold a lower-case letter (`McEDWARD`).
    fn next_candidate(&mut self) -> Option<&'a str> {
        let from = self.pos;
        if from >= self.text.len() {
            return None;
        }
        let mut k = from / masks::BLOCK;
        let mut below = (1u64 << (from % masks::BLOCK)) - 1;
        let found = loop {
            if k * masks::BLOCK >= self.text.len() {
                self.pos = self.text.len();
                return None;
            }
            let m = self.candidates(k) & !below;
            if m != 0 {
                break k * masks::BLOCK + m.trailing_zeros() as usize;
            }
            k += 1;
            below = 0;
        };
        // Back to the start of that word (never before `from`, a boundary;
        // `found` is one too, a capital or a lead byte).
        let before = self.text.get(from..found)?;
        let start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace())
            .map_or(from, |(k, c)| from + k + c.len_utf8());
        self.pos = start;
        self.next()
    }

    /// Length of the whitespace character at `at`, if there is one there.
    fn space_at(&self, at: usize) -> Option<usize> {
        let b = self.text.as_bytes()[at];
        if b < 0x80 {
            return matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C).then_some(1);
        }
        let c = self.text.get(at..)?.chars().next()?;
        c.is_whitespace().then(|| c.len_utf8())
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        while i < bytes.len() {
            match self.space_at(i) {
                Some(n) => i += n,
                None => break,
            }
        }
        if i >= bytes.len() {
            self.pos = i;
            return None;
        }
        let start = i;
        while i < bytes.len() {
            if bytes[i] < 0x80 {
                if matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
                    break;
                }
                i += 1;
            } else if bytes[i] < 0xC0 {
                // A continuation byte inside a character already read.
                i += 1;
            } else if self.space_at(i).is_some() {
                break;
            } else {
                i += 1;
            }
        }
        self.pos = i;
        self.text.get(start..i)
    }
}

/// Does the word start (after opening punctuation) with a capital letter and
/// hold no ASCII lower-case letter? A word that does is never capitals
/// only (punctuation is all [`word`] strips), so it is rejected before
/// being taken apart.
fn may_be_capitals(raw: &str) -> bool {
    !raw.bytes().any(|b| b.is_ascii_lowercase()) && starts_capital(raw)
}

/// Does the word start (after opening punctuation) with a capital letter?
fn starts_capital(raw: &str) -> bool {
    if let Some(&b) = raw.as_bytes().first()
        && b.is_ascii_alphanumeric()
    {
        return b.is_ascii_uppercase() || b.is_ascii_digit();
    }
    raw.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Matches one run of capitalised words against the names.
fn match_run(
    words: &[Word<'_>],
    run_is_intro: bool,
    names: &HashMap<String, usize>,
    buf: &mut String,
    out: &mut Mentions,
) {
    let end = words.len();
    let mut j = 0;
    let mut first_known: Option<usize> = None;
    let mut matched_all = true;
    while j < end {
        let mut found = None;
        let longest = (end - j).min(MAX_NAME_WORDS);
        for len in (1..=longest).rev() {
            buf.clear();
            for (k, w) in words[j..j + len].iter().enumerate() {
                if k > 0 {
                    buf.push(' ');
                }
                buf.push_str(w.core);
            }
            if let Some(&idx) = names.get(base(buf)) {
                found = Some((idx, len));
                break;
            }
        }
        match found {
            Some((idx, len)) => {
                if first_known.is_none() && j == 0 {
                    first_known = Some(idx);
                }
                if !out.known.contains(&idx) {
                    out.known.push(idx);
                }
                j += len;
            }
            None => {
                matched_all = false;
                j += 1;
            }
        }
    }
    if !matched_all {
        let phrase = join(words);
        if run_is_intro && phrase.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
            out.introductions.push((phrase, first_known));
        } else if first_known.is_none() {
            out.other.push(phrase);
        }
    }
}

fn join(words: &[Word<'_>]) -> String {
    let mut s = String::new();
    for w in words {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(w.core);
    }
    let trimmed = s.trim_end_matches('.').len();
    s.truncate(trimmed);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_one(text: &str) -> Mentions {
        let mut m = Mentions::default();
        scan(text, &names(), &mut Scratch::default(), &mut m);
        m
    }

    fn names() -> HashMap<String, usize> {
        [
            ("EDWARD", 0),
            ("WILL", 1),
            ("DR. BENNETT", 2),
            ("A VOICE", 3),
        ]
        .into_iter()
        .map(|(n, i)| (n.to_owned(), i))
        .collect()
    }

    #[test]
    fn known_names_are_found_longest_first() {
        let m = scan_one("DR. BENNETT checks on EDWARD. EDWARD'S hand twitches. Will watches.");
        assert_eq!(m.known, [2, 0]);
    }

    #[test]
    fn words_with_lower_case_are_skipped_whole() {
        // `WILLiam` and `McEDWARD` hold names in capitals but are no
        // mention; the scan must not resume inside them.
        let m = scan_one("WILLiam nods. McEDWARD sits.");
        assert!(m.known.is_empty(), "{m:?}");
        let m = scan_one("McEDWARD sits. EDWARD stands.");
        assert_eq!(m.known, [0]);
        let m = scan_one("The ÉDOUARD, then WILL.");
        assert_eq!(m.known, [1]);
        assert_eq!(m.other, ["ÉDOUARD"]);
    }

    proptest::proptest! {
        /// The candidate search skips only words that cannot start a run:
        /// the words it returns that may be capitals are exactly those of
        /// a plain split, and the words themselves split as `str` does.
        #[test]
        fn candidates_are_every_word_that_may_be_capitals(
            // Lower-case filler puts the words near the first block's end.
            filler in "[a-z ]{0,63}",
            words in "([A-Z]{1,6}|[a-z]{1,6}|[A-Z][a-z]{1,4}|É|é|’|\u{a0}|\u{3000}|\u{b}| |  |\n|,|\\.|\\(){0,150}"
        ) {
            let text = filler + &words;
            let mut words = Words::new(&text);
            let mut got = Vec::new();
            while let Some(w) = words.next_candidate() {
                if may_be_capitals(w) {
                    got.push(w);
                }
            }
            let want: Vec<&str> = text.split_whitespace().filter(|w| may_be_capitals(w)).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(
                Words::new(&text).collect::<Vec<_>>(),
                text.split_whitespace().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn introductions_and_other_capitals() {
        let m = scan_one("WILL BLOOM, AGE 3, listens. KARL THE GIANT, 20s, roars. A LOUD BANG.");
        assert_eq!(m.known, [1]);
        assert_eq!(
            m.introductions,
            [
                ("WILL BLOOM".to_owned(), Some(1)),
                ("KARL THE GIANT".to_owned(), None)
            ]
        );
        assert_eq!(m.other, ["A LOUD BANG"]);
    }
}
