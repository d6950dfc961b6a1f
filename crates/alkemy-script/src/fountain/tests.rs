//! Unit tests of the Fountain classifier through one `check` helper: the
//! input and the expected elements as `kind: text` lines.

use super::parse;
use alkemy_core::ElementKind;

/// Renders elements as `kind: text` with `|` for line breaks.
fn render(src: &str) -> Vec<String> {
    parse(src)
        .elements
        .iter()
        .map(|e| {
            let kind = match &e.kind {
                ElementKind::SceneHeading { number: Some(n) } => format!("heading#{n}"),
                ElementKind::SceneHeading { number: None } => "heading".into(),
                ElementKind::Action { centered: true } => "centered".into(),
                ElementKind::Action { centered: false } => "action".into(),
                ElementKind::Character { dual: true } => "cue^".into(),
                ElementKind::Character { dual: false } => "cue".into(),
                ElementKind::Parenthetical => "paren".into(),
                ElementKind::Dialogue => "dialogue".into(),
                ElementKind::Lyrics => "lyrics".into(),
                ElementKind::Transition => "transition".into(),
                ElementKind::PageBreak => "pagebreak".into(),
                ElementKind::Section { depth } => format!("section{depth}"),
                ElementKind::Synopsis => "synopsis".into(),
                ElementKind::Note => "note".into(),
            };
            format!("{kind}: {}", e.text.replace('\n', "|"))
        })
        .collect()
}

fn check(src: &str, want: &[&str]) {
    assert_eq!(render(src), want, "source:\n{src}");
}

#[test]
fn headings_need_blank_lines_around_them() {
    check(
        "INT. HOUSE - DAY\n\nEXT. YARD #12A#\n\nINT. A\nEXT. B\n\n.FORCED\n\n...not\n\ni/e car\n",
        &[
            "heading: INT. HOUSE - DAY",
            "heading#12A: EXT. YARD",
            "action: INT. A|EXT. B",
            "heading: FORCED",
            "action: ...not",
            "heading: i/e car",
        ],
    );
}

#[test]
fn dialogue_with_parentheticals_lyrics_and_two_spaces() {
    check(
        "BOB (V.O.)\n(softly)\nHello\nthere.\n~La la\n  \nStill me.\n\nAction.",
        &[
            "cue: BOB (V.O.)",
            "paren: (softly)",
            "dialogue: Hello|there.",
            "lyrics: La la",
            "dialogue: |Still me.",
            "action: Action.",
        ],
    );
}

#[test]
fn dual_dialogue_and_forced_cue() {
    check(
        "BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n\n@McCLANE\nYippee.",
        &[
            "cue: BRICK",
            "dialogue: Screw retirement.",
            "cue^: STEEL",
            "dialogue: Screw retirement.",
            "cue: McCLANE",
            "dialogue: Yippee.",
        ],
    );
}

#[test]
fn transitions_centered_page_breaks_sections_synopses() {
    check(
        "CUT TO:\n\n> FADE OUT.\n\n>THE END<\n\n===\n\n# Act one\n\n## Seq\n\n= A synopsis.",
        &[
            "transition: CUT TO:",
            "transition: FADE OUT.",
            "centered: THE END",
            "pagebreak: ",
            "section1: Act one",
            "section2: Seq",
            "synopsis: A synopsis.",
        ],
    );
}

#[test]
fn forced_action_keeps_indentation_and_tabs_become_spaces() {
    check(
        "!SCANNING THE HORIZON\n\n\tIndented\n   three",
        &[
            "action: SCANNING THE HORIZON",
            "action:     Indented|   three",
        ],
    );
}

#[test]
fn cue_needs_text_below_and_uppercase_name() {
    check(
        "\nSTEEL\n\nSteel (40s)\nenters.",
        &["action: STEEL", "action: Steel (40s)|enters."],
    );
}

#[test]
fn notes_and_boneyard() {
    check(
        "Before [[inline]] after.\n\n[[Standalone\nnote]]\n\n/* gone\nall */\nEXT. MANSION\n\nEnd.",
        &[
            "action: Before  after.",
            "note: inline",
            "note: Standalone|note",
            "heading: EXT. MANSION",
            "action: End.",
        ],
    );
}

#[test]
fn unclosed_notes_on_many_lines_stay_text_and_a_late_close_makes_one_note() {
    // A paragraph of openers with no `]]` before the blank line is text
    // (this shape once made the reader quadratic: 40,000 lines took a second).
    let open = "[[ open\n".repeat(2_000);
    let sp = parse(&format!("{open}\nAfter."));
    let action: Vec<_> = sp
        .elements
        .iter()
        .filter(|e| matches!(e.kind, ElementKind::Action { .. }))
        .collect();
    assert_eq!(action.len(), 2, "the paragraph and the line after it");
    assert_eq!(action[0].text.matches("[[ open").count(), 2_000);
    assert!(render(&open).iter().all(|e| !e.starts_with("note")));
    // The same openers closed at the end of the paragraph: one note, no text.
    check(
        "[[ a\n[[ b\nc ]]\n\nAfter.",
        &["note: a|[[ b|c", "action: After."],
    );
}

#[test]
fn title_page_with_multi_line_values() {
    let sp = parse("Title:\n    _**BRICK & STEEL**_\n    FULL RETIRED\nCredit: by\n\nFADE IN:");
    assert_eq!(sp.title_page.len(), 2);
    assert_eq!(sp.title_page[0].values, ["BRICK & STEEL", "FULL RETIRED"]);
    assert_eq!(sp.title_value("credit"), Some("by"));
    assert_eq!(sp.elements.len(), 1);
    assert_eq!(sp.elements[0].span.start_line, 6);
}

#[test]
fn fade_in_alone_is_not_a_title_page() {
    let sp = parse("FADE IN:\n\nINT. HOUSE - DAY\n\nQuiet.");
    assert!(sp.title_page.is_empty());
    assert_eq!(render("FADE IN:\n\nQuiet.")[0], "action: FADE IN:");
}

#[test]
fn spans_follow_crlf_cr_and_lf_lines() {
    let sp = parse("\u{feff}INT. A\r\n\r\nBOB\rHi.\rThere.\n\nEnd.");
    let spans: Vec<(u32, u32)> = sp
        .elements
        .iter()
        .map(|e| (e.span.start_line, e.span.end_line))
        .collect();
    assert_eq!(spans, [(1, 1), (3, 3), (4, 5), (7, 7)]);
}
