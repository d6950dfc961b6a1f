//! Splitting Fountain text into lines (CRLF, CR and LF alike), with the
//! boneyard (`/* … */`) and notes (`[[ … ]]`) taken out of the line text.
//!
//! Lines keep their 1-based number in the source, so every element can say
//! where it came from. A line that held nothing but boneyard or notes becomes
//! [`LineKind::Soft`]: it separates elements like a blank line for the
//! "preceded/followed by a blank line" rules, but does not end a paragraph.
//! Notes are returned separately with their spans.

use std::borrow::Cow;

use alkemy_core::Span;

use crate::masks;

/// What a line is, before classification into screenplay elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Has visible text.
    Text,
    /// Empty or whitespace only: separates paragraphs.
    Blank,
    /// Exactly two spaces: a blank line that does not end dialogue or action.
    TwoSpaces,
    /// Only boneyard or notes: transparent.
    Soft,
}

/// One source line after boneyard and notes were removed.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// The remaining text (tabs kept, line terminator removed).
    pub text: Cow<'a, str>,
    /// 1-based source line number.
    pub number: u32,
    /// Its kind.
    pub kind: LineKind,
}

/// A note found in the text, markup removed.
#[derive(Debug, Clone)]
pub struct Note {
    /// The note's text, lines joined with `\n`.
    pub text: String,
    /// Source lines.
    pub span: Span,
}

/// Splits `text` into raw lines (ended by LF, CR LF or CR), and tells
/// whether it holds a boneyard or note opener (`/*`, `[[`) anywhere: one
/// pass over byte-class masks, a step per line instead of a search per line.
fn raw_lines(text: &str) -> (Vec<&str>, bool) {
    let bytes = text.as_bytes();
    // Scripts average 30 to 40 bytes a line; a little spare room costs
    // less than growing once.
    let mut out = Vec::with_capacity(bytes.len() / 24 + 1);
    let mut start = 0;
    // The last byte of the block before was `/`, or `[`.
    let (mut after_slash, mut after_open) = (0u64, 0u64);
    let mut markup = false;
    for (k, block) in masks::blocks(bytes, 0).enumerate() {
        let [ends, slash, star, open] = masks::masks(&block, |v| {
            [
                masks::eq(v, b'\n') | masks::eq(v, b'\r'),
                masks::eq(v, b'/'),
                masks::eq(v, b'*'),
                masks::eq(v, b'['),
            ]
        });
        markup |= ((slash << 1) | after_slash) & star != 0;
        markup |= ((open << 1) | after_open) & open != 0;
        after_slash = slash >> 63;
        after_open = open >> 63;
        let mut ends = ends;
        while ends != 0 {
            let at = k * masks::BLOCK + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if at < start {
                // The LF of a CR LF already taken.
                continue;
            }
            out.push(&text[start..at]);
            start = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
        }
    }
    if start < bytes.len() {
        out.push(&text[start..]);
    }
    (out, markup)
}

fn kind_of(text: &str) -> LineKind {
    if text == "  " {
        LineKind::TwoSpaces
    } else if super::trim(text).is_empty() {
        LineKind::Blank
    } else {
        LineKind::Text
    }
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Splits `text` into lines with boneyard and notes taken out.
pub fn split(text: &str) -> (Vec<Line<'_>>, Vec<Note>) {
    let (raw, has_markup) = raw_lines(text);
    if !has_markup {
        let lines = raw
            .iter()
            .enumerate()
            .map(|(i, t)| Line {
                text: Cow::Borrowed(*t),
                number: line_number(i),
                kind: kind_of(t),
            })
            .collect();
        return (lines, Vec::new());
    }
    let lines = strip_boneyard(&raw);
    strip_notes(lines)
}

/// Removes `/* … */` (which may span lines, and does not nest).
fn strip_boneyard<'a>(raw: &[&'a str]) -> Vec<Line<'a>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut inside = false;
    for (i, &line) in raw.iter().enumerate() {
        let number = line_number(i);
        if !inside && !line.contains("/*") {
            out.push(Line {
                text: Cow::Borrowed(line),
                number,
                kind: kind_of(line),
            });
            continue;
        }
        let mut kept = String::new();
        let mut rest = line;
        let mut touched = false;
        loop {
            if inside {
                match rest.find("*/") {
                    Some(end) => {
                        inside = false;
                        touched = true;
                        rest = &rest[end + 2..];
                    }
                    None => {
                        touched = true;
                        break;
                    }
                }
            } else {
                match rest.find("/*") {
                    Some(start) => {
                        kept.push_str(&rest[..start]);
                        inside = true;
                        touched = true;
                        rest = &rest[start + 2..];
                    }
                    None => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        let kind = if touched && kept.trim().is_empty() {
            LineKind::Soft
        } else {
            kind_of(&kept)
        };
        out.push(Line {
            text: Cow::Owned(kept),
            number,
            kind,
        });
    }
    out
}

/// Is this line a paragraph separator for notes (notes may not contain one)?
fn ends_note_search(line: &Line<'_>) -> bool {
    line.kind == LineKind::Blank
}

/// Removes `[[ … ]]` notes. A note may span lines but not a blank line (a
/// line of two spaces is allowed, as in the spec). An opening `[[` without a
/// closing `]]` before the next blank line is plain text.
fn strip_notes(mut lines: Vec<Line<'_>>) -> (Vec<Line<'_>>, Vec<Note>) {
    let mut notes = Vec::new();
    // Index of the first blank line at or after which no `]]` was found, so
    // the search is never repeated: linear overall.
    let mut no_close_before: usize = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind == LineKind::Soft || !lines[i].text.contains("[[") {
            i += 1;
            continue;
        }
        // Rebuild this line; a note spanning lines pulls the text after its
        // `]]` up onto this line (the note is as if it were not there).
        let mut kept = String::new();
        let mut cur: String = lines[i].text.clone().into_owned();
        let mut cur_idx = i;
        let mut col = 0usize;
        let mut touched = false;
        loop {
            let rest = &cur[col..];
            let Some(open) = rest.find("[[") else {
                kept.push_str(rest);
                break;
            };
            let close = if cur_idx < no_close_before {
                None
            } else {
                find_close(&lines, cur_idx, &cur, col + open + 2)
            };
            let Some((end_line, end_col)) = close else {
                // Only a search that ran moves the bound: rescanning from
                // every later opener would make a paragraph of unclosed `[[`
                // quadratic.
                if cur_idx >= no_close_before {
                    no_close_before = (cur_idx..lines.len())
                        .find(|&j| ends_note_search(&lines[j]))
                        .unwrap_or(lines.len());
                }
                kept.push_str(rest);
                break;
            };
            kept.push_str(&rest[..open]);
            touched = true;
            let note = collect_note(&lines, cur_idx, &cur, col + open + 2, end_line, end_col);
            notes.push(Note {
                text: note,
                span: Span {
                    start_line: lines[cur_idx].number,
                    end_line: lines[end_line].number,
                },
            });
            if end_line != cur_idx {
                cur = lines[end_line].text.clone().into_owned();
                // Lines after the first that the note covers vanish.
                for inner in lines.iter_mut().take(end_line + 1).skip(i + 1) {
                    inner.text = Cow::Borrowed("");
                    inner.kind = LineKind::Soft;
                }
                cur_idx = end_line;
            }
            col = end_col + 2;
        }
        finish(&mut lines[i], kept, touched);
        i = cur_idx + 1;
    }
    (lines, notes)
}

fn finish(line: &mut Line<'_>, kept: String, touched: bool) {
    line.kind = if touched && kept.trim().is_empty() {
        LineKind::Soft
    } else {
        kind_of(&kept)
    };
    line.text = Cow::Owned(kept);
}

/// Finds the `]]` closing a note opened at (`line`, `col`), stopping at a
/// blank line.
fn find_close(lines: &[Line<'_>], line: usize, cur: &str, col: usize) -> Option<(usize, usize)> {
    if let Some(off) = cur[col..].find("]]") {
        return Some((line, col + off));
    }
    for (j, l) in lines.iter().enumerate().skip(line + 1) {
        if ends_note_search(l) {
            return None;
        }
        if let Some(off) = l.text.find("]]") {
            return Some((j, off));
        }
    }
    None
}

fn collect_note(
    lines: &[Line<'_>],
    start_line: usize,
    cur: &str,
    start_col: usize,
    end_line: usize,
    end_col: usize,
) -> String {
    if start_line == end_line {
        return cur[start_col..end_col].trim().to_owned();
    }
    let mut parts = vec![cur[start_col..].trim()];
    for l in &lines[start_line + 1..end_line] {
        parts.push(l.text.trim());
    }
    parts.push(lines[end_line].text[..end_col].trim());
    parts.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The mask-driven split matches splitting at each LF, CR LF or CR,
        /// and finds the openers wherever they are, block edges included.
        #[test]
        fn raw_lines_split_at_every_line_end(
            // Filler puts the short pieces near the first block's end.
            filler in "[a-z]{0,63}",
            pieces in "([a-z]{1,3}|[a-z]{60,70}|\r\n|\r|\n|/|\\*|\\[|é| ){0,120}"
        ) {
            let text = filler + &pieces;
            let mut want = Vec::new();
            let mut rest = text.as_str();
            while let Some(at) = rest.find(['\r', '\n']) {
                want.push(&rest[..at]);
                rest = rest[at..].strip_prefix("\r\n").unwrap_or(&rest[at + 1..]);
            }
            if !rest.is_empty() {
                want.push(rest);
            }
            let (got, markup) = raw_lines(&text);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(markup, text.contains("/*") || text.contains("[["));
        }
    }

    fn texts(src: &str) -> Vec<(String, LineKind)> {
        split(src)
            .0
            .into_iter()
            .map(|l| (l.text.into_owned(), l.kind))
            .collect()
    }

    #[test]
    fn line_endings_are_all_recognised() {
        let got = texts("a\r\nb\rc\nd");
        let just: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(just, ["a", "b", "c", "d"]);
    }

    #[test]
    fn boneyard_spanning_lines_leaves_soft_lines() {
        let got = texts("keep /* gone\nall gone\nstill */ back\n/* x */");
        assert_eq!(got[0], ("keep ".into(), LineKind::Text));
        assert_eq!(got[1], (String::new(), LineKind::Soft));
        assert_eq!(got[2], (" back".into(), LineKind::Text));
        assert_eq!(got[3].1, LineKind::Soft);
    }

    #[test]
    fn notes_are_taken_out_with_spans() {
        let (lines, notes) =
            split("Before [[one]] after\n[[multi\nline]]\n\nNot [[a note\n\nat all]]");
        assert_eq!(lines[0].text, "Before  after");
        assert_eq!(lines[1].kind, LineKind::Soft);
        assert_eq!(lines[2].kind, LineKind::Soft);
        assert_eq!(lines[4].text, "Not [[a note");
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].text, "one");
        assert_eq!(notes[1].text, "multi\nline");
        assert_eq!(
            notes[1].span,
            Span {
                start_line: 2,
                end_line: 3
            }
        );
    }
}
