//! JSON state as the Python original's `JSONTranscoder` writes it.

mod reader;
mod writer;

pub use reader::StateFields;

use std::collections::BTreeSet;

use crate::domain::{Map, Transcoding, Value, ValueError};

/// The key naming the transcoding of a transcoded value.
const TYPE_KEY: &str = "_type_";
/// The key holding the data of a transcoded value.
const DATA_KEY: &str = "_data_";
/// Built-in transcoding of UUIDs: 32 lowercase hex digits.
const UUID_HEX: &str = "uuid_hex";
/// Built-in transcoding of Decimals: Python's `str(Decimal)`.
const DECIMAL_STR: &str = "decimal_str";
/// Built-in transcoding of datetimes: Python's `isoformat()`.
const DATETIME_ISO: &str = "datetime_iso";

const MAX_DEPTH: usize = JsonTranscoder::MAX_DEPTH;

/// Offset of the first byte from `i` on that is `"`, `\` or a control character (which ends an
/// unescaped run of a string), or the length of `bytes`.
fn run_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time: the high bit of a lane is set where the byte is `"`, `\` or below
    // 0x20. A borrow can set lanes above a byte that matches, never below one, so the lowest
    // lane set is the first match.
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(chunk);
        let zero_lanes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
        let found = zero_lanes(x ^ (ONES * u64::from(b'"')))
            | zero_lanes(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&byte) = bytes.get(i) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Why JSON state could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscoderError {
    /// The stored bytes are not UTF-8.
    #[error("state is not UTF-8 (byte {position})")]
    Utf8 {
        /// Offset of the first bad byte.
        position: usize,
    },
    /// The stored text is not JSON.
    #[error("state is not valid JSON at byte {position}: {message}")]
    Syntax {
        /// Offset where parsing failed.
        position: usize,
        /// What was expected.
        message: String,
    },
    /// The top-level JSON value is not an object.
    #[error("state is a JSON {found}, not an object")]
    NotAnObject {
        /// What it is instead.
        found: &'static str,
    },
    /// A `{"_type_","_data_"}` object names a transcoding that is not registered.
    #[error(
        "data serialized with name {name:?} is not deserializable: register a transcoding for this type"
    )]
    UnknownType {
        /// The `_type_` name.
        name: String,
    },
    /// A value of a custom type whose transcoding is not registered was written.
    #[error("transcoding {name:?} is not registered with the application's transcoder")]
    Unregistered {
        /// The `_type_` name.
        name: String,
    },
    /// A value cannot be written as JSON that reads back the same: a [`Value::BigInt`] whose
    /// text is not an integer, a datetime whose year is not of four digits (chrono's years go
    /// past 9999 and below 0), or lists and maps nested deeper than
    /// [`JsonTranscoder::MAX_DEPTH`].
    #[error("state cannot be written as JSON: {reason}")]
    Unwritable {
        /// What is wrong.
        reason: String,
    },
    /// The `_data_` of a built-in transcoding is not valid (a bad UUID, Decimal or datetime).
    #[error("bad {name:?} data: {source}")]
    BadData {
        /// The `_type_` name.
        name: String,
        /// What is wrong.
        #[source]
        source: ValueError,
    },
}

/// Writes and reads event state as the Python original's `JSONTranscoder` does.
///
/// The text is compact JSON (`,` and `:` separators), non-ASCII characters written as UTF-8,
/// keys in map order, floats as Python's `repr`. UUIDs, Decimals and datetimes become
/// `{"_type_":"uuid_hex"|"decimal_str"|"datetime_iso","_data_":…}` objects; custom values use
/// the names registered with [`register`](Self::register). Reading turns such objects (with
/// exactly those two keys) back into values, and fails on names that are not registered.
#[derive(Debug, Clone, Default)]
pub struct JsonTranscoder {
    custom_names: BTreeSet<String>,
}

impl JsonTranscoder {
    /// How deeply lists and objects may nest, in reading and in writing, so that neither can
    /// run out of stack. (Python's own limit, from its recursion limit, is a little under 1000.)
    pub const MAX_DEPTH: usize = 512;

    /// A transcoder with the built-in transcodings (`uuid_hex`, `decimal_str`, `datetime_iso`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the transcoding of a custom type.
    pub fn register<T: Transcoding>(&mut self) {
        self.register_name(T::NAME);
    }

    /// Registers a custom transcoding by name.
    pub fn register_name(&mut self, name: impl Into<String>) {
        self.custom_names.insert(name.into());
    }

    /// Whether a custom transcoding with this name is registered.
    pub fn is_registered(&self, name: &str) -> bool {
        self.custom_names.contains(name)
    }

    /// Writes the state as JSON bytes.
    pub fn encode(&self, state: &Map) -> Result<Vec<u8>, TranscoderError> {
        // Most events are a timestamp and a few short fields: one allocation, rarely two.
        let mut writer = writer::Writer {
            out: Vec::with_capacity(128 + 48 * state.len()),
            transcoder: self,
        };
        writer.map(state, 0)?;
        Ok(writer.out)
    }

    /// Writes any value as JSON bytes.
    pub fn encode_value(&self, value: &Value) -> Result<Vec<u8>, TranscoderError> {
        let mut writer = writer::Writer {
            out: Vec::with_capacity(64),
            transcoder: self,
        };
        writer.value(value, 0)?;
        Ok(writer.out)
    }

    /// Reads JSON bytes that must hold an object.
    pub fn decode(&self, bytes: &[u8]) -> Result<Map, TranscoderError> {
        reader::read_object_taking(self, bytes, []).map(|(map, [])| map)
    }

    /// Reads JSON bytes that must hold an object, and takes the values of `keys` out of it: the
    /// same as [`decode`](Self::decode) followed by [`Map::remove`] of each key, without making
    /// map entries of the values taken out.
    pub(crate) fn decode_taking<const N: usize>(
        &self,
        bytes: &[u8],
        keys: [&str; N],
    ) -> Result<(Map, [Option<Value>; N]), TranscoderError> {
        reader::read_object_taking(self, bytes, keys)
    }

    /// A key-by-key reader of JSON bytes that hold an object (the fast path of decoding
    /// events), or `None` when they do not start like one.
    pub fn fields<'a>(&'a self, bytes: &'a [u8]) -> Option<StateFields<'a>> {
        StateFields::new(self, bytes)
    }

    /// Reads any JSON value.
    pub fn decode_value(&self, bytes: &[u8]) -> Result<Value, TranscoderError> {
        reader::read(self, bytes)
    }

    /// A value as JSON text for an error message, or its kind if it cannot be written.
    fn describe(&self, value: &Value) -> String {
        self.encode_value(value)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_else(|| value.kind().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike};
    use uuid::Uuid;

    use super::*;
    use crate::domain::{CustomValue, DecimalValue};

    fn text(transcoder: &JsonTranscoder, state: &Map) -> String {
        String::from_utf8(transcoder.encode(state).unwrap()).unwrap()
    }

    fn sample() -> Map {
        let mut notes = Map::new();
        notes.insert("checked", true);
        notes.insert("score", 97);
        notes.insert("ratio", 1.25);
        notes.insert("zip", Value::Null);
        notes.insert(
            "big",
            Value::BigInt("123456789012345678901234567890".into()),
        );
        notes.insert("empty_list", Value::List(vec![]));
        notes.insert("empty_dict", Map::new());
        let mut state = Map::new();
        state.insert(
            "timestamp",
            DateTime::parse_from_rfc3339("2024-01-02T03:04:05.678901+00:00").unwrap(),
        );
        state.insert("owner", "Alice Zoë \"quoted\"\n");
        state.insert("limit", DecimalValue::parse("1E+3").unwrap());
        state.insert(
            "ref",
            Uuid::parse_str("07baeb45-46ee-528b-81f9-e27d143e119e").unwrap(),
        );
        state.insert(
            "naive",
            NaiveDateTime::parse_from_str("2020-02-29T12:00:00", "%Y-%m-%dT%H:%M:%S").unwrap(),
        );
        state.insert("notes", notes);
        state.insert(
            "floats",
            vec![
                Value::Float(1e16),
                Value::Float(-0.0),
                Value::Float(f64::NEG_INFINITY),
            ],
        );
        state
    }

    const SAMPLE_JSON: &str = concat!(
        r#"{"timestamp":{"_type_":"datetime_iso","_data_":"2024-01-02T03:04:05.678901+00:00"},"#,
        r#""owner":"Alice Zoë \"quoted\"\n","#,
        r#""limit":{"_type_":"decimal_str","_data_":"1E+3"},"#,
        r#""ref":{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"},"#,
        r#""naive":{"_type_":"datetime_iso","_data_":"2020-02-29T12:00:00"},"#,
        r#""notes":{"checked":true,"score":97,"ratio":1.25,"zip":null,"#,
        r#""big":123456789012345678901234567890,"empty_list":[],"empty_dict":{}},"#,
        r#""floats":[1e+16,-0.0,-Infinity]}"#,
    );

    #[test]
    fn writes_compact_json_as_python() {
        assert_eq!(text(&JsonTranscoder::new(), &sample()), SAMPLE_JSON);
        assert_eq!(text(&JsonTranscoder::new(), &Map::new()), "{}");
    }

    #[test]
    fn reads_back_what_it_writes() {
        let transcoder = JsonTranscoder::new();
        let decoded = transcoder.decode(SAMPLE_JSON.as_bytes()).unwrap();
        assert_eq!(decoded, sample());
        assert_eq!(text(&transcoder, &decoded), SAMPLE_JSON);
    }

    #[test]
    fn decode_needs_an_object() {
        let transcoder = JsonTranscoder::new();
        assert!(matches!(
            transcoder.decode(b"[1]"),
            Err(TranscoderError::NotAnObject { found: "list" })
        ));
        assert!(matches!(
            transcoder
                .decode(br#"{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#),
            Err(TranscoderError::NotAnObject { found: "UUID" })
        ));
        assert_eq!(transcoder.decode_value(b" 7 ").unwrap(), Value::Int(7));
    }

    #[test]
    fn custom_values_need_a_registered_name() {
        let mut state = Map::new();
        state.insert(
            "where",
            Value::Custom(Box::new(CustomValue {
                name: "point".into(),
                data: Value::List(vec![Value::Int(1), Value::Int(2)]),
            })),
        );
        let mut transcoder = JsonTranscoder::new();
        assert!(matches!(
            transcoder.encode(&state),
            Err(TranscoderError::Unregistered { name }) if name == "point"
        ));
        transcoder.register_name("point");
        let json = text(&transcoder, &state);
        assert_eq!(json, r#"{"where":{"_type_":"point","_data_":[1,2]}}"#);
        assert_eq!(transcoder.decode(json.as_bytes()).unwrap(), state);
        assert!(matches!(
            JsonTranscoder::new().decode(json.as_bytes()),
            Err(TranscoderError::UnknownType { name }) if name == "point"
        ));
    }

    #[test]
    fn values_that_would_not_read_back_are_not_written() {
        let transcoder = JsonTranscoder::new();
        let mut state = Map::new();
        state.insert("n", Value::BigInt("12abc".into()));
        assert!(matches!(
            transcoder.encode(&state),
            Err(TranscoderError::Unwritable { .. })
        ));

        // The top-level map and MAX_DEPTH - 1 lists inside it: just readable.
        let nest =
            |levels: usize| (0..levels).fold(Value::Int(1), |inner, _| Value::List(vec![inner]));
        let mut state = Map::new();
        state.insert("deep", nest(MAX_DEPTH - 1));
        let json = transcoder.encode(&state).unwrap();
        assert_eq!(transcoder.decode(&json).unwrap(), state);
        state.insert("deep", nest(MAX_DEPTH));
        assert!(matches!(
            transcoder.encode(&state),
            Err(TranscoderError::Unwritable { .. })
        ));
        // A transcoded value is an object too.
        state.insert(
            "deep",
            (0..MAX_DEPTH - 1).fold(Value::Uuid(Uuid::nil()), |inner, _| {
                Value::List(vec![inner])
            }),
        );
        assert!(matches!(
            transcoder.encode(&state),
            Err(TranscoderError::Unwritable { .. })
        ));
    }

    #[test]
    fn datetimes_beyond_four_digit_years_are_not_written() {
        // Found by the json_roundtrip fuzz target: the year -262143 was written as
        // "-262143-01-01T00:00:00+00:00", which no reader reads back.
        let transcoder = JsonTranscoder::new();
        let at = |year: i32| {
            NaiveDateTime::new(
                chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
                chrono::NaiveTime::MIN,
            )
        };
        let utc = FixedOffset::east_opt(0).unwrap();
        for year in [-262_143, -1, 10_000, 262_142] {
            for value in [
                Value::NaiveDateTime(at(year)),
                Value::DateTime(at(year).and_local_timezone(utc).unwrap()),
            ] {
                assert!(
                    matches!(
                        transcoder.encode_value(&value),
                        Err(TranscoderError::Unwritable { .. })
                    ),
                    "{value:?}"
                );
            }
        }
        // The local year counts: 9999-12-31T23:00-02:00 is in 10000 in UTC, and reads back.
        let west = FixedOffset::west_opt(2 * 3600).unwrap();
        for value in [
            Value::NaiveDateTime(at(0)),
            Value::NaiveDateTime(at(9999)),
            Value::DateTime(
                at(9999)
                    .with_ordinal(365)
                    .and_then(|dt| dt.with_hour(23))
                    .unwrap()
                    .and_local_timezone(west)
                    .unwrap(),
            ),
        ] {
            let json = transcoder.encode_value(&value).unwrap();
            assert_eq!(transcoder.decode_value(&json).unwrap(), value);
        }
    }

    /// `run_end` one byte at a time.
    fn run_end_bytewise(bytes: &[u8], mut i: usize) -> usize {
        while i < bytes.len() && !(bytes[i] == b'"' || bytes[i] == b'\\' || bytes[i] < 0x20) {
            i += 1;
        }
        i
    }

    #[test]
    fn run_end_finds_the_first_special_byte_in_every_lane() {
        // Every byte value at every position of a 20-byte run, from every start, with a second
        // special byte after it (a borrow from the first must not hide or move it).
        for byte in 0..=255u8 {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 24];
                bytes[at] = byte;
                bytes[(at + 1).min(23)] = b'"';
                for start in 0..=at {
                    assert_eq!(
                        run_end(&bytes, start),
                        run_end_bytewise(&bytes, start),
                        "byte {byte:#x} at {at} from {start}"
                    );
                }
            }
        }
        assert_eq!(run_end(b"", 0), 0);
        assert_eq!(run_end(b"abc", 0), 3);
        assert_eq!(run_end(b"abc", 3), 3);
        assert_eq!(run_end("é\u{7f}\u{2028}🦀\"".as_bytes(), 0), 10);
    }
}
