//! Properties that hold for any input: reading never panics, never loses a
//! letter or digit of the text outside markup, and every span points at real
//! lines in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

/// Lines that exercise every Fountain rule: cues, headings, forcing
/// characters, emphasis, notes, transitions, centered text, page breaks,
/// sections, synopses, lyrics, dual markers, title keys and blank lines.
fn fountain_line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-z]{1,8}",
        "[A-Z][a-z]{0,6}",
        "[A-Z]{1,8}",
        "[0-9]{1,3}",
        Just("é".to_owned()),
        Just("Ж".to_owned()),
        Just("日本".to_owned()),
    ];
    let punct = prop_oneof![
        Just(""),
        Just("."),
        Just(","),
        Just(":"),
        Just("!"),
        Just("?"),
        Just("*"),
        Just("**"),
        Just("_"),
        Just("^"),
        Just("("),
        Just(")"),
        Just("'S"),
        Just("\\*"),
    ];
    let prefix = prop_oneof![
        Just(""),
        Just(""),
        Just(""),
        Just("INT. "),
        Just("EXT. "),
        Just("."),
        Just("!"),
        Just("@"),
        Just("~"),
        Just(">"),
        Just("#"),
        Just("##"),
        Just("="),
        Just("["),
        Just("[["),
        Just("   "),
        Just("\t"),
        Just("Title: "),
        Just("Author:"),
    ];
    let suffix = prop_oneof![
        Just(""),
        Just(""),
        Just(""),
        Just(" TO:"),
        Just("<"),
        Just(" ^"),
        Just("]]"),
        Just(" #12A#"),
        Just(" (V.O.)"),
        Just("  "),
    ];
    let text = prop::collection::vec((word, punct), 0..6).prop_map(|ws| {
        ws.into_iter()
            .map(|(w, p)| format!("{w}{p}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    prop_oneof![
        3 => (prefix, text, suffix).prop_map(|(p, t, s)| format!("{p}{t}{s}")),
        1 => Just(String::new()),
        1 => Just("  ".to_owned()),
        1 => Just("===".to_owned()),
    ]
}

fn alnum_counts(s: &str) -> std::collections::BTreeMap<char, usize> {
    let mut m = std::collections::BTreeMap::new();
    for c in s.chars().filter(|c| c.is_alphanumeric()) {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_letter_or_digit_is_lost(lines in prop::collection::vec(fountain_line(), 1..40), ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]) {
        let src = lines.join(ending);
        let Ok(sp) = alkemy_script::read(src.as_bytes(), Some("p.fountain")) else {
            // Only blank input is refused.
            prop_assert!(src.trim().is_empty());
            return Ok(());
        };
        let mut kept = String::new();
        for entry in &sp.title_page {
            kept.push_str(&entry.key);
            for v in &entry.values {
                kept.push_str(v);
            }
        }
        for e in &sp.elements {
            kept.push_str(&e.text);
            if let alkemy_core::ElementKind::SceneHeading { number: Some(n) } = &e.kind {
                kept.push_str(n);
            }
        }
        prop_assert_eq!(alnum_counts(&kept), alnum_counts(&src), "source:\n{}", src);
    }

    #[test]
    fn spans_are_real_lines_in_order(lines in prop::collection::vec(fountain_line(), 1..40)) {
        let src = lines.join("\n");
        if let Ok(sp) = alkemy_script::read(src.as_bytes(), None) {
            let n = u32::try_from(lines.len()).unwrap();
            let mut last = 0;
            for e in &sp.elements {
                prop_assert!(e.span.start_line >= 1 && e.span.start_line <= e.span.end_line && e.span.end_line <= n);
                prop_assert!(e.span.start_line >= last, "out of order");
                last = e.span.start_line;
            }
            let b = alkemy_script::breakdown(&sp);
            prop_assert_eq!(b.stats.scenes as usize, b.scenes.len());
        }
    }

    #[test]
    fn fountain_written_back_reads_the_same(lines in prop::collection::vec(fountain_line(), 1..40)) {
        // Notes closed on their line: an open `[[` would leave note marks in
        // the text, which Fountain cannot spell.
        let src = lines
            .iter()
            .map(|l| match (l.find("[["), l.rfind("]]")) {
                (Some(a), Some(b)) if a < b => l.clone(),
                _ => l.replace("[[", "[").replace("]]", "]"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let first = alkemy_script::fountain::parse(&src);
        // Text holding note or boneyard marks has no Fountain spelling
        // (see `fountain::write`).
        let marks = |t: &str| ["[[", "]]", "/*", "*/"].iter().any(|m| t.contains(m));
        prop_assume!(!first.elements.iter().any(|e| e.kind != alkemy_core::ElementKind::Note && marks(&e.text)));
        prop_assume!(!first.title_page.iter().flat_map(|t| &t.values).any(|v| marks(v)));
        let text = alkemy_script::fountain::write(&first);
        let again = alkemy_script::fountain::parse(&text);
        let content = |s: &alkemy_core::Screenplay| -> Vec<(alkemy_core::ElementKind, String)> {
            s.elements.iter().map(|e| (e.kind.clone(), e.text.clone())).collect()
        };
        prop_assert_eq!(&again.title_page, &first.title_page, "source:\n{}\nwritten:\n{}", src, text);
        prop_assert_eq!(content(&again), content(&first), "source:\n{}\nwritten:\n{}", src, text);
    }

    #[test]
    fn any_bytes_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(sp) = alkemy_script::read(&bytes, None) {
            let _ = alkemy_script::breakdown(&sp);
        }
    }
}
