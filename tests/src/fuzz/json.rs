//! The JSON reader and writer: any bytes read without a panic, and what is read writes back
//! and reads again the same; any state the writer accepts reads back equal.

use arbitrary::Unstructured;
use chrono::Datelike;
use eventsourcing_seaorm::domain::{Map, Value};
use eventsourcing_seaorm::persistence::{JsonTranscoder, TranscoderError};

use super::compare::{same_map, same_value};
use super::{REGISTERED, events, generate, transcoder};

/// Any bytes as stored state: reading fails or gives a value that writes, reads back the same
/// and writes again to the same bytes. Reading as an object agrees with reading as a value,
/// and the events' fast path (key by key) agrees with the map path whenever it succeeds.
pub fn json_decode(data: &[u8]) {
    let transcoder = transcoder();
    let value = transcoder.decode_value(data);
    let object = transcoder.decode(data);
    match (&value, &object) {
        (Ok(Value::Map(value)), Ok(object)) => assert!(same_map(value, object)),
        (Ok(Value::Map(_)), Err(e)) => panic!("an object read as a value, not as an object: {e}"),
        (_, Ok(_)) => panic!("read as an object, yet as a value it is {value:?}"),
        (_, Err(_)) => {}
    }
    if let Ok(value) = &value {
        let written = transcoder
            .encode_value(value)
            .unwrap_or_else(|e| panic!("{value:?} was read but cannot be written: {e}"));
        let read_back = transcoder
            .decode_value(&written)
            .unwrap_or_else(|e| panic!("{:?} was written but cannot be read: {e}", text(&written)));
        assert!(
            same_value(&read_back, value),
            "{value:?} read back as {read_back:?}"
        );
        let rewritten = transcoder.encode_value(&read_back).unwrap_or_default();
        assert_eq!(text(&rewritten), text(&written));
    }
    events::fast_path_agrees(data, object.ok());
}

/// Any state built from the input: the writer accepts exactly what the reader can read back,
/// and what it writes reads back equal and writes again to the same bytes.
pub fn json_roundtrip(data: &[u8]) {
    let Ok(state) = generate::state(&mut Unstructured::new(data)) else {
        return;
    };
    let transcoder = transcoder();
    let written = match transcoder.encode(&state) {
        Ok(written) => written,
        Err(TranscoderError::Unwritable { reason }) => {
            assert!(!writable(&state), "{state:?} refused: {reason}");
            return;
        }
        Err(TranscoderError::Unregistered { name }) => {
            assert_ne!(name, REGISTERED);
            return;
        }
        Err(e) => panic!("{state:?} refused: {e}"),
    };
    assert!(
        writable(&state),
        "{state:?} written as {:?}",
        text(&written)
    );
    let read_back = transcoder.decode(&written);
    if holds_transcoded_shape(&Value::Map(state.clone())) {
        // `{"_type_":…,"_data_":…}` written as a map reads as a transcoded value, or fails, in
        // the Python original too; the format cannot tell them apart.
        return;
    }
    let read_back = read_back
        .unwrap_or_else(|e| panic!("{:?} was written but cannot be read: {e}", text(&written)));
    assert!(
        same_map(&read_back, &state),
        "{state:?} read back as {read_back:?}"
    );
    let rewritten = transcoder.encode(&read_back).unwrap_or_default();
    assert_eq!(text(&rewritten), text(&written));
}

/// Whether the writer must accept the state: no containers deeper than the reader reads, and
/// no datetime of a year outside the four digits the reader reads. (Custom values of names
/// not registered are refused with an error of their own.)
fn writable(state: &Map) -> bool {
    // The state map itself is one level.
    state.values().map(levels).max().unwrap_or(0) < JsonTranscoder::MAX_DEPTH
        && state.values().all(datetimes_readable)
}

/// How many containers the value's JSON nests: transcoded values are objects too.
fn levels(value: &Value) -> usize {
    match value {
        Value::List(items) => 1 + items.iter().map(levels).max().unwrap_or(0),
        Value::Map(map) => 1 + map.values().map(levels).max().unwrap_or(0),
        Value::Custom(custom) => 1 + levels(&custom.data),
        Value::Uuid(_) | Value::Decimal(_) | Value::DateTime(_) | Value::NaiveDateTime(_) => 1,
        _ => 0,
    }
}

/// Whether every datetime in the value has a year of four digits.
fn datetimes_readable(value: &Value) -> bool {
    let four_digits = |year: i32| (0..=9999).contains(&year);
    match value {
        Value::List(items) => items.iter().all(datetimes_readable),
        Value::Map(map) => map.values().all(datetimes_readable),
        Value::Custom(custom) => datetimes_readable(&custom.data),
        Value::DateTime(dt) => four_digits(dt.naive_local().year()),
        Value::NaiveDateTime(dt) => four_digits(dt.year()),
        _ => true,
    }
}

/// Whether the value holds a map of exactly the keys `_type_` and `_data_`.
fn holds_transcoded_shape(value: &Value) -> bool {
    match value {
        Value::List(items) => items.iter().any(holds_transcoded_shape),
        Value::Map(map) => {
            (map.len() == 2 && map.contains_key("_type_") && map.contains_key("_data_"))
                || map.values().any(holds_transcoded_shape)
        }
        Value::Custom(custom) => holds_transcoded_shape(&custom.data),
        _ => false,
    }
}

/// Bytes as text for a message.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}
