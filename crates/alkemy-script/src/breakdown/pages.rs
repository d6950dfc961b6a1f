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

use super::bytes::count_words;
use crate::masks;

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

/// What the page model and the word counts need of one element's text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Printed lines, wrapped at the element's width.
    pub lines: u32,
    /// Words.
    pub words: u32,
}

/// Number of lines `text` takes wrapped at `width` characters.
pub fn wrapped_lines(text: &str, width: usize) -> u32 {
    measure(text, width).lines
}

/// Lines and words of `text` wrapped at `width` characters, in one pass.
///
/// Words are separated by ASCII spaces, tabs, carriage returns and form
/// feeds (a no-break space joins, as its name says); each `\n` starts a new
/// paragraph. A word is as wide as its characters; one longer than the line
/// breaks across lines, as a typewriter would.
pub fn measure(text: &str, width: usize) -> Measure {
    let width = width.max(1);
    let bytes = text.as_bytes();
    if bytes.len() <= width && memchr::memchr(b'\n', bytes).is_none() {
        // Fits on one line whatever its spacing.
        return Measure {
            lines: 1,
            words: count_words(bytes),
        };
    }
    let mut total = 0u32;
    let mut words = 0u32;
    let mut para = Paragraph::new(width);
    // Characters before the current block, and where the word being read
    // began (in characters).
    let mut before = 0usize;
    let mut start = 0usize;
    // 1 when the block before ended inside a word.
    let mut carry = 0u64;
    // Word by word from the block's masks: a word starts at a byte that is
    // no separator after one that is, and ends at the separator after it.
    // The padding of the last block (spaces) ends the last word.
    for block in masks::blocks(bytes, b' ') {
        let [newline, sep, cont] = masks::masks(&block, |v| {
            [masks::eq(v, b'\n'), masks::space(v), masks::continuation(v)]
        });
        let in_word = !sep;
        let after_word = (in_word << 1) | carry;
        let starts = in_word & !after_word;
        let ends = sep & after_word;
        // Characters before the byte `bit` marks: its index, less the
        // bytes before it that continue a character (none in ASCII).
        let char_at = |bit: u64| {
            let at = before + bit.trailing_zeros() as usize;
            if cont == 0 {
                at
            } else {
                at - (cont & (bit - 1)).count_ones() as usize
            }
        };
        // The last start bit below `bit`, if any.
        let last_start = |below: u64| (below != 0).then(|| 1u64 << (63 - below.leading_zeros()));
        let mut events = ends | newline;
        while events != 0 {
            let bit = events & events.wrapping_neg();
            events ^= bit;
            if ends & bit != 0 {
                // The word began at the last start before its end; with no
                // start before it in this block, it began in a block before.
                if let Some(began) = last_start(starts & (bit - 1)) {
                    start = char_at(began);
                }
                para.place(char_at(bit) - start);
                words += 1;
            }
            if newline & bit != 0 {
                total += para.lines;
                para = Paragraph::new(width);
            }
        }
        carry = in_word >> 63;
        if carry == 1
            && let Some(began) = last_start(starts)
        {
            // A word left open began in this block.
            start = char_at(began);
        }
        before += masks::BLOCK;
        if cont != 0 {
            before -= cont.count_ones() as usize;
        }
    }
    Measure {
        lines: total + para.lines,
        words,
    }
}

/// A paragraph being wrapped word by word.
struct Paragraph {
    width: usize,
    /// Lines so far.
    lines: u32,
    /// Characters on the current line.
    col: usize,
}

impl Paragraph {
    fn new(width: usize) -> Self {
        Self {
            width,
            lines: 1,
            col: 0,
        }
    }

    /// Places a word of `len` characters.
    #[inline]
    fn place(&mut self, len: usize) {
        let need = if self.col == 0 {
            len
        } else {
            self.col + 1 + len
        };
        if need <= self.width {
            self.col = need;
            return;
        }
        if self.col != 0 {
            self.lines += 1;
        }
        if len <= self.width {
            self.col = len;
            return;
        }
        // A word longer than the line breaks across lines.
        self.lines += u32::try_from((len - 1) / self.width).unwrap_or(u32::MAX);
        self.col = (len - 1) % self.width + 1;
    }
}

/// Measures every element at its printed width (elements that do not wrap,
/// such as cues and transitions, count one line).
pub fn measure_all(elements: &[Element], model: PageModel) -> Vec<Measure> {
    elements
        .iter()
        .map(|e| {
            let width = match e.kind {
                ElementKind::SceneHeading { .. } | ElementKind::Action { .. } => model.action_width,
                ElementKind::Parenthetical => model.parenthetical_width,
                ElementKind::Dialogue | ElementKind::Lyrics => model.dialogue_width,
                ElementKind::Character { .. }
                | ElementKind::Transition
                | ElementKind::PageBreak
                | ElementKind::Section { .. }
                | ElementKind::Synopsis
                | ElementKind::Note => {
                    return Measure {
                        lines: 1,
                        words: count_words(e.text.as_bytes()),
                    };
                }
            };
            measure(&e.text, width)
        })
        .collect()
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

/// Lays out the elements on pages, given their [`measure_all`].
pub fn layout(elements: &[Element], measures: &[Measure], model: PageModel) -> Layout {
    let lines_of = |i: usize| measures.get(i).map_or(1, |m| m.lines);
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
                let h = lines_of(i);
                // Keep the heading with two lines of what follows.
                if c.left() < h + 3 && c.line > 0 {
                    c.new_page();
                }
                starts[i] = c.place_whole(h);
                i += 1;
            }
            ElementKind::Action { .. } => {
                c.space(1);
                starts[i] = c.place_split(lines_of(i), 2, 0);
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
                while j < elements.len()
                    && matches!(
                        elements[j].kind,
                        ElementKind::Parenthetical | ElementKind::Dialogue | ElementKind::Lyrics
                    )
                {
                    body += lines_of(j);
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
                starts[i] = c.place_split(lines_of(i), 2, 0);
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
        assert_eq!(
            measure(&"x".repeat(128), 10),
            Measure {
                lines: 13,
                words: 1
            }
        );
        assert_eq!(
            measure(&"xyz ".repeat(16), 7),
            Measure {
                lines: 8,
                words: 16
            }
        );
    }

    /// Greedy wrapping written the obvious way, word by word.
    fn reference(text: &str, width: usize) -> Measure {
        let mut m = Measure::default();
        for para in text.split('\n') {
            let mut lines = 1;
            let mut col = 0;
            for word in para
                .split([' ', '\t', '\r', '\x0C'])
                .filter(|w| !w.is_empty())
            {
                m.words += 1;
                let mut len = word.chars().count();
                if col > 0 && col + 1 + len <= width {
                    col += 1 + len;
                    continue;
                }
                if col > 0 {
                    lines += 1;
                }
                while len > width {
                    lines += 1;
                    len -= width;
                }
                col = len;
            }
            m.lines += lines;
        }
        m
    }

    proptest::proptest! {
        #[test]
        fn long_texts_wrap_like_a_typewriter(
            text in "([a-z]{1,70}|é|’|\u{a0}| |  |\t|\n|\r|\x0C){0,120}|([a-z]{1,70}| |  |\n){0,120}",
            width in 1usize..70
        ) {
            proptest::prop_assert_eq!(measure(&text, width), reference(&text, width));
        }

        #[test]
        fn measure_wraps_like_a_typewriter(
            text in "([a-z]{1,12}|é|’|\u{a0}| |  |\t|\n){0,40}|([a-z]{1,12}| |  |\n){0,40}",
            width in 1usize..20
        ) {
            proptest::prop_assert_eq!(measure(&text, width), reference(&text, width));
        }
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
