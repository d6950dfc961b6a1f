//! Inline markup: emphasis (`*italic*`, `**bold**`, `***bold italic***`,
//! `_underline_`) and escapes (`\*`, `\_`).
//!
//! Delimiters pair like Markdown's: an opener is followed by a non-space, a
//! closer preceded by one, and both sit on the same line. Unpaired
//! delimiters stay as written, so `He dialed *69 and then *23` keeps its
//! asterisks (the spec's own example). One pass with a stack per delimiter
//! kind: linear in the line length.

/// A delimiter run or an escape found in a line.
#[derive(Clone, Copy)]
struct Mark {
    /// Byte range in the line.
    start: usize,
    end: usize,
    /// Removed from the output.
    drop: bool,
}

/// Appends `line` to `out` with emphasis markers and escape backslashes
/// removed.
pub fn clean_into(line: &str, out: &mut String) {
    let bytes = line.as_bytes();
    if memchr::memchr3(b'*', b'_', b'\\', bytes).is_none() {
        out.push_str(line);
        return;
    }
    let mut marks: Vec<Mark> = Vec::new();
    let mut stacks: [Vec<usize>; 4] = Default::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' && matches!(bytes.get(i + 1), Some(b'*' | b'_' | b'\\')) {
            marks.push(Mark {
                start: i,
                end: i + 1,
                drop: true,
            });
            i += 2;
            continue;
        }
        if b != b'*' && b != b'_' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < bytes.len() && bytes[j] == b {
            j += 1;
        }
        let len = j - i;
        let kind = match (b, len) {
            (b'*', 1..=3) => Some((len - 1) as u8),
            (b'_', 1) => Some(3),
            _ => None,
        };
        if let Some(kind) = kind {
            let before = line[..i].chars().next_back();
            let after = line[j..].chars().next();
            let can_close = before.is_some_and(|c| !c.is_whitespace());
            let can_open = after.is_some_and(|c| !c.is_whitespace());
            let stack = &mut stacks[usize::from(kind)];
            if can_close && let Some(open) = stack.pop() {
                marks[open].drop = true;
                marks.push(Mark {
                    start: i,
                    end: j,
                    drop: true,
                });
            } else if can_open {
                stack.push(marks.len());
                marks.push(Mark {
                    start: i,
                    end: j,
                    drop: false,
                });
            }
        }
        i = j;
    }
    let mut pos = 0;
    for m in marks.iter().filter(|m| m.drop) {
        out.push_str(&line[pos..m.start]);
        pos = m.end;
    }
    out.push_str(&line[pos..]);
}

/// `line` with markup removed, as a new string.
pub fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    clean_into(line, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn emphasis_pairs_are_removed() {
        let cases = [
            ("*italic* text", "italic text"),
            ("**bold**", "bold"),
            ("***both***", "both"),
            ("_under_ line", "under line"),
            ("_**BRICK & STEEL**_", "BRICK & STEEL"),
            ("**bold *and italic* bold**", "bold and italic bold"),
            (
                "He dialed *69 and then *23, and hung up.",
                "He dialed *69 and then *23, and hung up.",
            ),
            ("Steel enters\\*, so \\_ stays", "Steel enters*, so _ stays"),
            ("a ** b", "a ** b"),
            ("unclosed *here", "unclosed *here"),
            ("****four****", "****four****"),
            ("caf\u{e9} *\u{e9}t\u{e9}*", "caf\u{e9} \u{e9}t\u{e9}"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "input {input:?}");
        }
    }
}
