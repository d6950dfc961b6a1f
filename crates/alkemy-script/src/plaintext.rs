//! Typewriter-layout plain text: a screenplay typed (or exported) with
//! spaces, where indentation says what each line is. Lines are measured in
//! columns (tabs to the next multiple of eight) and handed to the shared
//! [`layout`](crate::layout) classifier.

use alkemy_core::{Screenplay, SourceFormat};

use crate::layout::{self, PlacedLine};

/// Parses typewriter-layout text.
pub fn parse(text: &str) -> Screenplay {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut placed = Vec::new();
    let mut gap = true;
    let mut page = 1;
    for (index, raw) in text.split('\n').enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.contains('\u{0C}') {
            // A form feed starts a new page.
            page += 1;
        }
        let raw = raw.replace('\u{0C}', "");
        if raw.trim().is_empty() {
            gap = true;
            continue;
        }
        let mut column = 0usize;
        for c in raw.chars() {
            match c {
                ' ' => column += 1,
                '\t' => column = (column / 8 + 1) * 8,
                _ => break,
            }
        }
        placed.push(PlacedLine {
            text: raw.trim().to_owned(),
            column: column as f32,
            line: number,
            page,
            gap_before: gap,
            margin_number: None,
        });
        gap = false;
    }
    Screenplay {
        format: SourceFormat::PlainText,
        title_page: Vec::new(),
        elements: layout::classify(&placed),
        diagnostics: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alkemy_core::ElementKind;

    #[test]
    fn indentation_decides_the_element() {
        let sp = parse(
            "EXT. STONEHENGE - NIGHT\n\nA blizzard rages. Snow is\neverywhere.\n\n                      JASON\n                (quietly)\n          How long to the\n          drop-off point?\n\n                                             DISSOLVE TO:\n",
        );
        let got: Vec<(&ElementKind, &str)> = sp
            .elements
            .iter()
            .map(|e| (&e.kind, e.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    &ElementKind::SceneHeading { number: None },
                    "EXT. STONEHENGE - NIGHT"
                ),
                (
                    &ElementKind::Action { centered: false },
                    "A blizzard rages. Snow is everywhere."
                ),
                (&ElementKind::Character { dual: false }, "JASON"),
                (&ElementKind::Parenthetical, "(quietly)"),
                (&ElementKind::Dialogue, "How long to the drop-off point?"),
                (&ElementKind::Transition, "DISSOLVE TO:"),
            ]
        );
        assert_eq!(sp.elements[4].span.start_line, 8);
        assert_eq!(sp.elements[4].span.end_line, 9);
    }
}
