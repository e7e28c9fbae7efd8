//! Python's default decimal context (`decimal.DefaultContext`): 28 significant digits,
//! `ROUND_HALF_EVEN`, exponents from `Emin = -999999` to `Emax = 999999`, `clamp = 0`, and
//! `Overflow` and `InvalidOperation` raised rather than signalled.
//!
//! Each function follows the method of CPython's `_pydecimal.Decimal` it names (`__add__`,
//! `__mul__`, `__neg__`, `__abs__`, `quantize`, `_fix`), which compute what the C `_decimal`
//! that CPython uses computes. The exact result is worked out with whole numbers, then
//! [`finish`] rounds it as the context says.

use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{Pow, Zero};
use bigdecimal::{BigDecimal, RoundingMode};

use super::PyDecimal;

/// Significant digits (`prec`).
const PRECISION: i64 = 28;
/// The largest adjusted exponent (that of the first digit) of a result (`Emax`).
const EMAX: i64 = 999_999;
/// The smallest adjusted exponent of a normal result (`Emin`).
const EMIN: i64 = -999_999;
/// The smallest exponent of a result (`Etiny`): subnormal numbers are rounded to it.
const ETINY: i64 = EMIN - PRECISION + 1;
/// The largest exponent of a full-precision result (`Etop`).
const ETOP: i64 = EMAX - PRECISION + 1;

/// Where Python raises `decimal.Overflow`: the rounded result's adjusted exponent is above
/// `Emax`.
#[derive(Debug)]
pub(super) struct Overflow;

/// Python's `Decimal._fix`: rounds to [`PRECISION`] digits half-even, rounds numbers below
/// `Emin` to the exponent `Etiny`, and clamps the exponent of a zero into `[Etiny, Emax]`.
fn finish(number: PyDecimal) -> Result<PyDecimal, Overflow> {
    let exponent = number.exponent();
    if number.is_zero() {
        let clamped = exponent.clamp(ETINY, EMAX);
        return Ok(if clamped == exponent {
            number
        } else {
            PyDecimal::zero(number.is_sign_negative(), clamped)
        });
    }
    // The exponent that leaves exactly PRECISION digits.
    let mut exp_min = digit_count(&number.value) + exponent - PRECISION;
    if exp_min > ETOP {
        return Err(Overflow);
    }
    exp_min = exp_min.max(ETINY);
    if exponent >= exp_min {
        return Ok(number);
    }
    let mut rounded = number
        .value
        .with_scale_round(-exp_min, RoundingMode::HalfEven);
    if digit_count(&rounded) > PRECISION {
        // 99…9 rounded up to 100…0: one digit too many, and that digit is a zero.
        exp_min += 1;
        rounded = rounded.with_scale(-exp_min);
    }
    if exp_min > ETOP {
        return Err(Overflow);
    }
    // A subnormal number rounded to zero keeps its sign (`-0E-1000026`).
    Ok(PyDecimal::with_sign(rounded, number.is_sign_negative()))
}

/// Python's `a + b` (and `a - b`, which is `a + b.copy_negate()`).
pub(super) fn add(a: &PyDecimal, b: &PyDecimal) -> Result<PyDecimal, Overflow> {
    let exponent = a.exponent().min(b.exponent());
    match (a.is_zero(), b.is_zero()) {
        // The sum of two zeros is negative only when both are.
        (true, true) => finish(PyDecimal::zero(
            a.is_sign_negative() && b.is_sign_negative(),
            exponent,
        )),
        // Zero plus a number: the number at the smaller exponent, but no more than PRECISION + 1
        // places below its own (rounding would drop those zeros again).
        (true, false) => finish(padded(b, exponent.max(b.exponent() - PRECISION - 1))),
        (false, true) => finish(padded(a, exponent.max(a.exponent() - PRECISION - 1))),
        (false, false) => {
            let (wide, narrow) = if a.exponent() < b.exponent() {
                (b, a)
            } else {
                (a, b)
            };
            // Python's `_normalize`: a number entirely below the digit where `wide` will be
            // rounded changes the rounded sum as any number that small would, so one unit at
            // that place stands in for it. This keeps `1E+999999 + 1E-999999` from building
            // two million digits.
            let floor = wide.exponent() + (-1).min(digit_count(&wide.value) - PRECISION - 2);
            let narrow = if digit_count(&narrow.value) + narrow.exponent() - 1 < floor {
                let unit = match narrow.value.sign() {
                    Sign::Minus => BigInt::from(-1),
                    _ => BigInt::from(1),
                };
                BigDecimal::new(unit, -floor)
            } else {
                narrow.value.clone()
            };
            let sum = aligned_sum(&wide.value, &narrow);
            if sum.is_zero() {
                // Equal and opposite: a positive zero at the smaller exponent.
                finish(PyDecimal::zero(false, exponent))
            } else {
                finish(PyDecimal::with_sign(sum, false))
            }
        }
    }
}

/// Python's `a * b`: the product of the coefficients at the sum of the exponents.
pub(super) fn multiply(a: &PyDecimal, b: &PyDecimal) -> Result<PyDecimal, Overflow> {
    let negative = a.is_sign_negative() != b.is_sign_negative();
    let exponent = a.exponent().saturating_add(b.exponent());
    if a.is_zero() || b.is_zero() {
        return finish(PyDecimal::zero(negative, exponent));
    }
    let (a_coefficient, _) = a.value.as_bigint_and_scale();
    let (b_coefficient, _) = b.value.as_bigint_and_scale();
    let product = a_coefficient.as_ref() * b_coefficient.as_ref();
    finish(PyDecimal::with_sign(
        BigDecimal::new(product, -exponent),
        false,
    ))
}

/// Python's `-a`: a zero becomes positive (`-Decimal("-0")` and `-Decimal("0")` are `0`).
pub(super) fn minus(a: &PyDecimal) -> Result<PyDecimal, Overflow> {
    if a.is_zero() {
        absolute(a)
    } else {
        finish(a.copy_negate())
    }
}

/// Python's `abs(a)`.
pub(super) fn absolute(a: &PyDecimal) -> Result<PyDecimal, Overflow> {
    finish(PyDecimal::with_sign(a.value.abs(), false))
}

/// Python's `a.quantize(exp)` with the context's rounding; the error is Python's reason for
/// raising `decimal.InvalidOperation`.
pub(super) fn quantize(a: &PyDecimal, target: i64) -> Result<PyDecimal, &'static str> {
    if !(ETINY..=EMAX).contains(&target) {
        return Err("target exponent out of bounds in quantize");
    }
    if a.is_zero() {
        return Ok(PyDecimal::zero(a.is_sign_negative(), target));
    }
    let too_large = "exponent of quantize result too large for current context";
    let too_many_digits = "quantize result has too many digits for current context";
    let adjusted = digit_count(&a.value) + a.exponent() - 1;
    if adjusted > EMAX {
        return Err(too_large);
    }
    if adjusted - target + 1 > PRECISION {
        return Err(too_many_digits);
    }
    // Pads with zeros, or rounds half-even (a number that rounds to zero keeps its sign).
    let rescaled = a.value.with_scale_round(-target, RoundingMode::HalfEven);
    if !rescaled.is_zero() && digit_count(&rescaled) + target - 1 > EMAX {
        return Err(too_large);
    }
    if digit_count(&rescaled) > PRECISION {
        return Err(too_many_digits);
    }
    Ok(PyDecimal::with_sign(rescaled, a.is_sign_negative()))
}

/// The number of digits of the coefficient (1 for zero).
fn digit_count(value: &BigDecimal) -> i64 {
    // At most the length of text that was parsed, or PRECISION digits: far below i64::MAX.
    i64::try_from(value.digits()).unwrap_or(i64::MAX)
}

/// `number`, nonzero, with its coefficient padded with zeros down to `exponent`, which is not
/// above its own.
fn padded(number: &PyDecimal, exponent: i64) -> PyDecimal {
    let (coefficient, scale) = number.value.as_bigint_and_scale();
    let coefficient = shifted(coefficient.as_ref(), -exponent - scale);
    PyDecimal::with_sign(BigDecimal::new(coefficient, -exponent), false)
}

/// The exact sum, at the larger scale of the two.
fn aligned_sum(a: &BigDecimal, b: &BigDecimal) -> BigDecimal {
    let (a_coefficient, a_scale) = a.as_bigint_and_scale();
    let (b_coefficient, b_scale) = b.as_bigint_and_scale();
    let scale = a_scale.max(b_scale);
    let sum = shifted(a_coefficient.as_ref(), scale - a_scale)
        + shifted(b_coefficient.as_ref(), scale - b_scale);
    BigDecimal::new(sum, scale)
}

/// `coefficient × 10^places`; `places` is never negative.
fn shifted(coefficient: &BigInt, places: i64) -> BigInt {
    match u64::try_from(places) {
        Ok(0) | Err(_) => coefficient.clone(),
        Ok(places) => coefficient * Pow::pow(BigInt::from(10u8), places),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> PyDecimal {
        PyDecimal::parse(text).unwrap()
    }

    #[test]
    fn the_limits_are_pythons() {
        // decimal.DefaultContext in CPython 3.11: prec=28, Emin=-999999, Emax=999999.
        assert_eq!((ETINY, ETOP), (-1_000_026, 999_972));
    }

    #[test]
    fn finish_rounds_to_28_digits_half_even() {
        for (exact, python) in [
            // CPython 3.11: `+Decimal(exact)`, and for zeros (which `+` makes positive)
            // `Decimal(exact) + Decimal(exact)`.
            (
                "12345678901234567890123456785",
                "1.234567890123456789012345678E+28",
            ),
            (
                "12345678901234567890123456775",
                "1.234567890123456789012345678E+28",
            ),
            (
                "123456789012345678901234567851",
                "1.234567890123456789012345679E+29",
            ),
            (
                "99999999999999999999999999995",
                "1.000000000000000000000000000E+29",
            ),
            ("0E+1000000", "0E+999999"),
            ("-0E-2000000", "-0E-1000026"),
            ("1.5E-1000026", "2E-1000026"),
            ("-2.5E-1000027", "-0E-1000026"),
            ("4.20", "4.20"),
        ] {
            let finished = finish(d(exact)).unwrap();
            assert_eq!(finished.to_string(), python, "{exact}");
        }
        assert!(finish(d("1E+1000000")).is_err());
        assert!(finish(d("99999999999999999999999999995E+999971")).is_err());
    }

    #[test]
    fn far_apart_exponents_add_without_building_every_digit() {
        let sum = add(&d("1E+999999"), &d("1E-999999")).unwrap();
        assert_eq!(sum.to_string(), "1.000000000000000000000000000E+999999");
        // A tie at the 28th digit, broken either way by a number far below it.
        let tie = d("1.0000000000000000000000000015");
        let sum = add(&tie, &d("1E-999999")).unwrap();
        assert_eq!(sum.to_string(), "1.000000000000000000000000002");
        let difference = add(&tie, &d("-1E-999999")).unwrap();
        assert_eq!(difference.to_string(), "1.000000000000000000000000001");
        let sum = add(&d("0E-999999999"), &d("5")).unwrap();
        assert_eq!(sum.to_string(), "5.000000000000000000000000000");
    }
}
