use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::domain::ValueError;

/// The largest exponent magnitude accepted (Python accepts any; real data stays far below).
const MAX_EXPONENT: u64 = 1_000_000_000_000_000;

/// A Decimal as the Python original writes it: the exact text of Python's `str(Decimal)`.
///
/// Python Decimals carry an exponent that `rust_decimal` cannot always hold (`1E+3` is one
/// significant digit with exponent 3; `rust_decimal` would turn it into `1000`). Keeping the
/// canonical text lets dynamic values round-trip to the same bytes; [`to_decimal`] converts to
/// `rust_decimal` for arithmetic.
///
/// [`to_decimal`]: DecimalValue::to_decimal
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DecimalValue(String);

impl DecimalValue {
    /// Parses decimal text the way Python's `Decimal(text)` does (surrounding whitespace,
    /// exponents, underscores, `Infinity`, `NaN`) and keeps it in canonical `str(Decimal)` form.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        match Self::already_canonical(text) {
            Some(decimal) => Ok(decimal),
            None => Self::parse_general(text),
        }
    }

    /// The text as it is, when it is already in the canonical form (what the Python original
    /// stores): `-?(0|[1-9][0-9]*)(\.[0-9]+)?` and not so small that Python writes it with an
    /// exponent. `None` for anything else, which [`parse`](Self::parse) then reads the general
    /// way.
    fn already_canonical(text: &str) -> Option<Self> {
        let body = text.strip_prefix('-').unwrap_or(text);
        let (int_part, frac_part) = match body.split_once('.') {
            Some((_, "")) => return None,
            Some(parts) => parts,
            None => (body, ""),
        };
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty()
            || (int_part.len() > 1 && int_part.starts_with('0'))
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return None;
        }
        // `from_parts`: the coefficient is the digits without leading zeros ("0" if none are
        // left); its dot goes where the text has it when the number is not below 1E-6.
        let digits = int_part.len() + frac_part.len();
        let leading_zeros = int_part
            .bytes()
            .chain(frac_part.bytes())
            .take_while(|&b| b == b'0')
            .count();
        let coefficient_len = (digits - leading_zeros).max(1);
        let left_digits = coefficient_len as i64 - frac_part.len() as i64;
        (left_digits > -6).then(|| Self(text.to_owned()))
    }

    /// [`parse`](Self::parse) of any text.
    fn parse_general(text: &str) -> Result<Self, ValueError> {
        Ok(match Self::read_text(text)? {
            DecimalText::Finite {
                negative,
                digits,
                exponent,
            } => Self::from_parts(negative, &digits, exponent),
            DecimalText::Special(name) => Self(name),
        })
    }

    /// Reads decimal text the way Python's `Decimal(text)` does: surrounding whitespace, a
    /// sign, digits with an optional dot, an exponent, `Infinity`, `NaN`, `sNaN`, and
    /// underscores anywhere (Python drops them: `1_000` is `1000`). Exponents beyond ±10¹⁵ are
    /// refused (Python takes any); so are digits other than ASCII ones (Python takes any
    /// Unicode decimal digit).
    pub(crate) fn read_text(text: &str) -> Result<DecimalText, ValueError> {
        let invalid = || ValueError::Invalid {
            what: "Decimal",
            reason: format!("{text:?} is not a decimal number"),
        };
        // Python strips the whitespace first, then drops the underscores.
        let trimmed = text.trim();
        let without_underscores;
        let s = if trimmed.contains('_') {
            without_underscores = trimmed.replace('_', "");
            without_underscores.as_str()
        } else {
            trimmed
        };
        let (negative, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let sign = if negative { "-" } else { "" };
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Ok(DecimalText::Special(format!("{sign}Infinity")));
        }
        for (prefix, name) in [("snan", "sNaN"), ("nan", "NaN")] {
            if let Some(payload) = lower.strip_prefix(prefix) {
                if !payload.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                let payload = payload.trim_start_matches('0');
                return Ok(DecimalText::Special(format!("{sign}{name}{payload}")));
            }
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => {
                let exp = &body[i + 1..];
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                let exponent = exp.parse::<i64>().map_err(|_| invalid())?;
                // Far beyond any real number, and it keeps the arithmetic below in range.
                if exponent.unsigned_abs() > MAX_EXPONENT {
                    return Err(ValueError::Invalid {
                        what: "Decimal",
                        reason: format!("{text:?} has an exponent beyond ±{MAX_EXPONENT}"),
                    });
                }
                (&body[..i], exponent)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(invalid());
        }
        let digits = format!("{int_part}{frac_part}");
        let exponent = exponent
            .checked_sub(frac_part.len() as i64)
            .ok_or_else(invalid)?;
        // The canonical text shows the exponent of the first significant digit, which may pass
        // the limit when the written one does not (`55E+1000000000000000` is
        // `5.5E+1000000000000001`); such text would not parse again.
        let significant = digits.trim_start_matches('0').len().max(1) as i64;
        if exponent.saturating_add(significant - 1).unsigned_abs() > MAX_EXPONENT {
            return Err(ValueError::Invalid {
                what: "Decimal",
                reason: format!("{text:?} has an exponent beyond ±{MAX_EXPONENT}"),
            });
        }
        Ok(DecimalText::Finite {
            negative,
            digits,
            exponent,
        })
    }

    /// Canonical text from a sign, coefficient digits and exponent, following Python's
    /// `Decimal.__str__` (scientific notation when the exponent is positive or the number is
    /// smaller than 1E-6).
    pub(crate) fn from_parts(negative: bool, digits: &str, exponent: i64) -> Self {
        let coefficient = match digits.trim_start_matches('0') {
            "" => "0",
            c => c,
        };
        let len = coefficient.len() as i64;
        let left_digits = exponent + len;
        let dot_place = if exponent <= 0 && left_digits > -6 {
            left_digits
        } else {
            1
        };
        let mut out = String::with_capacity(coefficient.len() + 8);
        if negative {
            out.push('-');
        }
        if dot_place <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-dot_place) as usize));
            out.push_str(coefficient);
        } else if dot_place >= len {
            out.push_str(coefficient);
            out.extend(std::iter::repeat_n('0', (dot_place - len) as usize));
        } else {
            out.push_str(&coefficient[..dot_place as usize]);
            out.push('.');
            out.push_str(&coefficient[dot_place as usize..]);
        }
        if left_digits != dot_place {
            out.push_str(&format!("E{:+}", left_digits - dot_place));
        }
        Self(out)
    }

    /// The canonical text (`str(Decimal)`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Converts to a `rust_decimal::Decimal`; fails for `NaN`, `Infinity`, and numbers beyond
    /// its 28 digits of precision.
    pub fn to_decimal(&self) -> Result<Decimal, ValueError> {
        let unrepresentable = |reason: &str| ValueError::Invalid {
            what: "Decimal",
            reason: format!("{} {reason}", self.0),
        };
        let s = self.0.as_str();
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if body.starts_with(['I', 'N', 's']) {
            return Err(unrepresentable("has no rust_decimal equivalent"));
        }
        let (mantissa, exponent) = match body.split_once('E') {
            Some((m, e)) => (
                m,
                e.parse::<i64>()
                    .map_err(|_| unrepresentable("has a bad exponent"))?,
            ),
            None => (body, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let too_precise = || unrepresentable("needs more than 28 digits");
        let mut digits = format!("{int_part}{frac_part}");
        let mut scale = (frac_part.len() as i64)
            .checked_sub(exponent)
            .ok_or_else(too_precise)?;
        if scale < 0 {
            if -scale > 28 {
                return Err(too_precise());
            }
            digits.extend(std::iter::repeat_n('0', (-scale) as usize));
            scale = 0;
        }
        let coefficient: i128 = if digits.len() > 30 {
            return Err(too_precise());
        } else {
            digits.parse().map_err(|_| too_precise())?
        };
        let scale = u32::try_from(scale).map_err(|_| too_precise())?;
        let value = Decimal::try_from_i128_with_scale(
            if negative { -coefficient } else { coefficient },
            scale,
        )
        .map_err(|_| too_precise())?;
        let mut value = value;
        if negative && coefficient == 0 {
            value.set_sign_negative(true);
        }
        Ok(value)
    }
}

/// Decimal text as [`DecimalValue::read_text`] reads it, before it is written canonically.
pub(crate) enum DecimalText {
    /// A number: its sign, its coefficient's digits (leading zeros possible) and its exponent.
    Finite {
        /// Whether a minus sign was written (also for zero: `-0`).
        negative: bool,
        /// The coefficient's digits, ASCII, never empty.
        digits: String,
        /// The power of ten the coefficient is multiplied by.
        exponent: i64,
    },
    /// `Infinity`, `NaN` or `sNaN`, already canonical (`-Infinity`, `NaN12`).
    Special(String),
}

impl From<Decimal> for DecimalValue {
    fn from(d: Decimal) -> Self {
        let digits = d.mantissa().unsigned_abs().to_string();
        Self::from_parts(d.is_sign_negative(), &digits, -(d.scale() as i64))
    }
}

impl FromStr for DecimalValue {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DecimalValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        DecimalValue::parse(s).unwrap().0
    }

    #[test]
    fn canonical_text_matches_python_str() {
        // Pairs checked against CPython 3.11: str(Decimal(input)).
        for (input, python) in [
            ("10.00", "10.00"),
            ("1E+3", "1E+3"),
            ("1e3", "1E+3"),
            ("1000", "1000"),
            ("-0.001", "-0.001"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("1.0E-7", "1.0E-7"),
            ("+5", "5"),
            ("0001", "1"),
            ("-0", "-0"),
            ("0.00", "0.00"),
            ("0E+3", "0E+3"),
            ("12.5e1", "125"),
            ("12.5e2", "1.25E+3"),
            (".5", "0.5"),
            ("5.", "5"),
            (" 7 ", "7"),
            ("inf", "Infinity"),
            ("-Infinity", "-Infinity"),
            ("nan", "NaN"),
            ("sNaN", "sNaN"),
            // Python drops underscores, after the surrounding whitespace.
            ("1_000", "1000"),
            ("_1_e_3_", "1E+3"),
            (" _7_ ", "7"),
        ] {
            assert_eq!(canon(input), python, "input {input}");
        }
    }

    #[test]
    fn rejects_non_numbers() {
        for bad in [
            "",
            "abc",
            "1.2.3",
            "1e",
            "--1",
            "1e+x",
            ".",
            "1E+9223372036854775807",
            "1E-9223372036854775808",
            "_",
            "_ 7",
            "7 _",
        ] {
            assert!(DecimalValue::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn canonical_text_parses_again_near_the_exponent_limit() {
        // Found by the json_roundtrip fuzz target: "55E+1000000000000000" was kept as
        // "5.5E+1000000000000001", which did not parse again.
        for beyond in [
            "55E+1000000000000000",
            "0.5E-1000000000000000",
            "-12.5E+1000000000000000",
            "-125E+999999999999999",
            "0.00E-1000000000000000",
        ] {
            assert!(DecimalValue::parse(beyond).is_err(), "{beyond:?}");
        }
        for within in [
            "5.5E+1000000000000000",
            "55E+999999999999999",
            "-12.5E+999999999999999",
            "5E-1000000000000000",
            "0.5E-999999999999999",
            "0E+1000000000000000",
            "0.00E-999999999999998",
        ] {
            let decimal = DecimalValue::parse(within).unwrap();
            assert_eq!(DecimalValue::parse(decimal.as_str()).unwrap(), decimal);
        }
    }

    #[test]
    fn converts_from_and_to_rust_decimal() {
        for text in ["10.00", "-12.345", "250.51", "0.01", "0", "1E-7"] {
            let d = DecimalValue::parse(text).unwrap().to_decimal().unwrap();
            assert_eq!(DecimalValue::from(d).as_str(), text);
        }
        let thousand = DecimalValue::parse("1E+3").unwrap().to_decimal().unwrap();
        assert_eq!(thousand, Decimal::from(1000));
        assert!(DecimalValue::parse("NaN").unwrap().to_decimal().is_err());
        assert!(DecimalValue::parse("1E+40").unwrap().to_decimal().is_err());
        assert!(
            DecimalValue::parse("1E+999999999999")
                .unwrap()
                .to_decimal()
                .is_err()
        );
        assert!(
            DecimalValue::parse("1E-999999999999")
                .unwrap()
                .to_decimal()
                .is_err()
        );
    }

    #[test]
    fn canonical_text_is_kept_as_the_general_parser_would_write_it() {
        let mut kept = 0;
        for sign in ["", "-", "+"] {
            for int_part in [
                "",
                "0",
                "00",
                "1",
                "01",
                "10",
                "123",
                "100000000000000000000000000000",
            ] {
                for frac_part in [
                    None,
                    Some(""),
                    Some("0"),
                    Some("00"),
                    Some("5"),
                    Some("50"),
                    Some("00001"),
                    Some("000001"),
                    Some("0000001"),
                    Some("000000"),
                    Some("0000000"),
                    Some("00000012"),
                    Some("1234567890123456789012345678901"),
                ] {
                    let text = match frac_part {
                        None => format!("{sign}{int_part}"),
                        Some(frac) => format!("{sign}{int_part}.{frac}"),
                    };
                    let general = DecimalValue::parse_general(&text);
                    if let Some(decimal) = DecimalValue::already_canonical(&text) {
                        kept += 1;
                        assert_eq!(Some(&decimal), general.as_ref().ok(), "{text:?}");
                    }
                    assert_eq!(DecimalValue::parse(&text).ok(), general.ok(), "{text:?}");
                }
            }
        }
        assert!(kept > 50, "only {kept} texts were kept as they are");
    }
}
