//! Fitting a prompt to a provider's length limit: whole parts are dropped,
//! least important first, and only a part that cannot fit on its own is
//! shortened, between words.

use std::borrow::Cow;

/// A piece of a prompt with its importance (higher is kept longer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'s> {
    /// The text (no leading or trailing separator).
    pub text: Cow<'s, str>,
    /// Importance: parts with lower priority are dropped first; among equals
    /// the later part goes first.
    pub priority: u8,
}

impl<'s> Part<'s> {
    /// A part.
    pub fn new(priority: u8, text: impl Into<Cow<'s, str>>) -> Self {
        Self {
            text: text.into(),
            priority,
        }
    }
}

/// Joins the parts with `sep`, in order, within `limit` characters (Unicode
/// scalar values). Empty parts are skipped.
pub fn fit(parts: &[Part<'_>], sep: &str, limit: usize) -> String {
    // Fast path: bytes bound characters, so a short enough join fits as is.
    let bytes: usize = parts.iter().map(|p| p.text.len() + sep.len()).sum();
    if bytes <= limit && parts.iter().all(|p| !p.text.trim().is_empty()) {
        let mut out = String::with_capacity(bytes);
        for p in parts {
            if !out.is_empty() {
                out.push_str(sep);
            }
            out.push_str(&p.text);
        }
        return out;
    }
    let sep_len = sep.chars().count();
    let lens: Vec<usize> = parts.iter().map(|p| p.text.chars().count()).collect();
    let mut keep: Vec<bool> = parts.iter().map(|p| !p.text.trim().is_empty()).collect();
    let total = |keep: &[bool]| -> usize {
        let (n, chars) = keep
            .iter()
            .zip(&lens)
            .filter(|(k, _)| **k)
            .fold((0usize, 0usize), |(n, c), (_, l)| (n + 1, c + l));
        chars + n.saturating_sub(1) * sep_len
    };
    if total(&keep) > limit {
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|&i| (parts[i].priority, std::cmp::Reverse(i)));
        for &i in &order {
            if total(&keep) <= limit {
                break;
            }
            if !keep[i] {
                continue;
            }
            // Never drop the last part standing: shorten it instead.
            if keep.iter().filter(|k| **k).count() == 1 {
                break;
            }
            keep[i] = false;
        }
    }
    let mut out = String::new();
    for (part, _) in parts.iter().zip(&keep).filter(|(_, k)| **k) {
        if !out.is_empty() {
            out.push_str(sep);
        }
        out.push_str(&part.text);
    }
    if out.chars().count() > limit {
        out = cut_between_words(&out, limit);
    }
    out
}

/// The longest prefix of whole words of `text` within `limit` characters.
pub fn cut_between_words(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count() + usize::from(!out.is_empty());
        if chars + n > limit {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        chars += n;
    }
    // Separators left dangling by the cut read badly: `…, lens,`.
    let trimmed = out.trim_end_matches([',', ';', ':']).len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts<'a>(v: &[(u8, &'a str)]) -> Vec<Part<'a>> {
        v.iter().map(|(p, t)| Part::new(*p, *t)).collect()
    }

    #[test]
    fn keeps_everything_that_fits() {
        let p = parts(&[(9, "medium shot"), (1, "film still")]);
        assert_eq!(fit(&p, ", ", 100), "medium shot, film still");
    }

    #[test]
    fn drops_least_important_first() {
        let p = parts(&[(9, "medium shot"), (1, "film still"), (5, "daylight")]);
        assert_eq!(fit(&p, ", ", 21), "medium shot, daylight");
        assert_eq!(fit(&p, ", ", 12), "medium shot");
    }

    #[test]
    fn a_lone_part_too_long_is_cut_between_words() {
        let p = parts(&[(9, "extreme close-up of a weathered hand")]);
        assert_eq!(fit(&p, ", ", 20), "extreme close-up of");
        assert_eq!(fit(&p, ", ", 3), "");
    }

    /// Parts with their positions.
    type Indexed<'a> = Vec<(usize, &'a Part<'a>)>;

    fn word() -> impl Strategy<Value = String> {
        "[a-zé]{1,9}[,.]?"
    }

    proptest! {
        #[test]
        fn never_over_the_limit_never_mid_word(
            raw in prop::collection::vec((0u8..10, prop::collection::vec(word(), 1..8)), 1..12),
            limit in 0usize..200,
        ) {
            // A marker word makes each part recognisable in the output.
            let parts: Vec<Part> = raw
                .iter()
                .enumerate()
                .map(|(i, (p, w))| Part::new(*p, format!("q{i}x {}", w.join(" "))))
                .collect();
            let out = fit(&parts, ", ", limit);
            prop_assert!(out.chars().count() <= limit, "{} > {limit}", out.chars().count());
            // Every word of the output is a whole word of the input, in order.
            let strip = |w: &str| w.trim_end_matches([',', ';', ':']).to_owned();
            let full: Vec<String> = parts
                .iter()
                .flat_map(|p| p.text.split_whitespace().map(strip))
                .collect();
            let mut at = 0;
            for w in out.split_whitespace() {
                let w = strip(w);
                let found = full[at..].iter().position(|f| *f == w);
                prop_assert!(found.is_some(), "{w:?} is not a whole input word");
                at += found.unwrap_or(0) + 1;
            }
            // Least important first: nothing dropped outranks anything kept.
            let out_words: Vec<String> = out.split_whitespace().map(strip).collect();
            let (kept, dropped): (Indexed<'_>, Indexed<'_>) = parts
                .iter()
                .enumerate()
                .partition(|(i, _)| out_words.contains(&format!("q{i}x")));
            if let (Some(min_kept), Some(max_dropped)) = (
                kept.iter().map(|(_, p)| p.priority).min(),
                dropped.iter().map(|(_, p)| p.priority).max(),
            ) {
                prop_assert!(max_dropped <= min_kept, "dropped priority {max_dropped} but kept {min_kept}");
            }
        }
    }
}
