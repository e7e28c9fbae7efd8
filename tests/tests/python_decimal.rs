//! Python's Decimal (issue 22, point 4): `PyDecimal` computes what Python's `decimal` module
//! computes (`tests/python/decimal_arithmetic.py`), and a balance the Python original wrote,
//! changed by Rust and snapshotted by Rust, is what Python reads and computes itself
//! (`tests/python/decimal_round_trip.py`, domain `tests/python/fidelity_decimal_domain.py`).

use eventsourcing_seaorm::domain::{
    Aggregate, PyDecimal, SNAPSHOT_TOPIC, Snapshot, SnapshotState, ValueError,
};
use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper, StoredEvent};
use eventsourcing_seaorm::{aggregate, event};
use eventsourcing_seaorm_tests::interop::{python, run_python_script as run};
use serde_json::{Value as Json, json};
use uuid::Uuid;

/// `fidelity_decimal_domain.Account`.
#[aggregate(topic_module = "fidelity_decimal_domain")]
#[derive(Debug)]
pub struct Account {
    balance: PyDecimal,
}

#[aggregate]
impl Account {
    #[event("Opened")]
    fn open(balance: PyDecimal) -> Self {
        Self { balance }
    }

    #[event("Deposited")]
    fn deposit(&mut self, amount: PyDecimal) {
        self.balance += amount;
    }
}

fn text(json: &Json) -> &str {
    json.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {json}"))
}

fn decimal(json: &Json) -> PyDecimal {
    PyDecimal::parse(text(json)).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// A result as the script writes it: `str(Decimal)`, or `{"error": <exception class>}` where
/// Python raises (the class named in our error's message).
fn outcome(result: Result<PyDecimal, ValueError>) -> Json {
    match result {
        Ok(number) => Json::String(number.to_string()),
        Err(error) => {
            let message = error.to_string();
            match ["Overflow", "InvalidOperation"]
                .into_iter()
                .find(|class| message.contains(&format!("decimal.{class}")))
            {
                Some(class) => json!({ "error": class }),
                None => json!({ "error": message }),
            }
        }
    }
}

/// Every result of the script, computed by `PyDecimal`: parsing, `-`, `abs`, `+ - * == <` of
/// every pair of operands (with half-even ties at the 28th digit, `-0`, exponents kept and
/// overflow), `sum()` and `quantize`.
#[test]
fn py_decimal_computes_what_python_computes() {
    let Some(python) = python() else { return };
    let expected = run(&python, "decimal_arithmetic.py", &[]);
    let mut mismatches = Vec::new();
    let mut compared = 0;
    let mut compare = |what: String, python: &Json, rust: Json| {
        compared += 1;
        if *python != rust {
            mismatches.push(format!("{what}: python {python}, rust {rust}"));
        }
    };

    for case in expected["texts"].as_array().unwrap() {
        let parsed = PyDecimal::parse(text(&case[0]));
        compare(format!("Decimal({})", case[0]), &case[1], outcome(parsed));
    }
    for case in expected["unary"].as_array().unwrap() {
        let a = decimal(&case[0]);
        compare(format!("str({})", case[0]), &case[1], json!(a.to_string()));
        compare(format!("-{}", case[0]), &case[2], outcome(a.checked_neg()));
        compare(
            format!("abs({})", case[0]),
            &case[3],
            outcome(a.checked_abs()),
        );
        if case[2].is_string() {
            compare(
                format!("operator -{}", case[0]),
                &case[2],
                json!((-&a).to_string()),
            );
            compare(
                format!("abs {}", case[0]),
                &case[3],
                json!(a.abs().to_string()),
            );
        }
    }
    let pairs = expected["pairs"].as_array().unwrap();
    for case in pairs {
        let (a, b) = (decimal(&case[0]), decimal(&case[1]));
        let name = |op: &str| format!("{} {op} {}", case[0], case[1]);
        compare(name("+"), &case[2], outcome(a.checked_add(&b)));
        compare(name("-"), &case[3], outcome(a.checked_sub(&b)));
        compare(name("*"), &case[4], outcome(a.checked_mul(&b)));
        compare(name("=="), &case[5], json!(a == b));
        compare(name("<"), &case[6], json!(a < b));
        // The operators, where Python does not raise, owned and borrowed.
        if case[2].is_string() {
            compare(
                name("operator +"),
                &case[2],
                json!((a.clone() + &b).to_string()),
            );
        }
        if case[3].is_string() {
            compare(
                name("operator -"),
                &case[3],
                json!((&a - b.clone()).to_string()),
            );
        }
        if case[4].is_string() {
            let mut product = a.clone();
            product *= &b;
            compare(name("operator *"), &case[4], json!(product.to_string()));
        }
    }
    for case in expected["sums"].as_array().unwrap() {
        let values: Vec<PyDecimal> = case[0].as_array().unwrap().iter().map(decimal).collect();
        let sum: PyDecimal = values.iter().sum();
        compare(
            format!("sum({})", case[0]),
            &case[1],
            json!(sum.to_string()),
        );
        let sum: PyDecimal = values.into_iter().sum();
        compare(
            format!("sum(owned {})", case[0]),
            &case[1],
            json!(sum.to_string()),
        );
    }
    for case in expected["quantize"].as_array().unwrap() {
        let quantized = decimal(&case[0]).quantize(&decimal(&case[1]));
        compare(
            format!("{}.quantize({})", case[0], case[1]),
            &case[2],
            outcome(quantized),
        );
    }

    assert!(
        pairs.len() > 4000 && compared > 30000,
        "only {compared} results"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} results differ from Python's:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(30)].join("\n")
    );
}

/// Python's snapshots of balances (`4.20` + `0E-8`, `1E+3`, `-0.00`, a balance rounded to 28
/// digits) are read by Rust as they are, a deposit is made by a Rust event with Python's
/// arithmetic, and Python finds in Rust's event and snapshot what it computes itself.
#[test]
fn decimal_balances_survive_a_round_trip_through_rust() {
    let Some(python) = python() else { return };
    let written = run(&python, "decimal_round_trip.py", &["write"]);
    let mapper = Mapper::new(JsonTranscoder::new());
    let mut spec = serde_json::Map::new();
    let cases = written.as_object().unwrap();
    assert_eq!(cases.len(), 4, "{written}");
    for (case, python_case) in cases {
        let id = Uuid::parse_str(text(&python_case["id"])).unwrap();
        let version = python_case["version"].as_u64().unwrap();
        let stored = StoredEvent {
            originator_id: id,
            originator_version: version,
            topic: SNAPSHOT_TOPIC.to_owned(),
            state: text(&python_case["state"]).as_bytes().to_vec(),
        };
        let snapshot: Snapshot = mapper.to_domain_event::<SnapshotState>(&stored).unwrap();
        let mut account: Account = snapshot.into_aggregate().unwrap();
        // Python -> Rust: the value Python wrote, as Python wrote it.
        assert_eq!(
            account.balance.to_string(),
            text(&python_case["balance"]),
            "{case}"
        );
        let before = mapper
            .to_stored_event(&Snapshot::take(&account).unwrap())
            .unwrap();

        let amount = decimal(&python_case["deposit"]);
        account.deposit(amount);
        let events = account.collect_events();
        assert_eq!(events.len(), 1, "{case}");
        let event = mapper.to_stored_event(&events[0]).unwrap();
        let after = mapper
            .to_stored_event(&Snapshot::take(&account).unwrap())
            .unwrap();
        assert_eq!(after.originator_version, version + 1);
        spec.insert(
            case.clone(),
            json!({
                "id": python_case["id"],
                "version": version,
                "python_state": python_case["state"],
                "rust_state_before": String::from_utf8(before.state).unwrap(),
                "event_topic": event.topic,
                "event_version": event.originator_version,
                "event_state": String::from_utf8(event.state).unwrap(),
                "rust_state": String::from_utf8(after.state).unwrap(),
                "rust_balance": account.balance.to_string(),
            }),
        );
    }
    let read = run(
        &python,
        "decimal_round_trip.py",
        &["read", &Json::Object(spec).to_string()],
    );
    for case in cases.keys() {
        assert_eq!(read[case], json!([]), "{case}: {}", read[case]);
    }
}

/// Without Python: the field is stored as Python stores a Decimal, with its exponent.
#[test]
fn a_py_decimal_field_is_stored_as_pythons_decimal_str() {
    let mut account = Account::open("1E+3".parse().unwrap());
    account.deposit("0E+2".parse().unwrap());
    let mapper = Mapper::new(JsonTranscoder::new());
    let stored = mapper
        .to_stored_event(&Snapshot::take(&account).unwrap())
        .unwrap();
    let state = String::from_utf8(stored.state).unwrap();
    assert!(
        state.ends_with(r#""balance":{"_type_":"decimal_str","_data_":"1.0E+3"}}}"#),
        "{state}"
    );
}
