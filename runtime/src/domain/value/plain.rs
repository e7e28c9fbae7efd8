//! Values as plain JSON, in the Python original's plain form: what `str()` and `isoformat()`
//! give for the types it stores as `{"_type_": …, "_data_": …}`, so that state can be printed,
//! logged or compared (with Python's own plain form of the same state, for example) without
//! the stored form's wrappers.

use serde_json::Value as Json;

use super::{Map, Value, format_isoformat, format_naive_isoformat};
use crate::domain::{Aggregate, DomainError, Snapshot};

impl Value {
    /// This value as plain JSON: UUIDs as hyphenated strings (`str(uuid)`), Decimals as
    /// `str(decimal)`, datetimes as `isoformat()`, custom values as their data, integers too
    /// large for 64 bits as a string of their digits (as a number they would lose digits),
    /// floats that JSON cannot hold (NaN, infinities) as `null`.
    ///
    /// ```
    /// use eventsourcing_seaorm::domain::Value;
    /// use uuid::Uuid;
    ///
    /// let id = Uuid::nil();
    /// let value = Value::List(vec![Value::Uuid(id), Value::from("x")]);
    /// assert_eq!(
    ///     value.to_plain_json(),
    ///     serde_json::json!(["00000000-0000-0000-0000-000000000000", "x"])
    /// );
    /// ```
    pub fn to_plain_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            // Beyond 64 bits JSON numbers lose digits here: the digits are kept as text.
            Value::BigInt(digits) => digits
                .parse::<u64>()
                .map_or_else(|_| Json::String(digits.clone()), Json::from),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_plain_json).collect()),
            Value::Map(map) => map.to_plain_json(),
            Value::Uuid(u) => Json::String(u.hyphenated().to_string()),
            Value::Decimal(d) => Json::String(d.as_str().to_owned()),
            Value::DateTime(dt) => Json::String(format_isoformat(dt)),
            Value::NaiveDateTime(dt) => Json::String(format_naive_isoformat(dt)),
            Value::Custom(custom) => custom.data.to_plain_json(),
        }
    }
}

impl Map {
    /// This map as a plain JSON object ([`Value::to_plain_json`] for each value).
    pub fn to_plain_json(&self) -> Json {
        Json::Object(
            self.iter()
                .map(|(key, value)| (key.clone(), value.to_plain_json()))
                .collect(),
        )
    }
}

/// An aggregate's state as plain JSON: `id`, `version`, `created_on` and `modified_on`, then
/// its own fields as its snapshot stores them (by their snapshot keys), each in plain form
/// ([`Value::to_plain_json`]).
///
/// ```
/// use eventsourcing_seaorm::domain::plain_state;
/// use eventsourcing_seaorm::prelude::*;
///
/// #[aggregate]
/// #[derive(Debug)]
/// pub struct World {
///     history: Vec<String>,
/// }
///
/// #[aggregate]
/// impl World {
///     #[event("Created")]
///     pub fn create() -> Self {
///         Self { history: Vec::new() }
///     }
///
///     #[event("SomethingHappened")]
///     pub fn make_it_so(&mut self, what: String) {
///         self.history.push(what);
///     }
/// }
///
/// let mut world = World::create();
/// world.make_it_so("dinosaurs".into());
/// let state = plain_state(&world)?;
/// assert_eq!(state["version"], 2);
/// assert_eq!(state["history"], serde_json::json!(["dinosaurs"]));
/// assert_eq!(state["id"], world.id().to_string());
/// # Ok::<(), eventsourcing_seaorm::domain::DomainError>(())
/// ```
pub fn plain_state<A: Aggregate>(aggregate: &A) -> Result<Json, DomainError> {
    let snapshot = Snapshot::take(aggregate)?;
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
        // The base's own keys, written above from the aggregate.
        if !matches!(
            key.as_str(),
            "_created_on" | "_modified_on" | "class_version"
        ) {
            out.insert(key.clone(), value.to_plain_json());
        }
    }
    Ok(Json::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomValue, DecimalValue};
    use chrono::{FixedOffset, NaiveDate, TimeZone};
    use uuid::Uuid;

    #[test]
    fn every_kind_of_value_in_plain_form() {
        let offset = FixedOffset::east_opt(5 * 3600 + 45 * 60).unwrap();
        let at = offset.with_ymd_and_hms(2023, 3, 4, 5, 6, 7).unwrap();
        let naive = NaiveDate::from_ymd_opt(2023, 3, 4)
            .unwrap()
            .and_hms_micro_opt(5, 6, 7, 8)
            .unwrap();
        let mut map = Map::new();
        map.insert("uuid", Value::Uuid(Uuid::from_u128(1)));
        map.insert(
            "decimal",
            Value::Decimal(DecimalValue::parse("1E+3").unwrap()),
        );
        map.insert("at", Value::DateTime(at));
        map.insert("naive", Value::NaiveDateTime(naive));
        map.insert(
            "big",
            Value::BigInt("123456789012345678901234567890".into()),
        );
        map.insert("nan", Value::Float(f64::NAN));
        map.insert(
            "custom",
            Value::Custom(Box::new(CustomValue {
                name: "point".into(),
                data: Value::List(vec![Value::Int(1), Value::Int(2)]),
            })),
        );
        let plain = Value::Map(map).to_plain_json();
        assert_eq!(plain["uuid"], "00000000-0000-0000-0000-000000000001");
        assert_eq!(plain["decimal"], "1E+3");
        assert_eq!(plain["at"], "2023-03-04T05:06:07+05:45");
        assert_eq!(plain["naive"], "2023-03-04T05:06:07.000008");
        assert_eq!(plain["big"], "123456789012345678901234567890");
        assert_eq!(plain["nan"], Json::Null);
        assert_eq!(plain["custom"], serde_json::json!([1, 2]));
    }
}
