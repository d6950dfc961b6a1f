//! Fountain 1.1: text to [`Screenplay`].
//!
//! Three passes, each linear: [`lines`] splits the text and takes out the
//! boneyard and notes; [`title`] reads the optional title page; the classifier
//! here walks the lines once, deciding each element from the line itself and
//! its neighbours (the spec's "preceded by a blank line" rules), and
//! [`inline`] removes emphasis markup from the text it keeps.

pub mod inline;
pub mod lines;
pub mod title;
mod write;

pub use write::write;

use alkemy_core::screenplay::{Diagnostic, Severity};
use alkemy_core::{Element, ElementKind, Screenplay, SourceFormat, Span};

use lines::{Line, LineKind};

/// Parses Fountain text. Never fails: every line becomes part of some element.
pub fn parse(text: &str) -> Screenplay {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let (lines, notes) = lines::split(text);
    let (title_page, body_start) = title::parse(&lines);
    let mut parser = Classifier {
        lines: &lines,
        // Every element starts on a line with text (notes come after).
        elements: Vec::with_capacity(
            lines.iter().filter(|l| l.kind == LineKind::Text).count() + notes.len(),
        ),
        diagnostics: Vec::new(),
    };
    parser.run(body_start);
    let mut elements = parser.elements;
    if !notes.is_empty() {
        for note in notes {
            elements.push(Element {
                kind: ElementKind::Note,
                text: note.text,
                span: note.span,
            });
        }
        // Stable: an element and a note starting on one line keep that order.
        elements.sort_by_key(|e| e.span.start_line);
    }
    Screenplay {
        format: SourceFormat::Fountain,
        title_page,
        elements,
        diagnostics: parser.diagnostics,
    }
}

struct Classifier<'l, 'a> {
    lines: &'l [Line<'a>],
    elements: Vec<Element>,
    diagnostics: Vec<Diagnostic>,
}

/// Where the classifier stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between elements or in action.
    Normal,
    /// After a character cue, until a blank line.
    Dialogue,
}

impl Classifier<'_, '_> {
    fn is_sep(&self, index: Option<usize>) -> bool {
        match index {
            None => true,
            Some(i) => match self.lines.get(i) {
                None => true,
                Some(l) => matches!(l.kind, LineKind::Blank | LineKind::Soft),
            },
        }
    }

    fn next_is_text(&self, i: usize) -> bool {
        self.lines
            .get(i + 1)
            .is_some_and(|l| l.kind == LineKind::Text)
    }

    fn push(&mut self, kind: ElementKind, text: String, line: u32) {
        self.elements.push(Element {
            kind,
            text,
            span: Span::line(line),
        });
    }

    /// Appends a line to the last element when it is of the same kind and
    /// continues it; returns whether it did.
    fn extend_last(&mut self, want: &ElementKind, line: &str, number: u32) -> bool {
        let Some(last) = self.elements.last_mut() else {
            return false;
        };
        if &last.kind != want {
            return false;
        }
        last.text.push('\n');
        inline::clean_into(line, &mut last.text);
        last.span.end_line = number;
        true
    }

    fn run(&mut self, start: usize) {
        let mut mode = Mode::Normal;
        // Was the previous line a real blank line (or the start)?
        let mut after_blank = true;
        let mut i = start;
        while i < self.lines.len() {
            let line = &self.lines[i];
            let number = line.number;
            match line.kind {
                LineKind::Blank => {
                    mode = Mode::Normal;
                    after_blank = true;
                    i += 1;
                    continue;
                }
                LineKind::Soft => {
                    i += 1;
                    continue;
                }
                LineKind::TwoSpaces => {
                    self.two_spaces(mode, after_blank, number);
                    after_blank = false;
                    i += 1;
                    continue;
                }
                LineKind::Text => {}
            }
            let prev_sep = i == start || self.is_sep(i.checked_sub(1));
            mode = self.classify(i, mode, prev_sep, after_blank);
            after_blank = false;
            i += 1;
        }
    }

    fn two_spaces(&mut self, mode: Mode, after_blank: bool, number: u32) {
        if after_blank {
            return;
        }
        let Some(last) = self.elements.last_mut() else {
            return;
        };
        let continues = match mode {
            Mode::Dialogue => matches!(
                last.kind,
                ElementKind::Dialogue
                    | ElementKind::Parenthetical
                    | ElementKind::Character { .. }
                    | ElementKind::Lyrics
            ),
            Mode::Normal => matches!(last.kind, ElementKind::Action { centered: false }),
        };
        if !continues {
            return;
        }
        if last.kind == ElementKind::Dialogue || matches!(last.kind, ElementKind::Action { .. }) {
            last.text.push('\n');
            last.span.end_line = number;
        } else {
            self.push(ElementKind::Dialogue, String::new(), number);
        }
    }

    /// Classifies line `i` (a text line); returns the mode after it.
    fn classify(&mut self, i: usize, mode: Mode, prev_sep: bool, after_blank: bool) -> Mode {
        let line = &self.lines[i];
        let raw: &str = &line.text;
        let number = line.number;
        let t = trim(raw);

        // Spec: a line of three or more `=` and nothing more is a page
        // break wherever it stands, even straight after dialogue.
        if t.len() >= 3 && t.bytes().all(|b| b == b'=') {
            self.push(ElementKind::PageBreak, String::new(), number);
            return Mode::Normal;
        }
        if mode == Mode::Dialogue {
            self.dialogue_line(t, number);
            return Mode::Dialogue;
        }
        let first = t.as_bytes()[0];
        match first {
            b'!' => {
                let rest = &raw.trim_start()[1..];
                self.action(rest, number, after_blank);
                return Mode::Normal;
            }
            b'@' if self.next_is_text(i) => {
                self.cue(&t[1..], number);
                return Mode::Dialogue;
            }
            b'~' => {
                let text = inline::clean(t[1..].trim());
                if !after_blank && self.extend_last(&ElementKind::Lyrics, t[1..].trim(), number) {
                    return Mode::Normal;
                }
                self.push(ElementKind::Lyrics, text, number);
                return Mode::Normal;
            }
            // Spec: a single period followed by an alphanumeric character
            // forces a heading (`...` and `. x` stay action).
            b'.' if prev_sep && t[1..].chars().next().is_some_and(char::is_alphanumeric) => {
                self.heading(&t[1..], number);
                return Mode::Normal;
            }
            b'>' => {
                if t.len() > 1 && t.ends_with('<') {
                    let inner = t[1..t.len() - 1].trim();
                    if after_blank
                        || !self.extend_last(&ElementKind::Action { centered: true }, inner, number)
                    {
                        self.push(
                            ElementKind::Action { centered: true },
                            inline::clean(inner),
                            number,
                        );
                    }
                } else {
                    self.push(
                        ElementKind::Transition,
                        inline::clean(t[1..].trim()),
                        number,
                    );
                }
                return Mode::Normal;
            }
            b'#' => {
                let depth = t.bytes().take_while(|&b| b == b'#').count();
                let text = inline::clean(t[depth..].trim());
                let depth = u8::try_from(depth).unwrap_or(u8::MAX);
                self.push(ElementKind::Section { depth }, text, number);
                return Mode::Normal;
            }
            b'=' => {
                self.push(ElementKind::Synopsis, inline::clean(t[1..].trim()), number);
                return Mode::Normal;
            }
            _ => {}
        }
        let next_sep = self.is_sep(Some(i + 1));
        if prev_sep && next_sep && is_heading(t) {
            self.heading(t, number);
            return Mode::Normal;
        }
        if prev_sep && next_sep && is_transition(t) {
            self.push(ElementKind::Transition, inline::clean(t), number);
            return Mode::Normal;
        }
        if prev_sep && self.next_is_text(i) && is_cue(t) && !is_heading(t) {
            self.cue(t, number);
            return Mode::Dialogue;
        }
        self.action(raw, number, after_blank);
        Mode::Normal
    }

    fn heading(&mut self, t: &str, number: u32) {
        let (text, scene_number) = split_scene_number(t.trim());
        self.push(
            ElementKind::SceneHeading {
                number: scene_number.map(str::to_owned),
            },
            inline::clean(text),
            number,
        );
    }

    fn cue(&mut self, t: &str, number: u32) {
        let t = t.trim();
        let (name, dual) = match t.strip_suffix('^') {
            Some(rest) => (rest.trim_end(), true),
            None => (t, false),
        };
        if dual
            && !self
                .elements
                .iter()
                .rev()
                .take_while(|e| !matches!(e.kind, ElementKind::SceneHeading { .. }))
                .any(|e| matches!(e.kind, ElementKind::Character { .. }))
        {
            self.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                line: number,
                message: "dual dialogue `^` without a cue before it in the scene".into(),
            });
        }
        self.push(ElementKind::Character { dual }, inline::clean(name), number);
    }

    fn dialogue_line(&mut self, t: &str, number: u32) {
        // Spec: a parenthetical follows a character or dialogue element.
        let after_cue_or_line = self.elements.last().is_some_and(|e| {
            matches!(
                e.kind,
                ElementKind::Character { .. } | ElementKind::Dialogue
            )
        });
        if t.starts_with('(') && t.ends_with(')') && after_cue_or_line {
            self.push(ElementKind::Parenthetical, inline::clean(t), number);
        } else if let Some(lyric) = t.strip_prefix('~') {
            if !self.extend_last(&ElementKind::Lyrics, lyric.trim(), number) {
                self.push(ElementKind::Lyrics, inline::clean(lyric.trim()), number);
            }
        } else if !self.extend_last(&ElementKind::Dialogue, t, number) {
            self.push(ElementKind::Dialogue, inline::clean(t), number);
        }
    }

    /// An action line: joins the paragraph above unless a blank line came
    /// between. Tabs become four spaces (the spec), indentation is kept,
    /// trailing spaces go.
    fn action(&mut self, raw: &str, number: u32, after_blank: bool) {
        let line = raw.trim_end();
        let owned;
        let line = if memchr::memchr(b'\t', line.as_bytes()).is_some() {
            owned = line.replace('\t', "    ");
            owned.as_str()
        } else {
            line
        };
        if !after_blank && self.extend_last(&ElementKind::Action { centered: false }, line, number)
        {
            return;
        }
        self.push(
            ElementKind::Action { centered: false },
            inline::clean(line),
            number,
        );
    }
}

/// `INT.`, `EXT `, `EST.`, `INT./EXT.`, `INT/EXT`, `I/E`, `I./E.` followed by
/// a dot or a space, in any case.
pub fn is_heading(t: &str) -> bool {
    const PREFIXES: [&str; 7] = ["INT./EXT", "INT/EXT", "I./E", "I/E", "INT", "EXT", "EST"];
    let b = t.as_bytes();
    if !matches!(b.first(), Some(b'I' | b'i' | b'E' | b'e')) {
        return false;
    }
    PREFIXES.iter().any(|p| {
        b.len() > p.len()
            && b[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            && matches!(b[p.len()], b'.' | b' ')
    })
}

/// `str::trim`, without decoding characters when both ends are plain ASCII.
pub(crate) fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b < 0x80 && b != 0x0B);
    if plain(t.as_bytes().first()) && plain(t.as_bytes().last()) {
        t
    } else {
        t.trim()
    }
}

/// Upper case and ending in `TO:`.
pub(crate) fn is_transition(t: &str) -> bool {
    t.ends_with("TO:") && !has_lowercase(t)
}

fn has_lowercase(t: &str) -> bool {
    t.chars().any(char::is_lowercase)
}

/// A character cue: the name (before any parenthetical extension) has an
/// upper-case letter and no lower-case one.
pub fn is_cue(t: &str) -> bool {
    let t = t.strip_suffix('^').unwrap_or(t).trim_end();
    let name = match t.find('(') {
        Some(p) => &t[..p],
        None => t,
    };
    name.chars().any(char::is_uppercase)
        && !has_lowercase(name)
        && !t.ends_with("TO:")
        && !t.starts_with('[')
        // The dual marker belongs at the very end, after any extension.
        && !name.contains('^')
}

/// Splits a trailing scene number `#12A#` off a heading.
pub fn split_scene_number(t: &str) -> (&str, Option<&str>) {
    let Some(body) = t.strip_suffix('#') else {
        return (t, None);
    };
    let Some(open) = body.rfind('#') else {
        return (t, None);
    };
    let number = body[open + 1..].trim();
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.'))
    {
        return (t, None);
    }
    (body[..open].trim_end(), Some(number))
}

#[cfg(test)]
mod tests;
