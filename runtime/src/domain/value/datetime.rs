use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::Value;
use crate::domain::ValueError;

fn push_naive(out: &mut String, dt: &NaiveDateTime) {
    use std::fmt::Write;
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
}

/// Python's `datetime.isoformat()` of a naive datetime: `2020-02-29T12:00:00`, with `.ffffff`
/// only when there are microseconds.
pub fn format_naive_isoformat(dt: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(26);
    push_naive(&mut out, dt);
    out
}

/// Python's `datetime.isoformat()` of an aware datetime:
/// `2024-01-02T03:04:05.678901+00:00`, `2024-06-30T23:59:59+05:30`.
pub fn format_isoformat(dt: &DateTime<FixedOffset>) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(32);
    push_naive(&mut out, &dt.naive_local());
    let offset = dt.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60);
    if !offset.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", offset % 60);
    }
    out
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

/// Parses what Python's `datetime.fromisoformat` reads from `isoformat()` output: a date, an
/// optional time with optional fraction, and an optional offset (`+05:30`, `-08:00`, `Z`).
/// Returns [`Value::DateTime`] when there is an offset, [`Value::NaiveDateTime`] otherwise.
pub fn parse_isoformat(text: &str) -> Result<Value, ValueError> {
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
        let minute = if c.eat(b':') {
            c.digits(2).ok_or_else(invalid)?
        } else {
            0
        };
        let second = if c.eat(b':') {
            c.digits(2).ok_or_else(invalid)?
        } else {
            0
        };
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
                let minutes = if c.eat(b':') {
                    c.digits(2).ok_or_else(invalid)?
                } else {
                    0
                };
                let seconds = if c.eat(b':') {
                    c.digits(2).ok_or_else(invalid)?
                } else {
                    0
                };
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
    let naive = NaiveDateTime::new(date, time);
    match offset {
        None => Ok(Value::NaiveDateTime(naive)),
        Some(seconds) => {
            let tz = FixedOffset::east_opt(seconds).ok_or_else(invalid)?;
            naive
                .and_local_timezone(tz)
                .single()
                .map(Value::DateTime)
                .ok_or_else(invalid)
        }
    }
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
}
