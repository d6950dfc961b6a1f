//! PNG encoding made for drawn pictures (flat colours, straight edges,
//! text): no row filter, and a deflate stream whose only back-references are
//! "same bytes as the pixel to the left" (distance 3) and "same bytes as the
//! row above" (distance one row), coded with deflate's fixed Huffman table.
//!
//! Design: a drawn panel is made of long runs of one colour and of rows that
//! repeat the row above, so finding those two matches is all the LZ77 work
//! needed, and it runs at memory speed (8 bytes compared per step, whole
//! identical rows found with one slice comparison). Photographs compress
//! badly this way, so [`encode_rgb`] falls back to the `png` crate's
//! general encoder when the fast stream is not clearly smaller than the
//! pixels. Any PNG decoder reads the result.

use crate::error::{MediaError, Result};

/// Above this fraction of the raw size the fast stream is deemed a poor fit
/// (a photograph) and the general encoder is used instead.
const FALLBACK_RATIO: f64 = 0.5;

/// Encodes packed RGB rows as PNG: the run encoder for drawn images, the
/// `png` crate's filtered deflate for anything else.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    if width as usize * 3 + 1 > MAX_DISTANCE {
        // Rows too long for "same as the row above" to be a deflate distance.
        return encode_general(width, height, rgb);
    }
    let fast = encode_runs(width, height, rgb)?;
    if (fast.len() as f64) <= rgb.len() as f64 * FALLBACK_RATIO {
        Ok(fast)
    } else {
        encode_general(width, height, rgb)
    }
}

/// The `png` crate's fast settings (`Up` filter, fdeflate).
pub fn encode_general(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(rgb.len() / 8 + 1024);
    let encode_err = |e: png::EncodingError| MediaError::Encode {
        context: format!("{width}x{height} PNG"),
        message: e.to_string(),
    };
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::Up);
        let mut writer = encoder.write_header().map_err(encode_err)?;
        writer.write_image_data(rgb).map_err(encode_err)?;
        writer.finish().map_err(encode_err)?;
    }
    Ok(out)
}

/// Encodes with the run encoder alone (no fallback).
pub fn encode_runs(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    let row = width as usize * 3;
    let stride = row + 1;
    if width == 0 || height == 0 || rgb.len() != row * height as usize {
        return Err(MediaError::param(
            "PNG image",
            format!("{} bytes for {width}x{height} RGB", rgb.len()),
        ));
    }
    if stride > MAX_DISTANCE {
        return Err(MediaError::Limit {
            what: "PNG row length for the run encoder",
            actual: stride as u64,
            limit: MAX_DISTANCE as u64,
        });
    }

    let mut out = Vec::with_capacity(rgb.len() / 16 + 4096);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&height.to_be_bytes());
    // 8 bits per sample, colour type 2 (RGB), deflate, adaptive filtering
    // (every row uses filter 0), no interlace.
    ihdr[8] = 8;
    ihdr[9] = 2;
    write_chunk(&mut out, b"IHDR", &ihdr);

    // IDAT: length patched once the stream is done.
    let idat_at = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    let data_at = out.len();
    // zlib header: deflate, 32 KiB window, fastest level; 0x7801 % 31 == 0.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut bits = BitWriter::new(out);
    // One final block with the fixed Huffman codes.
    bits.put(0b011, 3);
    let up = Distance::new(stride);
    let left = Distance::new(3);
    // The checksum of the raw stream, row by row: a repeated row's own
    // checksum is the previous one's, combined in constant time.
    let mut adler = 1u32;
    let mut row_adler = 1u32;
    let mut h = simd_adler32::Adler32::new();
    let mut prev: &[u8] = &[];
    for cur in rgb.chunks_exact(row) {
        if cur == prev {
            // The whole row again, from its filter byte on.
            bits.matches(stride, up);
        } else {
            h.reset();
            h.write(&[0]);
            h.write(cur);
            row_adler = h.finish();
            bits.literal(0);
            encode_row(&mut bits, cur, prev, up, left);
        }
        adler = adler32_combine(adler, row_adler, stride);
        prev = cur;
    }
    bits.symbol(256);
    let mut out = bits.finish();
    out.extend_from_slice(&adler.to_be_bytes());

    let len = out.len() - data_at;
    let len32 = u32::try_from(len).map_err(|_| MediaError::Limit {
        what: "PNG data size",
        actual: len as u64,
        limit: u64::from(u32::MAX >> 1),
    })?;
    out[idat_at..idat_at + 4].copy_from_slice(&len32.to_be_bytes());
    let crc = crc32fast::hash(&out[idat_at + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    write_chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

const ADLER_MOD: u32 = 65_521;

/// The Adler-32 of `A ++ B` from the checksums of `A` and of `B` (`len_b`
/// bytes long), as zlib's `adler32_combine` computes it.
fn adler32_combine(a: u32, b: u32, len_b: usize) -> u32 {
    let rem = (len_b % ADLER_MOD as usize) as u32;
    let mut sum1 = a & 0xFFFF;
    let mut sum2 = (rem * sum1) % ADLER_MOD;
    sum1 += (b & 0xFFFF) + ADLER_MOD - 1;
    sum2 += (a >> 16) + (b >> 16) + ADLER_MOD - rem;
    if sum1 >= ADLER_MOD {
        sum1 -= ADLER_MOD;
    }
    if sum1 >= ADLER_MOD {
        sum1 -= ADLER_MOD;
    }
    if sum2 >= ADLER_MOD << 1 {
        sum2 -= ADLER_MOD << 1;
    }
    if sum2 >= ADLER_MOD {
        sum2 -= ADLER_MOD;
    }
    sum1 | (sum2 << 16)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Chunks written here are a few bytes long.
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// One row's pixels (after its filter byte): at each position the longer of
/// the run of bytes equal to those one pixel back and the run equal to those
/// one row up, or a literal byte when neither reaches 3. A long run to the
/// left is taken without looking up: it is the cheaper code, and the row
/// above is tried again where it ends.
fn encode_row(bits: &mut BitWriter, cur: &[u8], prev: &[u8], up: Distance, left: Distance) {
    let n = cur.len();
    let mut p = 0;
    while p < n {
        let rest = &cur[p..];
        // A first byte that differs settles a run cheaply: most literals
        // (anti-aliased edges, text) stop there.
        let run_left = if p >= 3 && cur[p] == cur[p - 3] {
            common_prefix(rest, &cur[p - 3..])
        } else {
            0
        };
        let run_up = if prev.is_empty()
            || run_left == rest.len()
            || run_left >= GOOD_LEFT
            || prev[p] != cur[p]
        {
            0
        } else {
            common_prefix(rest, &prev[p..])
        };
        // Ties go left: its distance code has no extra bits.
        let (run, dist) = if run_left >= run_up {
            (run_left, left)
        } else {
            (run_up, up)
        };
        if run >= MIN_MATCH {
            bits.matches(run, dist);
            p += run;
        } else {
            bits.literal(cur[p]);
            p += 1;
        }
    }
}

/// How many leading bytes `a` and `b` share.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    // 32 bytes at a time while equal (vector compares), then 8 to find where.
    for (x, y) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
        let (Ok(x), Ok(y)) = (<[u8; 32]>::try_from(x), <[u8; 32]>::try_from(y)) else {
            break;
        };
        if x != y {
            break;
        }
        i += 32;
    }
    for (x, y) in a[i..].chunks_exact(8).zip(b[i..].chunks_exact(8)) {
        let (Ok(x), Ok(y)) = (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) else {
            break;
        };
        let diff = u64::from_le_bytes(x) ^ u64::from_le_bytes(y);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

const MIN_MATCH: usize = 3;
/// A run to the left this long is taken without trying the row above.
const GOOD_LEFT: usize = 32;
const MAX_MATCH: usize = 258;
const MAX_DISTANCE: usize = 32_768;

/// A distance's fixed code and extra bits, ready to write (5 + up to 13 bits).
#[derive(Clone, Copy)]
struct Distance {
    bits: u32,
    len: u32,
}

impl Distance {
    /// `d` must lie in 1..=32768 (checked by the caller).
    fn new(d: usize) -> Self {
        let d = d as u32;
        // Codes 0-3 are distances 1-4; then each pair of codes doubles the range.
        let (code, extra_len, base) = if d <= 4 {
            (d - 1, 0, d)
        } else {
            let e = 31 - (d - 1).leading_zeros() - 1; // extra bits
            let half = ((d - 1) >> e) & 1;
            (2 * e + 2 + half, e, ((2 + half) << e) + 1)
        };
        let huff = reverse(code, 5);
        Self {
            bits: huff | ((d - base) << 5),
            len: 5 + extra_len,
        }
    }
}

/// The first `len` bits of `code`, reversed (Huffman codes are sent most
/// significant bit first into deflate's least-significant-first stream).
const fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// Fixed literal/length code of symbol `s` (0..=287): (bits reversed, length).
const fn fixed_code(s: u32) -> (u32, u32) {
    if s < 144 {
        (reverse(0x30 + s, 8), 8)
    } else if s < 256 {
        (reverse(0x190 + s - 144, 9), 9)
    } else if s < 280 {
        (reverse(s - 256, 7), 7)
    } else {
        (reverse(0xC0 + s - 280, 8), 8)
    }
}

/// Literal codes, indexed by byte: (bits, length).
static LITERALS: [(u32, u32); 256] = {
    let mut t = [(0, 0); 256];
    let mut i = 0;
    while i < 256 {
        t[i] = fixed_code(i as u32);
        i += 1;
    }
    t
};

/// Match-length codes with their extra bits, indexed by length (3..=258):
/// (bits, length).
static LENGTHS: [(u32, u32); 259] = {
    // Base length and extra bits of symbols 257..=285.
    const BASE: [u32; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const EXTRA: [u32; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    let mut t = [(0, 0); 259];
    let mut sym = 0;
    let mut len = 3;
    while len <= 258 {
        while sym + 1 < 29 && BASE[sym + 1] <= len as u32 {
            sym += 1;
        }
        let (code, code_len) = fixed_code(257 + sym as u32);
        t[len] = (
            code | ((len as u32 - BASE[sym]) << code_len),
            code_len + EXTRA[sym],
        );
        len += 1;
    }
    t
};

/// Deflate's bit order: least significant bit first, into a byte vector.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn new(out: Vec<u8>) -> Self {
        Self { out, acc: 0, n: 0 }
    }

    /// Appends the low `len` bits of `v` (`len` ≤ 32).
    #[inline]
    fn put(&mut self, v: u32, len: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += len;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    #[inline]
    fn literal(&mut self, b: u8) {
        let (v, len) = LITERALS[usize::from(b)];
        self.put(v, len);
    }

    fn symbol(&mut self, s: u32) {
        let (v, len) = fixed_code(s);
        self.put(v, len);
    }

    /// Copies `run` bytes (≥ 3) from `dist` back, as matches of at most 258.
    #[inline]
    fn matches(&mut self, mut run: usize, dist: Distance) {
        while run >= MIN_MATCH {
            // Never leave a tail of 1 or 2 bytes, which no match can carry.
            let take = if run > MAX_MATCH && run - MAX_MATCH < MIN_MATCH {
                MAX_MATCH - MIN_MATCH
            } else {
                run.min(MAX_MATCH)
            };
            let (v, len) = LENGTHS[take];
            // Both fit one write: at most 13 + 18 bits.
            self.put(v | (dist.bits << len), len + dist.len);
            run -= take;
        }
        debug_assert!(
            run == 0,
            "runs are at least 3 bytes and split without tails"
        );
    }

    fn finish(mut self) -> Vec<u8> {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let img = crate::raster::RgbImage::decode(png, "test").unwrap();
        (img.width(), img.height(), img.as_bytes().to_vec())
    }

    /// A small deterministic generator (no dependency needed for tests).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }
    }

    /// A drawn-looking picture: runs of a few colours, rows often repeated,
    /// some noise.
    fn drawn(w: u32, h: u32, seed: u64) -> Vec<u8> {
        let mut rng = Lcg(seed);
        let mut out = Vec::with_capacity((w * h * 3) as usize);
        let mut prev: Vec<u8> = Vec::new();
        for _ in 0..h {
            if !prev.is_empty() && rng.next().is_multiple_of(3) {
                out.extend_from_slice(&prev);
                continue;
            }
            let mut row = Vec::with_capacity((w * 3) as usize);
            while row.len() < (w * 3) as usize {
                let c = [rng.next() as u8 & 0xF0, 40, (rng.next() % 3) as u8 * 100];
                let run = 1 + rng.next() % 40;
                for _ in 0..run {
                    if rng.next().is_multiple_of(17) {
                        row.extend_from_slice(&[rng.next() as u8, 7, 9]);
                    } else {
                        row.extend_from_slice(&c);
                    }
                }
            }
            row.truncate((w * 3) as usize);
            if !prev.is_empty() && rng.next().is_multiple_of(2) {
                // Part of the row above.
                let k = (rng.next() as usize) % row.len();
                row[k..].copy_from_slice(&prev[k..]);
            }
            out.extend_from_slice(&row);
            prev = row;
        }
        out
    }

    #[test]
    fn distance_codes_follow_the_deflate_table() {
        // (distance, code, extra bits, extra value) from RFC 1951 §3.2.5.
        for (d, code, extra, value) in [
            (1, 0, 0, 0),
            (4, 3, 0, 0),
            (5, 4, 1, 0),
            (6, 4, 1, 1),
            (7, 5, 1, 0),
            (13, 7, 2, 0),
            (3073, 23, 10, 0),
            (3841, 23, 10, 768),
            (24577, 29, 13, 0),
            (32768, 29, 13, 8191),
        ] {
            let got = Distance::new(d);
            assert_eq!(got.len, 5 + extra, "distance {d}");
            assert_eq!(got.bits & 31, reverse(code, 5), "distance {d}");
            assert_eq!(got.bits >> 5, value, "distance {d}");
        }
    }

    #[test]
    fn length_codes_follow_the_deflate_table() {
        // (length, symbol, extra bits, extra value).
        for (len, sym, extra, value) in [
            (3, 257, 0, 0),
            (10, 264, 0, 0),
            (12, 265, 1, 1),
            (18, 268, 1, 1),
            (130, 280, 4, 15),
            (227, 284, 5, 0),
            (257, 284, 5, 30),
            (258, 285, 0, 0),
        ] {
            let (code, code_len) = fixed_code(sym);
            let (bits, n) = LENGTHS[len];
            assert_eq!(n, code_len + extra, "length {len}");
            assert_eq!(bits & ((1 << code_len) - 1), code, "length {len}");
            assert_eq!(bits >> code_len, value, "length {len}");
        }
    }

    #[test]
    fn drawn_pictures_round_trip_through_a_png_decoder() {
        let mut sizes = vec![(1, 1), (1, 9), (2, 3), (97, 31), (640, 40)];
        let mut rng = Lcg(99);
        sizes.extend((0..40).map(|_| (1 + rng.next() % 300, 1 + rng.next() % 40)));
        for (seed, (w, h)) in sizes.into_iter().enumerate() {
            let rgb = drawn(w, h, seed as u64);
            let png = encode_runs(w, h, &rgb).unwrap();
            assert_eq!(decode(&png), (w, h, rgb), "{w}x{h}, seed {seed}");
        }
    }

    #[test]
    fn long_runs_and_repeated_rows_split_into_legal_matches() {
        // Runs of every length around the 258-byte limit, in both directions.
        for run_px in [1usize, 2, 85, 86, 87, 171, 172, 1000, 2731] {
            let w = run_px as u32 + 2;
            let mut row = vec![9u8, 8, 7];
            row.extend([200u8, 100, 50].repeat(run_px));
            row.extend([1u8, 2, 3]);
            let rgb = row.repeat(3);
            let png = encode_runs(w, 3, &rgb).unwrap();
            assert_eq!(decode(&png).2, rgb, "run of {run_px} pixels");
        }
        // Byte runs whose lengths are not multiples of a pixel.
        let mut rgb = vec![5u8; 3 * 300];
        rgb[1] = 6;
        rgb[500] = 0;
        let png = encode_runs(300, 1, &rgb).unwrap();
        assert_eq!(decode(&png).2, rgb);
    }

    #[test]
    fn widest_rows_fit_the_deflate_window() {
        let w = crate::raster::MAX_DIMENSION;
        let rgb = drawn(w, 3, 9);
        let png = encode_runs(w, 3, &rgb).unwrap();
        assert_eq!(decode(&png), (w, 3, rgb));
    }

    #[test]
    fn rows_past_the_deflate_window_use_the_general_encoder() {
        let w = 11_000;
        let rgb = drawn(w, 2, 5);
        assert!(encode_runs(w, 2, &rgb).is_err());
        // Wider than an `RgbImage` may be, so compared with the png crate's
        // output rather than decoded.
        assert_eq!(
            encode_rgb(w, 2, &rgb).unwrap(),
            encode_general(w, 2, &rgb).unwrap()
        );
    }

    #[test]
    fn flat_pictures_compress_far_below_their_size() {
        let rgb = [30u8, 60, 90].repeat(1280 * 720);
        let png = encode_runs(1280, 720, &rgb).unwrap();
        assert!(png.len() < 40_000, "{} bytes", png.len());
        assert_eq!(decode(&png).2, rgb);
    }

    #[test]
    fn noise_falls_back_to_the_general_encoder() {
        let mut rng = Lcg(42);
        let rgb: Vec<u8> = (0..64 * 64 * 3).map(|_| rng.next() as u8).collect();
        let fast = encode_runs(64, 64, &rgb).unwrap();
        assert!(fast.len() as f64 > rgb.len() as f64 * FALLBACK_RATIO);
        let png = encode_rgb(64, 64, &rgb).unwrap();
        assert_eq!(png, encode_general(64, 64, &rgb).unwrap());
        assert_eq!(decode(&png).2, rgb);
    }

    #[test]
    fn combined_checksums_equal_the_checksum_of_the_whole() {
        let mut rng = Lcg(7);
        let data: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
        let whole = simd_adler32::adler32(&data.as_slice());
        for cut in [0, 1, 65_521, 70_000, 200_000] {
            let (a, b) = data.split_at(cut);
            let (a, b) = (simd_adler32::adler32(&a), simd_adler32::adler32(&b));
            assert_eq!(
                adler32_combine(a, b, data.len() - cut),
                whole,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn wrong_sizes_are_errors() {
        assert!(encode_runs(0, 1, &[]).is_err());
        assert!(encode_runs(2, 2, &[0; 11]).is_err());
    }
}
