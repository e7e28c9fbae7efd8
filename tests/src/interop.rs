//! The domain of the Python fixtures (`fixtures/python/interop_domain.py`) in Rust, with the same
//! topics, field names and class versions, and the plain-JSON view of aggregate state that the
//! fixtures' manifests use. Its `World` is the shared one of [`crate::world`].

use chrono::{DateTime, FixedOffset};
use eventsourcing_seaorm::domain::{
    Aggregate, Map, Snapshot, Value, format_isoformat, format_naive_isoformat,
};
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

/// A value as the fixtures' `to_plain` writes it: Decimals as `str(d)`, UUIDs hyphenated,
/// datetimes as `isoformat()`.
pub fn plain_value(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::BigInt(digits) => digits
            .parse::<serde_json::Number>()
            .map_or(J::String(digits.clone()), J::Number),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.clone()),
        Value::List(items) => J::Array(items.iter().map(plain_value).collect()),
        Value::Map(map) => J::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), plain_value(v)))
                .collect(),
        ),
        Value::Uuid(u) => J::String(u.hyphenated().to_string()),
        Value::Decimal(d) => J::String(d.as_str().to_owned()),
        Value::DateTime(dt) => J::String(format_isoformat(dt)),
        Value::NaiveDateTime(dt) => J::String(format_naive_isoformat(dt)),
        Value::Custom(custom) => plain_value(&custom.data),
    }
}

/// An aggregate's state as the fixtures' `aggregate_state` writes it.
pub fn plain_state<A: Aggregate>(aggregate: &A) -> serde_json::Value {
    let snapshot = Snapshot::take(aggregate).expect("state of the aggregate");
    let mut out = serde_json::Map::new();
    out.insert("id".into(), aggregate.id().hyphenated().to_string().into());
    out.insert("version".into(), aggregate.version().into());
    out.insert(
        "created_on".into(),
        format_isoformat(&aggregate.created_on().fixed_offset()).into(),
    );
    out.insert(
        "modified_on".into(),
        format_isoformat(&aggregate.modified_on().fixed_offset()).into(),
    );
    for (key, value) in snapshot.payload.state.iter() {
        if key != "_created_on" && key != "_modified_on" && key != "class_version" {
            out.insert(key.clone(), plain_value(value));
        }
    }
    serde_json::Value::Object(out)
}
