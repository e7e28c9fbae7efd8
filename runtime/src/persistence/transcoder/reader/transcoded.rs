//! Transcoded values, `{"_type_":…,"_data_":…}` objects as the Python original's `object_hook`
//! reads them: the built-in UUIDs, Decimals and datetimes, and registered custom values.

use uuid::Uuid;

use crate::domain::{CustomValue, DecimalValue, Value, ValueError, parse_isoformat};

use super::super::{DATETIME_ISO, DECIMAL_STR, MAX_DEPTH, TranscoderError, UUID_HEX, run_end};
use super::entries::Item;
use super::{Failure, Reader};

impl<'a> Reader<'a> {
    /// A UUID, Decimal or datetime exactly as the writer writes it, starting at the current
    /// `{`: `{"_type_":"<built-in name>","_data_":"<text without escapes>"}`. `None`, having
    /// read nothing, for any other text, which [`object_entries`](Self::object_entries) then
    /// reads (and so gives the same value or the same error).
    pub(super) fn compact_builtin(&mut self, depth: usize) -> Option<Result<Value, Failure>> {
        const HEAD: &[u8] = b"{\"_type_\":\"";
        const TAIL: &[u8] = b"\",\"_data_\":\"";
        if depth > MAX_DEPTH {
            return None;
        }
        let rest = self.rest().strip_prefix(HEAD)?;
        let (name, rest) = [DATETIME_ISO, UUID_HEX, DECIMAL_STR]
            .into_iter()
            .find_map(|name| {
                Some((
                    name,
                    rest.strip_prefix(name.as_bytes())?.strip_prefix(TAIL)?,
                ))
            })?;
        let start = self.bytes.len() - rest.len();
        let end = run_end(self.bytes, start);
        if self.bytes.get(end..end + 2) != Some(&b"\"}"[..]) {
            return None;
        }
        let data = self.text.get(start..end)?;
        self.pos = end + 2;
        Some(builtin(name, data))
    }

    /// The value of an object of exactly `_type_` and `_data_`, from the values of those keys.
    pub(super) fn transcoded(
        &self,
        type_value: Item<'a>,
        data: Item<'a>,
    ) -> Result<Value, Failure> {
        let Some(name) = type_value.as_str() else {
            return Err(Box::new(TranscoderError::UnknownType {
                name: self.transcoder.describe(&type_value.into_value()),
            }));
        };
        match name {
            UUID_HEX | DECIMAL_STR | DATETIME_ISO => builtin(name, data_text(name, &data)?),
            _ if self.transcoder.is_registered(name) => Ok(Value::Custom(Box::new(CustomValue {
                name: name.to_owned(),
                data: data.into_value(),
            }))),
            _ => Err(Box::new(TranscoderError::UnknownType {
                name: name.to_owned(),
            })),
        }
    }
}

/// The value of a built-in transcoding (`uuid_hex`, `decimal_str` or `datetime_iso`) from the
/// text of its `_data_`.
fn builtin(name: &str, data: &str) -> Result<Value, Failure> {
    match name {
        UUID_HEX => Uuid::parse_str(data).map(Value::Uuid).map_err(|e| {
            bad_data(
                UUID_HEX,
                ValueError::Invalid {
                    what: "UUID",
                    reason: e.to_string(),
                },
            )
        }),
        DECIMAL_STR => DecimalValue::parse(data)
            .map(Value::Decimal)
            .map_err(|e| bad_data(DECIMAL_STR, e)),
        DATETIME_ISO => parse_isoformat(data).map_err(|e| bad_data(DATETIME_ISO, e)),
        other => Err(Box::new(TranscoderError::UnknownType {
            name: other.to_owned(),
        })),
    }
}

#[cold]
fn bad_data(name: &str, source: ValueError) -> Failure {
    Box::new(TranscoderError::BadData {
        name: name.to_owned(),
        source,
    })
}

/// The `_data_` of a built-in transcoding, which is always a string.
fn data_text<'v>(name: &str, data: &'v Item<'_>) -> Result<&'v str, Failure> {
    match data {
        Item::Str(text) => Ok(text),
        Item::Value(Value::String(text)) => Ok(text),
        Item::Value(other) => Err(bad_data(
            name,
            ValueError::Type {
                expected: "string",
                found: other.kind(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::super::tests::{map, ok, read_str, syntax_error};
    use super::super::{read, read_object_taking};
    use crate::domain::{DecimalValue, Value};
    use crate::persistence::transcoder::{
        DATETIME_ISO, DECIMAL_STR, JsonTranscoder, MAX_DEPTH, TranscoderError, UUID_HEX,
    };

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
    fn compact_and_spaced_transcoded_values_read_the_same() {
        let transcoder = JsonTranscoder::new();
        for (data, name) in [
            ("07baeb4546ee528b81f9e27d143e119e", UUID_HEX),
            ("1E+3", DECIMAL_STR),
            ("2024-06-30T23:59:59.000001+05:30", DATETIME_ISO),
            ("2020-02-29T12:00:00", DATETIME_ISO),
            ("2024-01-02T03:04:05Z", DATETIME_ISO),
        ] {
            let compact = format!(r#"{{"_type_":"{name}","_data_":"{data}"}}"#);
            let spaced = format!(r#"{{ "_type_" : "{name}" , "_data_" : "{data}" }}"#);
            let escaped = format!(
                r#"{{"_type_":"{name}","_data_":"\u{:04x}{}"}}"#,
                data.as_bytes()[0],
                &data[1..]
            );
            let value = ok(&compact);
            assert!(
                !matches!(value, Value::String(_) | Value::Map(_)),
                "{value:?}"
            );
            assert_eq!(ok(&spaced), value);
            assert_eq!(ok(&escaped), value);
            assert_eq!(
                ok(&format!("[{compact}]")),
                Value::List(vec![value.clone()])
            );
            // Not exactly two keys: a map, whatever its first bytes.
            let more = format!(r#"{{"_type_":"{name}","_data_":"{data}","x":1}}"#);
            assert!(matches!(ok(&more), Value::Map(m) if m.len() == 3));
            let top = read_object_taking(&transcoder, compact.as_bytes(), []);
            assert!(
                matches!(top, Err(TranscoderError::NotAnObject { .. })),
                "{top:?}"
            );
        }
        // Bad data is the same error either way.
        for text in [
            r#"{"_type_":"datetime_iso","_data_":"2024-13-01T00:00:00"}"#,
            r#"{"_type_":"uuid_hex","_data_":"nope"}"#,
            r#"{"_type_":"decimal_str","_data_":"1.2.3"}"#,
        ] {
            assert!(
                matches!(read_str(text), Err(TranscoderError::BadData { .. })),
                "{text}"
            );
            let spaced = text.replace(',', " , ");
            assert!(
                matches!(read_str(&spaced), Err(TranscoderError::BadData { .. })),
                "{spaced}"
            );
        }
        // Too deep is a syntax error at the same place as for any object.
        let uuid = r#"{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#;
        let nested = |lists: usize| format!("{}{uuid}{}", "[".repeat(lists), "]".repeat(lists));
        assert!(read_str(&nested(MAX_DEPTH - 1)).is_ok());
        assert_eq!(syntax_error(&nested(MAX_DEPTH)), MAX_DEPTH);
    }
}
