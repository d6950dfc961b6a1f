//! Text decoding: UTF-8 (with or without BOM), UTF-16 (LE/BE, with a BOM or
//! recognised by its zero bytes) and legacy 8-bit text (Windows-1252, the
//! superset of ISO-8859-1 that real files use).
//!
//! Decoding is a pure function of the bytes; the file name plays no part.
//! Valid UTF-8 is borrowed, not copied, so the common case costs one
//! validation pass.

use std::borrow::Cow;

use crate::error::ReadError;

/// The encoding a text was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16 little-endian.
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
    /// Windows-1252 (ISO-8859-1 with printable characters in 0x80–0x9F).
    Windows1252,
}

/// Decodes `bytes` to text, or says why it is not text.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(match std::str::from_utf8(rest) {
            Ok(s) => (Cow::Borrowed(s), Encoding::Utf8),
            Err(_) => (String::from_utf8_lossy(rest), Encoding::Utf8),
        });
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok((
            Cow::Owned(utf16(rest, u16::from_le_bytes)),
            Encoding::Utf16Le,
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok((
            Cow::Owned(utf16(rest, u16::from_be_bytes)),
            Encoding::Utf16Be,
        ));
    }
    if let Some(enc) = sniff_utf16(bytes) {
        let text = match enc {
            Encoding::Utf16Be => utf16(bytes, u16::from_be_bytes),
            _ => utf16(bytes, u16::from_le_bytes),
        };
        return Ok((Cow::Owned(text), enc));
    }
    check_binary(bytes)?;
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), Encoding::Utf8)),
        Err(_) => Ok((Cow::Owned(windows_1252(bytes)), Encoding::Windows1252)),
    }
}

/// UTF-16 without a BOM: text in a Latin script has a zero byte in every
/// other position. Looks at the first 512 code units.
fn sniff_utf16(bytes: &[u8]) -> Option<Encoding> {
    let n = bytes.len().min(1024) & !1;
    if n < 4 {
        return None;
    }
    let (mut even_zero, mut odd_zero) = (0usize, 0usize);
    for pair in bytes[..n].chunks_exact(2) {
        even_zero += usize::from(pair[0] == 0);
        odd_zero += usize::from(pair[1] == 0);
    }
    let units = n / 2;
    if odd_zero * 10 >= units * 7 && even_zero * 10 <= units {
        Some(Encoding::Utf16Le)
    } else if even_zero * 10 >= units * 7 && odd_zero * 10 <= units {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Rejects bytes that are clearly not text: NUL bytes, or many control
/// characters other than tab, line feed, carriage return and form feed.
fn check_binary(bytes: &[u8]) -> Result<(), ReadError> {
    if let Some(what) = magic(bytes) {
        return Err(ReadError::Binary { what: what.into() });
    }
    let head = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, head).is_some() {
        return Err(ReadError::Binary {
            what: "it contains NUL bytes".into(),
        });
    }
    let controls = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
        .count();
    if controls * 20 > head.len() {
        return Err(ReadError::Binary {
            what: "it is mostly control characters".into(),
        });
    }
    Ok(())
}

/// Well-known signatures of binary formats people drop by mistake.
fn magic(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x03\x04", "a ZIP archive, e.g. .docx or .fadein"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"\x7FELF", "an executable"),
        (b"MZ", "an executable"),
        (b"\xD0\xCF\x11\xE0", "an old Microsoft Office document"),
        (b"{\\rtf", "an RTF document"),
    ];
    SIGNATURES
        .iter()
        .find(|(sig, _)| bytes.starts_with(sig))
        .map(|(_, what)| *what)
}

/// Windows-1252 to UTF-8. The five bytes Windows-1252 leaves undefined map to
/// the C1 controls of the same value, as ISO-8859-1 does.
pub fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 16);
    for &b in bytes {
        match b {
            0x80..=0x9F => out.push(HIGH[usize::from(b - 0x80)]),
            _ => out.push(char::from(b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], text: &str, enc: Encoding) {
        let (got, got_enc) = decode(bytes).unwrap();
        assert_eq!(got, text);
        assert_eq!(got_enc, enc);
    }

    #[test]
    fn utf8_with_and_without_bom() {
        check("Caf\u{e9}".as_bytes(), "Café", Encoding::Utf8);
        check(b"\xEF\xBB\xBFCaf\xC3\xA9", "Café", Encoding::Utf8);
    }

    #[test]
    fn utf16_with_bom_and_by_heuristic() {
        let le: Vec<u8> = "INT. HOUSE\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let be: Vec<u8> = "INT. HOUSE\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        check(&le, "INT. HOUSE\n", Encoding::Utf16Le);
        check(&be, "INT. HOUSE\n", Encoding::Utf16Be);
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&le);
        check(&with_bom, "INT. HOUSE\n", Encoding::Utf16Le);
        let mut with_bom = vec![0xFE, 0xFF];
        with_bom.extend_from_slice(&be);
        check(&with_bom, "INT. HOUSE\n", Encoding::Utf16Be);
    }

    #[test]
    fn latin1_and_windows_1252() {
        check(
            b"14\xB0 \x93quoted\x94 \x80",
            "14° “quoted” €",
            Encoding::Windows1252,
        );
    }

    #[test]
    fn binary_is_refused() {
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(ReadError::Binary { .. })
        ));
        assert!(matches!(decode(b"abc\0def"), Err(ReadError::Binary { .. })));
        assert!(matches!(
            decode(&[1, 2, 3, 4, 5, 6, 7, 8, b'a']),
            Err(ReadError::Binary { .. })
        ));
    }
}
