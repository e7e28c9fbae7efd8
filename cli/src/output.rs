//! How events are printed: decoded into Python's plain JSON form, as text lines or JSON.

use std::io::Write;

use eventsourcing_seaorm::domain::Map;
use serde_json::{Value as Json, json};

use crate::error::CliError;
use crate::options::Format;
use crate::store::{Row, Store};

/// A row decoded with its application's mapper: its state as plain JSON, or why it could not
/// be decoded.
pub fn decode(store: &Store, row: &Row) -> Result<Map, String> {
    let mapper = store
        .mapper(&row.application_name)
        .map_err(|e| e.to_string())?;
    mapper.decode_state(&row.state).map_err(|e| e.to_string())
}

/// An event as a JSON object (the keys `--help` lists).
pub fn event_json(row: &Row, state: &Result<Map, String>) -> Json {
    let mut object = json!({
        "notification_id": row.id,
        "application_name": row.application_name,
        "originator_id": row.originator_id.hyphenated().to_string(),
        "originator_version": row.originator_version,
        "topic": row.topic,
    });
    match state {
        Ok(state) => {
            if let Some(timestamp) = state.get("timestamp") {
                object["timestamp"] = timestamp.to_plain_json();
            }
            object["state"] = state.to_plain_json();
        }
        Err(error) => object["error"] = Json::String(error.clone()),
    }
    object
}

/// Writes one event in `format`: a JSON line, or a heading line and the state.
pub fn write_event(
    out: &mut impl Write,
    format: Format,
    row: &Row,
    state: &Result<Map, String>,
) -> Result<(), CliError> {
    let written = match format {
        Format::Json => writeln!(out, "{}", event_json(row, state)),
        Format::Text => {
            let head = format!(
                "#{} {} {} v{} {}",
                row.id, row.application_name, row.originator_id, row.originator_version, row.topic
            );
            match state {
                Ok(state) => writeln!(out, "{head}\n    {}", state.to_plain_json()),
                Err(error) => writeln!(out, "{head}\n    cannot decode: {error}"),
            }
        }
    };
    written.map_err(|e| CliError::io("writing the output", e))
}
