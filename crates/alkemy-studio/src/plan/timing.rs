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
    let mut out: Vec<u64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut given: u128 = 0;
    for (i, &x) in weights.iter().enumerate() {
        let share = rest * w(x);
        let whole = share / sum;
        given += whole;
        // `whole <= rest <= u32::MAX`, so it fits.
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
        .map(|ms| u32::try_from(ms).unwrap_or(u32::MAX))
        .collect()
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

    proptest! {
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
