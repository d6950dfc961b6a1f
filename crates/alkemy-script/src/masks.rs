//! Byte classes of a text as bit masks, 64 bytes at a time: bit `k` of a
//! mask is set when byte `k` of the block is in the class.
//!
//! The masks come from 16-byte vector compares (`wide`, SSE2 on every
//! x86-64, NEON or scalar elsewhere), about one instruction a byte; what
//! follows then works a word or a pause at a time (`trailing_zeros`,
//! `count_ones`) instead of a byte at a time.

use wide::u8x16;

/// Bytes in a block.
pub const BLOCK: usize = 64;

/// Block `k` of `text` (its bytes from `k * BLOCK`), padded with `pad`
/// past the end of the text: for a pass that visits blocks out of order.
#[inline]
pub fn block(text: &[u8], k: usize, pad: u8) -> [u8; BLOCK] {
    let rest = text.get(k * BLOCK..).unwrap_or_default();
    match rest.first_chunk::<BLOCK>() {
        Some(block) => *block,
        None => {
            let mut block = [pad; BLOCK];
            block[..rest.len()].copy_from_slice(rest);
            block
        }
    }
}

/// The 64-byte blocks of `text`, the last one padded with `pad`. A padded
/// block always comes last (all `pad` when the text is a whole number of
/// blocks), so a pass can close what the text left open.
#[inline]
pub fn blocks(text: &[u8], pad: u8) -> impl Iterator<Item = [u8; BLOCK]> + '_ {
    let (blocks, tail) = text.as_chunks::<BLOCK>();
    let mut last = [pad; BLOCK];
    last[..tail.len()].copy_from_slice(tail);
    blocks.iter().copied().chain(std::iter::once(last))
}

/// `N` masks of a block: `classes` maps 16 bytes to `N` vectors whose
/// bytes are all ones where the byte is in the class, zero elsewhere.
#[inline]
pub fn masks<const N: usize>(
    block: &[u8; BLOCK],
    classes: impl Fn(u8x16) -> [u8x16; N],
) -> [u64; N] {
    let mut out = [0u64; N];
    let (chunks, _) = block.as_chunks::<16>();
    for (k, chunk) in chunks.iter().enumerate() {
        let found = classes(u8x16::new(*chunk));
        for (mask, class) in out.iter_mut().zip(found) {
            *mask |= u64::from(class.to_bitmask()) << (16 * k);
        }
    }
    out
}

/// Bytes equal to `b`.
#[inline]
pub fn eq(v: u8x16, b: u8) -> u8x16 {
    v.simd_eq(u8x16::splat(b))
}

/// Bytes in `lo..=hi`.
#[inline]
pub fn in_range(v: u8x16, lo: u8, hi: u8) -> u8x16 {
    let t = v - u8x16::splat(lo);
    t.min(u8x16::splat(hi - lo)).simd_eq(t)
}

/// ASCII letters and digits.
#[inline]
pub fn alphanumeric(v: u8x16) -> u8x16 {
    // Setting bit 5 folds `A..=Z` onto `a..=z` and moves nothing else there.
    in_range(v | u8x16::splat(0x20), b'a', b'z') | in_range(v, b'0', b'9')
}

/// ASCII whitespace as the breakdown counts it: space, tab, line feed,
/// carriage return, form feed.
#[inline]
pub fn space(v: u8x16) -> u8x16 {
    eq(v, b' ') | eq(v, b'\t') | eq(v, b'\n') | eq(v, b'\r') | eq(v, 0x0C)
}

/// Bytes that continue a UTF-8 sequence (`0x80..=0xBF`).
#[inline]
pub fn continuation(v: u8x16) -> u8x16 {
    eq(v & u8x16::splat(0xC0), 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn masks_mark_the_bytes_of_each_class(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let blocks: Vec<[u8; BLOCK]> = super::blocks(&bytes, b'#').collect();
            for block in &blocks {
                let [sp, cont, digit, alnum, x] = masks(block, |v| {
                    [space(v), continuation(v), in_range(v, b'0', b'9'), alphanumeric(v), eq(v, b'x')]
                });
                for (k, &b) in block.iter().enumerate() {
                    let bit = |m: u64| m >> k & 1 == 1;
                    proptest::prop_assert_eq!(bit(sp), matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C));
                    proptest::prop_assert_eq!(bit(cont), (0x80..=0xBF).contains(&b));
                    proptest::prop_assert_eq!(bit(digit), b.is_ascii_digit());
                    proptest::prop_assert_eq!(bit(alnum), b.is_ascii_alphanumeric());
                    proptest::prop_assert_eq!(bit(x), b == b'x');
                }
            }
            for (k, b) in blocks.iter().enumerate() {
                proptest::prop_assert_eq!(&block(&bytes, k, b'#'), b);
            }
            let seen = blocks.concat();
            proptest::prop_assert_eq!(seen.len(), (bytes.len() / BLOCK + 1) * BLOCK);
            proptest::prop_assert_eq!(&seen[..bytes.len()], &bytes[..]);
            proptest::prop_assert!(seen[bytes.len()..].iter().all(|&b| b == b'#'));
        }
    }
}
