//! Tests of the reader as a whole, and the helpers the tests of each of its files share.

use super::read;
use crate::domain::Value;
use crate::persistence::transcoder::{JsonTranscoder, MAX_DEPTH, TranscoderError};

pub(super) fn read_str(text: &str) -> Result<Value, TranscoderError> {
    read(&JsonTranscoder::new(), text.as_bytes())
}

pub(super) fn ok(text: &str) -> Value {
    read_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

pub(super) fn syntax_error(text: &str) -> usize {
    match read_str(text) {
        Err(TranscoderError::Syntax { position, .. }) => position,
        other => panic!("{text:?}: expected a syntax error, got {other:?}"),
    }
}

pub(super) fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (*k, v.clone())).collect())
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
