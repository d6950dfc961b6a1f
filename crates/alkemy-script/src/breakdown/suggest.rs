//! Element suggestions for the breakdown sheet: capitalised phrases in
//! action that are not characters, and notes, each given a category by the
//! words it contains. They are suggestions: a person confirms them.

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

/// Is this phrase worth suggesting?
pub fn worth_suggesting(phrase: &str) -> bool {
    let letters = phrase.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 3 && !STOP.contains(&phrase)
}

/// The category a phrase's words suggest.
pub fn categorise(phrase: &str) -> ElementCategory {
    let upper = phrase.to_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if any(&VEHICLES) {
        ElementCategory::Vehicle
    } else if any(&SOUNDS) {
        ElementCategory::Sound
    } else if any(&ANIMALS) {
        ElementCategory::Animal
    } else if any(&WARDROBE) {
        ElementCategory::Wardrobe
    } else if any(&EFFECTS) {
        ElementCategory::Effect
    } else {
        ElementCategory::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_get_categories() {
        assert_eq!(categorise("Mom's PORSCHE"), ElementCategory::Vehicle);
        assert_eq!(categorise("A LOUD BANG"), ElementCategory::Sound);
        assert_eq!(categorise("THE CATFISH"), ElementCategory::Animal);
        assert_eq!(categorise("THE RING"), ElementCategory::Sound);
        assert_eq!(categorise("A WEDDING PHOTO"), ElementCategory::Other);
        assert!(!worth_suggesting("CUT TO"));
        assert!(!worth_suggesting("OK"));
        assert!(worth_suggesting("SHOTGUN"));
    }
}
