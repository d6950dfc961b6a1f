//! Element suggestions for the breakdown sheet: capitalised phrases in
//! action that are not characters, and notes, each given a category by the
//! words it contains. They are suggestions: a person confirms them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

use alkemy_core::ElementCategory;

/// Capitalised phrases that are screenplay vocabulary, not elements.
const STOP: [&str; 48] = [
    "A",
    "I",
    "AN",
    "THE",
    "OK",
    "OKAY",
    "TV",
    "CONTINUOUS",
    "CONTINUED",
    "LATER",
    "DAY",
    "NIGHT",
    "FADE IN",
    "FADE OUT",
    "FADE TO BLACK",
    "CUT TO",
    "CUT TO BLACK",
    "DISSOLVE TO",
    "SMASH CUT",
    "MATCH CUT",
    "CLOSE ON",
    "CLOSE UP",
    "CLOSE-UP",
    "ANGLE ON",
    "POV",
    "INSERT",
    "BACK TO SCENE",
    "SUPER",
    "TITLE",
    "MONTAGE",
    "END MONTAGE",
    "FLASHBACK",
    "END FLASHBACK",
    "INTERCUT",
    "THE END",
    "BEAT",
    "V.O",
    "O.S",
    "O.C",
    "MORE",
    "CONT'D",
    "WIDE",
    "WIDE SHOT",
    "SERIES OF SHOTS",
    "END",
    "NO",
    "YES",
    "OFF",
];

const VEHICLES: [&str; 24] = [
    "CAR",
    "TRUCK",
    "BUS",
    "TAXI",
    "CAB",
    "VAN",
    "JEEP",
    "MOTORCYCLE",
    "BIKE",
    "BICYCLE",
    "BOAT",
    "SHIP",
    "PLANE",
    "AIRPLANE",
    "HELICOPTER",
    "TRAIN",
    "TRACTOR",
    "LIMO",
    "LIMOUSINE",
    "SEDAN",
    "PORSCHE",
    "CADILLAC",
    "AMBULANCE",
    "CANOE",
];

const SOUNDS: [&str; 30] = [
    "BANG", "CRASH", "BOOM", "THUD", "RING", "RINGS", "RINGING", "KNOCK", "KNOCKS", "SLAM",
    "SLAMS", "SCREAM", "SCREAMS", "HONK", "HONKS", "BEEP", "BEEPS", "CLICK", "CLICKS", "SPLASH",
    "THUNDER", "GUNSHOT", "GUNSHOTS", "EXPLODES", "RUMBLE", "WHISTLE", "BARK", "BARKS", "CREAK",
    "SNAP",
];

const ANIMALS: [&str; 22] = [
    "DOG", "DOGS", "CAT", "HORSE", "HORSES", "FISH", "CATFISH", "BIRD", "BIRDS", "COW", "COWS",
    "SNAKE", "BEAR", "WOLF", "ELEPHANT", "CROW", "CROWS", "MONKEY", "CHICKEN", "PIG", "DEER",
    "RAT",
];

const WARDROBE: [&str; 16] = [
    "DRESS",
    "SUIT",
    "HAT",
    "COAT",
    "JACKET",
    "UNIFORM",
    "SHOES",
    "BOOTS",
    "GLOVES",
    "TUXEDO",
    "GOWN",
    "MASK",
    "SCARF",
    "TIE",
    "SHIRT",
    "SHIRTLESS",
];

const EFFECTS: [&str; 14] = [
    "EXPLOSION",
    "FIRE",
    "SMOKE",
    "RAIN",
    "SNOW",
    "FOG",
    "LIGHTNING",
    "FLAMES",
    "SPARKS",
    "BLOOD",
    "STORM",
    "FLOOD",
    "EXPLODE",
    "EXPLODING",
];

fn stop_words() -> &'static HashSet<&'static str> {
    static STOP_SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    STOP_SET.get_or_init(|| STOP.iter().copied().collect())
}

fn categories() -> &'static HashMap<&'static str, ElementCategory> {
    static TABLE: OnceLock<HashMap<&'static str, ElementCategory>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Earlier lists win: a word in two lists keeps the first category.
        let lists: [(&[&str], ElementCategory); 5] = [
            (&EFFECTS, ElementCategory::Effect),
            (&WARDROBE, ElementCategory::Wardrobe),
            (&ANIMALS, ElementCategory::Animal),
            (&SOUNDS, ElementCategory::Sound),
            (&VEHICLES, ElementCategory::Vehicle),
        ];
        let mut m = HashMap::default();
        for (list, cat) in lists {
            for w in list {
                m.insert(*w, cat);
            }
        }
        m
    })
}

/// Is this phrase worth suggesting?
pub fn worth_suggesting(phrase: &str) -> bool {
    let letters = if phrase.is_ascii() {
        phrase.bytes().filter(u8::is_ascii_alphabetic).count()
    } else {
        phrase.chars().filter(|c| c.is_alphabetic()).count()
    };
    letters >= 3 && !stop_words().contains(phrase)
}

/// The category a phrase's words suggest: vehicle, sound, animal, wardrobe,
/// effect in that order of precedence, else other.
pub fn categorise(phrase: &str) -> ElementCategory {
    let table = categories();
    let rank = |c: ElementCategory| match c {
        ElementCategory::Vehicle => 0,
        ElementCategory::Sound => 1,
        ElementCategory::Animal => 2,
        ElementCategory::Wardrobe => 3,
        ElementCategory::Effect => 4,
        _ => 5,
    };
    let mut best = ElementCategory::Other;
    let mut word = String::new();
    // Upper-cased ASCII words; no listed word is longer.
    let mut ascii = [0u8; LONGEST_LISTED];
    for raw in phrase.split(|c: char| !c.is_alphanumeric() && c != '\'') {
        let found = if raw.is_ascii() {
            let Some(upper) = ascii.get_mut(..raw.len()) else {
                continue;
            };
            upper.copy_from_slice(raw.as_bytes());
            upper.make_ascii_uppercase();
            std::str::from_utf8(upper).ok().and_then(|w| table.get(w))
        } else {
            word.clear();
            word.extend(raw.chars().flat_map(char::to_uppercase));
            table.get(word.as_str())
        };
        if let Some(&c) = found
            && rank(c) < rank(best)
        {
            best = c;
        }
    }
    best
}

/// Bytes of the longest word in the category lists.
const LONGEST_LISTED: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_listed_word_is_longer_than_the_ascii_buffer() {
        let lists: [&[&str]; 5] = [&EFFECTS, &WARDROBE, &ANIMALS, &SOUNDS, &VEHICLES];
        assert!(
            lists
                .iter()
                .flat_map(|l| l.iter())
                .all(|w| w.len() <= LONGEST_LISTED)
        );
    }

    #[test]
    fn phrases_get_categories() {
        assert_eq!(categorise("Mom's PORSCHE"), ElementCategory::Vehicle);
        assert_eq!(categorise("A LOUD BANG"), ElementCategory::Sound);
        assert_eq!(categorise("THE CATFISH"), ElementCategory::Animal);
        assert_eq!(categorise("THE RING"), ElementCategory::Sound);
        assert_eq!(categorise("A WEDDING PHOTO"), ElementCategory::Other);
        assert_eq!(categorise("a helicopter"), ElementCategory::Vehicle);
        assert_eq!(categorise("ÉLAN'S DOG"), ElementCategory::Animal);
        assert_eq!(categorise("UNCHARACTERISTICALLY"), ElementCategory::Other);
        assert!(!worth_suggesting("CUT TO"));
        assert!(!worth_suggesting("OK"));
        assert!(worth_suggesting("SHOTGUN"));
    }
}
