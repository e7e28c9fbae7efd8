//! The fast path of decoding events (fields read straight from the JSON text,
//! `EventPayload::decode_fields`) gives exactly what the `Map` path gives, on every stored state
//! it accepts, and hands every other state to the `Map` path: repeated keys, unknown keys,
//! older class versions, bad values and bad JSON.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use eventsourcing_seaorm::domain::{
    Aggregate, DomainError, DomainEvent, EventPayload, Map, Transcode,
};
use eventsourcing_seaorm::persistence::{
    AesCipher, Cipher, Compressor, JsonTranscoder, Mapper, StoredEvent, ZlibCompressor,
};
use uuid::Uuid;

mod ledger {
    use eventsourcing_seaorm::domain::Map;
    use eventsourcing_seaorm::prelude::*;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    /// No `Transcode` impl: read through serde.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Note {
        pub text: String,
        pub tags: Vec<String>,
    }

    #[aggregate]
    #[derive(Debug, PartialEq)]
    pub struct Ledger {
        pub owner: String,
        pub kind: String,
        pub notes: Vec<(Uuid, Note, Option<i64>, Vec<String>)>,
        pub reasons: Vec<String>,
        pub closed: bool,
    }

    #[aggregate]
    impl Ledger {
        #[event("Opened")]
        pub fn open(owner: String, r#type: String) -> Self {
            Self {
                owner,
                kind: r#type,
                notes: Vec::new(),
                reasons: Vec::new(),
                closed: false,
            }
        }

        #[event("Noted")]
        pub fn note(&mut self, id: Uuid, note: Note, amount: Option<i64>, lines: Vec<String>) {
            self.notes.push((id, note, amount, lines));
        }

        #[event("Renamed", version = 2, upcast(Self::add_reason))]
        pub fn rename(&mut self, owner: String, reason: String) {
            self.owner = owner;
            self.reasons.push(reason);
        }

        #[event("Closed")]
        pub fn close(&mut self) {
            self.closed = true;
        }

        /// Version 1 of `Renamed` had no reason.
        fn add_reason(state: &mut Map) {
            state.insert("reason", "unknown");
        }
    }
}

use ledger::{Ledger, LedgerEvent};

/// The same payload without a fast path: decoding it is the `Map` path alone.
#[derive(Debug, Clone, PartialEq)]
struct MapOnly(LedgerEvent);

impl EventPayload for MapOnly {
    fn topic(&self) -> &'static str {
        self.0.topic()
    }

    fn class_version(&self) -> u32 {
        self.0.class_version()
    }

    fn encode(&self, state: &mut Map) -> Result<(), eventsourcing_seaorm::domain::ValueError> {
        self.0.encode(state)
    }

    fn decode(topic: &str, class_version: u32, state: Map) -> Result<Self, DomainError> {
        LedgerEvent::decode(topic, class_version, state).map(MapOnly)
    }
}

const TS: &str = r#"{"_type_":"datetime_iso","_data_":"2026-11-28T06:00:00.123456+00:00"}"#;

fn topic(event: &str) -> String {
    format!("{}.{event}", Ledger::topic())
}

fn stored(event: &str, json: &str) -> StoredEvent {
    StoredEvent {
        originator_id: Uuid::from_u128(7),
        originator_version: 3,
        topic: topic(event),
        state: json.as_bytes().to_vec(),
    }
}

/// Whether the fast path decodes `json` by itself: read as a whole, with a timestamp, at the
/// payload's class version (what the mapper checks before keeping its result).
fn fast_path_reads(event: &str, json: &[u8]) -> bool {
    let transcoder = JsonTranscoder::new();
    let Some(mut fields) = transcoder.fields(json) else {
        return false;
    };
    let Some(payload) = LedgerEvent::decode_fields(&topic(event), &mut fields) else {
        return false;
    };
    let Some((Some(timestamp), class_version)) = fields.finish() else {
        return false;
    };
    let class_version = match class_version {
        None => Some(1),
        Some(value) => u32::from_value(value).ok(),
    };
    DateTime::<Utc>::from_value(timestamp).is_ok() && class_version == Some(payload.class_version())
}

/// Decodes through the mapper and through the `Map` path alone, checks that both give the same
/// event or the same error, and that the fast path read the state (or not) as `fast`.
fn check(
    event: &str,
    json: &str,
    fast: bool,
) -> Result<DomainEvent<LedgerEvent>, eventsourcing_seaorm::persistence::MapperError> {
    let row = stored(event, json);
    let mapper = Mapper::default();
    let decoded = mapper.to_domain_event::<LedgerEvent>(&row);
    let reference = mapper.to_domain_event::<MapOnly>(&row);
    match (&decoded, &reference) {
        (Ok(decoded), Ok(reference)) => {
            assert_eq!(decoded.payload, reference.payload.0, "{json}");
            assert_eq!(decoded.meta(), reference.meta(), "{json}");
        }
        (Err(decoded), Err(reference)) => {
            assert_eq!(format!("{decoded:?}"), format!("{reference:?}"), "{json}");
        }
        _ => panic!("{json}: fast path {decoded:?}, map path {reference:?}"),
    }
    assert_eq!(fast_path_reads(event, json.as_bytes()), fast, "{json}");
    decoded
}

fn payload(event: &str, json: &str, fast: bool) -> LedgerEvent {
    match check(event, json, fast) {
        Ok(event) => event.payload,
        Err(error) => panic!("{json}: {error}"),
    }
}

fn error(event: &str, json: &str) -> String {
    match check(event, json, false) {
        Ok(event) => panic!("{json}: decoded {event:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn states_as_written_take_the_fast_path() {
    let opened = format!(
        r#"{{"timestamp":{TS},"originator_topic":"{}","owner":"Ann","type":"cash"}}"#,
        Ledger::topic()
    );
    assert_eq!(
        payload("Opened", &opened, true),
        LedgerEvent::Opened {
            owner: "Ann".into(),
            r#type: "cash".into()
        }
    );
    let noted = format!(
        r#"{{"timestamp":{TS},"id":{{"_type_":"uuid_hex","_data_":"{}"}},"note":{{"text":"a\"b\u00e9\n","tags":["x","y"]}},"amount":null,"lines":["one","two"]}}"#,
        Uuid::from_u128(42).simple()
    );
    let LedgerEvent::Noted {
        id,
        note,
        amount,
        lines,
    } = payload("Noted", &noted, true)
    else {
        panic!("not a note")
    };
    assert_eq!(id, Uuid::from_u128(42));
    assert_eq!(note.text, "a\"b\u{e9}\n");
    assert_eq!(note.tags, ["x", "y"]);
    assert_eq!(amount, None);
    assert_eq!(lines, ["one", "two"]);
    let renamed = format!(r#"{{"timestamp":{TS},"owner":"Bo","reason":"typo","class_version":2}}"#);
    assert_eq!(
        payload("Renamed", &renamed, true),
        LedgerEvent::Renamed {
            owner: "Bo".into(),
            reason: "typo".into()
        }
    );
    payload("Closed", &format!(r#"{{"timestamp":{TS}}}"#), true);
}

#[test]
fn key_order_whitespace_and_escaped_keys_read_the_same() {
    let shuffled =
        format!(r#"{{"reason":"typo","class_version":2,"owner":"Bo","timestamp":{TS}}}"#);
    payload("Renamed", &shuffled, true);
    let spaced = format!(
        " {{ \"timestamp\" :\n{TS} ,\t\"own\\u0065r\" : \"Bo\" , \"reason\":\"typo\",\r\n\"class_version\" : 2 }}\n "
    );
    assert_eq!(
        payload("Renamed", &spaced, true),
        LedgerEvent::Renamed {
            owner: "Bo".into(),
            reason: "typo".into()
        }
    );
}

#[test]
fn repeated_keys_go_to_the_map_path_where_the_last_value_wins() {
    let owner_twice =
        format!(r#"{{"timestamp":{TS},"owner":"A","reason":"r","owner":"B","class_version":2}}"#);
    let LedgerEvent::Renamed { owner, .. } = payload("Renamed", &owner_twice, false) else {
        panic!("not a rename")
    };
    assert_eq!(owner, "B");
    let timestamp_twice = format!(
        r#"{{"timestamp":{TS},"timestamp":{{"_type_":"datetime_iso","_data_":"2020-01-01T00:00:00+00:00"}}}}"#
    );
    let event = check("Closed", &timestamp_twice, false).expect("decodes");
    assert_eq!(event.timestamp.to_rfc3339(), "2020-01-01T00:00:00+00:00");
    let version_twice = format!(
        r#"{{"timestamp":{TS},"owner":"A","reason":"r","class_version":2,"class_version":1}}"#
    );
    let LedgerEvent::Renamed { reason, .. } = payload("Renamed", &version_twice, false) else {
        panic!("not a rename")
    };
    assert_eq!(reason, "unknown", "upcast from the last class_version");
}

#[test]
fn older_class_versions_go_to_the_map_path_and_are_upcast() {
    for json in [
        format!(r#"{{"timestamp":{TS},"owner":"Bo"}}"#),
        format!(r#"{{"timestamp":{TS},"owner":"Bo","class_version":1}}"#),
    ] {
        assert_eq!(
            payload("Renamed", &json, false),
            LedgerEvent::Renamed {
                owner: "Bo".into(),
                reason: "unknown".into()
            }
        );
    }
    // A field the current version has, stored without the class version that has it: the
    // upcaster overwrites it, as in the Map path.
    let LedgerEvent::Renamed { reason, .. } = payload(
        "Renamed",
        &format!(r#"{{"timestamp":{TS},"owner":"Bo","reason":"typo"}}"#),
        false,
    ) else {
        panic!("not a rename")
    };
    assert_eq!(reason, "unknown");
    let future = error(
        "Renamed",
        &format!(r#"{{"timestamp":{TS},"owner":"Bo","reason":"typo","class_version":3}}"#),
    );
    assert!(future.contains('3'), "{future}");
    error(
        "Renamed",
        &format!(r#"{{"timestamp":{TS},"owner":"Bo","reason":"typo","class_version":"2"}}"#),
    );
}

#[test]
fn keys_that_are_not_fields_go_to_the_map_path() {
    // Extra keys are ignored by the Map path; the fast path leaves them to it.
    payload(
        "Closed",
        &format!(r#"{{"timestamp":{TS},"extra":[1,2,{{"a":null}}]}}"#),
        false,
    );
    // `originator_topic` is only skipped in created events.
    payload(
        "Closed",
        &format!(r#"{{"timestamp":{TS},"originator_topic":"x:Y"}}"#),
        false,
    );
    // `_type_` and `_data_` with other keys: a map, not a transcoded value.
    payload(
        "Closed",
        &format!(r#"{{"timestamp":{TS},"_type_":"uuid_hex","_data_":"x"}}"#),
        false,
    );
}

#[test]
fn bad_states_are_the_map_paths_errors() {
    let missing = error("Opened", &format!(r#"{{"timestamp":{TS},"owner":"Ann"}}"#));
    assert!(missing.contains("type"), "{missing}");
    let wrong_type = error(
        "Opened",
        &format!(r#"{{"timestamp":{TS},"owner":5,"type":"cash"}}"#),
    );
    assert!(wrong_type.contains("owner"), "{wrong_type}");
    error("Closed", "{}");
    error("Closed", r#"{"timestamp":"yesterday"}"#);
    error("Closed", &format!(r#"{{"timestamp":{TS}}}x"#));
    error("Closed", &format!(r#"{{"timestamp":{TS},}}"#));
    error("Closed", &format!(r#"{{"timestamp":{TS}"#));
    error("Closed", &format!(r#"[{TS}]"#));
    error("Closed", TS);
    error(
        "Closed",
        &format!(r#"{{"timestamp":{TS},"x":{{"_type_":"unregistered","_data_":1}}}}"#),
    );
    error(
        "Noted",
        &format!(
            r#"{{"timestamp":{TS},"id":{{"_type_":"uuid_hex","_data_":"not hex"}},"note":{{"text":"","tags":[]}},"amount":1,"lines":[]}}"#
        ),
    );
    error("Missing", &format!(r#"{{"timestamp":{TS}}}"#));
    let row = StoredEvent {
        state: b"{\"timestamp\":\xff}".to_vec(),
        ..stored("Closed", "")
    };
    assert!(
        Mapper::default()
            .to_domain_event::<LedgerEvent>(&row)
            .is_err()
    );
    assert!(!fast_path_reads("Closed", &row.state));
}

#[test]
fn compressed_and_encrypted_events_round_trip_through_the_fast_path() {
    let key = AesCipher::create_key(32).expect("key");
    let cipher = AesCipher::from_base64_key(&key).expect("cipher");
    let mapper = Mapper::default()
        .with_compressor(Arc::new(ZlibCompressor))
        .with_cipher(Arc::new(cipher.clone()));
    let mut ledger = Ledger::open("Ann".into(), "cash".into());
    ledger.rename("Bo".into(), "typo".into());
    ledger.note(
        Uuid::from_u128(9),
        ledger::Note {
            text: "é\u{1F980}".into(),
            tags: vec!["t".into()],
        },
        Some(-5),
        vec!["l".into()],
    );
    ledger.close();
    for event in ledger.collect_events() {
        let row = mapper.to_stored_event(&event).expect("encodes");
        assert_eq!(
            mapper
                .to_domain_event::<LedgerEvent>(&row)
                .expect("decodes"),
            event
        );
        assert_eq!(
            mapper
                .to_domain_event::<MapOnly>(&row)
                .expect("decodes")
                .payload
                .0,
            event.payload
        );
        let json = ZlibCompressor
            .decompress(&cipher.decrypt(&row.state).expect("decrypts"))
            .expect("inflates");
        let event_name = row.topic.rsplit('.').next().expect("a dot");
        assert!(fast_path_reads(event_name, &json), "{row:?}");
    }
}
