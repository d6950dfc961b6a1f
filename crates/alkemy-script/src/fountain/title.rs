//! The optional title page: `Key: value` lines at the very start, values that
//! continue on indented lines, ended by the first blank line.

use alkemy_core::TitleEntry;

use super::inline;
use super::lines::{Line, LineKind};

/// Keys every Fountain tool knows; an unknown key needs a value on its line
/// (or indented lines after it), so `FADE IN:` is not a title page.
const KNOWN: [&str; 16] = [
    "title",
    "credit",
    "author",
    "authors",
    "source",
    "draft date",
    "date",
    "contact",
    "contact info",
    "notes",
    "copyright",
    "revision",
    "watermark",
    "font",
    "episode",
    "series",
];

/// Whether `key` is one every Fountain tool knows (compared ignoring case).
pub(crate) fn is_known_key(key: &str) -> bool {
    KNOWN.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Splits `Key: value` when `line` is a title-page key line.
pub(crate) fn key_line(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let mut chars = key.chars();
    let first = chars.next()?;
    if !first.is_alphabetic()
        || key.chars().count() > 40
        || !key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
    {
        return None;
    }
    Some((key.trim(), line[colon + 1..].trim()))
}

fn indented(line: &str) -> bool {
    line.starts_with('\t') || line.starts_with("   ")
}

/// Reads the title page; returns it and the index of the first body line.
pub fn parse(lines: &[Line<'_>]) -> (Vec<TitleEntry>, usize) {
    let Some(first) = lines.iter().position(|l| l.kind != LineKind::Soft) else {
        return (Vec::new(), 0);
    };
    let Some((key, value)) = key_line(&lines[first].text) else {
        return (Vec::new(), 0);
    };
    let next_indented = lines
        .get(first + 1)
        .is_some_and(|l| l.kind == LineKind::Text && indented(&l.text));
    let next_key = lines
        .get(first + 1)
        .is_some_and(|l| key_line(&l.text).is_some());
    let known = is_known_key(key);
    if !(known || !value.is_empty() && next_key || next_indented) {
        return (Vec::new(), 0);
    }
    let mut entries: Vec<TitleEntry> = Vec::new();
    let mut i = first;
    while i < lines.len() {
        let line = &lines[i];
        match line.kind {
            LineKind::Blank => {
                i += 1;
                break;
            }
            LineKind::Soft => {}
            LineKind::Text | LineKind::TwoSpaces => {
                let text: &str = &line.text;
                match (indented(text), key_line(text)) {
                    (false, Some((key, value))) => {
                        let values = if value.is_empty() {
                            Vec::new()
                        } else {
                            vec![inline::clean(value)]
                        };
                        entries.push(TitleEntry {
                            key: key.to_owned(),
                            values,
                        });
                    }
                    (false, None) => {
                        // Neither a key nor indented: the body starts here,
                        // even without a blank line.
                        return (entries, i);
                    }
                    _ => {
                        let value = text.trim();
                        if let Some(entry) = entries.last_mut()
                            && !value.is_empty()
                        {
                            entry.values.push(inline::clean(value));
                        }
                    }
                }
            }
        }
        i += 1;
    }
    (entries, i)
}
