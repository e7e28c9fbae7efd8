//! [`PyDecimal`]: a decimal number for typed fields that computes as Python's `decimal` does.
//!
//! Three decimal types meet in this crate, each for its own use:
//! - `rust_decimal::Decimal`, the common Rust decimal, works as a field type. It cannot hold
//!   what Python holds (`1E+3` becomes `1000`), and its arithmetic gives other exponents and
//!   signs than Python's (`4.20 + 0E-8` is `4.20` to it, `4.20000000` to Python; `-0 * 5` is `0`
//!   to it, `-0` to Python), so a snapshot Rust takes of a balance it computed is not the one
//!   Python takes.
//! - [`DecimalValue`] keeps the text of a Decimal in dynamic state
//!   ([`Value::Decimal`](super::Value::Decimal)); it does no arithmetic.
//! - [`PyDecimal`] keeps Python's coefficient and exponent exactly and computes `+ - *` with the
//!   rules of Python's default context, so that a value Rust computes from values Python wrote is
//!   the one Python computes: the type for typed fields whose values Python must read back.
//!
//! The number is a `bigdecimal::BigDecimal`; the rules of the context (which exponent a result
//! has, rounding to 28 digits, the sign of zero) are in [`context`]. bigdecimal's own operators
//! are not used: they drop exponents Python keeps (`1.0 * 2.50` is `2.5` to them, `2.500` to
//! Python).

mod context;
mod convert;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::Zero;

use super::DecimalValue;
use super::decimal::DecimalText;
use crate::domain::ValueError;

/// A decimal number that keeps Python's text and computes as Python's `decimal` module does in
/// its default context (28 significant digits, `ROUND_HALF_EVEN`, exponents within ±999999).
///
/// - It keeps the coefficient and exponent it was given: `1E+3`, `0E-8`, `4.20` and `-0` stay
///   what they are, and [`Display`](fmt::Display) writes Python's `str(Decimal)`.
/// - `+`, `-`, `*`, unary `-`, [`abs`](Self::abs), [`Sum`] and [`quantize`](Self::quantize)
///   give Python's results, exponent and sign of zero included: `4.20 + 0E-8` is `4.20000000`,
///   `1.0 * 2.50` is `2.500`, `-0 * 5` is `-0`, `-1.0 + 1.0` is `0.0`, and a result of more than
///   28 digits is rounded half-even as Python rounds it. [`Sum`] starts at `0`, as Python's
///   `sum()` does (so `sum([Decimal("1E+3")])` is `1000`).
/// - `==`, `<` and [`Hash`] compare numbers, as Python does: `1.0 == 1.00`, `-0 == 0`.
/// - It is stored as the Python original stores a `Decimal`: `{"_type_":"decimal_str",
///   "_data_":"<str(Decimal)>"}` through [`Transcode`](super::Transcode), a string through serde.
///
/// It holds finite numbers only: `NaN`, `sNaN` and `Infinity`, which Python's `Decimal` also
/// holds, are refused with a [`ValueError`] that names the text. Division is not offered:
/// Python's quotients follow rules of their own (the exponent a quotient should have), which
/// this type does not implement; convert to `rust_decimal` with [`TryFrom`] to divide.
///
/// # Panics
///
/// Where Python raises `decimal.Overflow` (a result whose exponent, once rounded, is above
/// 999999, such as `1E+999999 * 10`), the operators panic. [`checked_add`](Self::checked_add)
/// and its siblings return an error instead. Values below 1E-999999 do not fail: they are
/// rounded as Python rounds them (`1E-999999 * 1E-999999` is `0E-1000026`).
///
/// ```
/// use eventsourcing_seaorm::domain::PyDecimal;
///
/// let balance: PyDecimal = "4.20".parse()?;
/// let balance = balance + "0E-8".parse::<PyDecimal>()?;
/// assert_eq!(balance.to_string(), "4.20000000");
/// assert_eq!(balance, "4.2".parse()?);
/// let thousand: PyDecimal = "1E+3".parse()?;
/// assert_eq!(thousand.to_string(), "1E+3");
/// assert_eq!((thousand * PyDecimal::from(2)).to_string(), "2E+3");
/// assert!("NaN".parse::<PyDecimal>().is_err());
/// # Ok::<(), eventsourcing_seaorm::domain::ValueError>(())
/// ```
#[derive(Clone, Default)]
pub struct PyDecimal {
    /// The number: its coefficient, and its scale (minus Python's exponent).
    value: BigDecimal,
    /// Whether the number is a zero with a minus sign (`-0`, `-0.00`), which Python keeps and
    /// bigdecimal cannot.
    negative_zero: bool,
}

impl PyDecimal {
    /// Reads text as Python's `Decimal(text)` does: surrounding whitespace, a sign, digits with
    /// an optional dot, an exponent (`1E+3`, `5e-2`), underscores anywhere (`1_000`).
    ///
    /// Errors name the text: text Python refuses, `NaN`, `sNaN` and `Infinity` (which Python
    /// accepts but this type does not hold), exponents beyond ±10¹⁵, and digits other than ASCII
    /// ones (Python takes any Unicode decimal digit).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        match DecimalValue::read_text(text)? {
            DecimalText::Finite {
                negative,
                digits,
                exponent,
            } => {
                let coefficient = BigInt::parse_bytes(digits.as_bytes(), 10).ok_or_else(|| {
                    ValueError::Invalid {
                        what: "Decimal",
                        reason: format!("{text:?} is not a decimal number"),
                    }
                })?;
                let coefficient = if negative { -coefficient } else { coefficient };
                Ok(Self::with_sign(
                    BigDecimal::new(coefficient, -exponent),
                    negative,
                ))
            }
            DecimalText::Special(name) => Err(ValueError::Invalid {
                what: "Decimal",
                reason: format!(
                    "{text:?} is {name}, which PyDecimal does not hold (finite numbers only)"
                ),
            }),
        }
    }

    /// A number whose sign is that of `value`, or `negative` when `value` is zero.
    fn with_sign(value: BigDecimal, negative: bool) -> Self {
        let negative_zero = negative && value.is_zero();
        Self {
            value,
            negative_zero,
        }
    }

    /// Zero with this sign and exponent (`-0.00` is `zero(true, -2)`).
    fn zero(negative: bool, exponent: i64) -> Self {
        Self::with_sign(BigDecimal::new(BigInt::zero(), -exponent), negative)
    }

    /// The exponent, as Python's `Decimal.as_tuple().exponent`: `-2` for `4.20`, `3` for `1E+3`.
    pub fn exponent(&self) -> i64 {
        -self.value.fractional_digit_count()
    }

    /// Whether the number is zero (`0`, `-0`, `0E-8` …).
    pub fn is_zero(&self) -> bool {
        self.value.is_zero()
    }

    /// Whether the number has a minus sign, also a zero (`-0`), as Python's `is_signed()`.
    pub fn is_sign_negative(&self) -> bool {
        self.negative_zero || self.value.sign() == Sign::Minus
    }

    /// The same coefficient and exponent with the other sign (Python's `copy_negate()`, which
    /// does not round).
    fn copy_negate(&self) -> Self {
        Self::with_sign(-self.value.clone(), !self.is_sign_negative())
    }

    /// `self + other` as Python computes it; an error where Python raises `decimal.Overflow`.
    pub fn checked_add(&self, other: &Self) -> Result<Self, ValueError> {
        context::add(self, other).map_err(|_| overflow(format!("{self} + {other}")))
    }

    /// `self - other` as Python computes it; an error where Python raises `decimal.Overflow`.
    pub fn checked_sub(&self, other: &Self) -> Result<Self, ValueError> {
        context::add(self, &other.copy_negate()).map_err(|_| overflow(format!("{self} - {other}")))
    }

    /// `self * other` as Python computes it; an error where Python raises `decimal.Overflow`.
    pub fn checked_mul(&self, other: &Self) -> Result<Self, ValueError> {
        context::multiply(self, other).map_err(|_| overflow(format!("{self} * {other}")))
    }

    /// `-self` as Python computes it (`-Decimal("0")` is `0`, and the result is rounded to 28
    /// digits); an error where Python raises `decimal.Overflow`.
    pub fn checked_neg(&self) -> Result<Self, ValueError> {
        context::minus(self).map_err(|_| overflow(format!("-{self}")))
    }

    /// `abs(self)` as Python computes it (rounded to 28 digits, `abs(Decimal("-0"))` is `0`);
    /// an error where Python raises `decimal.Overflow`.
    pub fn checked_abs(&self) -> Result<Self, ValueError> {
        context::absolute(self).map_err(|_| overflow(format!("abs({self})")))
    }

    /// `abs(self)` as Python computes it.
    ///
    /// # Panics
    ///
    /// Where Python raises `decimal.Overflow` (see [`checked_abs`](Self::checked_abs)).
    pub fn abs(&self) -> Self {
        self.checked_abs().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Python's `self.quantize(exp)` in the default context: the number rounded half-even (or
    /// padded with zeros) to the exponent of `exp`: `2.675` quantized by `0.01` is `2.68`, `1`
    /// by `0.01` is `1.00`.
    ///
    /// An error where Python raises `decimal.InvalidOperation`: a result of more than 28
    /// digits, or an exponent beyond the context's limits.
    pub fn quantize(&self, exp: &PyDecimal) -> Result<Self, ValueError> {
        context::quantize(self, exp.exponent()).map_err(|reason| ValueError::Invalid {
            what: "Decimal",
            reason: format!(
                "{self}.quantize({exp}): {reason} (Python raises decimal.InvalidOperation)"
            ),
        })
    }

    /// The number as Python's `str(Decimal)` in a [`DecimalValue`].
    fn to_decimal_value(&self) -> DecimalValue {
        let (coefficient, scale) = self.value.as_bigint_and_scale();
        let digits = coefficient.magnitude().to_string();
        DecimalValue::from_parts(self.is_sign_negative(), &digits, -scale)
    }
}

/// The error of an operation where Python raises `decimal.Overflow`.
fn overflow(operation: String) -> ValueError {
    ValueError::Invalid {
        what: "Decimal",
        reason: format!(
            "{operation} is beyond 9.999999999999999999999999999E+999999 \
             (Python raises decimal.Overflow)"
        ),
    }
}

impl fmt::Display for PyDecimal {
    /// Python's `str(Decimal)`: `4.20`, `1E+3`, `0E-8`, `-0`, `1E-7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_decimal_value().as_str())
    }
}

impl fmt::Debug for PyDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PyDecimal")
            .field(&self.to_decimal_value().as_str())
            .finish()
    }
}

impl FromStr for PyDecimal {
    type Err = ValueError;

    /// [`PyDecimal::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl PartialEq for PyDecimal {
    /// Numeric equality, as Python's: `1.0 == 1.00`, `-0 == 0`, `1E+3 == 1000`.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for PyDecimal {}

impl PartialOrd for PyDecimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyDecimal {
    /// Numeric order, as Python's `<`.
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl Hash for PyDecimal {
    /// Equal numbers hash alike: the hash is that of the number without trailing zeros.
    fn hash<H: Hasher>(&self, state: &mut H) {
        if self.value.is_zero() {
            state.write_u8(0);
            return;
        }
        let (coefficient, scale) = self.value.normalized().into_bigint_and_scale();
        state.write_u8(1);
        coefficient.hash(state);
        scale.hash(state);
    }
}

/// The operators, for owned values and references; the owned forms delegate to the borrowed.
macro_rules! binary_operator {
    ($trait:ident, $method:ident, $assign_trait:ident, $assign_method:ident, $checked:ident) => {
        impl $trait<&PyDecimal> for &PyDecimal {
            type Output = PyDecimal;

            /// As Python computes it.
            ///
            /// # Panics
            ///
            /// Where Python raises `decimal.Overflow`.
            fn $method(self, other: &PyDecimal) -> PyDecimal {
                self.$checked(other).unwrap_or_else(|e| panic!("{e}"))
            }
        }

        impl $trait<PyDecimal> for &PyDecimal {
            type Output = PyDecimal;

            fn $method(self, other: PyDecimal) -> PyDecimal {
                self.$method(&other)
            }
        }

        impl $trait<&PyDecimal> for PyDecimal {
            type Output = PyDecimal;

            fn $method(self, other: &PyDecimal) -> PyDecimal {
                (&self).$method(other)
            }
        }

        impl $trait<PyDecimal> for PyDecimal {
            type Output = PyDecimal;

            fn $method(self, other: PyDecimal) -> PyDecimal {
                (&self).$method(&other)
            }
        }

        impl $assign_trait<&PyDecimal> for PyDecimal {
            fn $assign_method(&mut self, other: &PyDecimal) {
                *self = (&*self).$method(other);
            }
        }

        impl $assign_trait<PyDecimal> for PyDecimal {
            fn $assign_method(&mut self, other: PyDecimal) {
                *self = (&*self).$method(&other);
            }
        }
    };
}

binary_operator!(Add, add, AddAssign, add_assign, checked_add);
binary_operator!(Sub, sub, SubAssign, sub_assign, checked_sub);
binary_operator!(Mul, mul, MulAssign, mul_assign, checked_mul);

impl Neg for &PyDecimal {
    type Output = PyDecimal;

    /// As Python computes it (`-Decimal("0")` is `0`).
    ///
    /// # Panics
    ///
    /// Where Python raises `decimal.Overflow`.
    fn neg(self) -> PyDecimal {
        self.checked_neg().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Neg for PyDecimal {
    type Output = PyDecimal;

    fn neg(self) -> PyDecimal {
        -&self
    }
}

impl Sum for PyDecimal {
    /// As Python's `sum()`: `0`, then each value added in turn.
    ///
    /// # Panics
    ///
    /// Where Python raises `decimal.Overflow`.
    fn sum<I: Iterator<Item = PyDecimal>>(values: I) -> Self {
        values.fold(PyDecimal::from(0), |total, value| total + value)
    }
}

impl<'a> Sum<&'a PyDecimal> for PyDecimal {
    /// As Python's `sum()`: `0`, then each value added in turn.
    ///
    /// # Panics
    ///
    /// Where Python raises `decimal.Overflow`.
    fn sum<I: Iterator<Item = &'a PyDecimal>>(values: I) -> Self {
        values.fold(PyDecimal::from(0), |total, value| total + value)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn d(text: &str) -> PyDecimal {
        PyDecimal::parse(text).unwrap()
    }

    #[test]
    fn keeps_pythons_text() {
        // str(Decimal(text)) in CPython 3.11.
        for (text, python) in [
            ("1E+3", "1E+3"),
            ("0E-8", "0E-8"),
            ("4.20", "4.20"),
            ("-0", "-0"),
            ("-0.00", "-0.00"),
            ("0.0000001", "1E-7"),
            ("1_000.5_0", "1000.50"),
            (" +.5e+2 ", "5E+1"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
        ] {
            assert_eq!(d(text).to_string(), python, "{text:?}");
            assert_eq!(format!("{:?}", d(text)), format!("PyDecimal({python:?})"));
        }
        assert_eq!(d("-0").exponent(), 0);
        assert_eq!(d("0E-8").exponent(), -8);
        assert_eq!(d("1E+3").exponent(), 3);
        assert!(d("-0.00").is_sign_negative() && d("-0.00").is_zero());
        assert_eq!(PyDecimal::default().to_string(), "0");
        assert_eq!(PyDecimal::from(-42).to_string(), "-42");
        assert_eq!(PyDecimal::from(u64::MAX).to_string(), u64::MAX.to_string());
    }

    #[test]
    fn refuses_what_it_cannot_hold_and_names_the_text() {
        for text in [
            "NaN",
            "-Infinity",
            "sNaN1",
            "inf",
            "",
            "1.2.3",
            "1e",
            "_",
            "1 000",
            "١٢٣",
        ] {
            let err = PyDecimal::parse(text).unwrap_err();
            assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        }
        assert!(PyDecimal::parse("1E+2000000000000000").is_err());
    }

    #[test]
    fn adds_with_pythons_exponents_and_signs_of_zero() {
        // (a, b, str(a + b), str(a - b)) in CPython 3.11.
        for (a, b, sum, difference) in [
            ("4.20", "0E-8", "4.20000000", "4.20000000"),
            ("1E+3", "1", "1001", "999"),
            ("1E+3", "0E+2", "1.0E+3", "1.0E+3"),
            ("-1.0", "1.0", "0.0", "-2.0"),
            ("-0", "0", "0", "-0"),
            ("-0", "-0.00", "-0.00", "0.00"),
            (
                "0E-50",
                "1",
                "1.000000000000000000000000000",
                "-1.000000000000000000000000000",
            ),
            (
                "9999999999999999999999999999",
                "0.5",
                "1.000000000000000000000000000E+28",
                "9999999999999999999999999998",
            ),
            (
                "1234567890123456789012345678",
                "0.5",
                "1234567890123456789012345678",
                "1234567890123456789012345678",
            ),
            (
                "1",
                "1E-50",
                "1.000000000000000000000000000",
                "1.000000000000000000000000000",
            ),
            // A tie at the 28th digit, broken by a number far below it.
            (
                "1.0000000000000000000000000005",
                "1E-50",
                "1.000000000000000000000000001",
                "1.000000000000000000000000000",
            ),
        ] {
            assert_eq!((d(a) + d(b)).to_string(), sum, "{a} + {b}");
            assert_eq!((d(a) - d(b)).to_string(), difference, "{a} - {b}");
        }
    }

    #[test]
    fn multiplies_with_pythons_exponents_and_signs_of_zero() {
        for (a, b, product) in [
            ("1.0", "2.50", "2.500"),
            ("-0", "5", "-0"),
            ("0E-8", "-3", "-0E-8"),
            ("1E+3", "2", "2E+3"),
            (
                "1.5",
                "1.000000000000000000000000001",
                "1.500000000000000000000000002",
            ),
            ("1E-999999", "1E-999999", "0E-1000026"),
            ("1E-999999", "0.1", "1E-1000000"),
        ] {
            assert_eq!((d(a) * d(b)).to_string(), product, "{a} * {b}");
        }
    }

    #[test]
    fn negates_and_takes_the_absolute_value_as_python() {
        assert_eq!((-d("0")).to_string(), "0");
        assert_eq!((-d("-0.00")).to_string(), "0.00");
        assert_eq!((-d("4.20")).to_string(), "-4.20");
        assert_eq!(
            (-d("123456789012345678901234567890")).to_string(),
            "-1.234567890123456789012345679E+29"
        );
        assert_eq!(d("-0").abs().to_string(), "0");
        assert_eq!(d("-1E+3").abs().to_string(), "1E+3");
    }

    #[test]
    fn overflow_is_an_error_where_python_raises() {
        let big = d("9.999999999999999999999999999E+999999");
        let err = big.checked_add(&big).unwrap_err();
        assert!(err.to_string().contains("decimal.Overflow"), "{err}");
        assert!(d("1E+999999").checked_mul(&d("10")).is_err());
        assert!(d("1E+1000000").checked_neg().is_err());
        assert_eq!(big.checked_mul(&d("1")).unwrap(), big);
        let panicked = std::panic::catch_unwind(|| d("1E+999999") * d("10"));
        assert!(panicked.is_err());
    }

    #[test]
    fn sums_start_at_zero_as_pythons_sum() {
        let values = [d("4.20"), d("0E-8")];
        assert_eq!(values.iter().sum::<PyDecimal>().to_string(), "4.20000000");
        assert_eq!(
            values.into_iter().sum::<PyDecimal>().to_string(),
            "4.20000000"
        );
        assert_eq!([d("1E+3")].iter().sum::<PyDecimal>().to_string(), "1000");
        assert_eq!([d("-0")].iter().sum::<PyDecimal>().to_string(), "0");
        assert_eq!(
            std::iter::empty::<PyDecimal>()
                .sum::<PyDecimal>()
                .to_string(),
            "0"
        );
        let mut total = d("1.5");
        total += d("1.50");
        total -= &d("0.25");
        total *= d("2");
        assert_eq!(total.to_string(), "5.50");
    }

    #[test]
    fn compares_and_hashes_numbers() {
        assert_eq!(d("1.0"), d("1.00"));
        assert_eq!(d("-0"), d("0E-8"));
        assert_eq!(d("1E+3"), d("1000"));
        assert!(d("-3.5") < d("-0") && d("0.1") < d("1E-0") && d("1E+3") > d("999.99"));
        let set: HashSet<PyDecimal> = ["1.0", "1.00", "1", "-0", "0E+3", "1E+3", "1000.0"]
            .into_iter()
            .map(d)
            .collect();
        assert_eq!(set.len(), 3);
        // No digits are made up for an exponent far out.
        assert_ne!(d("1E+1000000000000"), d("1"));
        assert!(d("1E+1000000000000") > d("9E+999999999999"));
    }

    #[test]
    fn quantizes_half_even_or_fails_as_python() {
        for (a, exp, python) in [
            ("2.675", "0.01", "2.68"),
            ("2.665", "0.01", "2.66"),
            ("1", "0.01", "1.00"),
            ("-0.001", "0.01", "-0.00"),
            ("-0", "1E+2", "-0E+2"),
            ("1E+3", "1", "1000"),
            ("9.995", "0.01", "10.00"),
        ] {
            assert_eq!(d(a).quantize(&d(exp)).unwrap().to_string(), python, "{a}");
        }
        let err = d("1E+30").quantize(&d("0.1")).unwrap_err();
        assert!(err.to_string().contains("InvalidOperation"), "{err}");
        assert!(
            d("9999999999999999999999999999.5")
                .quantize(&d("1"))
                .is_err()
        );
        assert!(d("1").quantize(&d("1E+1000000")).is_err());
    }
}
