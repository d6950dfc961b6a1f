//! Which capitalised elements of the action are props worth an insert.
//!
//! The breakdown suggests everything written in capitals; many of those are
//! extras (`OLD WOMAN`), sounds (`CLANG`), verbs (`SLAMMED`) or adjectives.
//! Props, vehicles and animals it has classified always qualify; the rest
//! must read as a noun phrase after a determiner and not be a person, a
//! sound, a gerund or a lone adjective. The word lists are deliberately short
//! and cover what real scripts capitalise most.

use alkemy_core::{ElementCategory, ElementSuggestion, Scene};

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
    "WIFE",
    "WITCH",
    "WELL-WISHER",
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

/// The word without a plural `S`/`ES` when the singular is listed.
fn in_list(word: &str, list: &[&str]) -> bool {
    list.contains(&word)
        || word.strip_suffix('S').is_some_and(|w| list.contains(&w))
        || word.strip_suffix("ES").is_some_and(|w| list.contains(&w))
}

/// Leading words that are not part of an object's name.
const FUNCTION_WORDS: &[&str] = &[
    "A", "AN", "AT", "HER", "HIS", "IN", "INTO", "ITS", "MY", "OF", "ON", "THE", "THEIR", "TO",
    "YOUR",
];

/// The object a capitalised phrase names (`A FAT CATFISH` → `FAT CATFISH`),
/// if it can name one at all.
pub(crate) fn prop_name(name: &str) -> Option<String> {
    let words: Vec<&str> = name
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
        .filter(|w| !w.is_empty())
        .skip_while(|w| FUNCTION_WORDS.contains(w))
        .collect();
    let last = words.last()?;
    let last = last.trim_end_matches("'S").trim_end_matches("’S");
    let excluded = name.contains('.')
        || words.iter().any(|w| w.ends_with("ING"))
        || in_list(last, PEOPLE)
        || words
            .iter()
            .any(|w| in_list(w, PEOPLE) || in_list(w, SOUNDS))
        || (words.len() == 1 && in_list(last, ADJECTIVES));
    let ok = !excluded;
    ok.then(|| words.join(" "))
}

pub(crate) fn is_insertable(element: &ElementSuggestion, text: &str, scene: &Scene) -> bool {
    let names_character = element.name.split_whitespace().any(|w| {
        scene
            .characters
            .iter()
            .any(|c| c.split_whitespace().any(|cw| cw == w))
    });
    if names_character || prop_name(&element.name).is_none() {
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
    let Some(at) = text.find(phrase) else {
        return false;
    };
    let Some(prev) = text[..at].split_whitespace().next_back() else {
        return false;
    };
    let prev = prev.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
    let lower = prev.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "the"
            | "a"
            | "an"
            | "his"
            | "her"
            | "their"
            | "its"
            | "my"
            | "your"
            | "our"
            | "this"
            | "that"
            | "these"
            | "those"
            | "some"
            | "two"
            | "three"
            | "another"
            | "each"
    ) || lower.ends_with("'s")
        || lower.ends_with("’s")
}

#[cfg(test)]
mod tests {
    use super::*;

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
