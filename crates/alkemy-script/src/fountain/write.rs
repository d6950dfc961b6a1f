//! [`Screenplay`] to Fountain 1.1 text, whatever format it was read from:
//! how a PDF or FDX script is kept as text (a queued production stores its
//! script as text).
//!
//! Reading the result with [`parse`](super::parse) gives back the same title
//! page and elements (kinds and texts; spans follow the new lines). Elements
//! are written in their plain form when the parser would recognise them so,
//! and forced (`.`, `@`, `!`, `>`) otherwise; `*`, `_` and `\` are escaped
//! so that no text becomes emphasis. What Fountain cannot say is written as
//! close as it allows (see [`write`]).

use std::borrow::Cow;

use alkemy_core::{Element, ElementKind, Screenplay, TitleEntry};

use super::{is_cue, is_heading, is_transition, title, trim};

/// Writes `screenplay` as Fountain.
///
/// A few shapes have no Fountain spelling and come back changed when read
/// again: two dialogue paragraphs in a row under one cue join into one; a
/// dialogue line that is wholly in parentheses becomes a parenthetical; a
/// cue with no dialogue after it, a forced heading that starts with neither
/// a letter nor a digit, and a transition ending in `<` become action; a
/// note of several lines between a cue and its dialogue unmakes the cue; text
/// holding `[[`, `]]` or `/*` is read as a note or boneyard.
pub fn write(screenplay: &Screenplay) -> String {
    let body: usize = screenplay.elements.iter().map(|e| e.text.len() + 8).sum();
    let mut w = Writer {
        out: String::with_capacity(body + 256),
    };
    w.title_page(&screenplay.title_page);
    let elements = &screenplay.elements;
    // Inside a dialogue block (after a cue, until something else), elements
    // follow each other line by line; everything else is a paragraph.
    let mut in_block = false;
    let mut first = true;
    // The last element written that is not a note.
    let mut last: Option<&Element> = None;
    for (i, e) in elements.iter().enumerate() {
        if e.kind == ElementKind::Note && in_block {
            let next = elements[i + 1..]
                .iter()
                .find(|n| n.kind != ElementKind::Note);
            if next.is_some_and(|n| is_block_part(&n.kind)) {
                // A note inside a dialogue block is a line of the block: on
                // the cue's line (a line between a cue and its dialogue
                // would unmake the cue), else a line of its own.
                if last.is_some_and(|l| matches!(l.kind, ElementKind::Character { .. })) {
                    w.out.push(' ');
                } else {
                    w.out.push('\n');
                }
                w.note(&e.text);
                continue;
            }
        }
        // Two lyrics elements in a row were two paragraphs: inside a block
        // they would join. A page break straight under a cue keeps the cue
        // a cue (after a blank line it would be action), and ends the block.
        let continues = in_block
            && match e.kind {
                ElementKind::Lyrics => last.is_none_or(|p| p.kind != ElementKind::Lyrics),
                ElementKind::PageBreak => {
                    last.is_some_and(|p| matches!(p.kind, ElementKind::Character { .. }))
                }
                ref kind => is_block_part(kind),
            };
        if !first {
            // Ends the previous element's last line.
            w.out.push('\n');
        }
        if !continues && (!first || !screenplay.title_page.is_empty()) {
            w.out.push('\n');
        }
        first = false;
        in_block = match e.kind {
            ElementKind::Character { .. } => true,
            ElementKind::PageBreak => false,
            _ => continues,
        };
        w.element(e);
        if e.kind != ElementKind::Note {
            last = Some(e);
        }
    }
    if !first {
        w.out.push('\n');
    }
    // Without a title page, a first line such as `Note: …` would be read as
    // one: a blank line first says the body starts at once.
    if screenplay.title_page.is_empty()
        && w.out
            .lines()
            .next()
            .is_some_and(|l| title::key_line(l).is_some())
    {
        w.out.insert(0, '\n');
    }
    w.out
}

/// Whether an element of `kind` belongs to the dialogue block it follows.
fn is_block_part(kind: &ElementKind) -> bool {
    matches!(
        kind,
        ElementKind::Parenthetical | ElementKind::Dialogue | ElementKind::Lyrics
    )
}

struct Writer {
    out: String,
}

impl Writer {
    /// `Key: value` lines, values of several lines indented below the key
    /// (the blank line that ends the page comes before the body).
    fn title_page(&mut self, entries: &[TitleEntry]) {
        for (i, entry) in entries.iter().enumerate() {
            self.out.push_str(&entry.key);
            self.out.push(':');
            // The first key must be a known one, or have an indented value,
            // for the page to be read as a title page.
            match entry.values.as_slice() {
                [one] if !one.contains('\n') && (i > 0 || title::is_known_key(&entry.key)) => {
                    self.out.push(' ');
                    self.escaped(one);
                    self.out.push('\n');
                }
                values => {
                    self.out.push('\n');
                    // A value of several lines is several indented lines.
                    for line in values.iter().flat_map(|v| v.split('\n')) {
                        self.out.push_str("   ");
                        self.escaped(line.trim());
                        self.out.push('\n');
                    }
                }
            }
        }
    }

    /// One element, without its final line break.
    fn element(&mut self, e: &Element) {
        let text = e.text.as_str();
        match &e.kind {
            ElementKind::SceneHeading { number } => {
                if !is_heading(text) || starts_forced(text) {
                    self.out.push('.');
                }
                self.escaped(text);
                if let Some(n) = number {
                    self.out.push_str(" #");
                    self.out.push_str(n);
                    self.out.push('#');
                }
            }
            ElementKind::Action { centered: false } => self.action(text),
            ElementKind::Action { centered: true } => self.lines(text, |w, line| {
                w.out.push('>');
                w.escaped(line);
                w.out.push('<');
            }),
            ElementKind::Character { dual } => {
                // Judged as written: `BOB^ ^` is no cue without its `@`.
                let written = if *dual {
                    Cow::Owned(format!("{text} ^"))
                } else {
                    Cow::Borrowed(text)
                };
                let natural = is_cue(&written) && !is_heading(text) && !starts_forced(text);
                if !natural {
                    self.out.push('@');
                }
                self.escaped(text);
                if *dual {
                    self.out.push_str(" ^");
                }
            }
            ElementKind::Parenthetical => self.lines(text, |w, line| w.escaped(line)),
            ElementKind::Dialogue => self.lines(text, |w, line| {
                if line.is_empty() {
                    // Two spaces: an empty line that does not end the block.
                    w.out.push_str("  ");
                } else {
                    w.escaped(line);
                }
            }),
            ElementKind::Lyrics => self.lines(text, |w, line| {
                w.out.push('~');
                w.escaped(line);
            }),
            ElementKind::Transition => {
                if !is_transition(text) || starts_forced(text) {
                    self.out.push('>');
                }
                self.escaped(text);
            }
            ElementKind::PageBreak => self.out.push_str("==="),
            ElementKind::Section { depth } => {
                for _ in 0..(*depth).max(1) {
                    self.out.push('#');
                }
                self.out.push(' ');
                self.escaped(text);
            }
            ElementKind::Synopsis => {
                self.out.push_str("= ");
                self.escaped(text);
            }
            ElementKind::Note => self.note(text),
        }
    }

    /// `[[text]]`, an empty line inside as two spaces (a blank line would
    /// end the note).
    fn note(&mut self, text: &str) {
        self.out.push_str("[[");
        self.lines(text, |w, line| {
            w.out.push_str(if line.is_empty() { "  " } else { line });
        });
        self.out.push_str("]]");
    }

    /// An action paragraph, line by line: a line the parser would read as
    /// something else is forced with `!`, an empty line is two spaces.
    fn action(&mut self, text: &str) {
        let single = !text.contains('\n');
        let mut first = true;
        self.lines(text, |w, line| {
            let t = trim(line);
            if t.is_empty() {
                // Two spaces continue a paragraph; one cannot start it.
                w.out.push_str(if first { "!" } else { "  " });
            } else {
                // A paragraph's first line is a heading or a transition when
                // it stands alone, and a cue when lines follow it.
                let forced = starts_forced(t)
                    || (first && single && (is_heading(t) || is_transition(t)))
                    || (first && !single && is_cue(t) && !is_heading(t));
                if forced {
                    w.out.push('!');
                }
                w.escaped(line);
            }
            first = false;
        });
    }

    /// Writes each `\n`-separated line of `text` with `line`, the lines
    /// joined by line breaks.
    fn lines(&mut self, text: &str, mut line: impl FnMut(&mut Self, &str)) {
        for (i, l) in text.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            line(self, l);
        }
    }

    /// `s` with `\`, `*` and `_` escaped, so none of it reads as emphasis.
    fn escaped(&mut self, s: &str) {
        if memchr::memchr3(b'\\', b'*', b'_', s.as_bytes()).is_none() {
            self.out.push_str(s);
            return;
        }
        for c in s.chars() {
            if matches!(c, '\\' | '*' | '_') {
                self.out.push('\\');
            }
            self.out.push(c);
        }
    }
}

/// Whether a line starting like `t` (trimmed) is read by its first
/// character (a forcing mark, a section, a synopsis) or is a page break.
fn starts_forced(t: &str) -> bool {
    let t = trim(t);
    matches!(
        t.as_bytes().first(),
        Some(b'!' | b'@' | b'~' | b'.' | b'>' | b'#' | b'=')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fountain::parse;

    /// The kinds and texts of a screenplay, what writing must keep.
    fn content(s: &Screenplay) -> Vec<(ElementKind, String)> {
        s.elements
            .iter()
            .map(|e| (e.kind.clone(), e.text.clone()))
            .collect()
    }

    fn round_trip(source: &str) {
        let first = parse(source);
        let text = write(&first);
        let again = parse(&text);
        assert_eq!(again.title_page, first.title_page, "{text}");
        assert_eq!(content(&again), content(&first), "{text}");
    }

    #[test]
    fn every_kind_of_element_comes_back() {
        round_trip(
            "Title: Brick & Steel\nCredit: Written by\nAuthor: Stu Maschwitz\n\n\
             EXT. BRICK'S PATIO - DAY #1A#\n\n\
             A gorgeous day. *Italic* and _under_ and \\*literal\\*.\n\
             Still the same paragraph.\n\n\
             .FLASHBACK\n\n\
             BRICK (V.O.)\n(quietly)\nBeer's ready.\n  \nStill him.\n\n\
             STEEL ^\nCold?\n\n\
             @McCLANE\nYippee.\n\n\
             !INT. NOT A HEADING\n\n\
             !SHOUTING\nIn the next line.\n\n\
             >THE END<\n\n\
             CUT TO:\n\n\
             > FADE OUT.\n\n\
             ===\n\n\
             # Act One\n\n\
             ## Part\n\n\
             = A synopsis.\n\n\
             ~Lyric one\n~Lyric two\n\n\
             [[A note of its own]]\n\n\
             BOB [[a note on the cue]]\nHello.\n",
        );
    }

    #[test]
    fn action_that_looks_like_something_else_is_forced() {
        let mut s = parse("");
        for text in [
            "INT. HOUSE - DAY",
            "CUT TO:",
            "BOB",
            "# not a section",
            "= not a synopsis",
            "~ not a lyric",
            "> not a transition",
            "!bang",
            "@at",
            "===",
            ".dot",
            "   indented",
        ] {
            s.elements.push(Element {
                kind: ElementKind::Action { centered: false },
                text: format!("{text}\nBOB"),
                span: alkemy_core::Span::line(1),
            });
        }
        let again = parse(&write(&s));
        assert_eq!(content(&again), content(&s));
    }

    #[test]
    fn cues_headings_and_transitions_that_need_forcing_are_forced() {
        let mut s = parse("");
        let push = |s: &mut Screenplay, kind: ElementKind, text: &str| {
            s.elements.push(Element {
                kind,
                text: text.to_owned(),
                span: alkemy_core::Span::line(1),
            });
        };
        push(
            &mut s,
            ElementKind::SceneHeading { number: None },
            "Montage",
        );
        push(
            &mut s,
            ElementKind::SceneHeading {
                number: Some("12".into()),
            },
            "INT. HOUSE",
        );
        push(&mut s, ElementKind::Character { dual: false }, "Dr. Who");
        push(&mut s, ElementKind::Dialogue, "Hello\n\nThere");
        push(&mut s, ElementKind::Character { dual: true }, "ÉLODIE");
        push(&mut s, ElementKind::Dialogue, "Salut_à *toi*");
        push(&mut s, ElementKind::Transition, "Fade to black.");
        push(&mut s, ElementKind::Transition, "SMASH CUT TO:");
        let again = parse(&write(&s));
        assert_eq!(content(&again), content(&s), "{}", write(&s));
    }
}
