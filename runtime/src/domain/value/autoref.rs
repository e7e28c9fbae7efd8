//! Support for generated code: encode and decode a field through [`Transcode`] when its type
//! implements it, and through serde (as plain JSON) otherwise.
//!
//! This uses method resolution order ("autoref specialisation"): for a concrete type, a method
//! found on `Encode<T>` is preferred to one found on `&Encode<T>`. It only works where the field
//! type is concrete, which is the case in generated code.

use std::marker::PhantomData;

use super::{Transcode, Value};
use crate::domain::ValueError;

/// Wraps a field value for encoding; call `(&Encode(&value)).__es_encode()`.
pub struct Encode<'a, T>(pub &'a T);

/// Encoding through [`Transcode`] (preferred).
pub trait EncodeViaTranscode {
    /// Encodes the wrapped value.
    fn __es_encode(&self) -> Result<Value, ValueError>;
}

impl<T: Transcode> EncodeViaTranscode for Encode<'_, T> {
    fn __es_encode(&self) -> Result<Value, ValueError> {
        self.0.to_value()
    }
}

/// Encoding through serde (fallback).
pub trait EncodeViaSerde {
    /// Encodes the wrapped value.
    fn __es_encode(&self) -> Result<Value, ValueError>;
}

impl<T: serde::Serialize> EncodeViaSerde for &Encode<'_, T> {
    fn __es_encode(&self) -> Result<Value, ValueError> {
        // Through JSON text, which lists struct fields in declaration order; reading it into a
        // `Value` keeps that order (a `serde_json::Value` would sort the keys, or not, depending
        // on serde_json's features).
        let text = serde_json::to_vec(self.0).map_err(|e| ValueError::Serde(e.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| ValueError::Serde(e.to_string()))
    }
}

/// Names the type to decode; call `(&Decode::<T>::new()).__es_decode(value)`.
pub struct Decode<T>(PhantomData<fn() -> T>);

impl<T> Decode<T> {
    /// A decoder for `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Decode(PhantomData)
    }
}

/// Decoding through [`Transcode`] (preferred).
pub trait DecodeViaTranscode<T> {
    /// Decodes a value as `T`.
    fn __es_decode(&self, value: Value) -> Result<T, ValueError>;
}

impl<T: Transcode> DecodeViaTranscode<T> for Decode<T> {
    fn __es_decode(&self, value: Value) -> Result<T, ValueError> {
        T::from_value(value)
    }
}

/// Decoding through serde (fallback).
pub trait DecodeViaSerde<T> {
    /// Decodes a value as `T`.
    fn __es_decode(&self, value: Value) -> Result<T, ValueError>;
}

impl<T: serde::de::DeserializeOwned> DecodeViaSerde<T> for &Decode<T> {
    fn __es_decode(&self, value: Value) -> Result<T, ValueError> {
        serde_json::from_value(to_json(value)).map_err(|e| ValueError::Serde(e.to_string()))
    }
}

/// Converts a value into plain JSON for serde: UUIDs, Decimals and datetimes become the strings
/// their serde implementations read; custom values become `{"_type_","_data_"}` objects.
pub fn to_json(value: Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Int(i) => J::from(i),
        Value::BigInt(digits) => digits
            .parse::<u64>()
            .map(J::from)
            .unwrap_or(J::String(digits)),
        Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s),
        Value::List(items) => J::Array(items.into_iter().map(to_json).collect()),
        Value::Map(map) => J::Object(map.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
        Value::Uuid(u) => J::String(u.hyphenated().to_string()),
        Value::Decimal(d) => J::String(d.as_str().to_owned()),
        Value::DateTime(dt) => J::String(super::format_isoformat(&dt)),
        Value::NaiveDateTime(dt) => J::String(super::format_naive_isoformat(&dt)),
        Value::Custom(custom) => {
            let mut object = serde_json::Map::new();
            object.insert("_type_".to_owned(), J::String(custom.name));
            object.insert("_data_".to_owned(), to_json(custom.data));
            J::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Address {
        zip: Option<String>,
        street: String,
    }

    // The borrows are the form generated code uses for every type.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn transcode_types_are_preferred_and_serde_types_fall_back() {
        let id = Uuid::new_v4();
        assert_eq!((&Encode(&id)).__es_encode().unwrap(), Value::Uuid(id));
        let address = Address {
            street: "1 Main St".into(),
            zip: None,
        };
        let value = (&Encode(&address)).__es_encode().unwrap();
        let Value::Map(map) = &value else {
            panic!("{value:?}")
        };
        assert_eq!(map.get("street"), Some(&Value::String("1 Main St".into())));
        // Declaration order, not alphabetical order.
        assert_eq!(
            map.keys().map(String::as_str).collect::<Vec<_>>(),
            ["zip", "street"]
        );
        let back: Address = (&Decode::<Address>::new()).__es_decode(value).unwrap();
        assert_eq!(back, address);
        let back: Uuid = (&Decode::<Uuid>::new())
            .__es_decode(Value::Uuid(id))
            .unwrap();
        assert_eq!(back, id);
    }
}
