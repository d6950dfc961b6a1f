//! Which format a file is in, decided from its content; the file name only
//! breaks ties.

/// A screenplay file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Fountain markup (also the reading of any other plain text).
    Fountain,
    /// Final Draft XML.
    Fdx,
    /// PDF.
    Pdf,
    /// Typewriter-layout plain text: elements placed by indentation.
    PlainText,
}

impl Format {
    /// The name a script version is stored under (`fountain`, `fdx`,
    /// `pdf`, `text`).
    pub fn stored_name(self) -> &'static str {
        match self {
            Format::Fountain => "fountain",
            Format::Fdx => "fdx",
            Format::Pdf => "pdf",
            Format::PlainText => "text",
        }
    }

    /// The format a stored name says, if it names one.
    pub fn from_stored_name(name: &str) -> Option<Self> {
        [
            Format::Fountain,
            Format::Fdx,
            Format::Pdf,
            Format::PlainText,
        ]
        .into_iter()
        .find(|f| f.stored_name() == name)
    }
}

/// Does this look like a PDF (`%PDF-` within the first kilobyte)?
pub fn is_pdf(bytes: &[u8]) -> bool {
    memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some()
}

/// Picks the format of decoded text.
pub fn detect_text(text: &str, file_name: Option<&str>) -> Format {
    let head = text.trim_start_matches('\u{FEFF}').trim_start();
    if head.starts_with('<') {
        let window = &head[..floor_char_boundary(head, 4096)];
        if window.contains("<FinalDraft") {
            return Format::Fdx;
        }
    }
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    if looks_typewritten(text, ext.as_deref() == Some("txt")) {
        return Format::PlainText;
    }
    Format::Fountain
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Typewriter layout: cues and dialogue are placed by indentation, so many
/// lines start with runs of spaces, and capitalised lines sit far right.
/// Fountain writers do not indent dialogue. `hint` (a `.txt` name) lowers
/// the bar a little.
fn looks_typewritten(text: &str, hint: bool) -> bool {
    let mut lines = 0u32;
    let mut indented = 0u32;
    let mut indented_caps = 0u32;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for end in ends.take(2000) {
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if crate::fountain::trim(line).is_empty() {
            continue;
        }
        lines += 1;
        let lead = line.len() - line.trim_start_matches(' ').len();
        if lead >= 8 {
            indented += 1;
            let t = crate::fountain::trim(line);
            if lead >= 15 && t.chars().any(char::is_uppercase) && !t.chars().any(char::is_lowercase)
            {
                indented_caps += 1;
            }
        }
    }
    if lines == 0 {
        return false;
    }
    let share = if hint { 4 } else { 3 };
    indented * share >= lines && indented_caps >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_content() {
        assert!(is_pdf(b"%PDF-1.4\n..."));
        assert_eq!(
            detect_text(
                "<?xml version=\"1.0\"?>\n<FinalDraft DocumentType=\"Script\">",
                None
            ),
            Format::Fdx
        );
        let typed = "INT. A - DAY\n\nAction here.\n\n                      BOB\n          Hello there.\n\n                      ANN\n          Hi.\n";
        assert_eq!(detect_text(typed, None), Format::PlainText);
        assert_eq!(
            detect_text("INT. A - DAY\n\nBOB\nHello.", Some("x.txt")),
            Format::Fountain
        );
    }
}
