//! The industry page model: Courier 12 (10 characters an inch, 6 lines an
//! inch), a fixed number of lines a page, each element wrapped to its
//! standard width, one blank line before most elements, and the usual
//! keep-together rules (a heading never ends a page; a speech splits with
//! `(MORE)` / `(CONT'D)` only when two lines fit on each side; an action
//! paragraph splits only between lines, two on each side).
//!
//! The output is where each element starts (page, line), from which the
//! breakdown takes start pages and eighths: the same arithmetic a breakdown
//! sheet does on the printed script.

use alkemy_core::{Element, ElementKind};

/// Page geometry and element widths, in characters and lines.
#[derive(Debug, Clone, Copy)]
pub struct PageModel {
    /// Body lines on a page.
    pub lines_per_page: u32,
    /// Action and scene-heading width (6.0").
    pub action_width: usize,
    /// Dialogue width (3.5").
    pub dialogue_width: usize,
    /// Parenthetical width.
    pub parenthetical_width: usize,
    /// Blank lines before a scene heading.
    pub heading_space: u32,
}

impl Default for PageModel {
    fn default() -> Self {
        Self {
            lines_per_page: 55,
            action_width: 61,
            dialogue_width: 35,
            parenthetical_width: 26,
            heading_space: 1,
        }
    }
}

/// A position on the printed script: page (1-based) and line (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Page, from 1.
    pub page: u32,
    /// Line on the page, from 0.
    pub line: u32,
}

/// Where each element begins, and where the script ends.
#[derive(Debug, Clone)]
pub struct Layout {
    /// One per element: the position of its first printed line (elements
    /// that do not print take the position of what follows).
    pub starts: Vec<Pos>,
    /// Just past the last printed line.
    pub end: Pos,
}

impl Layout {
    /// Pages the script fills.
    pub fn pages(&self) -> u32 {
        if self.end.line == 0 {
            self.end.page.saturating_sub(1).max(1)
        } else {
            self.end.page
        }
    }
}

/// Number of lines `text` takes wrapped at `width` characters.
pub fn wrapped_lines(text: &str, width: usize) -> u32 {
    let width = width.max(1);
    let mut total = 0u32;
    for para in text.split('\n') {
        let mut lines = 1u32;
        let mut col = 0usize;
        let mut place = |len: usize| {
            let need = if col == 0 { len } else { col + 1 + len };
            if need <= width {
                col = need;
                return;
            }
            if col != 0 {
                lines += 1;
            }
            // A word longer than the line breaks across lines.
            lines += u32::try_from((len - 1) / width).unwrap_or(u32::MAX);
            col = (len - 1) % width + 1;
        };
        if para.is_ascii() {
            let mut len = 0usize;
            for &b in para.as_bytes() {
                if b == b' ' || b == b'\t' || b == b'\r' {
                    if len > 0 {
                        place(len);
                        len = 0;
                    }
                } else {
                    len += 1;
                }
            }
            if len > 0 {
                place(len);
            }
        } else {
            for word in para.split_whitespace() {
                place(word.chars().count());
            }
        }
        total += lines;
    }
    total
}

struct Cursor {
    model: PageModel,
    page: u32,
    line: u32,
}

impl Cursor {
    fn left(&self) -> u32 {
        self.model.lines_per_page.saturating_sub(self.line)
    }

    fn new_page(&mut self) {
        self.page += 1;
        self.line = 0;
    }

    /// Adds blank lines before an element, except at the top of a page.
    fn space(&mut self, n: u32) {
        if self.line > 0 {
            self.line += n;
            if self.line >= self.model.lines_per_page {
                self.new_page();
            }
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            page: self.page,
            line: self.line,
        }
    }

    /// Places `n` lines that may not split.
    fn place_whole(&mut self, n: u32) -> Pos {
        if n > self.left() && self.line > 0 {
            self.new_page();
        }
        let at = self.pos();
        self.advance(n);
        at
    }

    /// Places `n` lines, splitting across pages with at least `min` on each
    /// side and `extra` lines of furniture (`(MORE)` + `(CONT'D)`) per split.
    fn place_split(&mut self, n: u32, min: u32, extra: u32) -> Pos {
        if n <= self.left() {
            let at = self.pos();
            self.line += n;
            return at;
        }
        if (self.left() < min + extra || n < 2 * min) && self.line > 0 {
            self.new_page();
        }
        let at = self.pos();
        let mut rest = n;
        loop {
            let room = self.left();
            if rest <= room {
                self.line += rest;
                break;
            }
            let take = room.saturating_sub(extra).max(1).min(rest);
            rest -= take;
            self.new_page();
            rest += extra.min(1);
        }
        at
    }

    fn advance(&mut self, n: u32) {
        let mut rest = n;
        while rest > 0 {
            let room = self.left().max(1);
            if rest < room {
                self.line += rest;
                break;
            }
            rest -= room;
            self.new_page();
        }
    }
}

/// Lays out the elements on pages.
pub fn layout(elements: &[Element], model: PageModel) -> Layout {
    let mut c = Cursor {
        model,
        page: 1,
        line: 0,
    };
    let mut starts = vec![Pos::default(); elements.len()];
    let mut i = 0;
    // Height of the last left-hand speech, for dual dialogue.
    let mut last_speech = 0u32;
    while i < elements.len() {
        let e = &elements[i];
        match &e.kind {
            ElementKind::SceneHeading { .. } => {
                c.space(model.heading_space);
                let h = wrapped_lines(&e.text, model.action_width);
                // Keep the heading with two lines of what follows.
                if c.left() < h + 3 && c.line > 0 {
                    c.new_page();
                }
                starts[i] = c.place_whole(h);
                i += 1;
            }
            ElementKind::Action { .. } => {
                c.space(1);
                let h = wrapped_lines(&e.text, model.action_width);
                starts[i] = c.place_split(h, 2, 0);
                i += 1;
            }
            ElementKind::Transition => {
                c.space(1);
                starts[i] = c.place_whole(1);
                i += 1;
            }
            ElementKind::Character { dual } => {
                // The speech: cue plus the parentheticals, dialogue and
                // lyrics that follow.
                let mut j = i + 1;
                let mut body = 0u32;
                while j < elements.len() {
                    let w = match elements[j].kind {
                        ElementKind::Parenthetical => model.parenthetical_width,
                        ElementKind::Dialogue | ElementKind::Lyrics => model.dialogue_width,
                        _ => break,
                    };
                    body += wrapped_lines(&elements[j].text, w);
                    j += 1;
                }
                let h = 1 + body;
                if *dual {
                    // Printed beside the left-hand speech.
                    let at = c.pos();
                    c.advance(h.saturating_sub(last_speech));
                    for s in &mut starts[i..j] {
                        *s = at;
                    }
                } else {
                    c.space(1);
                    let at = if h <= c.left() || c.left() < 4 || body < 4 {
                        c.place_whole(h)
                    } else {
                        c.place_split(h, 2, 2)
                    };
                    for s in &mut starts[i..j] {
                        *s = at;
                    }
                    last_speech = h;
                }
                i = j;
            }
            ElementKind::Parenthetical | ElementKind::Dialogue | ElementKind::Lyrics => {
                // Outside a speech (a lyric on its own, say).
                c.space(1);
                starts[i] = c.place_split(wrapped_lines(&e.text, model.dialogue_width), 2, 0);
                i += 1;
            }
            ElementKind::PageBreak => {
                if c.line > 0 {
                    c.new_page();
                }
                starts[i] = c.pos();
                i += 1;
            }
            ElementKind::Section { .. } | ElementKind::Synopsis | ElementKind::Note => {
                starts[i] = c.pos();
                i += 1;
            }
        }
    }
    Layout {
        starts,
        end: c.pos(),
    }
}

/// Eighths of a page between two positions: each page's part is rounded to
/// the nearest eighth, and a scene is at least one eighth.
pub fn eighths(from: Pos, to: Pos, lines_per_page: u32) -> u32 {
    let per = f64::from(lines_per_page.max(1));
    let part = |lines: u32| (f64::from(lines) * 8.0 / per).round() as u32;
    let total = if to.page <= from.page {
        part(to.line.saturating_sub(from.line))
    } else {
        let first = part(lines_per_page.saturating_sub(from.line));
        let middle = (to.page - from.page - 1) * 8;
        first + middle + part(to.line)
    };
    total.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_lines_like_a_typewriter() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("aaaa bbbb", 9), 1);
        assert_eq!(wrapped_lines("aaaa bbbbb", 9), 2);
        assert_eq!(wrapped_lines("one\ntwo\n", 10), 3);
        assert_eq!(wrapped_lines(&"x".repeat(25), 10), 3);
    }

    #[test]
    fn eighths_follow_the_printed_page() {
        let p = |page, line| Pos { page, line };
        assert_eq!(eighths(p(1, 0), p(2, 0), 55), 8);
        assert_eq!(eighths(p(1, 0), p(1, 7), 55), 1);
        assert_eq!(eighths(p(1, 10), p(1, 11), 55), 1);
        assert_eq!(eighths(p(1, 27), p(3, 27), 55), 16);
    }
}
