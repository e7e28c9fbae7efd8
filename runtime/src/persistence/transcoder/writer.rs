//! The JSON writer: Python's `json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)` with
//! the Python original's transcodings, writing straight into a byte buffer.

use chrono::Datelike;

use crate::domain::{Map, Value, format_isoformat, format_naive_isoformat};

use super::{
    DATA_KEY, DATETIME_ISO, DECIMAL_STR, JsonTranscoder, MAX_DEPTH, TYPE_KEY, TranscoderError,
    UUID_HEX, run_end,
};

/// What follows `\` for each byte that Python escapes: `u` for `\u00XX`, 0 for none.
static ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes JSON for one transcoder into a buffer.
pub(super) struct Writer<'t> {
    pub(super) out: Vec<u8>,
    pub(super) transcoder: &'t JsonTranscoder,
}

impl Writer<'_> {
    /// Writes a map, which sits inside `depth` containers (0 at the top level).
    pub(super) fn map(&mut self, map: &Map, depth: usize) -> Result<(), TranscoderError> {
        let depth = enter(depth)?;
        self.out.push(b'{');
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(&mut self.out, key);
            self.out.push(b':');
            self.value(value, depth)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    /// Writes a value, which sits inside `depth` containers.
    pub(super) fn value(&mut self, value: &Value, depth: usize) -> Result<(), TranscoderError> {
        let out = &mut self.out;
        match value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Int(i) => write_int(out, *i),
            Value::BigInt(digits) => {
                if !is_json_integer(digits) {
                    return Err(TranscoderError::Unwritable {
                        reason: format!("{digits:?} is not an integer"),
                    });
                }
                out.extend_from_slice(digits.as_bytes());
            }
            Value::Float(f) => write_float(out, *f),
            Value::String(s) => write_str(out, s),
            Value::List(items) => {
                let depth = enter(depth)?;
                self.out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.value(item, depth)?;
                }
                self.out.push(b']');
            }
            Value::Map(map) => self.map(map, depth)?,
            Value::Uuid(uuid) => {
                enter(depth)?;
                let mut hex = [0u8; 32];
                self.transcoded_str(UUID_HEX, uuid.simple().encode_lower(&mut hex));
            }
            Value::Decimal(decimal) => {
                enter(depth)?;
                self.transcoded_str(DECIMAL_STR, decimal.as_str());
            }
            Value::DateTime(dt) => {
                enter(depth)?;
                check_year(dt.year())?;
                self.transcoded_str(DATETIME_ISO, &format_isoformat(dt));
            }
            Value::NaiveDateTime(dt) => {
                enter(depth)?;
                check_year(dt.year())?;
                self.transcoded_str(DATETIME_ISO, &format_naive_isoformat(dt));
            }
            Value::Custom(custom) => {
                if !self.transcoder.is_registered(&custom.name) {
                    return Err(TranscoderError::Unregistered {
                        name: custom.name.clone(),
                    });
                }
                let depth = enter(depth)?;
                self.transcoded_head(&custom.name);
                self.value(&custom.data, depth)?;
                self.out.push(b'}');
            }
        }
        Ok(())
    }

    /// `{"_type_":name,"_data_":` — the transcoded object up to its data.
    fn transcoded_head(&mut self, name: &str) {
        self.out.extend_from_slice(b"{\"");
        self.out.extend_from_slice(TYPE_KEY.as_bytes());
        self.out.extend_from_slice(b"\":");
        write_str(&mut self.out, name);
        self.out.extend_from_slice(b",\"");
        self.out.extend_from_slice(DATA_KEY.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// `{"_type_":name,"_data_":"data"}`.
    fn transcoded_str(&mut self, name: &str, data: &str) {
        self.transcoded_head(name);
        write_str(&mut self.out, data);
        self.out.push(b'}');
    }
}

/// The depth inside one more container, or an error past the depth the reader accepts.
fn enter(depth: usize) -> Result<usize, TranscoderError> {
    let depth = depth + 1;
    if depth > MAX_DEPTH {
        return Err(TranscoderError::Unwritable {
            reason: format!("values are nested deeper than {MAX_DEPTH} levels"),
        });
    }
    Ok(depth)
}

/// An error for a datetime's (local) year that `isoformat()` text cannot hold: the reader, as
/// Python's `fromisoformat`, reads years of four digits, where chrono's reach ±262143.
fn check_year(year: i32) -> Result<(), TranscoderError> {
    if !(0..=9999).contains(&year) {
        return Err(TranscoderError::Unwritable {
            reason: format!("a datetime in year {year} has no four-digit isoformat"),
        });
    }
    Ok(())
}

/// JSON's integer grammar: `-?(0|[1-9][0-9]*)`.
fn is_json_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    match digits {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// A JSON string as Python writes it with `ensure_ascii=False`: only `"`, `\` and control
/// characters are escaped; everything else is copied as UTF-8.
pub(super) fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run_start = 0;
    loop {
        let end = run_end(bytes, run_start);
        out.extend_from_slice(bytes.get(run_start..end).unwrap_or_default());
        let Some(&byte) = bytes.get(end) else {
            break;
        };
        // `run_end` stops only at bytes that are escaped.
        let escape = ESCAPES[usize::from(byte)];
        if escape == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX_DIGITS[usize::from(byte >> 4)]);
            out.push(HEX_DIGITS[usize::from(byte & 0x0f)]);
        } else {
            out.push(b'\\');
            out.push(escape);
        }
        run_start = end + 1;
    }
    out.push(b'"');
}

/// An integer in decimal.
fn write_int(out: &mut Vec<u8>, value: i64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    let mut rest = value.unsigned_abs();
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[start..]);
}

/// `{:e}` (or `{:.precision$e}`) of `value` into `buf`; returns the length written. 32 bytes
/// hold the longest form (`-1.2345678901234567e-308` has 24).
fn format_exponential(buf: &mut [u8; 32], value: f64, precision: Option<usize>) -> usize {
    use std::io::Write as _;

    let mut cursor = &mut buf[..];
    let _ = match precision {
        None => write!(cursor, "{value:e}"),
        Some(precision) => write!(cursor, "{value:.precision$e}"),
    };
    32 - cursor.len()
}

/// A float as Python's `repr(float)` (and so `json.dumps`) writes it: the shortest digits that
/// read back to the same float, in fixed notation when the decimal exponent is between -4 and
/// 16 (`0.0001`, `100.0`, `1234567890123456.8`), else in scientific notation with a signed
/// exponent of at least two digits (`1e-05`, `1e+16`); `NaN`, `Infinity` and `-Infinity` for the
/// values JSON lacks.
pub(super) fn write_float(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        });
        return;
    }
    // Rust's `{:e}` gives the shortest digits that read back to the same float: `-1.2345e20`,
    // `5e-324`, `0e0`. When two strings of that length read back (possible only from 16
    // digits on), Python takes the one nearest the exact value, rounding a tie to even, which is
    // what Rust's `{:.N$e}` does; Rust's shortest form may round the tie up instead. But the
    // nearest string of that length may not read back at all: just below a power of two the
    // floats are twice as dense as above it, so a string below the value by a little less than
    // half the gap above reads as the float below (2^481, 6.243497100631985e+144, was written
    // as 6.243497100631984e+144). Python then keeps the shortest form, as this does.
    let mut buf = [0u8; 32];
    let mut len = format_exponential(&mut buf, value, None);
    let shortest_digits = buf[..len]
        .iter()
        .take_while(|&&b| b != b'e')
        .filter(|b| b.is_ascii_digit())
        .count();
    if shortest_digits >= 16 {
        let mut nearest = [0u8; 32];
        let nearest_len = format_exponential(&mut nearest, value, Some(shortest_digits - 1));
        let reads_back = std::str::from_utf8(&nearest[..nearest_len])
            .ok()
            .and_then(|text| text.parse::<f64>().ok())
            == Some(value);
        if reads_back {
            (buf, len) = (nearest, nearest_len);
        }
    }
    let text = &buf[..len];
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let (mantissa, exponent_text) = text.split_at(e_at);
    let exponent_text = exponent_text.get(1..).unwrap_or_default();
    let (exponent_negative, exponent_digits) = match exponent_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, exponent_text),
    };
    let magnitude = exponent_digits
        .iter()
        .fold(0i32, |acc, d| acc * 10 + i32::from(d.wrapping_sub(b'0')));
    let exponent = if exponent_negative {
        -magnitude
    } else {
        magnitude
    };
    // The digits are the mantissa without its point: `d` or `d.ddd`.
    let (first, fraction) = mantissa.split_at(mantissa.len().min(1));
    let fraction = fraction.get(1..).unwrap_or_default();
    let digit_count = 1 + fraction.len() as i32;
    // Python's `decpt`: the value is 0.DIGITS × 10^decpt.
    let decpt = exponent + 1;

    if negative {
        out.push(b'-');
    }
    if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
            out.extend_from_slice(first);
            out.extend_from_slice(fraction);
        } else if decpt >= digit_count {
            out.extend_from_slice(first);
            out.extend_from_slice(fraction);
            out.extend(std::iter::repeat_n(b'0', (decpt - digit_count) as usize));
            out.extend_from_slice(b".0");
        } else {
            let (before, after) = fraction.split_at((decpt - 1) as usize);
            out.extend_from_slice(first);
            out.extend_from_slice(before);
            out.push(b'.');
            out.extend_from_slice(after);
        }
    } else {
        out.extend_from_slice(first);
        if !fraction.is_empty() {
            out.push(b'.');
            out.extend_from_slice(fraction);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        write_int(out, i64::from(magnitude));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(value: f64) -> String {
        let mut out = Vec::new();
        write_float(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    fn string(text: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_are_written_as_python_repr() {
        // Each pair checked with CPython 3.11: json.dumps(value).
        for (value, python) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (9007199254740992.0, "9007199254740992.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1234567890123456.7, "1234567890123456.8"),
            // Exact ties between two 17-digit strings: Python rounds to even.
            (1_662_747_887_176_757.0 + 0.25, "1662747887176757.2"),
            (1_125_899_906_842_624.0 + 0.25, "1125899906842624.2"),
            (-1_125_899_906_842_624.0 - 0.25, "-1125899906842624.2"),
            (1_125_899_906_842_624.0 + 0.75, "1125899906842624.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            // Powers of two whose nearest 16-digit string reads back as the float below.
            (2f64.powi(481), "6.243497100631985e+144"),
            (2f64.powi(-1017), "7.120236347223045e-307"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.2345e20, "1.2345e+20"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.0001, "0.0001"),
            (0.000123, "0.000123"),
            (1e-5, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (1e-7, "1e-07"),
            (123e-20, "1.23e-18"),
            (5e-324, "5e-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(float(value), python, "{value:e}");
        }
    }

    #[test]
    fn floats_read_back_to_the_same_value() {
        let mut x = 1.0e-310_f64;
        while x < 1e300 {
            for value in [x, -x, x * 1.000_000_1, x / 3.0] {
                assert_eq!(float(value).parse::<f64>().unwrap(), value);
            }
            x *= 7.3;
        }
        // Found by the json_roundtrip fuzz target: 2^481 and 45 other powers of two did not
        // read back.
        let mut power_of_two = f64::from_bits(1);
        while power_of_two.is_finite() {
            for value in [power_of_two, -power_of_two] {
                assert_eq!(float(value).parse::<f64>().unwrap(), value);
            }
            power_of_two *= 2.0;
        }
    }

    #[test]
    fn strings_are_escaped_as_python_does() {
        // json.dumps("\x00\x1f\x7f\u2028\"\\\b\f\n\r\t/é", ensure_ascii=False)
        assert_eq!(
            string("\u{0}\u{1f}\u{7f}\u{2028}\"\\\u{8}\u{c}\n\r\t/é"),
            "\"\\u0000\\u001f\u{7f}\u{2028}\\\"\\\\\\b\\f\\n\\r\\t/é\""
        );
        assert_eq!(
            string("\u{1}\u{b}\u{e}\u{1a}"),
            r#""\u0001\u000b\u000e\u001a""#
        );
        assert_eq!(string("ÜnicØde ✓ 🦀"), "\"ÜnicØde ✓ 🦀\"");
        assert_eq!(string(""), "\"\"");
    }

    /// `write_str` one byte at a time, as it was written before runs were copied at once.
    fn string_bytewise(text: &str) -> String {
        let mut out = vec![b'"'];
        for &byte in text.as_bytes() {
            match ESCAPES[usize::from(byte)] {
                0 => out.push(byte),
                b'u' => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
                escape => out.extend_from_slice(&[b'\\', escape]),
            }
        }
        out.push(b'"');
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_the_same_at_every_offset() {
        for pad in 0..10 {
            let padding = "ab".repeat(pad).chars().take(pad).collect::<String>();
            for c in (0u32..0x80)
                .filter_map(char::from_u32)
                .chain(['é', '\u{2028}', '🦀'])
            {
                for text in [
                    format!("{padding}{c}"),
                    format!("{c}{padding}"),
                    format!("{padding}{c}{padding}{c}{c}"),
                ] {
                    assert_eq!(string(&text), string_bytewise(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for value in [0, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_int(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
    }

    #[test]
    fn big_integers_must_be_json_integers() {
        for good in [
            "0",
            "-0",
            "12345678901234567890123",
            "-98765432109876543210",
        ] {
            assert!(is_json_integer(good), "{good}");
        }
        for bad in ["", "-", "01", "1.0", "1e5", "+1", " 1", "1_000", "--1", "١"] {
            assert!(!is_json_integer(bad), "{bad}");
        }
    }
}
