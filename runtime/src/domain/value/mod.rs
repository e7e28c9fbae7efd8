//! Event state: the values an event or snapshot carries, as the Python original stores them.
//!
//! [`Value`] is JSON plus the types the Python original writes as `{"_type_": …, "_data_": …}`
//! objects: UUIDs (`uuid_hex`), Decimals (`decimal_str`), datetimes (`datetime_iso`) and
//! application-registered [custom](CustomValue) types. [`Map`] keeps keys in insertion order, as a
//! Python `dict` does, because the stored JSON must list them in the same order.
//!
//! [`Transcode`] converts Rust types to and from values; [`Transcoding`] declares a custom type
//! with a `_type_` name of its own.

mod datetime;
mod decimal;
mod map;
mod plain;
mod py_decimal;
mod serde_impl;
mod transcode;

#[doc(hidden)]
pub mod autoref;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use uuid::Uuid;

pub use datetime::{format_isoformat, format_naive_isoformat, parse_isoformat};
pub use decimal::DecimalValue;
pub use map::Map;
pub use plain::plain_state;
pub use py_decimal::PyDecimal;
pub use transcode::{Transcode, Transcoding};

/// A value of event or snapshot state.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// JSON `null` (Python `None`).
    Null,
    /// JSON `true`/`false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// An integer too large for 64 bits (Python integers are unbounded), kept as its digits.
    BigInt(String),
    /// A floating point number (NaN and infinities are written as the Python original writes
    /// them: `NaN`, `Infinity`, `-Infinity`).
    Float(f64),
    /// A string.
    String(String),
    /// A JSON array (a Python list or tuple).
    List(Vec<Value>),
    /// A JSON object (a Python dict) with keys in insertion order.
    Map(Map),
    /// A UUID, stored as `{"_type_":"uuid_hex","_data_":"<32 hex digits>"}`.
    Uuid(Uuid),
    /// A Decimal, stored as `{"_type_":"decimal_str","_data_":"<str(Decimal)>"}`.
    Decimal(DecimalValue),
    /// A timezone-aware datetime, stored as `{"_type_":"datetime_iso","_data_":"<isoformat>"}`.
    DateTime(DateTime<FixedOffset>),
    /// A naive datetime (no offset), stored like [`Value::DateTime`] without an offset.
    NaiveDateTime(NaiveDateTime),
    /// A value of an application-registered transcoding.
    Custom(Box<CustomValue>),
}

/// A value of a custom transcoding: `{"_type_": name, "_data_": data}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomValue {
    /// The transcoding's name (`_type_`).
    pub name: String,
    /// The encoded data (`_data_`).
    pub data: Value,
}

impl Value {
    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Uuid(_) => "UUID",
            Value::Decimal(_) => "Decimal",
            Value::DateTime(_) => "datetime",
            Value::NaiveDateTime(_) => "naive datetime",
            Value::Custom(_) => "custom value",
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The map, if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The integer, if this is an integer that fits in 64 bits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float, if this is a float or an integer.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v.into())
            }
        })*
    };
}

value_from! {
    bool => Bool,
    i32 => Int,
    i64 => Int,
    u32 => Int,
    f64 => Float,
    String => String,
    &str => String,
    Map => Map,
    Vec<Value> => List,
    Uuid => Uuid,
    DecimalValue => Decimal,
    PyDecimal => Decimal,
    DateTime<FixedOffset> => DateTime,
    NaiveDateTime => NaiveDateTime,
}

impl From<rust_decimal::Decimal> for Value {
    fn from(v: rust_decimal::Decimal) -> Self {
        Value::Decimal(DecimalValue::from(v))
    }
}

impl From<DateTime<chrono::Utc>> for Value {
    fn from(v: DateTime<chrono::Utc>) -> Self {
        Value::DateTime(v.fixed_offset())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
