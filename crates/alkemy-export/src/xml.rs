//! Escaping for XML and HTML text and attribute values.

use std::fmt;

/// Text escaped for XML/HTML content and double- or single-quoted attribute
/// values. Characters that XML 1.0 forbids or HTML reports as parse errors
/// (controls other than tab, newline and carriage return, and Unicode
/// noncharacters) are dropped.
pub(crate) struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if forbidden(c) => "",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

/// Controls (C0 but tab/newline/return, DEL, C1) and noncharacters.
fn forbidden(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7F..=0x9F).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        let s = Escaped("a<b & \"c\" 'd'\u{1}\u{85}\u{FFFF}>é日").to_string();
        assert_eq!(s, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;é日");
    }
}
