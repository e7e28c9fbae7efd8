//! Stored state read as the fixtures' events: the fast path of decoding (key by key, straight
//! from the text) agrees with the map path whenever it succeeds, and an event the mapper reads
//! stores and reads again the same.

use std::sync::LazyLock;

use eventsourcing_seaorm::domain::{EventPayload, Map, SNAPSHOT_TOPIC, SnapshotState, Transcode};
use eventsourcing_seaorm::persistence::{Mapper, StoredEventRef};
use uuid::Uuid;

use super::compare::same_option;
use super::transcoder;
use crate::interop::{AccountEvent, ProfileEvent, WorldEvent};

/// The topics of the fixtures' events: those of the Python original's interop domain.
const ACCOUNT_TOPICS: [&str; 3] = [
    "interop_domain:Account.Opened",
    "interop_domain:Account.Credited",
    "interop_domain:Account.Annotated",
];
const PROFILE_TOPICS: [&str; 2] = [
    "interop_domain:Profile.Registered",
    "interop_domain:Profile.EmailChanged",
];
const WORLD_TOPICS: [&str; 2] = [
    "interop_domain:World.Created",
    "interop_domain:World.SomethingHappened",
];

/// Checks `data` as the state of an event of each topic; `object` is what
/// [`JsonTranscoder::decode`](eventsourcing_seaorm::persistence::JsonTranscoder::decode) read
/// from it, if anything.
pub(super) fn fast_path_agrees(data: &[u8], object: Option<Map>) {
    for topic in ACCOUNT_TOPICS {
        agrees::<AccountEvent>(topic, data, object.as_ref());
    }
    for topic in PROFILE_TOPICS {
        agrees::<ProfileEvent>(topic, data, object.as_ref());
    }
    for topic in WORLD_TOPICS {
        agrees::<WorldEvent>(topic, data, object.as_ref());
    }
    agrees::<SnapshotState>(SNAPSHOT_TOPIC, data, object.as_ref());
}

/// The mapper of the `django_plain` fixture: JSON only.
fn plain_mapper() -> &'static Mapper {
    static MAPPER: LazyLock<Mapper> = LazyLock::new(|| Mapper::new(transcoder().clone()));
    &MAPPER
}

fn agrees<P: EventPayload>(topic: &str, data: &[u8], object: Option<&Map>) {
    let transcoder = transcoder();
    if let Some(mut fields) = transcoder.fields(data)
        && let Some(fast) = P::decode_fields(topic, &mut fields)
        && let Some((timestamp, class_version)) = fields.finish()
    {
        let mut state = object
            .unwrap_or_else(|| panic!("the fast path read {topic} that the map path cannot"))
            .clone();
        assert!(same_option(
            timestamp.as_ref(),
            state.remove("timestamp").as_ref()
        ));
        assert!(same_option(
            class_version.as_ref(),
            state.remove("class_version").as_ref()
        ));
        let version = class_version.map_or(Ok(1), u32::from_value);
        // The mapper keeps the fast path's payload only at the payload's own class version.
        if version.is_ok_and(|version| version == fast.class_version()) {
            let slow = P::decode(topic, fast.class_version(), state).unwrap_or_else(|e| {
                panic!("the fast path read {topic} that the map path refuses: {e}")
            });
            assert_eq!(encoded(&fast), encoded(&slow), "{topic}");
        }
    }
    if object.is_some() {
        stores_again::<P>(plain_mapper(), topic, data);
    }
}

/// An event the mapper reads from `data` stores and reads again to the same event.
pub(super) fn stores_again<P: EventPayload>(mapper: &Mapper, topic: &str, data: &[u8]) {
    let stored = StoredEventRef {
        originator_id: Uuid::nil(),
        originator_version: 1,
        topic,
        state: data,
    };
    let Ok(event) = mapper.decode_event::<P>(stored) else {
        return;
    };
    let stored_again = mapper
        .to_stored_event(&event)
        .unwrap_or_else(|e| panic!("{topic} was read but cannot be stored: {e}"));
    let read_again = mapper
        .to_domain_event::<P>(&stored_again)
        .unwrap_or_else(|e| panic!("{topic} was stored but cannot be read: {e}"));
    assert_eq!(read_again.timestamp, event.timestamp);
    assert_eq!(encoded(&read_again.payload), encoded(&event.payload));
}

/// The payload's state as JSON, to compare payloads whose maps may hold NaN.
fn encoded<P: EventPayload>(payload: &P) -> Option<Vec<u8>> {
    let mut state = Map::new();
    payload.encode(&mut state).ok()?;
    transcoder().encode(&state).ok()
}
