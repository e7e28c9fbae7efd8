//! The JSON reader: what Python's `json.loads` accepts (with `NaN`, `Infinity`, `-Infinity` and
//! unbounded integers), with the Python original's `object_hook` turning
//! `{"_type_","_data_"}` objects back into values.

use std::borrow::Cow;

use uuid::Uuid;

use crate::domain::{CustomValue, DecimalValue, Map, Value, ValueError, parse_isoformat};

use super::{
    DATA_KEY, DATETIME_ISO, DECIMAL_STR, JsonTranscoder, MAX_DEPTH, TYPE_KEY, TranscoderError,
    UUID_HEX,
};

/// Reads one JSON value that fills `bytes`, apart from whitespace around it.
pub(super) fn read(transcoder: &JsonTranscoder, bytes: &[u8]) -> Result<Value, TranscoderError> {
    let text = std::str::from_utf8(bytes).map_err(|e| TranscoderError::Utf8 {
        position: e.valid_up_to(),
    })?;
    let mut reader = Reader {
        text,
        bytes,
        pos: 0,
        transcoder,
    };
    reader.skip_whitespace();
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos != bytes.len() {
        return Err(reader.error("extra data after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    /// The input, known to be UTF-8.
    text: &'a str,
    /// The same input as bytes.
    bytes: &'a [u8],
    /// Offset of the next byte to read.
    pos: usize,
    transcoder: &'a JsonTranscoder,
}

impl<'a> Reader<'a> {
    fn error_at(&self, position: usize, message: &str) -> TranscoderError {
        TranscoderError::Syntax {
            position,
            message: message.to_owned(),
        }
    }

    fn error(&self, message: &str) -> TranscoderError {
        self.error_at(self.pos, message)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The bytes not read yet.
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// `text[start..end]`, where both ends are next to ASCII bytes and so on char boundaries.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, TranscoderError> {
        self.text
            .get(start..end)
            .ok_or_else(|| self.error_at(start, "internal error: not a character boundary"))
    }

    /// A value inside `depth` containers, starting at the current byte.
    fn value(&mut self, depth: usize) -> Result<Value, TranscoderError> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?.into_owned())),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'N') => self.literal("NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if self.rest().starts_with(b"-Infinity") => {
                self.literal("-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expecting value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, TranscoderError> {
        if self.rest().starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expecting value"))
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), TranscoderError> {
        if depth > MAX_DEPTH {
            return Err(TranscoderError::Syntax {
                position: self.pos,
                message: format!("values are nested deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`: an integer unless it has a fraction or an
    /// exponent, as in Python.
    fn number(&mut self) -> Result<Value, TranscoderError> {
        let start = self.pos;
        let digit_at = |i: usize| self.bytes.get(i).is_some_and(u8::is_ascii_digit);
        let mut end = start;
        if self.bytes.get(end) == Some(&b'-') {
            end += 1;
        }
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
        let text = self.slice(start, end)?;
        self.pos = end;
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

    /// A string starting at the current `"`; borrowed from the input when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, TranscoderError> {
        let open = self.pos;
        let start = open + 1;
        let mut i = start;
        loop {
            match self.bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return self.slice(start, i).map(Cow::Borrowed);
                }
                Some(b'\\') => break,
                Some(&byte) if byte < 0x20 => {
                    return Err(self.error_at(i, "invalid control character in string"));
                }
                Some(_) => i += 1,
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.slice(start, i)?);
        let mut run_start = i;
        loop {
            match self.bytes.get(i) {
                Some(b'"') => {
                    out.push_str(self.slice(run_start, i)?);
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(self.slice(run_start, i)?);
                    i = self.escape(open, i, &mut out)?;
                    run_start = i;
                }
                Some(&byte) if byte < 0x20 => {
                    return Err(self.error_at(i, "invalid control character in string"));
                }
                Some(_) => i += 1,
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
    }

    /// Decodes the escape at `at` (a `\`) into `out`; returns the offset after it.
    fn escape(&self, open: usize, at: usize, out: &mut String) -> Result<usize, TranscoderError> {
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
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), TranscoderError> {
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

    fn array(&mut self, depth: usize) -> Result<Value, TranscoderError> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.error("expecting ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, TranscoderError> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        let mut entries = Entries::Zero;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Map(Map::new()));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("expecting property name enclosed in double quotes"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expecting ':' delimiter"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value(depth)?;
            entries.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return self.finish_object(entries);
                }
                _ => return Err(self.error("expecting ',' or '}'")),
            }
        }
    }

    /// Python's `object_hook`: an object of exactly `_type_` and `_data_` is a transcoded value,
    /// any other object a map.
    fn finish_object(&self, entries: Entries<'a>) -> Result<Value, TranscoderError> {
        let (a, b) = match entries {
            Entries::Two(a, b) => (a, b),
            other => return Ok(Value::Map(other.into_map())),
        };
        match (a.0.as_ref(), b.0.as_ref()) {
            (TYPE_KEY, DATA_KEY) => self.transcoded(a.1, b.1),
            (DATA_KEY, TYPE_KEY) => self.transcoded(b.1, a.1),
            _ => Ok(Value::Map(Entries::Two(a, b).into_map())),
        }
    }

    fn transcoded(&self, type_value: Value, data: Value) -> Result<Value, TranscoderError> {
        let name = match type_value {
            Value::String(name) => name,
            other => {
                return Err(TranscoderError::UnknownType {
                    name: self.transcoder.describe(&other),
                });
            }
        };
        match name.as_str() {
            UUID_HEX => Uuid::parse_str(data_text(UUID_HEX, &data)?)
                .map(Value::Uuid)
                .map_err(|e| {
                    bad_data(
                        UUID_HEX,
                        ValueError::Invalid {
                            what: "UUID",
                            reason: e.to_string(),
                        },
                    )
                }),
            DECIMAL_STR => DecimalValue::parse(data_text(DECIMAL_STR, &data)?)
                .map(Value::Decimal)
                .map_err(|e| bad_data(DECIMAL_STR, e)),
            DATETIME_ISO => parse_isoformat(data_text(DATETIME_ISO, &data)?)
                .map_err(|e| bad_data(DATETIME_ISO, e)),
            _ if self.transcoder.is_registered(&name) => {
                Ok(Value::Custom(Box::new(CustomValue { name, data })))
            }
            _ => Err(TranscoderError::UnknownType { name }),
        }
    }
}

fn bad_data(name: &str, source: ValueError) -> TranscoderError {
    TranscoderError::BadData {
        name: name.to_owned(),
        source,
    }
}

/// The `_data_` of a built-in transcoding, which is always a string.
fn data_text<'v>(name: &str, data: &'v Value) -> Result<&'v str, TranscoderError> {
    match data {
        Value::String(text) => Ok(text),
        other => Err(bad_data(
            name,
            ValueError::Type {
                expected: "string",
                found: other.kind(),
            },
        )),
    }
}

type Entry<'a> = (Cow<'a, str>, Value);

/// The entries of an object being read. Most objects have two keys or fewer (every transcoded
/// value has exactly two), so those are kept inline with keys borrowed from the input, and only
/// made into a [`Map`] when they are not a transcoded value.
enum Entries<'a> {
    Zero,
    One(Entry<'a>),
    Two(Entry<'a>, Entry<'a>),
    Many(Map),
}

impl<'a> Entries<'a> {
    /// Adds an entry; a repeated key keeps its first position and takes the last value, as in a
    /// Python `dict`.
    fn insert(&mut self, key: Cow<'a, str>, value: Value) {
        match std::mem::replace(self, Entries::Zero) {
            Entries::Zero => *self = Entries::One((key, value)),
            Entries::One(a) if a.0 == key => *self = Entries::One((a.0, value)),
            Entries::One(a) => *self = Entries::Two(a, (key, value)),
            Entries::Two(a, b) if a.0 == key => *self = Entries::Two((a.0, value), b),
            Entries::Two(a, b) if b.0 == key => *self = Entries::Two(a, (b.0, value)),
            Entries::Two(a, b) => {
                let mut map = Map::with_capacity(8);
                map.insert(a.0.into_owned(), a.1);
                map.insert(b.0.into_owned(), b.1);
                map.insert(key.into_owned(), value);
                *self = Entries::Many(map);
            }
            Entries::Many(mut map) => {
                map.insert(key.into_owned(), value);
                *self = Entries::Many(map);
            }
        }
    }

    fn into_map(self) -> Map {
        match self {
            Entries::Zero => Map::new(),
            Entries::One(a) => {
                let mut map = Map::with_capacity(1);
                map.insert(a.0.into_owned(), a.1);
                map
            }
            Entries::Two(a, b) => {
                let mut map = Map::with_capacity(2);
                map.insert(a.0.into_owned(), a.1);
                map.insert(b.0.into_owned(), b.1);
                map
            }
            Entries::Many(map) => map,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Value, TranscoderError> {
        read(&JsonTranscoder::new(), text.as_bytes())
    }

    fn ok(text: &str) -> Value {
        read_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn syntax_error(text: &str) -> usize {
        match read_str(text) {
            Err(TranscoderError::Syntax { position, .. }) => position,
            other => panic!("{text:?}: expected a syntax error, got {other:?}"),
        }
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(entries.iter().map(|(k, v)| (*k, v.clone())).collect())
    }

    #[test]
    fn reads_scalars_as_python_json_loads() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok("true"), Value::Bool(true));
        assert_eq!(ok(" \t\r\nfalse \n"), Value::Bool(false));
        assert_eq!(ok("0"), Value::Int(0));
        assert_eq!(ok("-0"), Value::Int(0));
        assert_eq!(ok("-17"), Value::Int(-17));
        assert_eq!(ok("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(ok("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(ok("1.5"), Value::Float(1.5));
        assert_eq!(ok("-0.0"), Value::Float(-0.0));
        assert_eq!(ok("1E5"), Value::Float(100000.0));
        assert_eq!(ok("1e-0"), Value::Float(1.0));
        assert_eq!(ok("2.5e+3"), Value::Float(2500.0));
        assert_eq!(ok("1e400"), Value::Float(f64::INFINITY));
        assert_eq!(ok("Infinity"), Value::Float(f64::INFINITY));
        assert_eq!(ok("-Infinity"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(ok("NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(ok(r#""text""#), Value::String("text".into()));
    }

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
    fn objects_keep_order_and_the_last_duplicate() {
        assert_eq!(
            ok(r#"{"a":1,"b":2,"a":3}"#),
            map(&[("a", Value::Int(3)), ("b", Value::Int(2))])
        );
        assert_eq!(
            ok(r#"{"x":1,"y":2,"z":3,"y":4,"x":5}"#),
            map(&[
                ("x", Value::Int(5)),
                ("y", Value::Int(4)),
                ("z", Value::Int(3))
            ])
        );
        assert_eq!(
            ok(r#"{"k\u00e9y":[]}"#),
            map(&[("kéy", Value::List(vec![]))])
        );
        assert_eq!(
            ok(r#" { "a" : [ 1 , { } , [ ] ] } "#),
            map(&[(
                "a",
                Value::List(vec![
                    Value::Int(1),
                    Value::Map(Map::new()),
                    Value::List(vec![])
                ])
            )])
        );
    }

    #[test]
    fn transcoded_objects_become_values() {
        let uuid = Uuid::parse_str("07baeb4546ee528b81f9e27d143e119e").unwrap();
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#),
            Value::Uuid(uuid)
        );
        assert_eq!(
            ok(r#"{"_data_":"07baeb4546ee528b81f9e27d143e119e","_type_":"uuid_hex"}"#),
            Value::Uuid(uuid)
        );
        assert_eq!(
            ok(r#"{"_type_":"decimal_str","_data_":"1E+3"}"#),
            Value::Decimal(DecimalValue::parse("1E+3").unwrap())
        );
        assert!(matches!(
            ok(r#"{"_type_":"datetime_iso","_data_":"2024-06-30T23:59:59+05:30"}"#),
            Value::DateTime(_)
        ));
        assert!(matches!(
            ok(r#"{"_type_":"datetime_iso","_data_":"2020-02-29T12:00:00"}"#),
            Value::NaiveDateTime(_)
        ));
        // A repeated `_type_` still leaves exactly two keys, as Python's object_hook sees it.
        assert_eq!(
            ok(
                r#"{"_type_":"nope","_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#
            ),
            Value::Uuid(uuid)
        );
    }

    #[test]
    fn objects_that_are_not_exactly_type_and_data_stay_maps() {
        let three = ok(r#"{"_type_":"uuid_hex","_data_":"x","more":1}"#);
        assert_eq!(
            three,
            map(&[
                ("_type_", Value::String("uuid_hex".into())),
                ("_data_", Value::String("x".into())),
                ("more", Value::Int(1)),
            ])
        );
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex"}"#),
            map(&[("_type_", Value::String("uuid_hex".into()))])
        );
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex","data":"x"}"#),
            map(&[
                ("_type_", Value::String("uuid_hex".into())),
                ("data", Value::String("x".into()))
            ])
        );
    }

    #[test]
    fn bad_transcoded_data_and_unknown_names_are_errors() {
        assert!(matches!(
            read_str(r#"{"_type_":"point","_data_":[1,2]}"#),
            Err(TranscoderError::UnknownType { name }) if name == "point"
        ));
        assert!(matches!(
            read_str(r#"{"_type_":5,"_data_":"x"}"#),
            Err(TranscoderError::UnknownType { name }) if name == "5"
        ));
        for (text, bad) in [
            (r#"{"_type_":"uuid_hex","_data_":"not a uuid"}"#, UUID_HEX),
            (r#"{"_type_":"uuid_hex","_data_":17}"#, UUID_HEX),
            (r#"{"_type_":"decimal_str","_data_":"1.2.3"}"#, DECIMAL_STR),
            (
                r#"{"_type_":"datetime_iso","_data_":"yesterday"}"#,
                DATETIME_ISO,
            ),
            (r#"{"_type_":"datetime_iso","_data_":null}"#, DATETIME_ISO),
        ] {
            assert!(
                matches!(read_str(text), Err(TranscoderError::BadData { ref name, .. }) if name == bad),
                "{text}"
            );
        }
    }

    #[test]
    fn registered_names_become_custom_values() {
        let mut transcoder = JsonTranscoder::new();
        transcoder.register_name("point");
        let value = read(
            &transcoder,
            br#"{"_type_":"point","_data_":[1,{"_type_":"decimal_str","_data_":"2.5"}]}"#,
        )
        .unwrap();
        let Value::Custom(custom) = value else {
            panic!("{value:?}")
        };
        assert_eq!(custom.name, "point");
        assert_eq!(
            custom.data,
            Value::List(vec![
                Value::Int(1),
                Value::Decimal(DecimalValue::parse("2.5").unwrap())
            ])
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        for (text, position) in [
            ("", 0),
            ("   ", 3),
            ("{", 1),
            ("{\"a\"", 4),
            ("{\"a\":", 5),
            ("{\"a\":1,}", 7),
            ("{\"a\" 1}", 5),
            ("{a:1}", 1),
            ("[1,]", 3),
            ("[1 2]", 3),
            ("[", 1),
            ("nul", 0),
            ("truex", 4),
            ("01", 1),
            ("1.", 1),
            ("1.e5", 1),
            ("1e", 1),
            ("-", 0),
            ("-x", 0),
            ("+1", 0),
            (".5", 0),
            ("-NaN", 0),
            ("nan", 0),
            ("{} {}", 3),
            ("\u{feff}{}", 0),
            ("'a'", 0),
        ] {
            assert_eq!(syntax_error(text), position, "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_has_the_position_of_the_first_bad_byte() {
        let transcoder = JsonTranscoder::new();
        for (bytes, position) in [
            (&b"\"ab\xff\""[..], 3),
            (b"{\"a\":\"\xc3\"}", 6),
            (b"\"\xed\xa0\x80\"", 1),
            (b"[1] \x80", 4),
        ] {
            assert!(
                matches!(read(&transcoder, bytes), Err(TranscoderError::Utf8 { position: p }) if p == position),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let lists = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = |depth: usize| {
            format!(
                "{}{{}}{}",
                "{\"a\":".repeat(depth - 1),
                "}".repeat(depth - 1)
            )
        };
        assert!(read_str(&lists(MAX_DEPTH)).is_ok());
        assert!(read_str(&objects(MAX_DEPTH)).is_ok());
        assert_eq!(syntax_error(&lists(MAX_DEPTH + 1)), MAX_DEPTH);
        assert_eq!(syntax_error(&objects(MAX_DEPTH + 1)), 5 * MAX_DEPTH);
        // The 513th container is the 257th `[`, each `[{"a":` being 6 bytes.
        assert_eq!(
            syntax_error(&"[{\"a\":".repeat(100_000)),
            6 * (MAX_DEPTH / 2)
        );
        assert!(read_str(&"[".repeat(1_000_000)).is_err());
    }

    #[test]
    fn never_panics_on_prefixes_and_changed_bytes() {
        let transcoder = JsonTranscoder::new();
        let text = br#"{"a":[1,-2.5e3,"x\u00e9\ud83e\udd80",{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}],"b":{"c":null,"d":true,"e":NaN}}"#;
        for len in 0..text.len() {
            let _ = read(&transcoder, &text[..len]);
        }
        for i in 0..text.len() {
            for byte in [
                0u8, b'"', b'\\', b'{', b'[', b'}', b']', b',', b':', b'-', b'e', b'u', 0x80, 0xff,
            ] {
                let mut changed = text.to_vec();
                changed[i] = byte;
                let _ = read(&transcoder, &changed);
            }
        }
    }
}
