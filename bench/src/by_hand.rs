//! The raw driver's rows decoded by hand, with serde_json and chrono, into a `World`'s history:
//! the least work a store does that decodes what it loads at all. The raw side of the load
//! scenarios only fetches the bytes; this reference shows how much of the gap to it is
//! decoding that any store has to do (the benchmark notes its ratio under the 1,000-event
//! load rows, and `profile_ops serde` counts its instructions). The raw side of the projection
//! rows decodes each event it writes to its read model the same way ([`event_what`]).

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use uuid::Uuid;

use crate::BenchError;
use crate::raw::RawDb;

/// A `{"_type_": …, "_data_": …}` value, its text borrowed.
#[derive(Deserialize)]
struct Typed<'a> {
    #[serde(rename = "_data_", borrow)]
    data: &'a str,
}

/// An event's state: its timestamp, and `what` for `SomethingHappened`.
#[derive(Deserialize)]
struct EventState<'a> {
    #[serde(borrow)]
    timestamp: Typed<'a>,
    what: Option<String>,
}

/// A snapshot's state.
#[derive(Deserialize)]
struct SnapshotState<'a> {
    #[serde(borrow)]
    state: WorldState<'a>,
}

/// The `World` in a snapshot.
#[derive(Deserialize)]
struct WorldState<'a> {
    #[serde(rename = "_created_on", borrow)]
    created_on: Typed<'a>,
    #[serde(rename = "_modified_on", borrow)]
    modified_on: Typed<'a>,
    history: Vec<String>,
}

fn timestamp(text: &str) -> Result<DateTime<FixedOffset>, BenchError> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| BenchError::Check(format!("timestamp {text:?}: {e}")))
}

fn json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, BenchError> {
    serde_json::from_slice(bytes).map_err(|e| BenchError::Check(format!("state: {e}")))
}

/// Decodes one event's state (its timestamp checked) and returns its `what`: `None` for a
/// `Created` event.
pub fn event_what(state: &[u8]) -> Result<Option<String>, BenchError> {
    let event: EventState<'_> = json(state)?;
    timestamp(event.timestamp.data)?;
    Ok(event.what)
}

/// Loads one aggregate of application `app` through the raw driver (from its snapshot when
/// `snapshot`) and decodes every row; returns its version and its history.
pub async fn load(
    raw: &mut RawDb,
    app: &str,
    id: Uuid,
    snapshot: bool,
) -> Result<(i64, Vec<String>), BenchError> {
    let mut history = Vec::new();
    let mut version = None;
    if snapshot && let Some(row) = raw.select_snapshot(app, id).await? {
        let snapshot: SnapshotState<'_> = json(&row.state)?;
        timestamp(snapshot.state.created_on.data)?;
        timestamp(snapshot.state.modified_on.data)?;
        history = snapshot.state.history;
        version = Some(row.version);
    }
    for row in raw.select_events(app, id, version).await? {
        history.extend(event_what(&row.state)?);
        version = Some(row.version);
    }
    let version =
        version.ok_or_else(|| BenchError::Check(format!("aggregate {id} has no rows")))?;
    Ok((version, history))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_as_the_library_writes_them_decode() {
        let event: EventState<'_> = json(
            br#"{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-28T12:00:00.123456+00:00"},"what":"owls"}"#,
        )
        .unwrap();
        assert_eq!(event.what.as_deref(), Some("owls"));
        timestamp(event.timestamp.data).unwrap();
        let snapshot: SnapshotState<'_> = json(
            br#"{"topic":"interop_domain:World","state":{"_created_on":{"_type_":"datetime_iso","_data_":"2026-11-28T12:00:00+00:00"},"_modified_on":{"_type_":"datetime_iso","_data_":"2026-11-28T12:00:01+00:00"},"history":["a","b"]}}"#,
        )
        .unwrap();
        assert_eq!(snapshot.state.history, ["a", "b"]);
        assert!(json::<EventState<'_>>(b"{}").is_err());
    }
}
