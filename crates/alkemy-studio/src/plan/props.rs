//! Which capitalised elements of the action are props worth an insert.
//!
//! The breakdown suggests everything written in capitals; many of those are
//! extras (`OLD WOMAN`), sounds (`CLANG`), verbs (`SLAMMED`) or adjectives.
//! Props, vehicles and animals it has classified always qualify; the rest
//! must read as a noun phrase after a determiner and not be a person, a
//! sound, a gerund or a lone adjective. The word lists are deliberately short
//! and cover what real scripts capitalise most.

use alkemy_core::{ElementCategory, ElementSuggestion, Scene, Span};

/// Nouns for people: a capitalised phrase ending in one is an extra.
const PEOPLE: &[&str] = &[
    "ATTENDANT",
    "AUDIENCE",
    "BABY",
    "BAND",
    "BARTENDER",
    "BOY",
    "BROTHER",
    "CHILD",
    "CHILDREN",
    "CLOWN",
    "CONGREGATION",
    "COP",
    "CREW",
    "CROWD",
    "CUSTOMER",
    "DAD",
    "DAUGHTER",
    "DEPUTY",
    "DOCTOR",
    "DRIVER",
    "EMCEE",
    "FAMILY",
    "FARMER",
    "FATHER",
    "FRIEND",
    "GANG",
    "GENTLEMAN",
    "GENTLEMEN",
    "GIRL",
    "GUARD",
    "GUEST",
    "HUSBAND",
    "JUDGE",
    "KID",
    "LADIES",
    "LADY",
    "MAN",
    "MEN",
    "MINISTER",
    "MOM",
    "MOTHER",
    "NURSE",
    "OFFICER",
    "PASSENGER",
    "PEOPLE",
    "PERSON",
    "POLICEMAN",
    "PREACHER",
    "PRIEST",
    "PRINCIPAL",
    "SCOUT",
    "SHERIFF",
    "SISTER",
    "SOLDIER",
    "SON",
    "STEWARDESS",
    "STUDENT",
    "TEACHER",
    "TEAM",
    "TOWNSPEOPLE",
    "VILLAGER",
    "WAITER",
    "WAITRESS",
    "WELL-WISHER",
    "WIFE",
    "WITCH",
    "WOMAN",
    "WOMEN",
    "WORKER",
];

/// Sounds written in capitals.
const SOUNDS: &[&str] = &[
    "APPLAUSE", "BANG", "BEEP", "BLAST", "BOOM", "CHEER", "CLANG", "CLICK", "CLINK", "COUGH",
    "CRACK", "CRASH", "CREAK", "DRUM", "ENGINE", "GASP", "GUNSHOT", "HISS", "HONK", "KNOCK",
    "LAUGHTER", "MUSIC", "OHH", "POP", "ROAR", "RUMBLE", "SCREAM", "SHOT", "SILENCE", "SIREN",
    "SLAM", "SNAP", "SPLASH", "THUD", "THUMP", "THUNDER", "TITTER", "WHIRR", "WHOOSH",
];

/// Adjectives that are not a prop on their own.
const ADJECTIVES: &[&str] = &[
    "BEAUTIFUL",
    "BIG",
    "HUGE",
    "MASSIVE",
    "OLD",
    "SMALL",
    "TINY",
    "YOUNG",
];

/// A word of at most 15 bytes as a number: its bytes big-endian above
/// its length. Different words get different keys; longer words get none
/// (no listed word is that long).
const fn word_key(word: &[u8]) -> Option<u128> {
    if word.len() > 15 {
        return None;
    }
    let mut key = 0u128;
    let mut i = 0;
    while i < 15 {
        let b = if i < word.len() { word[i] } else { 0 };
        key = (key << 8) | b as u128;
        i += 1;
    }
    Some((key << 8) | word.len() as u128)
}

/// The keys of a word list, sorted, for binary search.
const fn sorted_keys<const N: usize>(list: &[&str]) -> [u128; N] {
    let mut keys = [u128::MAX; N];
    let mut i = 0;
    while i < N && i < list.len() {
        keys[i] = match word_key(list[i].as_bytes()) {
            Some(k) => k,
            None => panic!("listed words are at most 15 bytes"),
        };
        // Insertion sort.
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j - 1];
            keys[j - 1] = keys[j];
            keys[j] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
}

static PEOPLE_KEYS: [u128; PEOPLE.len()] = sorted_keys(PEOPLE);
static SOUND_KEYS: [u128; SOUNDS.len()] = sorted_keys(SOUNDS);
static ADJECTIVE_KEYS: [u128; ADJECTIVES.len()] = sorted_keys(ADJECTIVES);

/// [`word_key`] at run time: the bytes laid out at once.
fn key_of(word: &[u8]) -> Option<u128> {
    let mut buf = [0u8; 16];
    let len = word.len();
    if len > 15 {
        return None;
    }
    for (b, w) in buf.iter_mut().zip(word) {
        *b = *w;
    }
    buf[15] = len as u8;
    Some(u128::from_be_bytes(buf))
}

/// Whether the word, or the word without a plural `S`/`ES`, is listed
/// (`keys` of the list, sorted).
fn in_list(word: &str, keys: &[u128]) -> bool {
    let listed = |w: &str| key_of(w.as_bytes()).is_some_and(|k| keys.binary_search(&k).is_ok());
    listed(word)
        || word.strip_suffix('S').is_some_and(listed)
        || word.strip_suffix("ES").is_some_and(listed)
}

/// Leading words that are not part of an object's name.
const FUNCTION_WORDS: &[&str] = &[
    "A", "AN", "AT", "HER", "HIS", "IN", "INTO", "ITS", "MY", "OF", "ON", "THE", "THEIR", "TO",
    "YOUR",
];

/// The object a capitalised phrase names (`A FAT CATFISH` → `FAT CATFISH`),
/// if it can name one at all.
pub(crate) fn prop_name(name: &str) -> Option<String> {
    // Initials and abbreviations (`U.S.O`) are no object.
    if name.contains('.') {
        return None;
    }
    let words: Vec<&str> = name
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
        .filter(|w| !w.is_empty())
        .skip_while(|w| FUNCTION_WORDS.binary_search(w).is_ok())
        .collect();
    let last = words.last()?;
    let last = last.trim_end_matches("'S").trim_end_matches("’S");
    let excluded = words.iter().any(|w| w.ends_with("ING"))
        || in_list(last, &PEOPLE_KEYS)
        || words
            .iter()
            .any(|w| in_list(w, &PEOPLE_KEYS) || in_list(w, &SOUND_KEYS))
        || (words.len() == 1 && in_list(last, &ADJECTIVE_KEYS));
    let ok = !excluded;
    ok.then(|| words.join(" "))
}

/// An element suggestion of a category that may get an insert. The name
/// of the object it names ([`prop_name`]) is worked out only for the few
/// that [`is_insertable`] takes.
#[derive(Debug)]
pub(crate) struct Candidate<'a> {
    /// The suggestion.
    pub element: &'a ElementSuggestion,
    /// Where it is named (the suggestion's span, kept at hand).
    pub span: Span,
}

impl<'a> Candidate<'a> {
    /// The candidate of a suggestion, if its category is one
    /// [`is_insertable`] takes.
    pub(crate) fn of(element: &'a ElementSuggestion) -> Option<Self> {
        matches!(
            element.category,
            ElementCategory::Prop
                | ElementCategory::Vehicle
                | ElementCategory::Animal
                | ElementCategory::Other
        )
        .then_some(Self {
            element,
            span: element.span,
        })
    }
}

/// Whether a candidate deserves an insert after `text`, an action
/// paragraph of `scene`.
pub(crate) fn is_insertable(candidate: &Candidate<'_>, text: &str, scene: &Scene) -> bool {
    let element = candidate.element;
    let names_character = element.name.split_whitespace().any(|w| {
        scene
            .characters
            .iter()
            .any(|c| c.split_whitespace().any(|cw| cw == w))
    });
    if names_character {
        return false;
    }
    match element.category {
        ElementCategory::Prop | ElementCategory::Vehicle | ElementCategory::Animal => true,
        ElementCategory::Other => follows_determiner(text, &element.name),
        _ => false,
    }
}

/// Whether `phrase` appears in `text` right after a determiner or a
/// possessive.
fn follows_determiner(text: &str, phrase: &str) -> bool {
    let Some(at) = memchr::memmem::find(text.as_bytes(), phrase.as_bytes()) else {
        return false;
    };
    // A match of a whole `str` starts on a char boundary.
    let Some(prev) = text
        .get(..at)
        .and_then(|t| t.split_whitespace().next_back())
    else {
        return false;
    };
    let prev = prev.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
    const DETERMINERS: [&str; 19] = [
        "the", "a", "an", "his", "her", "their", "its", "my", "your", "our", "this", "that",
        "these", "those", "some", "two", "three", "another", "each",
    ];
    // Compared ASCII-case-insensitively, as lower-casing the word would.
    let possessive = |suffix: &str| {
        prev.len() >= suffix.len()
            && prev.is_char_boundary(prev.len() - suffix.len())
            && prev[prev.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    DETERMINERS.iter().any(|d| prev.eq_ignore_ascii_case(d)) || possessive("'s") || possessive("’s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        // `FUNCTION_WORDS` is searched as strings; the others by key.
        for list in [PEOPLE, SOUNDS, ADJECTIVES, FUNCTION_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        for keys in [&PEOPLE_KEYS[..], &SOUND_KEYS, &ADJECTIVE_KEYS] {
            assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }
        // Every listed word is found, and only listed words.
        for (list, keys) in [
            (PEOPLE, &PEOPLE_KEYS[..]),
            (SOUNDS, &SOUND_KEYS),
            (ADJECTIVES, &ADJECTIVE_KEYS),
        ] {
            for w in list {
                assert!(in_list(w, keys), "{w}");
                assert!(in_list(&format!("{w}S"), keys), "{w}S");
                assert!(!in_list(&format!("{w}X"), keys), "{w}X");
                assert!(!in_list(&w[1..], keys) || list.contains(&&w[1..]), "{w}");
            }
        }
        assert!(!in_list("MA", &PEOPLE_KEYS));
        for w in [
            "",
            "A",
            "MAN",
            "WELL-WISHER",
            "ABCDEFGHIJKLMNO",
            "ABCDEFGHIJKLMNOP",
        ] {
            assert_eq!(key_of(w.as_bytes()), word_key(w.as_bytes()), "{w}");
        }
        assert!(!in_list("MAN\0", &PEOPLE_KEYS));
    }

    #[test]
    fn people_sounds_and_gerunds_are_not_props() {
        for not in [
            "OLD WOMAN",
            "NURSES",
            "CLANG",
            "DRUM ROLL",
            "GIGGLING SMILE",
            "YOUNG",
            "U.S.O",
        ] {
            assert_eq!(prop_name(not), None, "{not}");
        }
        for prop in ["SCREEN DOOR", "BEE’S NEST", "RADIO", "PORSCHE", "SHOTGUN"] {
            assert!(prop_name(prop).is_some(), "{prop}");
        }
        assert_eq!(prop_name("A FAT CATFISH").as_deref(), Some("FAT CATFISH"));
    }

    #[test]
    fn only_noun_phrases_after_a_determiner() {
        assert!(follows_determiner(
            "The SCREEN DOOR slides open",
            "SCREEN DOOR"
        ));
        assert!(follows_determiner(
            "get into Mom's PORSCHE, fast",
            "PORSCHE"
        ));
        assert!(!follows_determiner("He is SLAMMED against it", "SLAMMED"));
        assert!(!follows_determiner("only INCHES AWAY", "INCHES AWAY"));
        assert!(!follows_determiner("SHOTGUN first", "SHOTGUN"));
    }
}
