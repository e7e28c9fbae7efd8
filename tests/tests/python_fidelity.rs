//! Python fidelity (issue 22): state the Python original stored, read by Rust, stored again by
//! Rust, and read back by the Python original, which must find what it wrote
//! (`tests/python/snapshot_round_trip.py`, domain `tests/python/fidelity_domain.py`).

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use eventsourcing_seaorm::domain::{SNAPSHOT_TOPIC, Snapshot, SnapshotState};
use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper, StoredEvent};
use eventsourcing_seaorm::{aggregate, event};
use eventsourcing_seaorm_tests::interop::python;
use serde_json::{Value as Json, json};
use uuid::Uuid;

/// `fidelity_domain.Invoice`: `settled_at` exists only once the invoice is settled.
#[aggregate(topic_module = "fidelity_domain")]
#[derive(Debug)]
pub struct Invoice {
    number: String,
    amount: i64,
    #[aggregate(default)]
    settled_at: Option<DateTime<Utc>>,
}

#[aggregate]
impl Invoice {
    #[event("Issued")]
    fn issue(number: String, amount: i64) -> Self {
        Self {
            number,
            amount,
            settled_at: None,
        }
    }

    #[event("Settled")]
    fn settle(&mut self, at: DateTime<Utc>) {
        self.settled_at = Some(at);
    }
}

fn run(python: &str, args: &[&str]) -> Json {
    let script = format!(
        "{}/python/snapshot_round_trip.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{python} {script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Point 3: an attribute a Python aggregate sets only in a later event. A snapshot taken
/// before has no key for it: Rust reads it as `None`, and writes no key for `None`, so the
/// snapshot Rust takes is what Python took.
#[test]
fn snapshots_without_a_later_attribute_survive_a_round_trip() {
    let Some(python) = python() else { return };
    let written = run(&python, &["write"]);
    let mapper = Mapper::new(JsonTranscoder::new());
    let mut spec = serde_json::Map::new();
    for case in ["unsettled", "settled"] {
        let stored = StoredEvent {
            originator_id: Uuid::parse_str(written[case]["id"].as_str().unwrap()).unwrap(),
            originator_version: written[case]["version"].as_u64().unwrap(),
            topic: SNAPSHOT_TOPIC.to_owned(),
            state: written[case]["state"].as_str().unwrap().as_bytes().to_vec(),
        };
        let snapshot: Snapshot = mapper.to_domain_event::<SnapshotState>(&stored).unwrap();
        let invoice: Invoice = snapshot.into_aggregate().unwrap();
        match case {
            "unsettled" => assert_eq!(
                (invoice.number.as_str(), invoice.amount, invoice.settled_at),
                ("INV-1", 120, None)
            ),
            _ => assert_eq!(
                invoice.settled_at,
                Some(
                    Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
                        + chrono::Duration::microseconds(123_456)
                )
            ),
        }
        let again = mapper
            .to_stored_event(&Snapshot::take(&invoice).unwrap())
            .unwrap();
        spec.insert(
            case.to_owned(),
            json!({
                "id": written[case]["id"],
                "version": written[case]["version"],
                "python_state": written[case]["state"],
                "rust_state": String::from_utf8(again.state).unwrap(),
            }),
        );
    }
    let read = run(&python, &["read", &Json::Object(spec).to_string()]);
    for case in ["unsettled", "settled"] {
        assert_eq!(read[case], json!([]), "{case}: {}", read[case]);
    }
}

/// Without Python: the option's own behaviour.
#[test]
fn a_default_field_reads_missing_as_default_and_writes_no_null() {
    let mut invoice = Invoice::issue("INV-3".into(), 5);
    let snapshot = Snapshot::take(&invoice).unwrap();
    assert!(!snapshot.payload.state.contains_key("settled_at"));
    let restored: Invoice = snapshot.into_aggregate().unwrap();
    assert_eq!(restored.settled_at, None);
    invoice.settle(Utc::now());
    let snapshot = Snapshot::take(&invoice).unwrap();
    assert!(snapshot.payload.state.contains_key("settled_at"));
}
