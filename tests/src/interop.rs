//! The domain of the Python fixtures (`fixtures/python/interop_domain.py`) in Rust, with the same
//! topics, field names and class versions, and the plain-JSON view of aggregate state that the
//! fixtures' manifests use. Its `World` is the shared one of [`crate::world`].

use chrono::{DateTime, FixedOffset};
use eventsourcing_seaorm::domain::{Aggregate, Map, Value};
use eventsourcing_seaorm::{aggregate, event};
use rust_decimal::Decimal;
use uuid::Uuid;

pub use crate::world::{World, WorldEvent};

/// An account with datetimes, Decimals, UUIDs and dynamic notes.
#[aggregate(topic_module = "interop_domain")]
#[derive(Debug, PartialEq)]
pub struct Account {
    /// Owner's name (the id is a UUID v5 of it).
    pub owner: String,
    /// When it was opened (any offset).
    pub opened_at: DateTime<FixedOffset>,
    /// Credit limit.
    pub limit: Decimal,
    /// Sum of credits.
    pub balance: Decimal,
    /// Each credit: `{"amount": Decimal, "ref": UUID}`.
    pub credits: Vec<Map>,
    /// Free-form notes, as a Python dict.
    pub notes: Map,
}

#[aggregate]
impl Account {
    /// Opens an account.
    #[event("Opened")]
    pub fn open(owner: String, opened_at: DateTime<FixedOffset>, limit: Decimal) -> Self {
        Self {
            owner,
            opened_at,
            limit,
            balance: Decimal::new(0, 2),
            credits: Vec::new(),
            notes: Map::new(),
        }
    }

    /// The id of the account of `owner`.
    pub fn create_id(owner: &str) -> Uuid {
        Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("/accounts/{owner}").as_bytes(),
        )
    }

    /// Credits an amount.
    #[event("Credited")]
    pub fn credit(&mut self, amount: Decimal, r#ref: Uuid) {
        self.balance += amount;
        let mut credit = Map::new();
        credit.insert("amount", amount);
        credit.insert("ref", r#ref);
        self.credits.push(credit);
    }

    /// Adds notes and tags, as the Python method does.
    #[event("Annotated")]
    pub fn annotate(&mut self, notes: Map, tags: Vec<Value>) {
        for (key, value) in notes {
            self.notes.insert(key, value);
        }
        if !self.notes.contains_key("tags") {
            self.notes.insert("tags", Value::List(Vec::new()));
        }
        if let Some(Value::List(all)) = self.notes.get_mut("tags") {
            all.extend(tags);
        }
    }
}

/// A profile whose `EmailChanged` event is at class version 2.
#[aggregate(topic_module = "interop_domain")]
#[derive(Debug, PartialEq)]
pub struct Profile {
    /// The name (the id is a UUID v5 of it).
    pub name: String,
    /// The email address, once set.
    pub email: Option<String>,
    /// Whether the address is verified.
    pub verified: bool,
}

#[aggregate]
impl Profile {
    /// Registers a profile.
    #[event("Registered")]
    pub fn register(name: String) -> Self {
        Self {
            name,
            email: None,
            verified: false,
        }
    }

    /// The id of the profile of `name`.
    pub fn create_id(name: &str) -> Uuid {
        Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("/profiles/{name}").as_bytes())
    }

    /// Changes the email address.
    #[event(name = "EmailChanged", version = 2, upcast(Self::email_changed_v1_v2))]
    pub fn change_email(&mut self, email: String, verified: bool) {
        self.email = Some(email);
        self.verified = verified;
    }

    fn email_changed_v1_v2(state: &mut Map) {
        state.insert("verified", false);
    }
}

/// The Python interpreter of a virtual environment with the Python original (`TEST_PYTHON`,
/// which `.ci/run` sets), or `None` (after saying so on stderr): the test is then skipped.
pub fn python() -> Option<String> {
    match std::env::var("TEST_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            eprintln!(
                "skipped: TEST_PYTHON is not set (.ci/run sets it to a venv with the Python original)"
            );
            None
        }
    }
}

/// Runs `tests/python/<script>` with the Python original (`python`, from [`python`]) and reads
/// the JSON it prints; panics with what the script wrote to stderr when it fails.
pub fn run_python_script(python: &str, script: &str, args: &[&str]) -> serde_json::Value {
    let script = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{python} {script}: {e}"));
    assert!(
        output.status.success(),
        "{python} {script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{python} {script} printed no JSON: {e}"))
}

/// An aggregate's state as the fixtures' `aggregate_state` writes it: the library's plain form
/// ([`eventsourcing_seaorm::domain::plain_state`]).
pub fn plain_state<A: Aggregate>(aggregate: &A) -> serde_json::Value {
    eventsourcing_seaorm::domain::plain_state(aggregate).expect("state of the aggregate")
}
