//! Counting bytes that match a test, in loops the compiler turns into vector
//! code: tests are branch-free, and counts are kept in bytes over chunks of
//! 255 before they are widened (16 or 32 lanes a step instead of 4 or 8).
//!
//! The breakdown counts the words of short elements and the characters of
//! action this way; longer passes use [`super::masks`].

/// Bytes per chunk, so that a byte counter cannot overflow.
pub const CHUNK: usize = 255;

/// Texts up to this many bytes are counted without lanes.
const SHORT: usize = 32;

/// Is `c` ASCII whitespace (as `u8::is_ascii_whitespace`)? Branch-free.
#[inline]
pub fn is_space(c: u8) -> bool {
    (c == b' ') | (c == b'\t') | (c == b'\n') | (c == b'\r') | (c == 0x0C)
}

/// Number of bytes `c` of `b` with `test(c)`.
#[inline]
pub fn count(b: &[u8], test: impl Fn(u8) -> bool) -> u32 {
    b.chunks(CHUNK)
        .map(|chunk| {
            let n = chunk
                .iter()
                .fold(0u8, |n, &c| n.wrapping_add(u8::from(test(c))));
            u32::from(n)
        })
        .sum()
}

/// Number of adjacent pairs `(p, c)` of `b` with `test(p, c)`.
#[inline]
pub fn count_pairs(b: &[u8], test: impl Fn(u8, u8) -> bool) -> u32 {
    let Some(rest) = b.get(1..) else {
        return 0;
    };
    b.chunks(CHUNK)
        .zip(rest.chunks(CHUNK))
        .map(|(prev, cur)| {
            let n = prev
                .iter()
                .zip(cur)
                .fold(0u8, |n, (&p, &c)| n.wrapping_add(u8::from(test(p, c))));
            u32::from(n)
        })
        .sum()
}

/// Words separated by ASCII whitespace.
pub fn count_words(b: &[u8]) -> u32 {
    if b.len() <= SHORT {
        // Cues, parentheticals and short lines: a plain loop costs less
        // than setting up the lanes.
        let mut words = 0;
        let mut after_space = true;
        for &c in b {
            let space = is_space(c);
            words += u32::from(after_space & !space);
            after_space = space;
        }
        return words;
    }
    let Some(&first) = b.first() else {
        return 0;
    };
    u32::from(!is_space(first)) + count_pairs(b, |p, c| is_space(p) & !is_space(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn counts_match_a_plain_loop(text in "[a-c .\\n\\t]{0,700}") {
            let b = text.as_bytes();
            proptest::prop_assert_eq!(
                count(b, |c| c == b'a') as usize,
                b.iter().filter(|&&c| c == b'a').count()
            );
            proptest::prop_assert_eq!(
                count_pairs(b, |p, c| p == b'.' && c == b' ') as usize,
                b.windows(2).filter(|w| w == b". ").count()
            );
            proptest::prop_assert_eq!(
                count_words(b) as usize,
                text.split_ascii_whitespace().count()
            );
        }
    }
}
