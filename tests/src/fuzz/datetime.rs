//! The isoformat parser and formatters: any text parses without a panic, and a datetime parsed
//! or built formats to text that parses back to it.

use arbitrary::Unstructured;
use eventsourcing_seaorm::domain::{
    Value, format_isoformat, format_naive_isoformat, parse_isoformat,
};

use super::compare::same_value;
use super::{generate, transcoder};

/// The input as text to parse (and as the `_data_` of a `datetime_iso` value), then as a
/// datetime of Python's range to format.
pub fn isoformat(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        parses_back(text);
    }
    let mut u = Unstructured::new(data);
    if let (Ok(naive), Ok(offset)) = (generate::naive_datetime(&mut u), generate::offset(&mut u)) {
        use chrono::Datelike;
        if (1..=9999).contains(&naive.year()) {
            assert_eq!(
                reparsed(&Value::NaiveDateTime(naive)),
                Value::NaiveDateTime(naive)
            );
            if let Some(aware) = naive.and_local_timezone(offset).single() {
                let aware = Value::DateTime(aware);
                assert!(same_value(&reparsed(&aware), &aware), "{aware:?}");
            }
        }
    }
}

/// A parsed datetime formats to text that parses to the same datetime, and formats again the
/// same; the transcoder reads the text as a `datetime_iso` value exactly when it parses.
fn parses_back(text: &str) {
    let parsed = parse_isoformat(text);
    if let Ok(value) = &parsed {
        let formatted = format(value);
        let again = parse_isoformat(&formatted)
            .unwrap_or_else(|e| panic!("{text:?} parsed, formatted as {formatted:?}: {e}"));
        assert!(
            same_value(&again, value),
            "{text:?}: {value:?} came back as {again:?}"
        );
        assert_eq!(format(&again), formatted);
    }
    let transcoded = transcoded("datetime_iso", text);
    match (parsed, transcoded) {
        (Ok(parsed), Ok(read)) => assert!(same_value(&parsed, &read)),
        (Err(_), Err(_)) => {}
        (parsed, read) => panic!("{text:?} parsed as {parsed:?} but was read as {read:?}"),
    }
}

/// `value`'s text as `isoformat()` writes it.
fn format(value: &Value) -> String {
    match value {
        Value::DateTime(dt) => format_isoformat(dt),
        Value::NaiveDateTime(dt) => format_naive_isoformat(dt),
        other => panic!("parse_isoformat gave a {}", other.kind()),
    }
}

/// `value` formatted and parsed again.
fn reparsed(value: &Value) -> Value {
    let text = format(value);
    parse_isoformat(&text).unwrap_or_else(|e| panic!("{value:?} formatted as {text:?}: {e}"))
}

/// What the transcoder reads from `{"_type_":name,"_data_":text}`.
pub(super) fn transcoded(
    name: &str,
    text: &str,
) -> Result<Value, eventsourcing_seaorm::persistence::TranscoderError> {
    let transcoder = transcoder();
    let mut json = br#"{"_type_":""#.to_vec();
    json.extend_from_slice(name.as_bytes());
    json.extend_from_slice(br#"","_data_":"#);
    let data = transcoder
        .encode_value(&Value::String(text.to_owned()))
        .unwrap_or_else(|e| panic!("a string cannot be written: {e}"));
    json.extend_from_slice(&data);
    json.push(b'}');
    transcoder.decode_value(&json)
}
