//! Reads the size of generated media from its header, so results report what
//! the provider actually made rather than what was asked for.

/// Width and height of a PNG, JPEG or WebP image, if the header says.
pub(crate) fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if bytes.starts_with(&[0xff, 0xd8]) {
        return jpeg_size(bytes);
    }
    if bytes.len() >= 30 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return webp_size(bytes);
    }
    None
}

fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xff {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xff {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the size.
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    match &b[12..16] {
        b"VP8X" => {
            let w = 1 + u32::from_le_bytes([b[24], b[25], b[26], 0]);
            let h = 1 + u32::from_le_bytes([b[27], b[28], b[29], 0]);
            Some((w, h))
        }
        b"VP8 " => {
            let w = u32::from(u16::from_le_bytes([b[26], b[27]]) & 0x3fff);
            let h = u32::from(u16::from_le_bytes([b[28], b[29]]) & 0x3fff);
            Some((w, h))
        }
        b"VP8L" => {
            let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        _ => None,
    }
}

/// Duration (ms), width and height of an MP4, from `mvhd` and the first
/// video track's `tkhd`.
pub(crate) fn mp4_info(bytes: &[u8]) -> Option<(u32, u32, u32)> {
    let moov = find_box(bytes, b"moov")?;
    let mvhd = find_box(moov, b"mvhd")?;
    let (timescale, duration) = if mvhd.first() == Some(&1) {
        let ts = u32::from_be_bytes(mvhd.get(20..24)?.try_into().ok()?);
        let d = u64::from_be_bytes(mvhd.get(24..32)?.try_into().ok()?);
        (ts, d)
    } else {
        let ts = u32::from_be_bytes(mvhd.get(12..16)?.try_into().ok()?);
        let d = u64::from(u32::from_be_bytes(mvhd.get(16..20)?.try_into().ok()?));
        (ts, d)
    };
    if timescale == 0 {
        return None;
    }
    let ms = u32::try_from(duration.saturating_mul(1000) / u64::from(timescale)).ok()?;
    let mut rest = moov;
    while let Some((trak, after)) = next_box(rest, b"trak") {
        rest = after;
        if let Some(tkhd) = find_box(trak, b"tkhd") {
            let off = if tkhd.first() == Some(&1) { 88 } else { 76 };
            let w = u32::from_be_bytes(tkhd.get(off..off + 4)?.try_into().ok()?) >> 16;
            let h = u32::from_be_bytes(tkhd.get(off + 4..off + 8)?.try_into().ok()?) >> 16;
            if w > 0 && h > 0 {
                return Some((ms, w, h));
            }
        }
    }
    Some((ms, 0, 0))
}

/// The payload of the first box named `name` among `data`'s top-level boxes.
fn find_box<'a>(data: &'a [u8], name: &[u8; 4]) -> Option<&'a [u8]> {
    next_box(data, name).map(|(payload, _)| payload)
}

/// The payload of the next box named `name`, and the bytes after it.
fn next_box<'a>(mut data: &'a [u8], name: &[u8; 4]) -> Option<(&'a [u8], &'a [u8])> {
    while data.len() >= 8 {
        let size32 = u32::from_be_bytes(data[0..4].try_into().ok()?);
        let (header, size) = match size32 {
            0 => (8, data.len()),
            1 => (
                16,
                usize::try_from(u64::from_be_bytes(data.get(8..16)?.try_into().ok()?)).ok()?,
            ),
            n => (8, usize::try_from(n).ok()?),
        };
        if size < header || size > data.len() {
            return None;
        }
        if &data[4..8] == name {
            return Some((&data[header..size], &data[size..]));
        }
        data = &data[size..];
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 1×1 PNG header claiming `w × h`.
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0]);
        b
    }

    fn boxed(name: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(name);
        b.extend_from_slice(payload);
        b
    }

    /// A minimal MP4 (`ftyp` + `moov` with `mvhd` and one `trak`/`tkhd`).
    pub(crate) fn mp4(duration_ms: u32, w: u32, h: u32) -> Vec<u8> {
        let mut mvhd = vec![0u8; 100];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        mvhd[16..20].copy_from_slice(&duration_ms.to_be_bytes());
        let mut tkhd = vec![0u8; 84];
        tkhd[76..80].copy_from_slice(&(w << 16).to_be_bytes());
        tkhd[80..84].copy_from_slice(&(h << 16).to_be_bytes());
        let trak = boxed(b"trak", &boxed(b"tkhd", &tkhd));
        let mut moov_payload = boxed(b"mvhd", &mvhd);
        moov_payload.extend(trak);
        let mut out = boxed(b"ftyp", b"isom\0\0\0\0");
        out.extend(boxed(b"moov", &moov_payload));
        out
    }

    #[test]
    fn reads_png_and_jpeg_sizes() {
        assert_eq!(image_size(&png(1280, 720)), Some((1280, 720)));
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x02,
            0xd0, 0x05, 0x00, 0x03, 0x01, 0x22, 0x00,
        ];
        assert_eq!(image_size(&jpeg), Some((1280, 720)));
        assert_eq!(image_size(b"GIF89a"), None);
    }

    #[test]
    fn reads_mp4_duration_and_size() {
        let mp4 = mp4(8_000, 1280, 720);
        assert_eq!(mp4_info(&mp4), Some((8_000, 1280, 720)));
        assert_eq!(mp4_info(b"not an mp4"), None);
    }
}
