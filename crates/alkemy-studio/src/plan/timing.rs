//! Shot durations: a scene's screen time shared out exactly, in
//! milliseconds, so the shots of a scene always add up to it.

/// A scene's screen time in whole milliseconds (non-finite or negative
/// times count as zero).
pub fn scene_ms(duration_s: f64) -> u64 {
    if !duration_s.is_finite() || duration_s <= 0.0 {
        return 0;
    }
    // Clamped to u32 milliseconds (49 days) so every shot fits a `u32`.
    (duration_s * 1000.0).round().min(f64::from(u32::MAX)) as u64
}

/// Shares `total_ms` among shots in proportion to `weights`, after giving
/// each at least `min(min_ms, total_ms / n)`. The result sums to `total_ms`
/// exactly (largest-remainder rounding, ties to the earlier shot) and is
/// deterministic. Zero weights everywhere share equally.
pub fn distribute(total_ms: u64, weights: &[u64], min_ms: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(weights.len());
    distribute_into(total_ms, weights, min_ms, &mut out, &mut Vec::new());
    out
}

/// [`distribute`] into `out` (emptied first), with `remainders` as scratch
/// space: the planner reuses both from scene to scene.
pub(crate) fn distribute_into(
    total_ms: u64,
    weights: &[u64],
    min_ms: u32,
    out: &mut Vec<u32>,
    remainders: &mut Vec<(u128, usize)>,
) {
    out.clear();
    let n = weights.len() as u64;
    if n == 0 {
        return;
    }
    let total = total_ms.min(u64::from(u32::MAX));
    let floor = u64::from(min_ms).min(total / n);
    let rest = total - floor * n;
    let equal = weights.iter().all(|&w| w == 0);
    let max = if equal {
        1
    } else {
        weights.iter().copied().max().unwrap_or(1)
    };
    // Exact either way; 64-bit arithmetic when no product or sum can
    // overflow it (any real scene), 128-bit otherwise.
    let fits = rest.checked_mul(max).is_some() && max.checked_mul(n).is_some();
    if fits {
        shares(
            rest,
            weights.iter().map(|&x| if equal { 1 } else { x }),
            floor,
            out,
            remainders,
        );
    } else {
        shares(
            u128::from(rest),
            weights
                .iter()
                .map(|&x| if equal { 1 } else { u128::from(x) }),
            floor,
            out,
            remainders,
        );
    }
}

/// `floor` plus each weight's share of `rest`, largest remainders first
/// (ties to the earlier shot), in the integer type `T`, into `out` (the
/// shares are at most `u32::MAX`: `rest` is).
fn shares<T>(
    rest: T,
    weights: impl ExactSizeIterator<Item = T> + Clone,
    floor: u64,
    out: &mut Vec<u32>,
    remainders: &mut Vec<(u128, usize)>,
) where
    T: Copy
        + Ord
        + std::iter::Sum
        + std::ops::Mul<Output = T>
        + std::ops::Div<Output = T>
        + std::ops::Rem<Output = T>
        + std::ops::Sub<Output = T>
        + std::ops::AddAssign
        + TryInto<u64>
        + Into<u128>
        + From<u8>,
{
    let sum: T = weights.clone().sum();
    remainders.clear();
    let mut given = T::from(0);
    for (i, w) in weights.enumerate() {
        let share = rest * w;
        let whole = share / sum;
        given += whole;
        // `whole <= rest <= u32::MAX`, so it fits.
        let ms = floor + whole.try_into().unwrap_or(u64::MAX);
        out.push(u32::try_from(ms).unwrap_or(u32::MAX));
        remainders.push(((share % sum).into(), i));
    }
    let mut left = rest - given;
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter() {
        if left == T::from(0) {
            break;
        }
        if let Some(ms) = out.get_mut(i) {
            *ms = ms.saturating_add(1);
        }
        left = left - T::from(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_in_proportion() {
        assert_eq!(distribute(10_000, &[1, 1, 2], 0), [2500, 2500, 5000]);
        assert_eq!(distribute(1000, &[1, 1, 1], 0), [334, 333, 333]);
        assert_eq!(distribute(1000, &[0, 0], 0), [500, 500]);
        assert!(distribute(1000, &[], 0).is_empty());
    }

    #[test]
    fn minimum_first_then_weights() {
        // 4000 ms, 1000 ms floor each, the remaining 1000 ms all to the heavy shot.
        assert_eq!(distribute(4000, &[0, 0, 10], 1000), [1000, 1000, 2000]);
        // Not enough time for the floor: shared equally first.
        assert_eq!(distribute(900, &[1, 1, 1], 1000), [300, 300, 300]);
    }

    #[test]
    fn scene_ms_rounds_and_rejects_nonsense() {
        assert_eq!(scene_ms(12.3456), 12_346);
        assert_eq!(scene_ms(f64::NAN), 0);
        assert_eq!(scene_ms(-3.0), 0);
    }

    /// The first definition, all in 128-bit arithmetic: the reference.
    fn distribute_reference(total_ms: u64, weights: &[u64], min_ms: u32) -> Vec<u32> {
        let n = weights.len() as u64;
        if n == 0 {
            return Vec::new();
        }
        let total = total_ms.min(u64::from(u32::MAX));
        let floor = u64::from(min_ms).min(total / n);
        let rest = u128::from(total - floor * n);
        let equal = weights.iter().all(|&w| w == 0);
        let w = |x: u64| if equal { 1u128 } else { u128::from(x) };
        let sum: u128 = weights.iter().map(|&x| w(x)).sum();
        let mut out: Vec<u64> = Vec::new();
        let mut remainders: Vec<(u128, usize)> = Vec::new();
        let mut given: u128 = 0;
        for (i, &x) in weights.iter().enumerate() {
            let share = rest * w(x);
            let whole = share / sum;
            given += whole;
            out.push(floor + whole as u64);
            remainders.push((share % sum, i));
        }
        let mut left = rest - given;
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in &remainders {
            if left == 0 {
                break;
            }
            out[i] += 1;
            left -= 1;
        }
        out.into_iter()
            .map(|ms| u32::try_from(ms).unwrap())
            .collect()
    }

    proptest! {
        #[test]
        fn same_shares_as_the_128_bit_definition(
            total in 0u64..20_000_000_000,
            weights in prop::collection::vec(prop_oneof![0u64..100_000, 0u64..=u64::MAX], 1..40),
            min in 0u32..5000,
        ) {
            prop_assert_eq!(distribute(total, &weights, min), distribute_reference(total, &weights, min));
        }

        #[test]
        fn sums_exactly(total in 0u64..10_000_000, weights in prop::collection::vec(0u64..100_000, 1..60), min in 0u32..5000) {
            let d = distribute(total, &weights, min);
            prop_assert_eq!(d.len(), weights.len());
            prop_assert_eq!(d.iter().map(|&x| u64::from(x)).sum::<u64>(), total);
            let floor = u64::from(min).min(total / weights.len() as u64);
            prop_assert!(d.iter().all(|&x| u64::from(x) >= floor));
        }
    }
}
