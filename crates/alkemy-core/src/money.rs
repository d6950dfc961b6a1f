//! Money in US dollars, held as an integer number of micro-dollars.
//!
//! Prices per token are fractions of a cent, and budgets must add up exactly,
//! so floating point is never used for amounts: one micro-dollar (10⁻⁶ USD) is
//! the unit, and an `i64` of them holds ±9 trillion dollars.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of US dollars with micro-dollar precision.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money {
    micros: i64,
}

impl Money {
    /// Zero dollars.
    pub const ZERO: Money = Money { micros: 0 };

    /// An amount from micro-dollars.
    pub const fn from_micros(micros: i64) -> Self {
        Self { micros }
    }

    /// An amount from whole cents.
    pub const fn from_cents(cents: i64) -> Self {
        Self {
            micros: cents.saturating_mul(10_000),
        }
    }

    /// The amount in micro-dollars.
    pub const fn micros(self) -> i64 {
        self.micros
    }

    /// The amount as floating-point dollars, for display and JSON reports only.
    pub fn as_usd(self) -> f64 {
        self.micros as f64 / 1e6
    }

    /// `self × n`, saturating.
    pub fn times(self, n: u64) -> Self {
        Self {
            micros: self
                .micros
                .saturating_mul(i64::try_from(n).unwrap_or(i64::MAX)),
        }
    }

    /// `self × numerator / denominator`, rounded half up; used for prices per
    /// million tokens or per second. A zero denominator gives zero.
    pub fn scaled(self, numerator: u64, denominator: u64) -> Self {
        if denominator == 0 {
            return Self::ZERO;
        }
        let product = i128::from(self.micros) * i128::from(numerator);
        let d = i128::from(denominator);
        let rounded = (product + d / 2).div_euclid(d);
        Self {
            micros: i64::try_from(rounded).unwrap_or(i64::MAX),
        }
    }

    /// Subtraction that stops at zero.
    pub fn saturating_sub(self, other: Self) -> Self {
        Self {
            micros: self.micros.saturating_sub(other.micros).max(0),
        }
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money {
            micros: self.micros.saturating_add(rhs.micros),
        }
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money {
            micros: self.micros.saturating_sub(rhs.micros),
        }
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    /// `$1.23` for whole cents, `$0.000125` when sub-cent digits matter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.micros < 0 { "-" } else { "" };
        let abs = self.micros.unsigned_abs();
        let dollars = abs / 1_000_000;
        let frac = abs % 1_000_000;
        if frac.is_multiple_of(10_000) {
            write!(f, "{sign}${dollars}.{:02}", frac / 10_000)
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{sign}${dollars}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Error for a string that is not a dollar amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid amount {0:?}: expected dollars such as 12, 12.50 or $0.035")]
pub struct ParseMoneyError(String);

impl FromStr for Money {
    type Err = ParseMoneyError;

    /// Parses `12`, `12.5`, `$0.035`, `-3.25` (at most six decimals).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMoneyError(s.to_owned());
        let t = s.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let t = t.strip_prefix('$').unwrap_or(t);
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(err());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 6
        {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let mut frac_micros: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_micros += i64::from(b - b'0') * 10_i64.pow(5 - i as u32);
        }
        let micros = whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(frac_micros))
            .ok_or_else(err)?;
        Ok(Money::from_micros(if negative { -micros } else { micros }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let cases = [
            ("12", "$12.00"),
            ("12.5", "$12.50"),
            ("$0.035", "$0.035"),
            ("0.000125", "$0.000125"),
            ("-3.25", "-$3.25"),
            (".5", "$0.50"),
        ];
        for (input, shown) in cases {
            let m: Money = input.parse().unwrap();
            assert_eq!(m.to_string(), shown, "{input}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "$", "abc", "1.2.3", "1.1234567", "1e3", "--1"] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn scaled_rounds_half_up() {
        // $1.25 per million tokens, 1,000 tokens → $0.00125.
        let per_million = Money::from_micros(1_250_000);
        assert_eq!(
            per_million.scaled(1_000, 1_000_000),
            Money::from_micros(1_250)
        );
        // 1 micro × 1 / 2 rounds up to 1.
        assert_eq!(Money::from_micros(1).scaled(1, 2), Money::from_micros(1));
        assert_eq!(Money::from_micros(5).scaled(1, 0), Money::ZERO);
    }

    #[test]
    fn sums_exactly() {
        let total: Money = std::iter::repeat_n(Money::from_micros(100_000), 10).sum();
        assert_eq!(total, Money::from_cents(100));
    }
}
