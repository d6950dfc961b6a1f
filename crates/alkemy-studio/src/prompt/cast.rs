//! How a character is described in a prompt: the appositive of their
//! introduction in the script (`BRICK BRADDOCK, retired police detective,`),
//! or the trigger word of their trained identity.

use alkemy_core::{Character, IdentityRef};

use crate::text::title_case;

/// Most words taken from an introduction's description.
const MAX_DESCRIPTION_WORDS: usize = 12;

/// The description of a character from their introduction line: their full
/// name as introduced, and the appositive or parenthetical that follows it.
/// Falls back to the name in title case.
pub fn describe(character: &Character) -> String {
    let fallback = || title_case(&character.name);
    let Some(intro) = character.introduction.as_deref() else {
        return fallback();
    };
    let Some(at) = find_name(intro, &character.name) else {
        return fallback();
    };
    // The full name: the cue name plus any further capitalised words
    // (`BRICK` → `BRICK BRADDOCK`); punctuation ends it.
    let mut end = at + character.name.len();
    while let Some(next) = intro[end..].strip_prefix(' ') {
        let word = &next[..next.find(' ').unwrap_or(next.len())];
        let core = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        let caps = core.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && !core.chars().any(char::is_lowercase)
            && core.starts_with(char::is_alphabetic);
        if !caps {
            break;
        }
        end += 1 + core.len();
        if core.len() != word.len() {
            break;
        }
    }
    // And capitalised words just before it (`DICK STEEL` for `STEEL`).
    let mut start = at;
    while let Some(before) = intro[..start].strip_suffix(' ') {
        let from = before.rfind(' ').map_or(0, |i| i + 1);
        let word = &before[from..];
        let caps = word.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && word
                .chars()
                .all(|c| c.is_alphabetic() || c == '.' || c == '\'')
            && !word.chars().any(char::is_lowercase);
        if !caps {
            break;
        }
        start = from;
    }
    let name = title_case(intro[start..end].trim());
    let after = intro[end..].trim_start();
    let detail = if let Some(rest) = after.strip_prefix(',') {
        take_clause(rest, &[',', '.', ';', '—', '(', ':'])
    } else if let Some(rest) = after.strip_prefix('(') {
        rest.split_once(')')
            .map(|(inside, _)| inside.trim().to_owned())
    } else {
        None
    };
    match detail {
        Some(d) if !d.is_empty() => format!("{name}, {d}"),
        _ => name,
    }
}

/// The text up to the first stop character or ` --`, at most
/// [`MAX_DESCRIPTION_WORDS`] words.
fn take_clause(text: &str, stops: &[char]) -> Option<String> {
    let end = text.find(stops).unwrap_or(text.len());
    let end = text[..end].find(" --").unwrap_or(end);
    let clause: Vec<&str> = text[..end]
        .split_whitespace()
        .take(MAX_DESCRIPTION_WORDS)
        .collect();
    (!clause.is_empty()).then(|| clause.join(" "))
}

/// Byte offset of `name` in `text` as a whole word.
fn find_name(text: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

/// How a figure is named in a prompt: the identity's trigger word with the
/// description when an identity exists (the LoRA carries the face, the words
/// carry wardrobe and age), else the description.
pub fn prompt_name(description: &str, identity: Option<&IdentityRef>) -> String {
    match identity {
        Some(id) if !id.trigger.trim().is_empty() => {
            format!("{} ({description})", id.trigger.trim())
        }
        _ => description.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn character(name: &str, intro: Option<&str>) -> Character {
        Character {
            name: name.into(),
            aliases: vec![],
            dialogue_blocks: 0,
            words: 0,
            scenes: vec![],
            first_scene: None,
            introduction: intro.map(str::to_owned),
        }
    }

    #[test]
    fn takes_the_appositive_after_the_full_name() {
        let c = character(
            "BRICK",
            Some("But BRICK BRADDOCK, retired police detective, is sitting quietly."),
        );
        assert_eq!(describe(&c), "Brick Braddock, retired police detective");
        let c = character(
            "STEEL",
            Some("DICK STEEL, his former partner and fellow retiree, emerges."),
        );
        assert_eq!(
            describe(&c),
            "Dick Steel, his former partner and fellow retiree"
        );
    }

    #[test]
    fn takes_a_parenthetical_age() {
        let c = character("EDWARD", Some("EDWARD BLOOM (60s) holds court."));
        assert_eq!(describe(&c), "Edward Bloom, 60s");
    }

    #[test]
    fn falls_back_to_the_name() {
        assert_eq!(describe(&character("DR. BENNETT", None)), "Dr. Bennett");
        assert_eq!(
            describe(&character("JACK", Some("Nobody by that name."))),
            "Jack"
        );
        assert_eq!(
            describe(&character("JACK", Some("JACKIE, no."))),
            "Jack",
            "whole words only"
        );
    }

    #[test]
    fn identity_adds_its_trigger() {
        let id = IdentityRef {
            character: "BRICK".into(),
            lora_url: "https://example.invalid/lora".into(),
            trigger: "brkbrd".into(),
            scale: 1.0,
        };
        assert_eq!(prompt_name("Brick", Some(&id)), "brkbrd (Brick)");
        assert_eq!(prompt_name("Brick", None), "Brick");
    }
}
