//! Python fidelity (issue 22): events and snapshots the Python original stored, read by Rust,
//! extended and stored again by Rust, and read back by the Python original, which must find what
//! it wrote and what it would have written (`tests/python/snapshot_round_trip.py`, domain
//! `tests/python/fidelity_domain.py`).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use eventsourcing_seaorm::domain::{
    Aggregate, DomainEvent, SNAPSHOT_TOPIC, Snapshot, SnapshotState, Transcode, Value, project,
};
use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper, StoredEvent};
use eventsourcing_seaorm::{aggregate, event};
use eventsourcing_seaorm_tests::interop::python;
use eventsourcing_seaorm_tests::shared_database::run_script;
use rust_decimal::Decimal;
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

/// `fidelity_domain.Inspection`: its callers choose its events' timestamps, at any offset.
#[aggregate(topic_module = "fidelity_domain")]
#[derive(Debug)]
pub struct Inspection {
    site: String,
    #[aggregate(default)]
    inspector: Option<String>,
}

#[aggregate]
impl Inspection {
    #[event("Opened")]
    fn open(site: String, timestamp: DateTime<FixedOffset>) -> Self {
        Self {
            site,
            inspector: None,
        }
    }

    #[event("Inspected")]
    fn inspect(&mut self, inspector: String, timestamp: DateTime<FixedOffset>) {
        self.inspector = Some(inspector);
    }
}

/// A customer of `fidelity_domain.Order` (a dict in Python).
#[derive(Transcode, Debug, Clone, PartialEq)]
pub struct Customer {
    id: Uuid,
    name: String,
}

/// A line of an order.
#[derive(Transcode, Debug, Clone, PartialEq)]
pub struct Line {
    sku: String,
    product_id: Uuid,
    price: Decimal,
    added_at: DateTime<FixedOffset>,
}

/// Where and when an order is delivered: typed values two levels down.
#[derive(Transcode, Debug, Clone, PartialEq)]
pub struct Delivery {
    address: Address,
    window: Vec<DateTime<FixedOffset>>,
    fees: BTreeMap<String, Decimal>,
}

/// An address.
#[derive(Transcode, Debug, Clone, PartialEq)]
pub struct Address {
    street: String,
    zone: Uuid,
}

/// An order's status, a string in Python.
#[derive(Transcode, Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Taking lines.
    #[transcode(rename = "open")]
    Open,
    /// Done.
    #[transcode(rename = "closed")]
    Closed,
}

/// `fidelity_domain.Order`: UUIDs, Decimals and datetimes nested in its events and state.
#[aggregate(topic_module = "fidelity_domain")]
#[derive(Debug)]
pub struct Order {
    customer: Customer,
    lines: Vec<Line>,
    delivery: Option<Delivery>,
    status: Status,
}

#[aggregate]
impl Order {
    #[event("Placed")]
    fn place(customer: Customer) -> Self {
        Self {
            customer,
            lines: Vec::new(),
            delivery: None,
            status: Status::Open,
        }
    }

    #[event("LineAdded")]
    fn add_line(&mut self, line: Line) {
        self.lines.push(line);
    }

    #[event("DeliveryBooked")]
    fn book_delivery(&mut self, delivery: Delivery) {
        self.delivery = Some(delivery);
    }

    #[event("Closed")]
    fn close(&mut self) {
        self.status = Status::Closed;
    }
}

fn run(python: &str, args: &[&str]) -> Json {
    run_script(python, "snapshot_round_trip.py", args)
}

fn stored(id: &Json, topic: &str, version: &Json, state: &Json) -> StoredEvent {
    StoredEvent {
        originator_id: Uuid::parse_str(id.as_str().unwrap()).unwrap(),
        originator_version: version.as_u64().unwrap(),
        topic: topic.to_owned(),
        state: state.as_str().unwrap().as_bytes().to_vec(),
    }
}

fn text(event: &StoredEvent) -> Json {
    json!({
        "topic": event.topic,
        "version": event.originator_version,
        "state": String::from_utf8(event.state.clone()).unwrap(),
    })
}

/// One case of the round trip, as far as Rust takes it.
struct Case<A> {
    /// The aggregate replayed from Python's events, then changed by Rust.
    aggregate: A,
    /// The aggregate rebuilt from Python's snapshot.
    from_snapshot: A,
    /// The events Rust made (stored).
    new_events: Vec<StoredEvent>,
    /// What `snapshot_round_trip.py read` takes for the case.
    spec: Json,
}

/// Reads Python's events and snapshot of `case`, runs `change` on the replayed aggregate, and
/// stores every event again, the new ones and a snapshot.
fn rust_side<A: Aggregate>(written: &Json, case: &str, change: impl FnOnce(&mut A)) -> Case<A> {
    let mapper = Mapper::new(JsonTranscoder::new());
    let written = &written[case];
    let id = &written["id"];
    let events: Vec<DomainEvent<A::Event>> = written["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let row = stored(id, e["topic"].as_str().unwrap(), &e["version"], &e["state"]);
            mapper.to_domain_event(&row).unwrap()
        })
        .collect();
    let snapshot = &written["snapshot"];
    let snapshot: Snapshot = mapper
        .to_domain_event::<SnapshotState>(&stored(
            id,
            SNAPSHOT_TOPIC,
            &snapshot["version"],
            &snapshot["state"],
        ))
        .unwrap();
    let from_snapshot: A = snapshot.into_aggregate().unwrap();
    let mut rust_events: Vec<StoredEvent> = events
        .iter()
        .map(|e| mapper.to_stored_event(e).unwrap())
        .collect();
    let mut aggregate = project::<A>(None, events).unwrap().unwrap();
    change(&mut aggregate);
    let new_events: Vec<StoredEvent> = aggregate
        .collect_events()
        .iter()
        .map(|e| mapper.to_stored_event(e).unwrap())
        .collect();
    rust_events.extend(new_events.iter().cloned());
    let rust_snapshot = mapper
        .to_stored_event(&Snapshot::take(&aggregate).unwrap())
        .unwrap();
    let spec = json!({
        "id": id,
        "python": written,
        "rust_events": rust_events.iter().map(text).collect::<Vec<_>>(),
        "rust_snapshot": text(&rust_snapshot),
    });
    Case {
        aggregate,
        from_snapshot,
        new_events,
        spec,
    }
}

fn same_instant_and_offset(a: DateTime<FixedOffset>, b: DateTime<FixedOffset>) -> bool {
    a == b && a.offset() == b.offset()
}

/// Points 1 to 3: Python's events and snapshots of aggregates that gain an attribute in a later
/// event (`settled_at`) and whose events' timestamps the caller chose at offsets other than UTC
/// (`-07:00`, `+05:45`) are read with their offsets and microseconds, are written again to the
/// same bytes, and Rust's snapshots of them, and of the events Rust adds (one stamped now, in
/// UTC; one whose caller chose `+05:45`), are what Python writes.
#[test]
fn python_events_and_snapshots_survive_a_round_trip() {
    let Some(python) = python() else { return };
    let written = run(&python, &["write"]);
    let mut spec = serde_json::Map::new();

    // Point 3: an attribute set only by a later event. A snapshot taken before has no key for
    // it: Rust reads it as `None`, and writes no key for `None`.
    let unsettled = rust_side::<Invoice>(&written, "unsettled", |invoice| {
        assert_eq!(
            (invoice.number.as_str(), invoice.amount, invoice.settled_at),
            ("INV-1", 120, None)
        );
        // Point 1: a new Rust event is stamped now, in UTC.
        invoice.settle(Utc::now());
    });
    assert_eq!(unsettled.from_snapshot.settled_at, None);
    let settle = String::from_utf8(unsettled.new_events[0].state.clone()).unwrap();
    assert!(settle.contains("+00:00\"}"), "{settle}");
    assert!(same_instant_and_offset(
        unsettled.aggregate.modified_on(),
        Utc.from_utc_datetime(&unsettled.aggregate.modified_on().naive_utc())
            .fixed_offset()
    ));
    spec.insert("unsettled".into(), unsettled.spec);

    let settled = rust_side::<Invoice>(&written, "settled", |_| {});
    let at = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
        + chrono::Duration::microseconds(123_456);
    assert_eq!(settled.aggregate.settled_at, Some(at));
    assert_eq!(settled.from_snapshot.settled_at, Some(at));
    spec.insert("settled".into(), settled.spec);

    // Points 1 and 2: timestamps the caller chose, with their offsets.
    let chosen = DateTime::parse_from_rfc3339("2023-03-06T07:08:09.000123+05:45").unwrap();
    let inspected = rust_side::<Inspection>(&written, "inspected", |inspection| {
        let created = DateTime::parse_from_rfc3339("2023-03-04T05:06:07.000089-07:00").unwrap();
        let modified = DateTime::parse_from_rfc3339("2023-03-05T06:07:08+05:45").unwrap();
        assert!(same_instant_and_offset(inspection.created_on(), created));
        assert!(same_instant_and_offset(inspection.modified_on(), modified));
        inspection.inspect("Carol".into(), chosen);
    });
    let from_snapshot = &inspected.from_snapshot;
    assert_eq!(
        from_snapshot.created_on().offset().local_minus_utc(),
        -7 * 3600
    );
    assert_eq!(
        from_snapshot.modified_on().offset().local_minus_utc(),
        5 * 3600 + 45 * 60
    );
    assert_eq!(from_snapshot.inspector.as_deref(), Some("Ann"));
    assert!(same_instant_and_offset(
        inspected.aggregate.modified_on(),
        chosen
    ));
    let mut case = inspected.spec;
    case["expect"] = json!({
        "_created_on": "2023-03-04T05:06:07.000089-07:00",
        "_modified_on": "2023-03-06T07:08:09.000123+05:45",
    });
    spec.insert("inspected".into(), case);

    // Point 5: typed values nested in structs, lists, options and maps, in Python's events
    // and snapshot, and in the events Rust adds.
    let added_at = DateTime::parse_from_rfc3339("2024-06-01T10:11:12.000013-03:30").unwrap();
    let ordered = rust_side::<Order>(&written, "ordered", |order| {
        assert_eq!(order.lines[0].price.to_string(), "12.50");
        order.add_line(Line {
            sku: "B-2".into(),
            product_id: Uuid::parse_str("5d9f7a3e-1c2b-4d5e-8f6a-7b8c9d0e1f2a").unwrap(),
            price: "0.99".parse().unwrap(),
            added_at,
        });
        order.close();
    });
    for order in [&ordered.aggregate, &ordered.from_snapshot] {
        assert_eq!(
            order.customer.id,
            Uuid::parse_str("6f1c0e52-93a5-4e0b-9d55-1f6e0a3b2c11").unwrap()
        );
        assert_eq!(
            order.lines[0].added_at.offset().local_minus_utc(),
            -7 * 3600
        );
        let delivery = order.delivery.as_ref().unwrap();
        assert_eq!(
            delivery.window[1].offset().local_minus_utc(),
            5 * 3600 + 45 * 60
        );
        assert_eq!(delivery.fees["rush"].to_string(), "10");
    }
    let line_added = &ordered.new_events[0];
    let stored: serde_json::Value = serde_json::from_slice(&line_added.state).unwrap();
    assert_eq!(
        stored["line"]["product_id"],
        json!({"_type_": "uuid_hex", "_data_": "5d9f7a3e1c2b4d5e8f6a7b8c9d0e1f2a"})
    );
    assert_eq!(ordered.aggregate.status, Status::Closed);
    spec.insert("ordered".into(), ordered.spec);

    let read = run(&python, &["read", &Json::Object(spec).to_string()]);
    for case in ["unsettled", "settled", "inspected", "ordered"] {
        assert_eq!(read[case], json!([]), "{case}: {}", read[case]);
    }
}

/// Without Python: the `default` option's own behaviour.
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

/// Without Python: a caller's timestamp at an offset is the event's, the aggregate's and the
/// body's, and a snapshot and the stored event keep the offset.
#[test]
fn a_chosen_timestamp_keeps_its_offset_through_storage() {
    let opened = DateTime::parse_from_rfc3339("2023-03-04T05:06:07.000089-07:00").unwrap();
    let mut inspection = Inspection::open("Yard".into(), opened);
    assert!(same_instant_and_offset(inspection.created_on(), opened));
    let inspected = DateTime::parse_from_rfc3339("2023-03-05T06:07:08+05:45").unwrap();
    inspection.inspect("Ann".into(), inspected);
    assert!(same_instant_and_offset(inspection.modified_on(), inspected));
    let mapper = Mapper::new(JsonTranscoder::new());
    let events = inspection.collect_events();
    let rows: Vec<StoredEvent> = events
        .iter()
        .map(|e| mapper.to_stored_event(e).unwrap())
        .collect();
    let state = String::from_utf8(rows[1].state.clone()).unwrap();
    assert!(state.contains("\"2023-03-05T06:07:08+05:45\""), "{state}");
    let decoded: Vec<DomainEvent<InspectionEvent>> = rows
        .iter()
        .map(|r| mapper.to_domain_event(r).unwrap())
        .collect();
    assert!(same_instant_and_offset(decoded[0].timestamp, opened));
    let replayed = project::<Inspection>(None, decoded).unwrap().unwrap();
    assert!(same_instant_and_offset(replayed.created_on(), opened));
    assert!(same_instant_and_offset(replayed.modified_on(), inspected));
    let snapshot = mapper
        .to_stored_event(&Snapshot::take(&replayed).unwrap())
        .unwrap();
    let restored: Inspection = mapper
        .to_domain_event::<SnapshotState>(&snapshot)
        .unwrap()
        .into_aggregate()
        .unwrap();
    assert!(same_instant_and_offset(restored.created_on(), opened));
    assert!(same_instant_and_offset(restored.modified_on(), inspected));
}

/// Without Python: a type deriving `Transcode` writes its nested typed values as typed values,
/// reads what it wrote, and names what it cannot read.
#[test]
fn derived_transcode_writes_typed_values_at_any_depth() {
    let delivery = Delivery {
        address: Address {
            street: "1 Main St".into(),
            zone: Uuid::nil(),
        },
        window: vec![DateTime::parse_from_rfc3339("2024-05-07T17:30:00+05:45").unwrap()],
        fees: BTreeMap::from([("base".to_owned(), "4.99".parse().unwrap())]),
    };
    let value = Some(vec![delivery.clone()]).to_value().unwrap();
    let Value::List(items) = &value else {
        panic!("{value:?}")
    };
    let map = items[0].as_map().unwrap();
    let address = map.get("address").and_then(Value::as_map).unwrap();
    assert_eq!(address.get("zone"), Some(&Value::Uuid(Uuid::nil())));
    assert!(matches!(
        map.get("window").and_then(Value::as_list),
        Some([Value::DateTime(_)])
    ));
    assert_eq!(
        Option::<Vec<Delivery>>::from_value(value).unwrap(),
        Some(vec![delivery.clone()])
    );
    let mut order = Order::place(Customer {
        id: Uuid::nil(),
        name: "Bo".into(),
    });
    order.book_delivery(delivery.clone());
    let restored: Order = Snapshot::take(&order).unwrap().into_aggregate().unwrap();
    assert_eq!(restored.delivery, Some(delivery));
    assert_eq!(
        Status::Closed.to_value().unwrap(),
        Value::String("closed".into())
    );
    let error = Status::from_value(Value::String("lost".into())).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"invalid Status: "lost" is not one of ["open", "closed"]"#
    );
    let mut address = eventsourcing_seaorm::domain::Map::new();
    address.insert("street", "x");
    address.insert("zone", "not a uuid");
    let error = Address::from_value(Value::Map(address)).unwrap_err();
    assert!(
        error.to_string().starts_with("key `zone`: invalid UUID"),
        "{error}"
    );
    let error = Address::from_value(Value::Int(1)).unwrap_err();
    assert_eq!(error.to_string(), "expected map (Address), found integer");
}
