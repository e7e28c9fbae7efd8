//! `export` and `import`: the store (or one application) as JSON lines, and back into another
//! store, with its own settings and backend.
//!
//! The lines, in this order: one header (`{"kind":"header","format":"eventsourcing-seaorm
//! export","version":1}`), every event in notification order (`"kind":"event"`), every
//! snapshot (`"kind":"snapshot"`), every tracking row (`"kind":"tracking"`). An event's or
//! snapshot's `state` is its decoded state exactly as the Python original's transcoder wrote
//! it (decrypted and decompressed: UUIDs, Decimals and datetimes as `{"_type_","_data_"}`
//! objects), so that an import writes the same JSON, then compresses and encrypts it with the
//! target's settings. Notification ids and snapshot uids are kept, so the log's order and the
//! followers' positions (their tracking rows) stay valid.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::store::{Row, Table};

mod export;
mod import;

pub use export::export;
pub use import::import;

/// The header's `format`.
const FORMAT: &str = "eventsourcing-seaorm export";
/// The header's `version`.
const VERSION: u64 = 1;

/// One line of an export: the fields of its kind are set, the others left out.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Line<'a> {
    /// `header`, `event`, `snapshot` or `tracking`.
    kind: &'a str,
    /// Header: [`FORMAT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    /// Header: [`VERSION`].
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    /// Event and tracking: the notification id.
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_id: Option<u64>,
    /// Snapshot: its uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u64>,
    /// Event, snapshot: the application; tracking: the follower.
    #[serde(skip_serializing_if = "Option::is_none")]
    application_name: Option<String>,
    /// Tracking: the leader.
    #[serde(skip_serializing_if = "Option::is_none")]
    upstream_application_name: Option<String>,
    /// Event, snapshot: the aggregate.
    #[serde(skip_serializing_if = "Option::is_none")]
    originator_id: Option<Uuid>,
    /// Event, snapshot: its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    originator_version: Option<u64>,
    /// Event, snapshot: the topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<String>,
    /// Event, snapshot: the state's JSON as the transcoder wrote it.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    state: Option<&'a RawValue>,
}

impl<'a> Line<'a> {
    /// The fields of an event or a snapshot, or why the line lacks one.
    fn record(&self) -> Result<(u64, &str, Uuid, u64, &str, &'a RawValue), String> {
        let missing = |field: &str| format!("a {} line without {field}", self.kind);
        let id = match self.kind {
            "event" => self
                .notification_id
                .ok_or_else(|| missing("notification_id"))?,
            _ => self.uid.ok_or_else(|| missing("uid"))?,
        };
        Ok((
            id,
            self.application_name
                .as_deref()
                .ok_or_else(|| missing("application_name"))?,
            self.originator_id.ok_or_else(|| missing("originator_id"))?,
            self.originator_version
                .ok_or_else(|| missing("originator_version"))?,
            self.topic.as_deref().ok_or_else(|| missing("topic"))?,
            self.state.ok_or_else(|| missing("state"))?,
        ))
    }
}

/// A row named for an error message.
pub fn describe(table: Table, row: &Row) -> String {
    format!(
        "{} row {} ({} {} v{} {})",
        table.name(),
        row.id,
        row.application_name,
        row.originator_id,
        row.originator_version,
        row.topic
    )
}
