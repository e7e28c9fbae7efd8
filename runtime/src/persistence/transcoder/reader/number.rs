//! Numbers, as Python's `json.loads` reads them: integers of any size, floats correctly rounded.

use crate::domain::Value;

use super::{Failure, Reader};

impl Reader<'_> {
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`: an integer unless it has a fraction or an
    /// exponent, as in Python.
    pub(super) fn number(&mut self) -> Result<Value, Failure> {
        let start = self.pos;
        let digit_at = |i: usize| self.bytes.get(i).is_some_and(u8::is_ascii_digit);
        let mut end = start;
        let negative = self.bytes.get(end) == Some(&b'-');
        if negative {
            end += 1;
        }
        let digits_start = end;
        match self.bytes.get(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => {
                end += 1;
                while digit_at(end) {
                    end += 1;
                }
            }
            _ => return Err(self.error("expecting value")),
        }
        let digits_end = end;
        let mut is_float = false;
        if self.bytes.get(end) == Some(&b'.') && digit_at(end + 1) {
            end += 2;
            while digit_at(end) {
                end += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.bytes.get(end) {
            let mut exponent_end = end + 1;
            if let Some(b'+' | b'-') = self.bytes.get(exponent_end) {
                exponent_end += 1;
            }
            if digit_at(exponent_end) {
                while digit_at(exponent_end) {
                    exponent_end += 1;
                }
                end = exponent_end;
                is_float = true;
            }
        }
        self.pos = end;
        // At most 18 digits always fit in an i64.
        if !is_float && digits_end - digits_start <= 18 {
            let magnitude = self.bytes[digits_start..digits_end]
                .iter()
                .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
            return Ok(Value::Int(if negative { -magnitude } else { magnitude }));
        }
        let text = self.slice(start, end)?;
        if is_float {
            // Rust's parser rounds correctly like Python's `float()`, overflowing to infinity.
            text.parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.error_at(start, "bad number"))
        } else {
            // The grammar above leaves overflow as the only way for this parse to fail.
            Ok(text
                .parse::<i64>()
                .map_or_else(|_| Value::BigInt(text.to_owned()), Value::Int))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::ok;
    use crate::domain::Value;

    #[test]
    fn integers_beyond_64_bits_keep_their_digits() {
        assert_eq!(
            ok("9223372036854775808"),
            Value::BigInt("9223372036854775808".into())
        );
        assert_eq!(
            ok("-100000000000000000000000000000"),
            Value::BigInt("-100000000000000000000000000000".into())
        );
    }
}
