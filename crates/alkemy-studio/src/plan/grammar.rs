//! Shot grammar read from the script's words: camera movement from the
//! action's verbs, angles from cues, off-screen speech, and how heated a line
//! is.
//!
//! Matching is on whole words, ASCII case-insensitively, with no allocation:
//! each word becomes a 128-bit key looked up in a table built at compile
//! time, because this runs on every paragraph of a feature film and must
//! stay in the microseconds.

use alkemy_core::CameraAngle;

use crate::text::{swar, words};

/// What the action asks of the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MoveCue {
    /// Someone walks, crosses, drives: track alongside.
    Track,
    /// Someone runs, fights, flees: handheld.
    Handheld,
    /// Something is revealed, rises, looms: crane up.
    Reveal,
    /// Someone approaches, leans in, realises: dolly in.
    PushIn,
    /// Someone backs away, retreats: dolly out.
    PullOut,
    /// Someone looks up (tilt up).
    TiltUp,
    /// Someone looks or falls down (tilt down).
    TiltDown,
    /// Someone turns or glances: pan.
    Pan,
}

impl MoveCue {
    /// Which cue wins when a paragraph has several: the most physical.
    fn priority(self) -> u8 {
        match self {
            MoveCue::Handheld => 7,
            MoveCue::Track => 6,
            MoveCue::Reveal => 5,
            MoveCue::PushIn => 4,
            MoveCue::PullOut => 3,
            MoveCue::TiltUp => 2,
            MoveCue::TiltDown => 2,
            MoveCue::Pan => 1,
        }
    }
}

/// Single words that ask for a camera move.
const MOVE_WORDS: &[(MoveCue, &[&str])] = &[
    (
        MoveCue::Track,
        &[
            "walk",
            "walks",
            "walking",
            "walked",
            "stroll",
            "strolls",
            "strolling",
            "stride",
            "strides",
            "striding",
            "cross",
            "crosses",
            "crossing",
            "pace",
            "paces",
            "pacing",
            "wander",
            "wanders",
            "wandering",
            "march",
            "marches",
            "marching",
            "drive",
            "drives",
            "driving",
            "ride",
            "rides",
            "riding",
            "follow",
            "follows",
            "following",
            "heads",
            "limps",
            "limping",
            "trudges",
            "saunters",
            "swims",
            "swimming",
        ],
    ),
    (
        MoveCue::Handheld,
        &[
            "run",
            "runs",
            "running",
            "ran",
            "race",
            "races",
            "racing",
            "sprint",
            "sprints",
            "sprinting",
            "chase",
            "chases",
            "chasing",
            "flee",
            "flees",
            "fleeing",
            "scramble",
            "scrambles",
            "fight",
            "fights",
            "fighting",
            "struggle",
            "struggles",
            "struggling",
            "tackle",
            "tackles",
            "dash",
            "dashes",
            "bolts",
            "rush",
            "rushes",
            "rushing",
            "lunge",
            "lunges",
            "punch",
            "punches",
            "brawl",
            "wrestle",
            "wrestles",
            "stumbles",
            "staggers",
            "grabs",
            "shoves",
        ],
    ),
    (
        MoveCue::Reveal,
        &[
            "reveal",
            "reveals",
            "revealing",
            "revealed",
            "rises",
            "rising",
            "looms",
            "looming",
            "towers",
            "towering",
            "soars",
            "soaring",
            "unveils",
        ],
    ),
    (
        MoveCue::PushIn,
        &[
            "approach",
            "approaches",
            "approaching",
            "leans",
            "realizes",
            "realises",
            "stares",
            "staring",
            "notices",
            "creeps",
            "closes",
        ],
    ),
    (
        MoveCue::PullOut,
        &[
            "retreat",
            "retreats",
            "retreating",
            "recedes",
            "receding",
            "withdraws",
        ],
    ),
    (
        MoveCue::Pan,
        &["turns", "turning", "spins", "glances", "whirls", "swivels"],
    ),
    (
        MoveCue::TiltDown,
        &["falls", "collapses", "drops", "sinks", "kneels"],
    ),
    (MoveCue::TiltUp, &["climbs", "ascends"]),
];

/// Two-word phrases that ask for a camera move (they win over the second
/// word alone).
const MOVE_PAIRS: &[(&str, &str, MoveCue)] = &[
    ("backs", "away", MoveCue::PullOut),
    ("steps", "back", MoveCue::PullOut),
    ("pulls", "away", MoveCue::PullOut),
    ("backs", "off", MoveCue::PullOut),
    ("looks", "up", MoveCue::TiltUp),
    ("glances", "up", MoveCue::TiltUp),
    ("gazes", "up", MoveCue::TiltUp),
    ("looks", "down", MoveCue::TiltDown),
    ("glances", "down", MoveCue::TiltDown),
    ("moves", "closer", MoveCue::PushIn),
    ("steps", "closer", MoveCue::PushIn),
    ("leans", "in", MoveCue::PushIn),
    ("moves", "in", MoveCue::PushIn),
];

/// Single words that ask for an angle.
const ANGLE_WORDS: &[(&str, CameraAngle)] = &[
    ("pov", CameraAngle::Pov),
    ("overhead", CameraAngle::Overhead),
    ("aerial", CameraAngle::Overhead),
    ("towers", CameraAngle::Low),
    ("towering", CameraAngle::Low),
    ("looms", CameraAngle::Low),
    ("dizzy", CameraAngle::Dutch),
    ("drunk", CameraAngle::Dutch),
    ("woozy", CameraAngle::Dutch),
    ("disoriented", CameraAngle::Dutch),
    ("reeling", CameraAngle::Dutch),
];

/// Two-word phrases that ask for an angle.
const ANGLE_PAIRS: &[(&str, &str, CameraAngle)] = &[
    ("from", "above", CameraAngle::Overhead),
    ("bird's", "eye", CameraAngle::Overhead),
    ("looks", "up", CameraAngle::Low),
    ("gazes", "up", CameraAngle::Low),
    ("looks", "down", CameraAngle::High),
    ("peers", "down", CameraAngle::High),
    ("stares", "down", CameraAngle::High),
];

/// Longest cue word, in bytes; longer words are skipped unread.
const MAX_CUE_BYTES: usize = 12;

/// A word of at most 16 bytes as a number: its bytes, ASCII lower-cased,
/// little-endian and zero-padded. Words never hold a NUL byte, so the
/// padding keeps keys of different words apart; `0` is no word.
const fn word_key(word: &[u8]) -> u128 {
    let mut key = 0u128;
    let mut i = 0;
    while i < word.len() && i < 16 {
        key |= (word[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    key
}

/// What a cue word asks for.
#[derive(Debug, Clone, Copy)]
struct CueWord {
    /// The move the word asks for alone.
    single: Option<MoveCue>,
    /// The angle the word asks for alone.
    angle: Option<CameraAngle>,
    /// Whether the word ends a two-word phrase of [`MOVE_PAIRS`] or
    /// [`ANGLE_PAIRS`].
    ends_pair: bool,
}

/// Slots of the cue table (a power of two, about four times the words).
const CUE_SLOTS: usize = 512;
/// Bits of the table's filter.
const FILTER_BITS: usize = 4096;

/// Every cue word in an open-addressed table, built at compile time from
/// the lists above, with a bit filter in front: most words of a paragraph
/// are no cue and are turned away after one hash and one load.
struct CueTable {
    /// [`word_key`] of the word in each slot; `0` marks an empty slot.
    keys: [u128; CUE_SLOTS],
    /// What the word in each slot asks for.
    words: [CueWord; CUE_SLOTS],
    /// One bit per filter position of every cue word's hash.
    filter: [u64; FILTER_BITS / 64],
}

/// The hash of a key (a multiply of its folded halves).
const fn cue_hash(key: u128) -> u64 {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    folded.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The slot where probing for a hash starts (its top bits).
const fn cue_slot(hash: u64) -> usize {
    (hash >> (64 - CUE_SLOTS.trailing_zeros())) as usize
}

/// The filter position of a hash (bits below the slot's).
const fn filter_bit(hash: u64) -> usize {
    (hash >> 20) as usize % FILTER_BITS
}

impl CueTable {
    /// The slot holding `key`, or the empty slot where it would go.
    const fn probe(&self, key: u128, hash: u64) -> usize {
        let mut slot = cue_slot(hash);
        while self.keys[slot] != 0 && self.keys[slot] != key {
            slot = (slot + 1) % CUE_SLOTS;
        }
        slot
    }

    /// The slot of `word`, taken (and added to the filter) if new.
    const fn slot_for(&mut self, word: &str) -> usize {
        let key = word_key(word.as_bytes());
        let hash = cue_hash(key);
        let slot = self.probe(key, hash);
        self.keys[slot] = key;
        let bit = filter_bit(hash);
        self.filter[bit / 64] |= 1 << (bit % 64);
        slot
    }

    const fn build() -> Self {
        const NONE: CueWord = CueWord {
            single: None,
            angle: None,
            ends_pair: false,
        };
        let mut table = CueTable {
            keys: [0; CUE_SLOTS],
            words: [NONE; CUE_SLOTS],
            filter: [0; FILTER_BITS / 64],
        };
        let mut g = 0;
        while g < MOVE_WORDS.len() {
            let (cue, words) = MOVE_WORDS[g];
            let mut w = 0;
            while w < words.len() {
                let slot = table.slot_for(words[w]);
                // A word listed twice keeps its first cue.
                if table.words[slot].single.is_none() {
                    table.words[slot].single = Some(cue);
                }
                w += 1;
            }
            g += 1;
        }
        let mut a = 0;
        while a < ANGLE_WORDS.len() {
            let slot = table.slot_for(ANGLE_WORDS[a].0);
            if table.words[slot].angle.is_none() {
                table.words[slot].angle = Some(ANGLE_WORDS[a].1);
            }
            a += 1;
        }
        let mut p = 0;
        while p < MOVE_PAIRS.len() {
            let slot = table.slot_for(MOVE_PAIRS[p].1);
            table.words[slot].ends_pair = true;
            p += 1;
        }
        let mut p = 0;
        while p < ANGLE_PAIRS.len() {
            let slot = table.slot_for(ANGLE_PAIRS[p].1);
            table.words[slot].ends_pair = true;
            p += 1;
        }
        table
    }

    /// The cue word with this key, if it is one.
    fn get(&self, key: u128) -> Option<&CueWord> {
        let hash = cue_hash(key);
        let bit = filter_bit(hash);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return None;
        }
        let slot = self.probe(key, hash);
        (self.keys[slot] != 0).then(|| &self.words[slot])
    }
}

static CUES: CueTable = CueTable::build();

/// The keys of each phrase's two words, and what the phrase asks for.
type PairKeys<T, const N: usize> = [(u128, u128, T); N];

/// [`MOVE_PAIRS`] as keys.
static MOVE_PAIR_KEYS: PairKeys<MoveCue, { MOVE_PAIRS.len() }> = {
    let mut out = [(0, 0, MoveCue::Pan); MOVE_PAIRS.len()];
    let mut p = 0;
    while p < MOVE_PAIRS.len() {
        let (a, b, cue) = MOVE_PAIRS[p];
        out[p] = (word_key(a.as_bytes()), word_key(b.as_bytes()), cue);
        p += 1;
    }
    out
};

/// [`ANGLE_PAIRS`] as keys.
static ANGLE_PAIR_KEYS: PairKeys<CameraAngle, { ANGLE_PAIRS.len() }> = {
    let mut out = [(0, 0, CameraAngle::EyeLevel); ANGLE_PAIRS.len()];
    let mut p = 0;
    while p < ANGLE_PAIRS.len() {
        let (a, b, angle) = ANGLE_PAIRS[p];
        out[p] = (word_key(a.as_bytes()), word_key(b.as_bytes()), angle);
        p += 1;
    }
    out
};

/// What the phrase `(prev, cur)` (as keys) asks for, if it is one.
fn pair<T: Copy>(pairs: &[(u128, u128, T)], prev: u128, cur: u128) -> Option<T> {
    pairs
        .iter()
        .find(|&&(a, b, _)| a == prev && b == cur)
        .map(|&(_, _, t)| t)
}

/// The strongest movement cue in an action paragraph, if any.
pub fn movement_cue(text: &str) -> Option<MoveCue> {
    cues(text).0
}

/// An angle the action or heading asks for, if any.
pub fn angle_cue(text: &str) -> Option<CameraAngle> {
    cues(text).1
}

/// Texts up to this long are scanned in a copy on the stack.
const STACK_TEXT: usize = 512;
/// Zero bytes after the copied text (and its last block), so that the two
/// eight-byte loads of any word starting in the text stay in the copy.
const PAD: usize = 16;

/// The eight bytes at `at` of a padded copy, little-endian (`0` out of
/// bounds, which the padding rules out).
fn load8(buf: &[u8], at: usize) -> u64 {
    swar::load(buf, at).unwrap_or(0)
}

/// The masks of the 64-byte block at `at` of a padded copy of a text `n`
/// bytes long, one bit per byte (bit `i` for byte `at + i`): letters (an
/// ASCII letter or any byte of a non-ASCII character, as
/// `text::letter_runs` has them), apostrophes, and ASCII whitespace
/// (`u8::is_ascii_whitespace`: no vertical tab). Eight-byte chunks wholly
/// past the text (padding: none of these) are skipped.
fn block_masks(buf: &[u8], at: usize, n: usize) -> (u64, u64, u64) {
    let mut letters = 0u64;
    let mut apostrophes = 0u64;
    let mut spaces = 0u64;
    for k in 0..n.saturating_sub(at).div_ceil(8).min(8) {
        let x = load8(buf, at + 8 * k);
        letters |= u64::from(swar::gather(swar::letters(x))) << (8 * k);
        apostrophes |= u64::from(swar::gather(swar::equal(x, b'\''))) << (8 * k);
        let space = swar::ascii_space(x) & !swar::equal(x, 0x0b);
        spaces |= u64::from(swar::gather(space)) << (8 * k);
    }
    (letters, apostrophes, spaces)
}

/// The movement and angle cues of a paragraph, in one pass over its words.
///
/// The words are `text::letter_runs` (letters, with apostrophes inside a
/// word). A bit mask of the letters is made eight bytes at a time with bit
/// tricks; each run of set bits is a word, read as a key, ASCII-lower-cased,
/// and looked up in the cue table; only the rare cue words go further. A
/// two-word phrase wins over its second word alone; the most physical move
/// wins; the first angle wins.
pub fn cues(text: &str) -> (Option<MoveCue>, Option<CameraAngle>) {
    let (_, cue, angle) = words_and_cues(text);
    (cue, angle)
}

/// What [`words_and_cues`] has found so far.
#[derive(Default)]
struct CueScan {
    best: Option<MoveCue>,
    angle: Option<CameraAngle>,
    /// The previous word's key (`0` after a word too short or long to be a
    /// cue, which also ends a phrase).
    prev: u128,
}

impl CueScan {
    /// Reads the word `buf[start..end]` (a letter run).
    fn word(&mut self, buf: &[u8], start: usize, end: usize) {
        let len = end - start;
        // No cue word is shorter or longer than these: skip the rest.
        if !(2..=MAX_CUE_BYTES).contains(&len) {
            self.prev = 0;
            return;
        }
        // The word's bytes, ASCII letters lower-cased (the case bit also
        // lands on non-ASCII bytes, which no cue word has), zero-padded.
        let case = swar::ONES * 0x20;
        let lo = load8(buf, start) | case;
        let cur = if len <= 8 {
            u128::from(lo & (u64::MAX >> (64 - 8 * len)))
        } else {
            let hi = (load8(buf, start + 8) | case) & (u64::MAX >> (128 - 8 * len));
            (u128::from(hi) << 64) | u128::from(lo)
        };
        let prev = std::mem::replace(&mut self.prev, cur);
        let Some(word) = CUES.get(cur) else {
            return;
        };
        let paired = if word.ends_pair {
            pair(&MOVE_PAIR_KEYS, prev, cur)
        } else {
            None
        };
        if let Some(c) = paired.or(word.single)
            && self.best.is_none_or(|b| c.priority() > b.priority())
        {
            self.best = Some(c);
        }
        if self.angle.is_none() {
            self.angle = word.angle.or_else(|| {
                word.ends_pair
                    .then(|| pair(&ANGLE_PAIR_KEYS, prev, cur))
                    .flatten()
            });
        }
    }
}

/// The number of words of an action paragraph (as `text::word_count`) and
/// its [`cues`], in one pass.
///
/// The text is copied into a zero-padded buffer (on the stack when short),
/// so that every load is a whole eight bytes. Per 64-byte block, letters,
/// apostrophes and whitespace become bit masks; a word is a run of letters
/// and of apostrophes between two letters. Each run is read from its first
/// bit: its length is the count of trailing zeros of the block's other
/// bytes past it.
pub(crate) fn words_and_cues(text: &str) -> (usize, Option<MoveCue>, Option<CameraAngle>) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let blocks = n.div_ceil(64);
    let padded = blocks * 64 + PAD;
    let mut stack = [0u8; STACK_TEXT + PAD];
    let mut heap = Vec::new();
    let buf: &mut [u8] = match stack.get_mut(..padded) {
        Some(b) => b,
        None => {
            heap.resize(padded, 0);
            &mut heap
        }
    };
    if let Some(dst) = buf.get_mut(..n) {
        dst.copy_from_slice(bytes);
    }
    let buf = &*buf;
    // Each block's letters and apostrophes, then its runs.
    let mut stack_masks = [(0u64, 0u64); STACK_TEXT / 64];
    let mut heap_masks = Vec::new();
    let masks: &mut [(u64, u64)] = match stack_masks.get_mut(..blocks) {
        Some(m) => m,
        None => {
            heap_masks.resize(blocks, (0, 0));
            &mut heap_masks
        }
    };
    let mut words = 0usize;
    // Bit 0 set when the byte before the block is whitespace (the text's
    // start counts as whitespace).
    let mut space_before = 1u64;
    for (b, m) in masks.iter_mut().enumerate() {
        let at = b * 64;
        let (letters, apostrophes, spaces) = block_masks(buf, at, n);
        // Bytes past the text are padding (zero): never a word start.
        let valid = match n - at {
            64.. => u64::MAX,
            rest => (1u64 << rest) - 1,
        };
        words += (!spaces & ((spaces << 1) | space_before) & valid).count_ones() as usize;
        space_before = spaces >> 63;
        *m = (letters, apostrophes);
    }
    // Runs: letters, and apostrophes with a letter on either side.
    let mut letter_before = 0u64;
    for b in 0..masks.len() {
        let letter_after = masks.get(b + 1).map_or(0, |m| m.0 & 1);
        if let Some(m) = masks.get_mut(b) {
            let (letters, apostrophes) = *m;
            let inner = apostrophes
                & ((letters << 1) | letter_before)
                & ((letters >> 1) | (letter_after << 63));
            letter_before = letters >> 63;
            m.1 = letters | inner;
        }
    }
    let mut scan = CueScan::default();
    let mut run_before = 0u64;
    for (b, &(_, runs)) in masks.iter().enumerate() {
        let at = b * 64;
        let mut starts = runs & !((runs << 1) | run_before);
        run_before = runs >> 63;
        while starts != 0 {
            let start = starts.trailing_zeros();
            starts &= starts - 1;
            let rest = !runs >> start;
            let end = if rest != 0 {
                at + (start + rest.trailing_zeros()) as usize
            } else {
                // The run goes on into the next blocks.
                masks
                    .iter()
                    .enumerate()
                    .skip(b + 1)
                    .find(|(_, m)| m.1 != u64::MAX)
                    .map_or(n, |(k, m)| k * 64 + (!m.1).trailing_zeros() as usize)
            };
            scan.word(buf, at + start as usize, end.min(n));
        }
    }
    (words, scan.best, scan.angle)
}

/// Whether a cue's extensions put the speaker off screen (`V.O.`, `O.S.`,
/// `O.C.`, and their unpunctuated spellings). Allocation-free: it runs on
/// every dialogue block.
pub fn is_off_screen(extensions: &[String]) -> bool {
    extensions.iter().any(|e| {
        let mut buf = [0u8; 12];
        let mut n = 0;
        for b in e.bytes().filter(u8::is_ascii_alphabetic) {
            if n == buf.len() {
                return false;
            }
            buf[n] = b.to_ascii_uppercase();
            n += 1;
        }
        matches!(
            &buf[..n],
            b"VO" | b"OS" | b"OC" | b"OFF" | b"OFFSCREEN" | b"VOICEOVER" | b"PRELAP"
        )
    })
}

/// Parenthetical words that make a line heated.
const HEATED: [&str; 14] = [
    "shouting",
    "shouts",
    "yelling",
    "yells",
    "screaming",
    "screams",
    "angry",
    "furious",
    "whispering",
    "whispers",
    "quietly",
    "tearful",
    "crying",
    "sobbing",
];

/// [`HEATED`] as keys.
static HEATED_KEYS: [u128; HEATED.len()] = {
    let mut out = [0; HEATED.len()];
    let mut h = 0;
    while h < HEATED.len() {
        out[h] = word_key(HEATED[h].as_bytes());
        h += 1;
    }
    out
};

/// [`word_key`] at run time (a word of at most 16 bytes).
fn key_of(word: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    for (b, w) in buf.iter_mut().zip(word) {
        *b = w.to_ascii_lowercase();
    }
    u128::from_le_bytes(buf)
}

/// How heated a line is: 0 calm, 1 raised (exclamations, shouting or
/// whispering parentheticals: both bring the camera closer).
pub fn intensity(text: &str, parentheticals: &[String]) -> u8 {
    let exclaims = text.contains('!');
    let heated = || {
        parentheticals.iter().any(|p| {
            words(p)
                .any(|w| w.len() <= MAX_CUE_BYTES && HEATED_KEYS.contains(&key_of(w.as_bytes())))
        })
    };
    u8::from(exclaims || heated())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::letter_runs;

    #[test]
    fn verbs_pick_movement() {
        assert_eq!(
            movement_cue("Edward walks down the road."),
            Some(MoveCue::Track)
        );
        assert_eq!(
            movement_cue("He RUNS for the door."),
            Some(MoveCue::Handheld)
        );
        assert_eq!(
            movement_cue("The fog lifts, revealing a town."),
            Some(MoveCue::Reveal)
        );
        assert_eq!(
            movement_cue("She backs away from the cage."),
            Some(MoveCue::PullOut)
        );
        assert_eq!(movement_cue("Steel sits."), None);
        // The most physical cue wins.
        assert_eq!(
            movement_cue("He walks, then runs."),
            Some(MoveCue::Handheld)
        );
    }

    #[test]
    fn angles_from_cues() {
        assert_eq!(angle_cue("SNIPER SCOPE POV"), Some(CameraAngle::Pov));
        assert_eq!(
            angle_cue("Karl towers over the crowd."),
            Some(CameraAngle::Low)
        );
        assert_eq!(angle_cue("Seen from above."), Some(CameraAngle::Overhead));
        assert_eq!(angle_cue("He smiles."), None);
    }

    #[test]
    fn off_screen_extensions() {
        let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_off_screen(&e(&["V.O."])));
        assert!(is_off_screen(&e(&["CONT'D", "O.S."])));
        assert!(is_off_screen(&e(&["OC"])));
        assert!(!is_off_screen(&e(&["CONT'D"])));
        assert!(!is_off_screen(&[]));
    }

    // The matchers as they were first written (plain `match`es on
    // lower-cased words): the reference the table-driven `cues` must agree
    // with on every input.

    /// Lower-cases an ASCII word into `buf` (non-ASCII words stay as they are).
    fn lower<'a>(word: &str, buf: &'a mut String) -> &'a str {
        buf.clear();
        buf.push_str(word);
        buf.make_ascii_lowercase();
        buf.as_str()
    }

    fn single_word_cue(w: &str) -> Option<MoveCue> {
        Some(match w {
            "walk" | "walks" | "walking" | "walked" | "stroll" | "strolls" | "strolling"
            | "stride" | "strides" | "striding" | "cross" | "crosses" | "crossing" | "pace"
            | "paces" | "pacing" | "wander" | "wanders" | "wandering" | "march" | "marches"
            | "marching" | "drive" | "drives" | "driving" | "ride" | "rides" | "riding"
            | "follow" | "follows" | "following" | "heads" | "limps" | "limping" | "trudges"
            | "saunters" | "swims" | "swimming" => MoveCue::Track,
            "run" | "runs" | "running" | "ran" | "race" | "races" | "racing" | "sprint"
            | "sprints" | "sprinting" | "chase" | "chases" | "chasing" | "flee" | "flees"
            | "fleeing" | "scramble" | "scrambles" | "fight" | "fights" | "fighting"
            | "struggle" | "struggles" | "struggling" | "tackle" | "tackles" | "dash"
            | "dashes" | "bolts" | "rush" | "rushes" | "rushing" | "lunge" | "lunges" | "punch"
            | "punches" | "brawl" | "wrestle" | "wrestles" | "stumbles" | "staggers" | "grabs"
            | "shoves" => MoveCue::Handheld,
            "reveal" | "reveals" | "revealing" | "revealed" | "rises" | "rising" | "looms"
            | "looming" | "towers" | "towering" | "soars" | "soaring" | "unveils" => {
                MoveCue::Reveal
            }
            "approach" | "approaches" | "approaching" | "leans" | "realizes" | "realises"
            | "stares" | "staring" | "notices" | "creeps" | "closes" => MoveCue::PushIn,
            "retreat" | "retreats" | "retreating" | "recedes" | "receding" | "withdraws" => {
                MoveCue::PullOut
            }
            "turns" | "turning" | "spins" | "glances" | "whirls" | "swivels" => MoveCue::Pan,
            "falls" | "collapses" | "drops" | "sinks" | "kneels" => MoveCue::TiltDown,
            "climbs" | "ascends" => MoveCue::TiltUp,
            _ => return None,
        })
    }

    fn two_word_cue(a: &str, b: &str) -> Option<MoveCue> {
        Some(match (a, b) {
            ("backs", "away") | ("steps", "back") | ("pulls", "away") | ("backs", "off") => {
                MoveCue::PullOut
            }
            ("looks", "up") | ("glances", "up") | ("gazes", "up") => MoveCue::TiltUp,
            ("looks", "down") | ("glances", "down") => MoveCue::TiltDown,
            ("moves", "closer") | ("steps", "closer") | ("leans", "in") | ("moves", "in") => {
                MoveCue::PushIn
            }
            _ => return None,
        })
    }

    fn angle_of(prev: &str, cur: &str) -> Option<CameraAngle> {
        match (prev, cur) {
            (_, "pov") => Some(CameraAngle::Pov),
            (_, "overhead" | "aerial") | ("from", "above") | ("bird's", "eye") => {
                Some(CameraAngle::Overhead)
            }
            ("looks", "up") | ("gazes", "up") | (_, "towers" | "towering" | "looms") => {
                Some(CameraAngle::Low)
            }
            ("looks", "down") | ("peers", "down") | ("stares", "down") => Some(CameraAngle::High),
            (_, "dizzy" | "drunk" | "woozy" | "disoriented" | "reeling") => {
                Some(CameraAngle::Dutch)
            }
            _ => None,
        }
    }

    fn cues_reference(text: &str) -> (Option<MoveCue>, Option<CameraAngle>) {
        let mut best: Option<MoveCue> = None;
        let mut angle: Option<CameraAngle> = None;
        let mut prev = String::new();
        let mut cur = String::new();
        for w in letter_runs(text) {
            // No cue word is shorter or longer than these, nor starts with a
            // digit: skip the work for the rest.
            if w.len() < 2 || w.len() > 12 {
                prev.clear();
                continue;
            }
            lower(w, &mut cur);
            let found = two_word_cue(&prev, &cur).or_else(|| single_word_cue(&cur));
            if let Some(c) = found
                && best.is_none_or(|b| c.priority() > b.priority())
            {
                best = Some(c);
            }
            if angle.is_none() {
                angle = angle_of(&prev, &cur);
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        (best, angle)
    }

    /// Every listed word and phrase, and words that are not cues.
    fn vocabulary() -> Vec<String> {
        let mut v: Vec<String> = MOVE_WORDS
            .iter()
            .flat_map(|(_, w)| w.iter().map(|w| w.to_string()))
            .collect();
        v.extend(ANGLE_WORDS.iter().map(|(w, _)| w.to_string()));
        for (a, b, _) in MOVE_PAIRS {
            v.extend([a.to_string(), b.to_string()]);
        }
        for (a, b, _) in ANGLE_PAIRS {
            v.extend([a.to_string(), b.to_string()]);
        }
        v.extend(
            [
                "the",
                "he",
                "a",
                "walker",
                "upward",
                "café",
                "a'b",
                "extraordinarily",
            ]
            .map(String::from),
        );
        v
    }

    #[test]
    fn every_listed_word_and_phrase_is_found() {
        for (cue, words) in MOVE_WORDS {
            for w in *words {
                assert_eq!(movement_cue(w), Some(*cue), "{w}");
                assert_eq!(movement_cue(&w.to_uppercase()), Some(*cue), "{w}");
            }
        }
        for (a, b, cue) in MOVE_PAIRS {
            assert_eq!(movement_cue(&format!("{a} {b}")), Some(*cue), "{a} {b}");
        }
        for (w, angle) in ANGLE_WORDS {
            assert_eq!(angle_cue(w), Some(*angle), "{w}");
        }
        for (a, b, angle) in ANGLE_PAIRS {
            assert_eq!(angle_cue(&format!("{a} {b}")), Some(*angle), "{a} {b}");
        }
        // A phrase broken by a word too long to be a cue is no phrase.
        assert_eq!(movement_cue("backs extraordinarily away"), None);
    }

    proptest::proptest! {
        #[test]
        fn table_lookup_agrees_with_the_plain_matchers(
            picks in proptest::collection::vec((0usize..400, 0usize..9, proptest::bool::ANY), 0..40),
        ) {
            let vocab = vocabulary();
            let seps = [" ", ", ", " -- ", "! ", "\n", " 12 ", "' ", "’s ", "'"];
            let mut text = String::new();
            for (w, sep, upper) in picks {
                let word = &vocab[w % vocab.len()];
                text.push_str(&if upper { word.to_uppercase() } else { word.clone() });
                text.push_str(seps[sep]);
            }
            proptest::prop_assert_eq!(cues(&text), cues_reference(&text), "{:?}", text);
        }
    }

    proptest::proptest! {
        /// Long texts (past the stack copy, words across 64-byte blocks,
        /// apostrophes at block edges) scan as the reference reads them.
        #[test]
        fn long_texts_scan_as_the_reference_reads_them(
            text in "([a-zA-Z'’é .,\n\t\u{0B}]{0,8}(walks|backs away|looks up|Looks Down|bird's eye|TOWERS|from above|a'b|x'|'y|[a-z]{9,70})){0,90}",
        ) {
            proptest::prop_assert_eq!(cues(&text), cues_reference(&text), "{:?}", text);
            proptest::prop_assert_eq!(words_and_cues(&text).0, crate::text::word_count(&text));
        }
    }

    #[test]
    fn words_at_block_edges() {
        // A cue word and a phrase straddling the 64th byte, a text ending
        // in a word exactly at a block's end, and one that fills 512 bytes.
        for pad in 55..70 {
            let lead = "x ".repeat(pad / 2) + &"y".repeat(pad % 2);
            for tail in ["walks", "backs away", "bird's eye", "walks'n"] {
                let text = format!("{lead} {tail}");
                assert_eq!(cues(&text), cues_reference(&text), "{text:?}");
                assert_eq!(words_and_cues(&text).0, crate::text::word_count(&text));
            }
        }
        let exact = format!("{} runs", "a".repeat(59));
        assert_eq!(exact.len(), 64);
        assert_eq!(movement_cue(&exact), Some(MoveCue::Handheld));
        let full = format!("{}walks", "ab ".repeat(169));
        assert_eq!(full.len(), 512);
        assert_eq!(words_and_cues(&full), (170, Some(MoveCue::Track), None));
    }

    proptest::proptest! {
        #[test]
        fn words_counted_with_the_cues_are_word_count(
            text in "[a-z'’ \t\n\u{0B}\u{0C}\r\u{0}é.]{0,200}",
        ) {
            proptest::prop_assert_eq!(words_and_cues(&text).0, crate::text::word_count(&text));
        }
    }

    #[test]
    fn heated_lines() {
        assert_eq!(intensity("Get out!", &[]), 1);
        assert_eq!(intensity("Get out.", &["(whispering)".into()]), 1);
        assert_eq!(intensity("Get out.", &["(beat)".into()]), 0);
    }
}
