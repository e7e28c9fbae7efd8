//! Conversions of [`PyDecimal`]: from integers, to and from `rust_decimal` and
//! [`DecimalValue`], into [`Value`], and serde (as the text `str(Decimal)`).

use std::fmt;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;

use super::PyDecimal;
use crate::domain::ValueError;
use crate::domain::value::{DecimalValue, Value};

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for PyDecimal {
            /// The integer, exponent 0 (as Python's `Decimal(int)`).
            fn from(n: $t) -> Self {
                Self::with_sign(BigDecimal::from(n), false)
            }
        }
    )*};
}

from_integer!(i32, i64, u32, u64);

impl From<rust_decimal::Decimal> for PyDecimal {
    /// The same coefficient, scale and sign (`rust_decimal`'s `-0` too).
    fn from(d: rust_decimal::Decimal) -> Self {
        let value = BigDecimal::new(BigInt::from(d.mantissa()), i64::from(d.scale()));
        Self::with_sign(value, d.is_sign_negative())
    }
}

impl TryFrom<&PyDecimal> for rust_decimal::Decimal {
    type Error = ValueError;

    /// The same number with the same scale where `rust_decimal` can hold it; positive
    /// exponents become digits (`1E+3` is `1000`). An error naming the number for more than 28
    /// digits.
    fn try_from(d: &PyDecimal) -> Result<Self, ValueError> {
        d.to_decimal_value().to_decimal()
    }
}

impl TryFrom<PyDecimal> for rust_decimal::Decimal {
    type Error = ValueError;

    /// See `TryFrom<&PyDecimal>`.
    fn try_from(d: PyDecimal) -> Result<Self, ValueError> {
        rust_decimal::Decimal::try_from(&d)
    }
}

impl From<&PyDecimal> for DecimalValue {
    /// The text `str(Decimal)` of the number.
    fn from(d: &PyDecimal) -> Self {
        d.to_decimal_value()
    }
}

impl From<PyDecimal> for DecimalValue {
    /// The text `str(Decimal)` of the number.
    fn from(d: PyDecimal) -> Self {
        d.to_decimal_value()
    }
}

impl TryFrom<&DecimalValue> for PyDecimal {
    type Error = ValueError;

    /// The number of the text; an error for `NaN`, `sNaN` and `Infinity`.
    fn try_from(d: &DecimalValue) -> Result<Self, ValueError> {
        PyDecimal::parse(d.as_str())
    }
}

impl From<&PyDecimal> for Value {
    /// [`Value::Decimal`].
    fn from(d: &PyDecimal) -> Self {
        Value::Decimal(d.to_decimal_value())
    }
}

impl serde::Serialize for PyDecimal {
    /// As a string: Python's `str(Decimal)`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.to_decimal_value().as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PyDecimal {
    /// From a string, read as [`PyDecimal::parse`] reads it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(PyDecimalVisitor)
    }
}

struct PyDecimalVisitor;

impl serde::de::Visitor<'_> for PyDecimalVisitor {
    type Value = PyDecimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number as a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<PyDecimal, E> {
        PyDecimal::parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Transcode;

    fn d(text: &str) -> PyDecimal {
        PyDecimal::parse(text).unwrap()
    }

    #[test]
    fn converts_to_and_from_rust_decimal() {
        let r = rust_decimal::Decimal::try_from(d("4.20")).unwrap();
        assert_eq!(r.to_string(), "4.20");
        assert_eq!(
            rust_decimal::Decimal::try_from(d("1E+3"))
                .unwrap()
                .to_string(),
            "1000"
        );
        assert!(rust_decimal::Decimal::try_from(d("1E+40")).is_err());
        assert_eq!(PyDecimal::from(r).to_string(), "4.20");
        let mut negative_zero = rust_decimal::Decimal::ZERO;
        negative_zero.set_sign_negative(true);
        assert_eq!(PyDecimal::from(negative_zero).to_string(), "-0");
    }

    #[test]
    fn is_stored_as_a_decimal_value_and_as_a_serde_string() {
        let value = d("0E-8").to_value().unwrap();
        assert_eq!(value, Value::Decimal(DecimalValue::parse("0E-8").unwrap()));
        assert_eq!(PyDecimal::from_value(value).unwrap().to_string(), "0E-8");
        let from_text = PyDecimal::from_value(Value::String("1E+3".into())).unwrap();
        assert_eq!(from_text.to_string(), "1E+3");
        let err = PyDecimal::from_value(Value::Decimal(DecimalValue::parse("NaN").unwrap()));
        assert!(err.unwrap_err().to_string().contains("\"NaN\""));
        assert!(PyDecimal::from_value(Value::Int(1)).is_err());
        assert_eq!(serde_json::to_string(&d("1E+3")).unwrap(), r#""1E+3""#);
        let back: PyDecimal = serde_json::from_str(r#""-0.00""#).unwrap();
        assert_eq!(back.to_string(), "-0.00");
        let err = serde_json::from_str::<PyDecimal>(r#""NaN""#).unwrap_err();
        assert!(err.to_string().contains("\"NaN\""), "{err}");
        // A JSON number would be a float to Python, not a Decimal.
        assert!(serde_json::from_str::<PyDecimal>("1.5").is_err());
    }
}
