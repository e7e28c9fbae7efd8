//! Strings: unescaped runs found eight bytes at a time and borrowed from the input; escapes,
//! including `\uXXXX` surrogate pairs, decoded into an owned string.

use std::borrow::Cow;

use super::super::run_end;
use super::{Failure, Reader};

impl<'a> Reader<'a> {
    /// A string starting at the current `"`; borrowed from the input when it has no escapes.
    #[inline]
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>, Failure> {
        let start = self.pos + 1;
        let end = run_end(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.slice(start, end).map(Cow::Borrowed);
        }
        self.string_with_escapes(end).map(Cow::Owned)
    }

    /// The rest of the string starting at the current `"`, whose first unescaped run ends at
    /// `i` with something other than the closing quote.
    #[inline(never)]
    fn string_with_escapes(&mut self, mut i: usize) -> Result<String, Failure> {
        let open = self.pos;
        let start = open + 1;
        match self.bytes.get(i) {
            Some(b'\\') => {}
            Some(_) => return Err(self.error_at(i, "invalid control character in string")),
            None => return Err(self.error_at(open, "unterminated string")),
        }
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.slice(start, i)?);
        loop {
            // At a `\`.
            i = self.escape(open, i, &mut out)?;
            let run_start = i;
            i = run_end(self.bytes, i);
            out.push_str(self.slice(run_start, i)?);
            match self.bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(b'\\') => {}
                Some(_) => return Err(self.error_at(i, "invalid control character in string")),
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
    }

    /// Decodes the escape at `at` (a `\`) into `out`; returns the offset after it.
    fn escape(&self, open: usize, at: usize, out: &mut String) -> Result<usize, Failure> {
        let simple = match self.bytes.get(at + 1) {
            None => return Err(self.error_at(open, "unterminated string")),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (c, end) = self.unicode_escape(at)?;
                out.push(c);
                return Ok(end);
            }
            Some(_) => return Err(self.error_at(at, "invalid \\escape")),
        };
        out.push(simple);
        Ok(at + 2)
    }

    /// `\uXXXX` at `at`, or a surrogate pair `\uD8XX\uDCXX`; lone surrogates cannot be held in
    /// a Rust string and are errors.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), Failure> {
        let unit = self
            .hex4(at + 2)
            .ok_or_else(|| self.error_at(at, "invalid \\uXXXX escape"))?;
        let lone = || self.error_at(at, "lone surrogate in \\uXXXX escape");
        let (code, end) = match unit {
            0xd800..=0xdbff => {
                if self.bytes.get(at + 6..at + 8) != Some(&b"\\u"[..]) {
                    return Err(lone());
                }
                let low = self
                    .hex4(at + 8)
                    .ok_or_else(|| self.error_at(at + 6, "invalid \\uXXXX escape"))?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(lone());
                }
                (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), at + 12)
            }
            0xdc00..=0xdfff => return Err(lone()),
            _ => (unit, at + 6),
        };
        char::from_u32(code).map(|c| (c, end)).ok_or_else(lone)
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc << 4 | char::from(d).to_digit(16)?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{map, ok, syntax_error};
    use crate::domain::Value;

    #[test]
    fn reads_escapes_and_surrogate_pairs() {
        assert_eq!(
            ok(r#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            Value::String("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti".into())
        );
        assert_eq!(
            ok(r#""\u00e9\u00C9\u0000""#),
            Value::String("éÉ\u{0}".into())
        );
        assert_eq!(
            ok(r#""\ud83e\udd80 crab""#),
            Value::String("🦀 crab".into())
        );
        assert_eq!(ok(r#""x\uD83E\uDD80""#), Value::String("x🦀".into()));
        assert_eq!(ok("\"raw 🦀 ✓ Zoë\""), Value::String("raw 🦀 ✓ Zoë".into()));
        assert_eq!(
            ok("\"\u{7f}\u{2028}\""),
            Value::String("\u{7f}\u{2028}".into())
        );
    }

    #[test]
    fn lone_surrogates_and_bad_escapes_are_syntax_errors() {
        assert_eq!(syntax_error(r#""\ud83e""#), 1);
        assert_eq!(syntax_error(r#""ab\ud83e\u0041""#), 3);
        assert_eq!(syntax_error(r#""\udd80""#), 1);
        assert_eq!(syntax_error(r#""\ud83e\uzzzz""#), 7);
        assert_eq!(syntax_error(r#""\u12""#), 1);
        assert_eq!(syntax_error(r#""\x41""#), 1);
        assert_eq!(syntax_error(r#""\"#), 0);
        assert_eq!(syntax_error("\"a\nb\""), 2);
        assert_eq!(syntax_error("\"a\tb\""), 2);
        assert_eq!(syntax_error("\"abc"), 0);
    }
    #[test]
    fn strings_read_the_same_at_every_chunk_offset() {
        // Escapes, multi-byte characters and the closing quote at each offset of an 8-byte
        // chunk; the expected text is built alongside.
        let pieces: [(&str, &str); 6] = [
            ("ab", "ab"),
            (r#"\""#, "\""),
            (r"\\", "\\"),
            (r"\u00e9", "é"),
            ("é", "é"),
            (r"\ud83e\udd80", "🦀"),
        ];
        for pad in 0..9 {
            for (i, (json_a, text_a)) in pieces.iter().enumerate() {
                for (json_b, text_b) in &pieces[i..] {
                    let padding = "x".repeat(pad);
                    let json = format!("[\"{padding}{json_a}{padding}{json_b}\",\"{padding}\"]");
                    let expected = Value::List(vec![
                        Value::String(format!("{padding}{text_a}{padding}{text_b}")),
                        Value::String(padding.clone()),
                    ]);
                    assert_eq!(ok(&json), expected, "{json}");
                    let as_key = format!("{{\"{padding}{json_a}{json_b}\":1}}");
                    let key = format!("{padding}{text_a}{text_b}");
                    assert_eq!(ok(&as_key), map(&[(&key, Value::Int(1))]), "{as_key}");
                }
            }
            // Errors keep their positions wherever the chunks fall.
            let padding = "x".repeat(pad);
            assert_eq!(syntax_error(&format!("\"{padding}\n\"")), pad + 1);
            assert_eq!(
                syntax_error(&format!("\"{padding}\\n{padding}\t\"")),
                2 * pad + 3
            );
            assert_eq!(syntax_error(&format!("[\"{padding}")), 1);
            assert_eq!(syntax_error(&format!("[\"{padding}\\n{padding}")), 1);
        }
    }
}
