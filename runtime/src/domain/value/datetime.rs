use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::Value;
use crate::domain::ValueError;

/// `value` in decimal, zero-padded to at least `width` digits: `format!("{value:0width$}")`.
fn push_padded(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut start = digits.len();
    let mut rest = value;
    while rest != 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let start = start.min(digits.len().saturating_sub(width));
    out.extend_from_slice(&digits[start..]);
}

/// The two digits of `value` (below 100) into `at`.
fn put2(at: &mut [u8], value: u32) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let i = (value % 100) as usize * 2;
    at[..2].copy_from_slice(&PAIRS[i..i + 2]);
}

fn push_naive(out: &mut Vec<u8>, dt: &NaiveDateTime) {
    let micros = dt.nanosecond() % 1_000_000_000 / 1_000;
    // Years of four digits, all but the very rare: each field into its place in one buffer.
    if let Ok(year @ 0..=9999) = u32::try_from(dt.year()) {
        let mut text = *b"0000-00-00T00:00:00.000000";
        put2(&mut text[0..], year / 100);
        put2(&mut text[2..], year);
        put2(&mut text[5..], dt.month());
        put2(&mut text[8..], dt.day());
        put2(&mut text[11..], dt.hour());
        put2(&mut text[14..], dt.minute());
        put2(&mut text[17..], dt.second());
        let len = if micros == 0 {
            19
        } else {
            put2(&mut text[20..], micros / 10_000);
            put2(&mut text[22..], micros / 100);
            put2(&mut text[24..], micros);
            26
        };
        out.extend_from_slice(&text[..len]);
        return;
    }
    match u32::try_from(dt.year()) {
        Ok(year) => push_padded(out, year, 4),
        // `{:04}` of a negative year: the sign counts in the width.
        Err(_) => {
            use std::io::Write;
            let _ = write!(out, "{:04}", dt.year());
        }
    }
    for (separator, value) in [
        (b'-', dt.month()),
        (b'-', dt.day()),
        (b'T', dt.hour()),
        (b':', dt.minute()),
        (b':', dt.second()),
    ] {
        out.push(separator);
        push_padded(out, value, 2);
    }
    if micros != 0 {
        out.push(b'.');
        push_padded(out, micros, 6);
    }
}

/// Writes [`format_isoformat`] into `out`.
fn push_aware(out: &mut Vec<u8>, dt: &DateTime<FixedOffset>) {
    let offset = dt.offset().local_minus_utc();
    if offset == 0 {
        // UTC, what this crate writes: the local time is the UTC time, no arithmetic.
        push_naive(out, &dt.naive_utc());
        out.extend_from_slice(b"+00:00");
        return;
    }
    push_naive(out, &dt.naive_local());
    out.push(if offset < 0 { b'-' } else { b'+' });
    let offset = offset.unsigned_abs();
    push_padded(out, offset / 3600, 2);
    out.push(b':');
    push_padded(out, offset / 60 % 60, 2);
    if !offset.is_multiple_of(60) {
        out.push(b':');
        push_padded(out, offset % 60, 2);
    }
}

/// The text written by `push_naive` or `push_aware`, which is ASCII.
fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Python's `datetime.isoformat()` of a naive datetime: `2020-02-29T12:00:00`, with `.ffffff`
/// only when there are microseconds.
pub fn format_naive_isoformat(dt: &NaiveDateTime) -> String {
    let mut out = Vec::with_capacity(26);
    push_naive(&mut out, dt);
    ascii_string(out)
}

/// Python's `datetime.isoformat()` of an aware datetime:
/// `2024-01-02T03:04:05.678901+00:00`, `2024-06-30T23:59:59+05:30`.
pub fn format_isoformat(dt: &DateTime<FixedOffset>) -> String {
    let mut out = Vec::with_capacity(32);
    push_aware(&mut out, dt);
    ascii_string(out)
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.text.get(self.pos..self.pos + n)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.pos += n;
        part.parse().ok()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.text.as_bytes().get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// An optional `:NN` part (minutes, seconds): 0 when absent, `None` when malformed.
    fn colon_part(&mut self) -> Option<u32> {
        if self.eat(b':') {
            self.digits(2)
        } else {
            Some(0)
        }
    }

    fn done(&self) -> bool {
        self.pos == self.text.len()
    }

    /// `.ffffff` (any number of digits, truncated to microseconds), as Python 3.11 accepts.
    fn fraction_micros(&mut self) -> Option<u32> {
        if !(self.eat(b'.') || self.eat(b',')) {
            return Some(0);
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.text[start..self.pos];
        if digits.is_empty() {
            return None;
        }
        let mut micros = 0u32;
        for (i, b) in digits.bytes().take(6).enumerate() {
            micros += u32::from(b - b'0') * 10u32.pow(5 - i as u32);
        }
        Some(micros)
    }
}

/// The value of a date, a time and an offset in seconds east of UTC (none for a naive
/// datetime), or `None` if the offset or the datetime in UTC is out of range.
fn assemble(date: NaiveDate, time: NaiveTime, offset: Option<i32>) -> Option<Value> {
    let naive = NaiveDateTime::new(date, time);
    match offset {
        None => Some(Value::NaiveDateTime(naive)),
        // UTC, what this crate and the Python original write: no arithmetic to do.
        Some(0) => Some(Value::DateTime(DateTime::from_naive_utc_and_offset(
            naive,
            FixedOffset::east_opt(0)?,
        ))),
        Some(seconds) => {
            // What `naive.and_local_timezone(tz).single()` does for a fixed offset.
            let tz = FixedOffset::east_opt(seconds)?;
            let utc = naive.checked_sub_offset(tz)?;
            Some(Value::DateTime(DateTime::from_naive_utc_and_offset(
                utc, tz,
            )))
        }
    }
}

/// The text `isoformat()` writes, `YYYY-MM-DDTHH:MM:SS`, then `.ffffff` or nothing, then
/// `+HH:MM`, `-HH:MM` or nothing, read at fixed offsets. `None` for any other text, and for a
/// date, time or offset out of range: [`parse_isoformat`] then reads it the general way (and
/// so gives the same value or the same error).
fn parse_isoformat_exact(text: &str) -> Option<Value> {
    let b = text.as_bytes();
    let (fraction, offset) = match b.len() {
        19 => (false, false),
        25 => (false, true),
        26 => (true, false),
        32 => (true, true),
        _ => return None,
    };
    let head: &[u8; 19] = b.first_chunk()?;
    if [head[4], head[7], head[10], head[13], head[16]] != *b"--T::" {
        return None;
    }
    // Digits are checked all at once at the end rather than one by one.
    let mut not_digits = 0u8;
    let mut two = |tens: u8, ones: u8| {
        let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
        not_digits |= u8::from(tens > 9) | u8::from(ones > 9);
        u32::from(tens) * 10 + u32::from(ones)
    };
    let year = two(head[0], head[1]) * 100 + two(head[2], head[3]);
    let (month, day) = (two(head[5], head[6]), two(head[8], head[9]));
    let (hour, minute, second) = (
        two(head[11], head[12]),
        two(head[14], head[15]),
        two(head[17], head[18]),
    );
    let micros = match b.get(19..26).and_then(|f| <&[u8; 7]>::try_from(f).ok()) {
        Some(f) if fraction => {
            if f[0] != b'.' {
                return None;
            }
            two(f[1], f[2]) * 10_000 + two(f[3], f[4]) * 100 + two(f[5], f[6])
        }
        _ => 0,
    };
    let offset = match b.last_chunk::<6>() {
        Some(&[sign, h1, h2, b':', m1, m2]) if offset => {
            let seconds = (two(h1, h2) * 3600 + two(m1, m2) * 60) as i32;
            match sign {
                b'+' => Some(seconds),
                b'-' => Some(-seconds),
                _ => return None,
            }
        }
        Some(_) if offset => return None,
        _ => None,
    };
    if not_digits != 0 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?;
    assemble(date, time, offset)
}

/// Parses what Python's `datetime.fromisoformat` reads from `isoformat()` output: a date, an
/// optional time with optional fraction, and an optional offset (`+05:30`, `-08:00`, `Z`).
/// Returns [`Value::DateTime`] when there is an offset, [`Value::NaiveDateTime`] otherwise.
pub fn parse_isoformat(text: &str) -> Result<Value, ValueError> {
    if let Some(value) = parse_isoformat_exact(text) {
        return Ok(value);
    }
    parse_isoformat_general(text)
}

/// [`parse_isoformat`] of any text, character by character.
fn parse_isoformat_general(text: &str) -> Result<Value, ValueError> {
    let invalid = || ValueError::Invalid {
        what: "datetime",
        reason: format!("{text:?} is not an ISO 8601 datetime"),
    };
    let mut c = Cursor { text, pos: 0 };
    let year = c.digits(4).ok_or_else(invalid)?;
    let month = if c.eat(b'-') { c.digits(2) } else { None }.ok_or_else(invalid)?;
    let day = if c.eat(b'-') { c.digits(2) } else { None }.ok_or_else(invalid)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(invalid)?;
    let mut time = NaiveTime::MIN;
    let mut offset = None;
    if !c.done() {
        // Python accepts any single character between date and time.
        if !text.is_char_boundary(c.pos + 1) {
            return Err(invalid());
        }
        c.pos += 1;
        let hour = c.digits(2).ok_or_else(invalid)?;
        let minute = c.colon_part().ok_or_else(invalid)?;
        let second = c.colon_part().ok_or_else(invalid)?;
        let micros = c.fraction_micros().ok_or_else(invalid)?;
        time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros).ok_or_else(invalid)?;
        match c.peek() {
            None => {}
            Some(b'Z') => {
                c.pos += 1;
                offset = Some(0);
            }
            Some(sign @ (b'+' | b'-')) => {
                c.pos += 1;
                let hours = c.digits(2).ok_or_else(invalid)?;
                let minutes = c.colon_part().ok_or_else(invalid)?;
                let seconds = c.colon_part().ok_or_else(invalid)?;
                // Sub-second offsets exist in Python but not in chrono; they are dropped.
                c.fraction_micros().ok_or_else(invalid)?;
                let total = (hours * 3600 + minutes * 60 + seconds) as i32;
                offset = Some(if sign == b'-' { -total } else { total });
            }
            Some(_) => return Err(invalid()),
        }
        if !c.done() {
            return Err(invalid());
        }
    }
    assemble(date, time, offset).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        match parse_isoformat(text).unwrap() {
            Value::DateTime(dt) => format_isoformat(&dt),
            Value::NaiveDateTime(dt) => format_naive_isoformat(&dt),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn python_isoformat_round_trips() {
        for text in [
            "2024-01-02T03:04:05.678901+00:00",
            "2024-01-02T03:04:05+00:00",
            "2024-06-30T23:59:59+05:30",
            "2024-02-29T12:00:00.000001+00:00",
            "2020-02-29T12:00:00",
            "1999-12-31T23:59:59-08:00",
            "0001-01-01T00:00:00+00:00",
            "2024-01-02T03:04:05+05:30:15",
        ] {
            assert_eq!(round_trip(text), text);
        }
    }

    #[test]
    fn reads_other_forms_python_accepts() {
        assert_eq!(
            round_trip("2024-01-02T03:04:05Z"),
            "2024-01-02T03:04:05+00:00"
        );
        assert_eq!(
            round_trip("2024-01-02 03:04:05.5"),
            "2024-01-02T03:04:05.500000"
        );
        assert_eq!(
            round_trip("2024-01-02T03:04:05.1234567+00:00"),
            "2024-01-02T03:04:05.123456+00:00"
        );
        assert_eq!(round_trip("2024-01-02"), "2024-01-02T00:00:00");
        assert_eq!(round_trip("2024-01-02T03:04"), "2024-01-02T03:04:00");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024",
            "2024-13-01T00:00:00",
            "2024-01-02T25:00:00",
            "2024-01-02T03:04:05+",
            "2024-01-02T03:04:05 junk",
            "2024-01-02T03:04:05.",
        ] {
            assert!(parse_isoformat(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_exact_shape_parses_as_the_general_parser_does() {
        let mut inputs: Vec<String> = [
            "2024-01-02T03:04:05.678901+00:00",
            "2024-01-02T03:04:05+00:00",
            "2024-06-30T23:59:59+05:30",
            "1999-12-31T23:59:59-08:00",
            "2024-01-02T03:04:05.000001-00:00",
            "2020-02-29T12:00:00",
            "2020-02-29T12:00:00.500000",
            "0001-01-01T00:00:00+00:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59.999999-01:00",
            "9999-12-31T23:59:59.999999+00:00",
            "0000-01-01T00:00:00",
            "2024-01-02T03:04:05+23:59",
            "2024-01-02T03:04:05+24:00",
            "2024-01-02T03:04:05+99:99",
            "2024-01-02T03:04:05+05:60",
            // Valid, but not the exact shape: the general parser reads them.
            "2024-01-02T03:04:05Z",
            "2024-01-02 03:04:05+00:00",
            "2024-01-02T03:04:05.5+00:00",
            "2024-01-02T03:04:05.1234567+00:00",
            "2024-01-02T03:04:05+05:30:15",
            "2024-01-02T03:04",
            "2024-01-02",
            // Not valid at all.
            "2023-02-29T00:00:00",
            "2024-04-31T00:00:00+00:00",
            "2024-13-01T00:00:00",
            "2024-00-01T00:00:00",
            "2024-01-02T24:00:00",
            "2024-01-02T23:60:00",
            "2024-01-02T23:59:60",
            "2024-01-02T23:59:60.000000+00:00",
            "2024-01-02T03:04:05*00:00",
            "2024-01-02T03:04:05+00-00",
            "2024-01-02T03:04:05,123456",
            "2024-01-02T03:04:05.12345a",
            "2024-01-02T03:04:05.123456+0a:00",
            "2024/01/02T03:04:05",
            "2024-01-02T03-04:05",
            "202a-01-02T03:04:05",
            "-024-01-02T03:04:05",
            "+024-01-02T03:04:05",
            "2024-01-02T03:04:0é",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        // Each byte of a full-length text changed to a digit, a separator or a letter.
        let full = "2024-06-30T23:59:59.123456-05:30";
        for i in 0..full.len() {
            for byte in [b'0', b'9', b'-', b':', b'.', b'+', b'T', b'Z', b' '] {
                let mut bytes = full.as_bytes().to_vec();
                bytes[i] = byte;
                inputs.push(String::from_utf8(bytes).unwrap());
            }
        }
        let mut exact = 0;
        for text in &inputs {
            let general = parse_isoformat_general(text);
            match parse_isoformat_exact(text) {
                Some(value) => {
                    exact += 1;
                    assert_eq!(Some(&value), general.as_ref().ok(), "{text:?}");
                }
                None => assert!(
                    general.is_err() || !looks_exact(text),
                    "{text:?}: valid and of the exact shape, but left to the general parser"
                ),
            }
            assert_eq!(
                parse_isoformat(text).ok(),
                general.as_ref().ok().cloned(),
                "{text:?}"
            );
        }
        assert!(exact > 50, "only {exact} inputs took the exact path");
    }

    /// Whether `text` has the shape the exact parser reads.
    fn looks_exact(text: &str) -> bool {
        let shape = text
            .bytes()
            .map(|b| if b.is_ascii_digit() { '9' } else { b as char })
            .collect::<String>()
            .replace('-', "+");
        [
            "9999+99+99T99:99:99",
            "9999+99+99T99:99:99+99:99",
            "9999+99+99T99:99:99.999999",
            "9999+99+99T99:99:99.999999+99:99",
        ]
        .contains(&shape.as_str())
    }

    /// The formatting before the digits were written by hand.
    fn reference_isoformat(dt: &NaiveDateTime, offset: Option<i32>) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let micros = dt.nanosecond() % 1_000_000_000 / 1_000;
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        );
        if micros != 0 {
            let _ = write!(out, ".{micros:06}");
        }
        if let Some(offset) = offset {
            let sign = if offset < 0 { '-' } else { '+' };
            let offset = offset.unsigned_abs();
            let _ = write!(out, "{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60);
            if !offset.is_multiple_of(60) {
                let _ = write!(out, ":{:02}", offset % 60);
            }
        }
        out
    }

    #[test]
    fn formats_as_the_reference_formatting() {
        let dates = [
            (1, 1, 1),
            (9, 12, 31),
            (999, 6, 15),
            (2024, 2, 29),
            (9999, 12, 31),
            (10000, 1, 1),
            (262_142, 12, 31),
            (0, 1, 1),
            (-1, 3, 4),
            (-9999, 1, 1),
            (-262_143, 1, 1),
        ];
        let times = [
            (0, 0, 0, 0),
            (3, 4, 5, 678_901_000),
            (23, 59, 59, 1_000),
            (12, 0, 0, 999_999_999),
            (12, 0, 0, 999),
            (23, 59, 59, 1_500_000_000),
        ];
        let offsets = [
            0,
            1,
            59,
            60,
            3600,
            5 * 3600 + 30 * 60,
            86_399,
            -1,
            -60,
            -8 * 3600,
            -86_399,
        ];
        for (y, m, d) in dates {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            for (h, min, sec, nano) in times {
                let naive = date.and_hms_nano_opt(h, min, sec, nano).unwrap();
                assert_eq!(
                    format_naive_isoformat(&naive),
                    reference_isoformat(&naive, None)
                );
                for offset in offsets {
                    let tz = FixedOffset::east_opt(offset).unwrap();
                    let Some(dt) = naive.and_local_timezone(tz).single() else {
                        continue;
                    };
                    assert_eq!(
                        format_isoformat(&dt),
                        reference_isoformat(&naive, Some(offset)),
                        "{naive} {offset}"
                    );
                }
            }
        }
    }

    #[test]
    fn offsets_apply_as_chrono_applies_them() {
        let dates = [
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        ];
        let times = [
            NaiveTime::MIN,
            NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap(),
        ];
        let offsets = [0, 1, 3600, 86_399, 86_400, -1, -3600, -86_399, -86_400];
        for date in dates {
            for time in times {
                for seconds in offsets {
                    let expected = FixedOffset::east_opt(seconds).and_then(|tz| {
                        NaiveDateTime::new(date, time)
                            .and_local_timezone(tz)
                            .single()
                            .map(Value::DateTime)
                    });
                    assert_eq!(
                        assemble(date, time, Some(seconds)),
                        expected,
                        "{date} {time} {seconds}"
                    );
                }
            }
        }
    }
}
