//! Character cues: the canonical name of the person speaking and the
//! extensions written after it.
//!
//! `EDWARD (V.O.)(CONT’D)` → `EDWARD` with `["V.O.", "CONT'D"]`; a forced
//! `@McCLANE` → `MCCLANE`. Whether `EDWARD'S VOICE` is Edward is decided by
//! the breakdown, which knows every cue in the script.

/// A cue taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// The name: upper case, single spaces, extensions removed.
    pub name: String,
    /// Extensions in order, upper case, straight apostrophes.
    pub extensions: Vec<String>,
}

/// Takes a cue apart.
pub fn parse(text: &str) -> Cue {
    let mut name = String::new();
    let extensions = parse_into(text, &mut name);
    Cue { name, extensions }
}

/// [`parse`] writing the name into a reused buffer; returns the extensions.
pub fn parse_into(text: &str, name: &mut String) -> Vec<String> {
    name.clear();
    let t = text.trim();
    let t = t.strip_prefix('@').unwrap_or(t);
    let t = t.strip_suffix('^').unwrap_or(t).trim();
    let mut extensions = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('(') {
        push_words(name, &rest[..open]);
        let after = &rest[open + 1..];
        match after.find(')') {
            Some(close) => {
                let ext = normalise_extension(&after[..close]);
                if !ext.is_empty() {
                    extensions.push(ext);
                }
                rest = &after[close + 1..];
            }
            None => {
                let ext = normalise_extension(after);
                if !ext.is_empty() {
                    extensions.push(ext);
                }
                rest = "";
            }
        }
    }
    push_words(name, rest);
    // `BOB CONT'D` without parentheses.
    for suffix in [" CONT'D", " CONT’D", " CONTD"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            let len = stripped.len();
            name.truncate(len);
            extensions.push("CONT'D".into());
        }
    }
    extensions
}

/// Appends the words of `s` (split as by `str::split_whitespace`) in upper
/// case, single-spaced.
pub(super) fn push_words(out: &mut String, s: &str) {
    // ASCII without vertical tabs (whitespace to `char`, not to `u8`) splits
    // the same on ASCII whitespace, without decoding characters.
    if s.is_ascii() && !s.contains('\u{b}') {
        push_upper(out, s.split_ascii_whitespace());
    } else {
        push_upper(out, s.split_whitespace());
    }
}

fn push_upper<'a>(out: &mut String, words: impl Iterator<Item = &'a str>) {
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_uppercase();
        } else {
            out.push_str(&word.to_uppercase());
        }
    }
}

fn normalise_extension(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_words(&mut out, s);
    let out = out.replace(['’', '‘'], "'");
    match out.as_str() {
        "CONT" | "CONT." | "CONTD" | "CONT’D" | "CONTINUED" | "CONT'" => "CONT'D".into(),
        _ => out,
    }
}

/// The owner of a `NAME'S VOICE` cue: `NAME`.
pub fn voice_owner(name: &str) -> Option<&str> {
    for suffix in ["'S VOICE", "’S VOICE"] {
        if let Some(owner) = name.strip_suffix(suffix) {
            let owner = owner.trim_end();
            if !owner.is_empty() {
                return Some(owner);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_taken_apart() {
        let c = parse("EDWARD (V.O.)(CONT’D)");
        assert_eq!(c.name, "EDWARD");
        assert_eq!(c.extensions, ["V.O.", "CONT'D"]);
        assert_eq!(parse("@McCLANE").name, "MCCLANE");
        assert_eq!(parse("STEEL ^").name, "STEEL");
        let c = parse("  DR.  BENNETT (cont.) ");
        assert_eq!(c.name, "DR. BENNETT");
        assert_eq!(c.extensions, ["CONT'D"]);
        assert_eq!(parse("BOB CONT'D").extensions, ["CONT'D"]);
        assert_eq!(parse("ГОЛОС (З.К.)").name, "ГОЛОС");
    }

    #[test]
    fn voice_owner_is_found() {
        assert_eq!(voice_owner("EDWARD’S VOICE"), Some("EDWARD"));
        assert_eq!(voice_owner("A MAN'S VOICE"), Some("A MAN"));
        assert_eq!(voice_owner("VOICE"), None);
    }

    proptest::proptest! {
        #[test]
        fn words_are_upper_cased_as_chars_are(
            s in "([a-zA-Z' .\t\n\u{b}]|é|ß|ﬀ|\u{a0}|\u{3000}|’){0,40}"
        ) {
            let mut want = String::new();
            for word in s.split_whitespace() {
                if !want.is_empty() {
                    want.push(' ');
                }
                want.extend(word.chars().flat_map(char::to_uppercase));
            }
            let mut got = String::new();
            push_words(&mut got, &s);
            proptest::prop_assert_eq!(got, want);
        }
    }
}
