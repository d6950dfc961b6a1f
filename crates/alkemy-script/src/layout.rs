//! Screenplay elements from lines placed on a page: the shared classifier of
//! the PDF and plain-text readers.
//!
//! A printed screenplay says what each line is by where it starts. Measured
//! in Courier characters from the action margin (1.5"): action and headings
//! at 0, dialogue at 10 (2.5"), parentheticals at 16 (3.1"), cues at 22
//! (3.7"), transitions flush right. The classifier measures each line's
//! column, finds the action margin from the data (the most common small
//! indent, so a stray scene number in the margin does not move it), and
//! assigns kinds with generous bands around the standard stops. Page
//! furniture (page numbers, `(MORE)`, `(CONTINUED)`, the `(CONT'D)` of a
//! speech carried over a page) is dropped and the speech rejoined.

use alkemy_core::{Element, ElementKind, Span};

use crate::fountain::{is_heading, split_scene_number};

/// A line of text as it sits on the page.
#[derive(Debug, Clone)]
pub struct PlacedLine {
    /// The text, trimmed.
    pub text: String,
    /// Start column in characters from the page's left edge (any origin: the
    /// classifier finds the action margin itself).
    pub column: f32,
    /// Source line (plain text) or running printed-line number (PDF).
    pub line: u32,
    /// Page number, from 1.
    pub page: u32,
    /// One or more blank lines came before it on the page.
    pub gap_before: bool,
    /// A number set in the left or right margin beside the line (PDF scene
    /// numbers).
    pub margin_number: Option<String>,
}

/// What a line was classified as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Action,
    Centered,
    Cue,
    Paren,
    Dialogue,
    Transition,
}

fn has_lower(t: &str) -> bool {
    t.chars().any(char::is_lowercase)
}

fn is_caps(t: &str) -> bool {
    t.chars().any(char::is_uppercase) && !has_lower(t)
}

/// Page furniture that is not part of the script.
fn is_furniture(t: &str) -> bool {
    let u = t.trim();
    if u.is_empty() {
        return true;
    }
    let digits = u.trim_end_matches('.');
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    matches!(
        u.to_uppercase().as_str(),
        "(MORE)" | "(CONTINUED)" | "CONTINUED:" | "CONTINUED" | "(CONT'D)" | "(CONT’D)"
    ) || u.to_uppercase().starts_with("CONTINUED: (")
}

/// The action margin: the smallest column that at least a tenth of the
/// lines share (within half a character).
fn action_margin(lines: &[PlacedLine]) -> f32 {
    let mut cols: Vec<f32> = lines.iter().map(|l| l.column).collect();
    cols.sort_by(f32::total_cmp);
    let need = (lines.len() / 10).max(1);
    for (i, &c) in cols.iter().enumerate() {
        let n = cols[i..].iter().take_while(|&&d| d - c <= 0.5).count();
        if n >= need {
            return c;
        }
    }
    cols.first().copied().unwrap_or(0.0)
}

/// Classifies placed lines into elements.
pub fn classify(lines: &[PlacedLine]) -> Vec<Element> {
    let lines: Vec<&PlacedLine> = lines.iter().filter(|l| !is_furniture(&l.text)).collect();
    if lines.is_empty() {
        return Vec::new();
    }
    let owned: Vec<PlacedLine> = lines.iter().map(|&l| l.clone()).collect();
    let margin = action_margin(&owned);
    let mut out: Vec<Element> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::with_capacity(lines.len());
    // The cue of the last speech and whether it may continue on a new page.
    let mut last_cue: Option<String> = None;
    let mut last_page = 0;
    for (i, l) in lines.iter().enumerate() {
        let col = l.column - margin;
        let t = l.text.trim();
        let prev = kinds.last().copied();
        let new_page = l.page != last_page;
        last_page = l.page;
        let in_speech = matches!(prev, Some(Kind::Cue | Kind::Paren | Kind::Dialogue))
            && (!l.gap_before || new_page);
        let next = lines.get(i + 1);
        let next_col = next.map(|n| n.column - margin);
        let next_is_speech = next.is_some_and(|n| !n.gap_before || n.page != l.page)
            && next_col.is_some_and(|c| (4.0..19.0).contains(&c));
        let kind = if col < 4.0 && prev == Some(Kind::Heading) && !l.gap_before {
            // A long heading wrapped onto a second line.
            Kind::Heading
        } else if col < 4.0 {
            let (body, _) = split_scene_number(t);
            let stripped = strip_leading_number(body);
            if is_heading(stripped)
                || (l.margin_number.is_some() && is_caps(stripped) && l.gap_before)
                || is_bare_slug(t, l, next, prev)
            {
                Kind::Heading
            } else if is_caps(t) && t.ends_with("TO:") {
                Kind::Transition
            } else {
                Kind::Action
            }
        } else if col < 13.0 {
            if in_speech {
                Kind::Dialogue
            } else {
                Kind::Action
            }
        } else if col < 19.0 {
            if t.starts_with('(') || (prev == Some(Kind::Paren) && !l.gap_before) {
                Kind::Paren
            } else if in_speech {
                Kind::Dialogue
            } else {
                Kind::Action
            }
        } else if col < 34.0 {
            if is_caps(cue_name(t)) && next_is_speech {
                Kind::Cue
            } else if in_speech && t.starts_with('(') {
                Kind::Paren
            } else {
                Kind::Centered
            }
        } else if is_caps(t) {
            Kind::Transition
        } else {
            Kind::Centered
        };
        // A speech carried over a page: `NAME (CONT'D)` at the top repeats
        // the cue; drop it and keep adding to the speech.
        if kind == Kind::Cue && new_page {
            let name = cue_name(t).trim().to_owned();
            if last_cue.as_deref() == Some(name.as_str())
                && matches!(prev, Some(Kind::Dialogue | Kind::Paren))
                && t.to_uppercase().contains("CONT")
            {
                kinds.push(Kind::Dialogue);
                continue;
            }
        }
        if kind == Kind::Cue {
            last_cue = Some(cue_name(t).trim().to_owned());
        }
        // An action paragraph broken by the page: no sentence end before it.
        if new_page
            && kind == Kind::Action
            && prev == Some(Kind::Action)
            && out.last().is_some_and(|e| !ends_sentence(&e.text))
        {
            let joined = PlacedLine {
                gap_before: false,
                ..(*l).clone()
            };
            push(&mut out, kind, prev, &joined, t);
            kinds.push(kind);
            continue;
        }
        push(&mut out, kind, prev, l, t);
        kinds.push(kind);
    }
    out
}

/// A forced heading in print (`BACK IN THE APARTMENT`): capitals alone at
/// the action margin between blank lines, a few words, no sentence end, not
/// under a cue.
fn is_bare_slug(t: &str, l: &PlacedLine, next: Option<&&PlacedLine>, prev: Option<Kind>) -> bool {
    let words = t.split_whitespace().count();
    is_caps(t)
        && l.gap_before
        && next.is_none_or(|n| n.gap_before || n.page != l.page)
        && (1..=8).contains(&words)
        && !t.ends_with(['.', '!', '?', ':', ',', ';', '-', '"', '…'])
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && !matches!(prev, Some(Kind::Cue))
}

fn ends_sentence(t: &str) -> bool {
    t.trim_end()
        .ends_with(['.', '!', '?', ':', '…', '"', '”', '\'', ')', '-'])
}

/// The cue without extensions.
fn cue_name(t: &str) -> &str {
    match t.find('(') {
        Some(p) => &t[..p],
        None => t,
    }
}

/// `12 INT. HOUSE - DAY 12` → `INT. HOUSE - DAY 12` (typewriter scene numbers).
fn strip_leading_number(t: &str) -> &str {
    match t.split_once(char::is_whitespace) {
        Some((first, rest))
            if first.len() <= 6
                && first.chars().any(|c| c.is_ascii_digit())
                && first
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-') =>
        {
            rest.trim_start()
        }
        _ => t,
    }
}

fn push(out: &mut Vec<Element>, kind: Kind, prev: Option<Kind>, l: &PlacedLine, t: &str) {
    let continues = prev == Some(kind) && !l.gap_before;
    if continues
        && matches!(
            kind,
            Kind::Action | Kind::Dialogue | Kind::Centered | Kind::Paren
        )
        && let Some(last) = out.last_mut()
    {
        last.text
            .push(if kind == Kind::Centered { '\n' } else { ' ' });
        last.text.push_str(t);
        last.span.end_line = l.line;
        return;
    }
    // Dialogue continued over a page break, after a dropped `(CONT'D)` cue.
    if kind == Kind::Dialogue
        && let Some(last) = out.last_mut()
        && last.kind == ElementKind::Dialogue
        && prev == Some(Kind::Dialogue)
    {
        last.text.push(' ');
        last.text.push_str(t);
        last.span.end_line = l.line;
        return;
    }
    let (element_kind, text) = match kind {
        Kind::Heading => {
            let (body, written) = split_scene_number(t);
            let stripped = strip_leading_number(body);
            let mut number = written
                .map(str::to_owned)
                .or_else(|| l.margin_number.clone());
            if number.is_none() && stripped.len() < body.len() {
                number = body.split_whitespace().next().map(str::to_owned);
            }
            // A trailing copy of the number (`… DAY 12`).
            let text = match &number {
                Some(n) => stripped
                    .strip_suffix(n.as_str())
                    .unwrap_or(stripped)
                    .trim_end(),
                None => stripped,
            };
            (ElementKind::SceneHeading { number }, text.to_owned())
        }
        Kind::Action => (ElementKind::Action { centered: false }, t.to_owned()),
        Kind::Centered => (ElementKind::Action { centered: true }, t.to_owned()),
        Kind::Cue => (ElementKind::Character { dual: false }, t.to_owned()),
        Kind::Paren => (ElementKind::Parenthetical, t.to_owned()),
        Kind::Dialogue => (ElementKind::Dialogue, t.to_owned()),
        Kind::Transition => (ElementKind::Transition, t.to_owned()),
    };
    out.push(Element {
        kind: element_kind,
        text,
        span: Span::line(l.line),
    });
}
