//! The stored format against rows the Python original wrote (`eventsourcing` 9.4 +
//! `eventsourcing_django`): every stored event and snapshot of the three fixture databases (plain
//! JSON, zlib, zlib + AES-GCM) must decode, re-encode to the same JSON text, and — where no random
//! nonce is involved — to the same stored bytes.

use std::sync::Arc;

use eventsourcing_seaorm::domain::{Map, Value};
use eventsourcing_seaorm::persistence::{
    AesCipher, Cipher, CipherError, Compressor, CompressorError, JsonTranscoder, Mapper,
    MapperErrorKind, TranscoderError, ZlibCompressor,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/python/");

/// One stored row of a fixture.
struct Row {
    /// `stored_events #3`, for assertion messages.
    label: String,
    /// The stored `state` column, byte for byte.
    state: Vec<u8>,
    /// The JSON text after decryption and decompression.
    plain: String,
}

struct Fixture {
    compressed: bool,
    cipher_key: Option<String>,
    rows: Vec<Row>,
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length");
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| char::from(b).to_digit(16).expect("hex digit") as u8;
            digit(pair[0]) << 4 | digit(pair[1])
        })
        .collect()
}

fn load(variant: &str) -> Fixture {
    let path = format!("{FIXTURES}django_{variant}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
    let codec = &manifest["codec"];
    let mut rows = Vec::new();
    for table in ["stored_events", "snapshots"] {
        let table_rows = manifest["rows"][table].as_array().expect("rows");
        assert!(!table_rows.is_empty(), "{variant}: no {table}");
        for (i, row) in table_rows.iter().enumerate() {
            rows.push(Row {
                label: format!(
                    "{variant} {table} #{i} ({})",
                    row["topic"].as_str().unwrap_or("?")
                ),
                state: unhex(row["state_hex"].as_str().expect("state_hex")),
                plain: row["state_plain"].as_str().expect("state_plain").to_owned(),
            });
        }
    }
    Fixture {
        compressed: codec["compressor"].as_str() == Some("zlib"),
        cipher_key: codec["cipher_key_b64"].as_str().map(str::to_owned),
        rows,
    }
}

fn mapper(fixture: &Fixture) -> Mapper {
    let mut mapper = Mapper::new(JsonTranscoder::new());
    if fixture.compressed {
        mapper = mapper.with_compressor(Arc::new(ZlibCompressor));
    }
    if let Some(key) = &fixture.cipher_key {
        mapper = mapper.with_cipher(Arc::new(
            AesCipher::from_base64_key(key).expect("fixture key"),
        ));
    }
    mapper
}

/// Decodes every row and checks that its JSON is written back exactly; returns the decoded rows.
fn decode_all(fixture: &Fixture) -> Vec<Map> {
    let mapper = mapper(fixture);
    let transcoder = JsonTranscoder::new();
    fixture
        .rows
        .iter()
        .map(|row| {
            let state = mapper
                .decode_state(&row.state)
                .unwrap_or_else(|e| panic!("{}: {e}", row.label));
            let json = transcoder
                .encode(&state)
                .unwrap_or_else(|e| panic!("{}: {e}", row.label));
            assert_eq!(String::from_utf8(json).unwrap(), row.plain, "{}", row.label);
            state
        })
        .collect()
}

/// The stored bytes of rows without a cipher are fully determined: they must be equal.
fn assert_encodes_to_stored_bytes(variant: &str) {
    let fixture = load(variant);
    let mapper = mapper(&fixture);
    for (row, state) in fixture.rows.iter().zip(decode_all(&fixture)) {
        let stored = mapper
            .encode_state(&state)
            .unwrap_or_else(|e| panic!("{}: {e}", row.label));
        assert!(stored == row.state, "{}: stored bytes differ", row.label);
    }
}

#[test]
fn plain_rows_decode_and_encode_to_the_stored_bytes() {
    assert_encodes_to_stored_bytes("plain");
}

#[test]
fn zlib_rows_decode_and_encode_to_the_stored_bytes() {
    let fixture = load("zlib");
    assert!(
        fixture
            .rows
            .iter()
            .all(|row| row.state.starts_with(b"\x78\x9c"))
    );
    assert_encodes_to_stored_bytes("zlib");
}

#[test]
fn aes_rows_decode_decrypt_to_python_zlib_and_round_trip() {
    let fixture = load("zlib_aes");
    let key = fixture.cipher_key.as_deref().expect("key");
    let cipher = AesCipher::from_base64_key(key).unwrap();
    let mapper = mapper(&fixture);
    for (row, state) in fixture.rows.iter().zip(decode_all(&fixture)) {
        let compressed = cipher.decrypt(&row.state).unwrap();
        assert_eq!(
            compressed,
            ZlibCompressor.compress(row.plain.as_bytes()).unwrap(),
            "{}",
            row.label
        );
        // A fresh nonce makes new bytes, which read back to the same state.
        let stored = mapper.encode_state(&state).unwrap();
        assert_ne!(stored, row.state, "{}", row.label);
        assert_eq!(stored.len(), row.state.len(), "{}", row.label);
        assert_eq!(
            mapper.decode_state(&stored).unwrap(),
            state,
            "{}",
            row.label
        );
    }
}

#[test]
fn fixture_values_decode_to_their_types() {
    let fixture = load("plain");
    let states = decode_all(&fixture);
    let mut kinds = std::collections::BTreeSet::new();
    fn visit(value: &Value, kinds: &mut std::collections::BTreeSet<&'static str>) {
        kinds.insert(value.kind());
        match value {
            Value::List(items) => items.iter().for_each(|v| visit(v, kinds)),
            Value::Map(map) => map.values().for_each(|v| visit(v, kinds)),
            _ => {}
        }
    }
    for state in &states {
        assert!(matches!(state.get("timestamp"), Some(Value::DateTime(_))));
        state.values().for_each(|v| visit(v, &mut kinds));
    }
    for kind in [
        "UUID",
        "Decimal",
        "datetime",
        "naive datetime",
        "string",
        "integer",
        "float",
        "bool",
        "null",
        "list",
        "map",
    ] {
        assert!(kinds.contains(kind), "no {kind} in the fixtures: {kinds:?}");
    }
}

fn plain_mapper() -> Mapper {
    Mapper::new(JsonTranscoder::new())
}

fn zlib_mapper() -> Mapper {
    plain_mapper().with_compressor(Arc::new(ZlibCompressor))
}

fn aes_mapper(key: &str) -> Mapper {
    zlib_mapper().with_cipher(Arc::new(AesCipher::from_base64_key(key).unwrap()))
}

const FIXTURE_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[test]
fn unknown_type_names_are_typed_errors() {
    let err = plain_mapper()
        .decode_state(br#"{"a":{"_type_":"money","_data_":"1.00"}}"#)
        .unwrap_err();
    assert!(
        matches!(&err, MapperErrorKind::Transcoder(TranscoderError::UnknownType { name }) if name == "money"),
        "{err:?}"
    );
    assert!(err.to_string().contains("\"money\""), "{err}");
}

#[test]
fn bad_json_is_a_typed_error() {
    for bytes in [&b"{\"a\":"[..], b"", b"{\"a\":1}}", b"{'a':1}", b"\xff{}"] {
        let err = plain_mapper().decode_state(bytes).unwrap_err();
        assert!(
            matches!(
                err,
                MapperErrorKind::Transcoder(
                    TranscoderError::Syntax { .. } | TranscoderError::Utf8 { .. }
                )
            ),
            "{bytes:?}: {err:?}"
        );
    }
    assert!(matches!(
        plain_mapper().decode_state(b"[1,2]"),
        Err(MapperErrorKind::Transcoder(TranscoderError::NotAnObject {
            found: "list"
        }))
    ));
}

#[test]
fn truncated_or_garbage_zlib_is_corrupt() {
    let fixture = load("zlib");
    let row = &fixture.rows[0];
    let corrupt = |bytes: &[u8]| {
        matches!(
            zlib_mapper().decode_state(bytes),
            Err(MapperErrorKind::Compressor(CompressorError::Corrupt { .. }))
        )
    };
    for len in [0, 1, 2, row.state.len() / 2, row.state.len() - 1] {
        assert!(corrupt(&row.state[..len]), "truncated to {len}");
    }
    assert!(corrupt(b"{\"plain\":\"json\"}"));
    assert!(corrupt(&[row.state.as_slice(), b"garbage"].concat()));
}

#[test]
fn wrong_aes_key_fails_authentication() {
    let fixture = load("zlib_aes");
    let other_key = AesCipher::create_key(32).unwrap();
    for row in &fixture.rows {
        assert!(matches!(
            aes_mapper(&other_key).decode_state(&row.state),
            Err(MapperErrorKind::Cipher(CipherError::Authentication))
        ));
    }
}

#[test]
fn any_flipped_byte_fails_authentication() {
    let fixture = load("zlib_aes");
    let mapper = aes_mapper(FIXTURE_KEY);
    let row = &fixture.rows[0];
    for i in 0..row.state.len() {
        let mut changed = row.state.clone();
        changed[i] ^= 0x01;
        assert!(
            matches!(
                mapper.decode_state(&changed),
                Err(MapperErrorKind::Cipher(CipherError::Authentication))
            ),
            "byte {i}"
        );
    }
}

#[test]
fn truncated_ciphertext_is_an_error() {
    let fixture = load("zlib_aes");
    let mapper = aes_mapper(FIXTURE_KEY);
    let row = &fixture.rows[0];
    for len in [0, 11, 12, 27] {
        assert!(matches!(
            mapper.decode_state(&row.state[..len]),
            Err(MapperErrorKind::Cipher(CipherError::Truncated { length })) if length == len
        ));
    }
    for len in [28, 29, row.state.len() - 1] {
        assert!(matches!(
            mapper.decode_state(&row.state[..len]),
            Err(MapperErrorKind::Cipher(CipherError::Authentication))
        ));
    }
}

#[test]
fn bad_keys_are_typed_errors() {
    assert!(matches!(
        AesCipher::from_base64_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"),
        Err(CipherError::KeyLength { length: 30 })
    ));
    assert!(matches!(
        AesCipher::new(&[0; 20]),
        Err(CipherError::KeyLength { length: 20 })
    ));
    for bad in [
        "not base64",
        "AAECAwQFBgcICQoLDA0ODw=",
        "AAECAwQFBgcICQoLDA0ODw",
        "AAECAwQF-_cICQoLDA0ODw==",
    ] {
        assert!(
            matches!(
                AesCipher::from_base64_key(bad),
                Err(CipherError::KeyEncoding { .. })
            ),
            "{bad}"
        );
    }
    let key = AesCipher::create_key(16).unwrap();
    assert!(!format!("{:?}", AesCipher::from_base64_key(&key).unwrap()).contains(&key));
}
