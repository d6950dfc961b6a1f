//! Every input format on real files: FDX (screenplain's Big Fish export, a
//! Final Draft file, a Fade In export, afterwriting's and rsdoiel's
//! renditions), PDF (afterwriting renders), typewriter plain text, the
//! encodings, and the errors for input that is not a screenplay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alkemy_core::{Beat, Breakdown, ElementKind, Screenplay, SourceFormat};
use alkemy_script::{Limits, ReadError};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/");

fn read(rel: &str) -> Screenplay {
    let bytes = std::fs::read(format!("{FIXTURES}{rel}")).unwrap();
    alkemy_script::read(&bytes, Some(rel)).unwrap()
}

/// Each speech as (speaker, dialogue words), in order.
fn speeches(b: &Breakdown) -> Vec<(String, String)> {
    b.prologue
        .iter()
        .chain(b.scenes.iter().flat_map(|s| &s.beats))
        .filter_map(|beat| match beat {
            Beat::Dialogue { speaker, text, .. } => Some((
                speaker.clone(),
                text.split_whitespace()
                    .map(|w| w.replace(['’', '‘'], "'").replace(['“', '”'], "\""))
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn big_fish_fdx_matches_the_fountain_source() {
    let fdx = read("corpus/features/big-fish.fdx");
    assert_eq!(fdx.format, SourceFormat::Fdx);
    let fdx = alkemy_script::breakdown(&fdx);
    let fountain = alkemy_script::breakdown(&read("corpus/features/big-fish.screenplain.fountain"));
    assert_eq!(fdx.stats.scenes, 190);
    assert_eq!(fdx.stats.speaking_characters, 48);
    assert_eq!(speeches(&fdx), speeches(&fountain));
    let headings = |b: &Breakdown| {
        b.scenes
            .iter()
            .map(|s| s.location.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(headings(&fdx), headings(&fountain));
}

#[test]
fn fdx_files_from_other_tools_match_their_fountain_twins() {
    for base in [
        "corpus/edge-cases/fountain-tools-tests/TestFDX-FD",
        "corpus/edge-cases/fountain-tools-tests/TestFDX-FI",
        "corpus/edge-cases/rsdoiel-samples/sample-01",
        "corpus/edge-cases/rsdoiel-samples/sample-02",
        "corpus/edge-cases/rsdoiel-samples/sample-03",
        "corpus/edge-cases/rsdoiel-samples/sample-04",
        "corpus/edge-cases/rsdoiel-samples/sample-05",
        "corpus/edge-cases/rsdoiel-samples/sample-06",
    ] {
        let fdx = read(&format!("{base}.fdx"));
        let fountain = read(&format!("{base}.fountain"));
        assert_eq!(fdx.format, SourceFormat::Fdx, "{base}");
        let (a, b) = (
            alkemy_script::breakdown(&fdx),
            alkemy_script::breakdown(&fountain),
        );
        assert_eq!(speeches(&a), speeches(&b), "{base}");
        assert_eq!(
            a.scenes.iter().map(|s| &s.heading).collect::<Vec<_>>(),
            b.scenes.iter().map(|s| &s.heading).collect::<Vec<_>>(),
            "{base}"
        );
        assert!(!fdx.title_page.is_empty(), "{base}: title page");
    }
}

#[test]
fn fdx_notes_and_scene_summaries_are_kept() {
    let note = read("corpus/edge-cases/afterwriting-tests/fdx/note.fdx");
    assert!(
        note.elements
            .iter()
            .any(|e| e.kind == ElementKind::Note && e.text.starts_with("Note in action"))
    );
    assert!(note.elements.iter().any(|e| e.text == "Action. Action."));
    let synopsis = alkemy_script::breakdown(&read(
        "corpus/edge-cases/afterwriting-tests/fdx/synopsis.fdx",
    ));
    assert_eq!(
        synopsis.scenes[0].synopsis.as_deref(),
        Some("Here is the synopsis.")
    );
}

/// The PDF reading compared with the script it was printed from.
fn check_pdf_against_source(pdf: &str, source: &str, min_scene_share: f64) {
    let from_pdf = read(pdf);
    assert_eq!(from_pdf.format, SourceFormat::Pdf);
    let (p, s) = (
        alkemy_script::breakdown(&from_pdf),
        alkemy_script::breakdown(&read(source)),
    );
    // Every speech, word for word: no page furniture leaked in, no speech
    // split by a page break.
    assert_eq!(speeches(&p), speeches(&s), "{pdf}");
    assert_eq!(p.stats.speaking_characters, s.stats.speaking_characters);
    assert!(
        f64::from(p.stats.scenes) >= f64::from(s.stats.scenes) * min_scene_share,
        "{pdf}: {} of {} scenes",
        p.stats.scenes,
        s.stats.scenes
    );
    for e in &from_pdf.elements {
        let t = e.text.trim();
        assert!(
            t != "(MORE)"
                && !t.contains("(CONT'D)")
                && !t.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{pdf}: furniture {t:?}"
        );
    }
    // Action words survive (within the odd hyphenation).
    let ratio = f64::from(p.stats.action_words) / f64::from(s.stats.action_words);
    assert!(
        (0.97..=1.03).contains(&ratio),
        "{pdf}: action words {ratio}"
    );
}

#[test]
fn afterwriting_render_of_torn_reads_like_its_source() {
    check_pdf_against_source(
        "corpus/shorts/ifrost-torn.afterwriting-render.pdf",
        "corpus/shorts/ifrost-torn.fountain",
        1.0,
    );
    let sp = read("corpus/shorts/ifrost-torn.afterwriting-render.pdf");
    assert_eq!(sp.title_value("title"), Some("TORN"));
}

#[test]
fn our_afterwriting_render_of_the_last_birthday_card_reads_like_its_source() {
    // Forced headings such as `.A LAND ROVER DEFENDER 90 AND A VOLKSWAGON
    // GTI.` print as ordinary capitals with a full stop: no reader of the
    // printed page can tell them from action, so a few scenes merge.
    check_pdf_against_source(
        "rendered/the-last-birthday-card.afterwriting.pdf",
        "corpus/shorts/the-last-birthday-card.fountain",
        0.85,
    );
}

#[test]
fn typewriter_plain_text_is_read_by_indentation() {
    let sp = read("corpus/shorts/trelby-stonehenge.plaintext.txt");
    assert_eq!(sp.format, SourceFormat::PlainText);
    let b = alkemy_script::breakdown(&sp);
    assert!(b.scenes.len() >= 11);
    assert_eq!(b.scenes[0].heading, "EXT. STONEHENGE - NIGHT");
    let names: Vec<&str> = b
        .characters
        .iter()
        .filter(|c| c.dialogue_blocks > 0)
        .map(|c| c.name.as_str())
        .collect();
    for who in [
        "JASON",
        "KEVIN",
        "SARAH",
        "CAPTAIN",
        "REPORTER",
        "FISHERMAN #1",
        "FISHERMAN #2",
    ] {
        assert!(names.contains(&who), "{who} in {names:?}");
    }
    let sp_text: Vec<&str> = sp
        .elements
        .iter()
        .filter(|e| e.kind == ElementKind::Parenthetical)
        .map(|e| e.text.as_str())
        .collect();
    assert!(sp_text.contains(&"(sadly)"));
    assert!(
        sp.elements
            .iter()
            .any(|e| e.kind == ElementKind::Transition && e.text == "DISSOLVE TO:")
    );
}

#[test]
fn utf16_in_both_byte_orders_with_and_without_bom_reads_the_same() {
    let text = std::fs::read_to_string(format!("{FIXTURES}corpus/shorts/brick-and-steel.fountain"))
        .unwrap();
    let want = alkemy_script::breakdown(&alkemy_script::read(text.as_bytes(), None).unwrap());
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("le", le.clone()),
        ("be", be.clone()),
        ("le+bom", [&[0xFF, 0xFE][..], &le].concat()),
        ("be+bom", [&[0xFE, 0xFF][..], &be].concat()),
    ] {
        let got = alkemy_script::breakdown(&alkemy_script::read(&bytes, None).unwrap());
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn input_that_is_not_a_screenplay_is_refused_with_a_reason() {
    assert_eq!(alkemy_script::read(b"", None), Err(ReadError::Empty));
    assert_eq!(
        alkemy_script::read(b" \n\t\r\n", None),
        Err(ReadError::Empty)
    );
    assert_eq!(
        alkemy_script::read(b"\xEF\xBB\xBF\n", None),
        Err(ReadError::Empty)
    );
    assert!(matches!(
        alkemy_script::read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some("a.fountain")),
        Err(ReadError::Binary { .. })
    ));
    assert!(matches!(
        alkemy_script::read(b"PK\x03\x04\x14\0\0\0", None),
        Err(ReadError::Binary { .. })
    ));
    let big = vec![b'a'; 2048];
    let err = alkemy_script::read_with(&big, None, Limits { max_bytes: 1024 }).unwrap_err();
    assert_eq!(
        err,
        ReadError::TooLarge {
            size: 2048,
            limit: 1024
        }
    );
    assert!(matches!(
        alkemy_script::read(b"%PDF-1.4\n%garbage", None),
        Err(ReadError::Pdf { .. })
    ));
    assert!(matches!(
        alkemy_script::read(
            b"<?xml version=\"1.0\"?><FinalDraft><Content><Paragraph></Content>",
            None
        ),
        Err(ReadError::Fdx { .. })
    ));
    for err in [ReadError::Empty, ReadError::TooLarge { size: 2, limit: 1 }] {
        let msg = err.to_string();
        assert!(!msg.contains('\n') && !msg.ends_with('.'), "{msg}");
    }
}

#[test]
fn a_format_known_beforehand_decides_over_the_content() {
    let bytes = std::fs::read(format!(
        "{FIXTURES}corpus/shorts/trelby-stonehenge.plaintext.txt"
    ))
    .unwrap();
    let as_fountain = alkemy_script::read_as(&bytes, alkemy_script::Format::Fountain).unwrap();
    assert_eq!(as_fountain.format, SourceFormat::Fountain);
    let as_text = alkemy_script::read_as(&bytes, alkemy_script::Format::PlainText).unwrap();
    assert_eq!(as_text.format, SourceFormat::PlainText);
    // The stored names round-trip, and the same checks as `read` apply.
    for f in [
        alkemy_script::Format::Fountain,
        alkemy_script::Format::Fdx,
        alkemy_script::Format::Pdf,
        alkemy_script::Format::PlainText,
    ] {
        assert_eq!(
            alkemy_script::Format::from_stored_name(f.stored_name()),
            Some(f)
        );
    }
    assert!(matches!(
        alkemy_script::read_as(b"  \n ", alkemy_script::Format::Fountain),
        Err(ReadError::Empty)
    ));
}
