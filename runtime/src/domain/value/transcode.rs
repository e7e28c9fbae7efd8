use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{CustomValue, DecimalValue, Map, PyDecimal, Value};
use crate::domain::ValueError;

/// Conversion between a Rust type and event state.
///
/// Implemented for booleans, integers, floats, strings, `Option`, `Vec`, string-keyed maps,
/// `Uuid`, [`PyDecimal`], `rust_decimal::Decimal`, chrono datetimes, [`Value`] and [`Map`], and
/// for every type with a [`Transcoding`]. `#[derive(Transcode)]` implements it for structs
/// (stored as maps) and enums of unit variants (stored as strings) whose fields are stored each
/// through its own `Transcode` (see the derive macro). Event fields and aggregate fields whose
/// types do not
/// implement it fall back to serde (as plain JSON).
pub trait Transcode: Sized {
    /// Encodes `self` as a value.
    fn to_value(&self) -> Result<Value, ValueError>;
    /// Decodes a value.
    fn from_value(value: Value) -> Result<Self, ValueError>;
}

/// A custom type stored as `{"_type_": NAME, "_data_": …}`, as a Python `Transcoding` is.
///
/// Register it with the application (`ApplicationBuilder::register_transcoding`) so that
/// stored values with this name are accepted where a dynamic [`Value`] is read.
///
/// ```
/// use eventsourcing_seaorm::domain::{Transcoding, Value, ValueError};
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct Point { x: i64, y: i64 }
///
/// impl Transcoding for Point {
///     const NAME: &'static str = "point";
///     fn encode_data(&self) -> Result<Value, ValueError> {
///         Ok(Value::List(vec![self.x.into(), self.y.into()]))
///     }
///     fn decode_data(data: Value) -> Result<Self, ValueError> {
///         match data.as_list() {
///             Some([x, y]) => Ok(Point { x: x.as_i64().unwrap_or(0), y: y.as_i64().unwrap_or(0) }),
///             _ => Err(ValueError::Invalid { what: "point", reason: "expected [x, y]".into() }),
///         }
///     }
/// }
/// ```
pub trait Transcoding: Sized {
    /// The `_type_` name.
    const NAME: &'static str;
    /// Encodes the `_data_` part.
    fn encode_data(&self) -> Result<Value, ValueError>;
    /// Decodes the `_data_` part.
    fn decode_data(data: Value) -> Result<Self, ValueError>;
}

impl<T: Transcoding> Transcode for T {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Custom(Box::new(CustomValue {
            name: T::NAME.to_owned(),
            data: self.encode_data()?,
        })))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Custom(custom) if custom.name == T::NAME => T::decode_data(custom.data),
            other => Err(mismatch(T::NAME, &other)),
        }
    }
}

fn mismatch(expected: &'static str, found: &Value) -> ValueError {
    ValueError::Type {
        expected,
        found: found.kind(),
    }
}

impl Transcode for Value {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(self.clone())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        Ok(value)
    }
}

impl Transcode for Map {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Map(self.clone()))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Map(m) => Ok(m),
            other => Err(mismatch("map", &other)),
        }
    }
}

impl Transcode for bool {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Bool(*self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(mismatch("bool", &other)),
        }
    }
}

macro_rules! transcode_int {
    ($($t:ty),*) => {$(
        impl Transcode for $t {
            fn to_value(&self) -> Result<Value, ValueError> {
                Ok(match i64::try_from(*self) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(self.to_string()),
                })
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let out_of_range = |text: String| ValueError::Invalid {
                    what: stringify!($t),
                    reason: format!("{text} is out of range"),
                };
                match value {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| out_of_range(i.to_string())),
                    Value::BigInt(digits) => digits.parse::<$t>().map_err(|_| out_of_range(digits)),
                    other => Err(mismatch("integer", &other)),
                }
            }
        }
    )*};
}

transcode_int!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl Transcode for f64 {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Float(*self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(mismatch("float", &other)),
        }
    }
}

impl Transcode for f32 {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Float(f64::from(*self)))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        f64::from_value(value).map(|f| f as f32)
    }
}

impl Transcode for String {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::String(self.clone()))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(mismatch("string", &other)),
        }
    }
}

impl Transcode for Uuid {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Uuid(*self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Uuid(u) => Ok(u),
            Value::String(s) => Uuid::parse_str(&s).map_err(|e| ValueError::Invalid {
                what: "UUID",
                reason: format!("{s:?}: {e}"),
            }),
            other => Err(mismatch("UUID", &other)),
        }
    }
}

impl Transcode for DecimalValue {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Decimal(self.clone()))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Decimal(d) => Ok(d),
            Value::String(s) => DecimalValue::parse(&s),
            other => Err(mismatch("Decimal", &other)),
        }
    }
}

/// Stored as a Python `Decimal`; read from one, or from its text.
impl Transcode for PyDecimal {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::from(self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Decimal(d) => PyDecimal::try_from(&d),
            Value::String(s) => PyDecimal::parse(&s),
            other => Err(mismatch("Decimal", &other)),
        }
    }
}

impl Transcode for Decimal {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::Decimal(DecimalValue::from(*self)))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        DecimalValue::from_value(value)?.to_decimal()
    }
}

impl Transcode for DateTime<FixedOffset> {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::DateTime(*self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::DateTime(dt) => Ok(dt),
            Value::String(s) => DateTime::<FixedOffset>::from_value(super::parse_isoformat(&s)?),
            other => Err(mismatch("timezone-aware datetime", &other)),
        }
    }
}

impl Transcode for DateTime<Utc> {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::DateTime(self.fixed_offset()))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        DateTime::<FixedOffset>::from_value(value).map(|dt| dt.to_utc())
    }
}

impl Transcode for NaiveDateTime {
    fn to_value(&self) -> Result<Value, ValueError> {
        Ok(Value::NaiveDateTime(*self))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::NaiveDateTime(dt) => Ok(dt),
            Value::String(s) => NaiveDateTime::from_value(super::parse_isoformat(&s)?),
            other => Err(mismatch("naive datetime", &other)),
        }
    }
}

impl<T: Transcode> Transcode for Option<T> {
    fn to_value(&self) -> Result<Value, ValueError> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Value::Null),
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl<T: Transcode> Transcode for Vec<T> {
    fn to_value(&self) -> Result<Value, ValueError> {
        self.iter()
            .map(Transcode::to_value)
            .collect::<Result<_, _>>()
            .map(Value::List)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::List(items) => items.into_iter().map(T::from_value).collect(),
            other => Err(mismatch("list", &other)),
        }
    }
}

fn map_entries<T: Transcode>(
    value: Value,
) -> Result<impl Iterator<Item = Result<(String, T), ValueError>>, ValueError> {
    match value {
        Value::Map(map) => Ok(map.into_iter().map(|(k, v)| match T::from_value(v) {
            Ok(v) => Ok((k, v)),
            Err(e) => Err(e.at_key(k)),
        })),
        other => Err(mismatch("map", &other)),
    }
}

impl<T: Transcode> Transcode for BTreeMap<String, T> {
    fn to_value(&self) -> Result<Value, ValueError> {
        let mut map = Map::with_capacity(self.len());
        for (k, v) in self {
            map.insert(k.clone(), v.to_value().map_err(|e| e.at_key(k.clone()))?);
        }
        Ok(Value::Map(map))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        map_entries(value)?.collect()
    }
}

/// Hash maps have no order of their own; their keys are written sorted so that the same map
/// always gives the same bytes.
impl<T: Transcode, S: BuildHasher + Default> Transcode for HashMap<String, T, S> {
    fn to_value(&self) -> Result<Value, ValueError> {
        let mut keys: Vec<&String> = self.keys().collect();
        keys.sort();
        let mut map = Map::with_capacity(self.len());
        for k in keys {
            map.insert(
                k.clone(),
                self[k].to_value().map_err(|e| e.at_key(k.clone()))?,
            );
        }
        Ok(Value::Map(map))
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        map_entries(value)?.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_round_trip() {
        let id = Uuid::new_v4();
        assert_eq!(Uuid::from_value(id.to_value().unwrap()).unwrap(), id);
        let d: Decimal = "12.50".parse().unwrap();
        assert_eq!(
            d.to_value().unwrap(),
            Value::Decimal(DecimalValue::parse("12.50").unwrap())
        );
        assert_eq!(
            Decimal::from_value(d.to_value().unwrap())
                .unwrap()
                .to_string(),
            "12.50"
        );
        let v: Vec<Option<u8>> = vec![Some(1), None];
        assert_eq!(
            Vec::<Option<u8>>::from_value(v.to_value().unwrap()).unwrap(),
            v
        );
        assert_eq!(
            u64::MAX.to_value().unwrap(),
            Value::BigInt(u64::MAX.to_string())
        );
        assert_eq!(
            u64::from_value(Value::BigInt(u64::MAX.to_string())).unwrap(),
            u64::MAX
        );
    }

    #[test]
    fn wrong_types_name_what_was_expected() {
        let err = u8::from_value(Value::String("x".into())).unwrap_err();
        assert_eq!(err.to_string(), "expected integer, found string");
        let err = u8::from_value(Value::Int(300)).unwrap_err();
        assert!(err.to_string().contains("300 is out of range"), "{err}");
        let mut map = Map::new();
        map.insert("a", "text");
        let err = BTreeMap::<String, i64>::from_value(Value::Map(map)).unwrap_err();
        assert_eq!(err.to_string(), "key `a`: expected integer, found string");
    }

    #[test]
    fn hash_maps_encode_with_sorted_keys() {
        let m: HashMap<String, i64> = [
            ("b".to_owned(), 2),
            ("a".to_owned(), 1),
            ("c".to_owned(), 3),
        ]
        .into();
        let Value::Map(map) = m.to_value().unwrap() else {
            panic!()
        };
        let keys: Vec<_> = map.keys().cloned().collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }
}
