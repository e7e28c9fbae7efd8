//! Support for generated code: encode and decode a field through [`Transcode`] when its type
//! implements it, and through serde (as plain JSON) otherwise.
//!
//! This uses method resolution order ("autoref specialisation"): for a concrete type, a method
//! found on `Codec<T>` is preferred to one found on `&Codec<T>`. It only works where the field
//! type is concrete, which is the case in generated code.
//!
//! The serde fallback is found for every type and requires [`SerdeStorable`] of its method
//! instead: a type stored neither way then fails that one bound, whose message says what to
//! derive or implement, rather than method resolution, whose message lists these traits. Encoding
//! and decoding both pick their codec through that one method, so that the compiler reports such
//! a type once, not once per use.

use std::marker::PhantomData;

use super::{Transcode, Value};
use crate::domain::ValueError;

/// A type stored through serde, as plain JSON: the fallback for types that do not implement
/// [`Transcode`]. Generated code requires it only of those, so its message is what a user sees
/// for a field type that can be stored neither way.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in events or snapshots: it implements neither serde's `Serialize` and `Deserialize` nor `Transcode`",
    label = "this field is stored in snapshots or events",
    note = "derive `serde::Serialize` and `serde::Deserialize` for `{Self}` to store it as JSON, or implement `eventsourcing_seaorm::domain::Transcoding` for it and register it with `ApplicationBuilder::register_transcoding`"
)]
pub trait SerdeStorable: serde::Serialize + serde::de::DeserializeOwned {}

// `do_not_recommend`: the error names this trait, with its message, instead of the first serde
// trait missing and every type that implements it.
#[diagnostic::do_not_recommend]
impl<T: serde::Serialize + serde::de::DeserializeOwned> SerdeStorable for T {}

/// Names the type of a field; call `(&Codec::<T>::new()).__es_codec()` for how it is stored.
pub struct Codec<T>(PhantomData<fn() -> T>);

impl<T> Codec<T> {
    /// The codec picker for `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Codec(PhantomData)
    }
}

/// Storing through [`Transcode`] (preferred).
pub trait CodecViaTranscode<T> {
    /// The codec of `T`.
    fn __es_codec(&self) -> TranscodeCodec<T>;
}

impl<T: Transcode> CodecViaTranscode<T> for Codec<T> {
    fn __es_codec(&self) -> TranscodeCodec<T> {
        TranscodeCodec(PhantomData)
    }
}

/// Storing through serde (fallback).
pub trait CodecViaSerde<T> {
    /// The codec of `T`.
    fn __es_codec(&self) -> SerdeCodec<T>
    where
        T: SerdeStorable;
}

impl<T> CodecViaSerde<T> for &Codec<T> {
    fn __es_codec(&self) -> SerdeCodec<T>
    where
        T: SerdeStorable,
    {
        SerdeCodec(PhantomData)
    }
}

/// Encodes and decodes a `T` through [`Transcode`].
pub struct TranscodeCodec<T>(PhantomData<fn() -> T>);

impl<T: Transcode> TranscodeCodec<T> {
    /// Encodes a value.
    pub fn encode(self, value: &T) -> Result<Value, ValueError> {
        value.to_value()
    }

    /// Decodes a value.
    pub fn decode(self, value: Value) -> Result<T, ValueError> {
        T::from_value(value)
    }
}

/// Encodes and decodes a `T` through serde.
pub struct SerdeCodec<T>(PhantomData<fn() -> T>);

// The bounds are on the methods, as on `__es_codec`, so that a type that fails them is reported
// there only (the same bound at the same span is reported once).
impl<T> SerdeCodec<T> {
    /// Encodes a value.
    pub fn encode(self, value: &T) -> Result<Value, ValueError>
    where
        T: SerdeStorable,
    {
        // Through JSON text, which lists struct fields in declaration order; reading it into a
        // `Value` keeps that order (a `serde_json::Value` would sort the keys, or not, depending
        // on serde_json's features).
        let text = serde_json::to_vec(value).map_err(|e| ValueError::Serde(e.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| ValueError::Serde(e.to_string()))
    }

    /// Decodes a value.
    pub fn decode(self, value: Value) -> Result<T, ValueError>
    where
        T: SerdeStorable,
    {
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
        let uuid_codec = (&Codec::<Uuid>::new()).__es_codec();
        assert_eq!(uuid_codec.encode(&id).unwrap(), Value::Uuid(id));
        let address = Address {
            street: "1 Main St".into(),
            zip: None,
        };
        let value = (&Codec::<Address>::new())
            .__es_codec()
            .encode(&address)
            .unwrap();
        let Value::Map(map) = &value else {
            panic!("{value:?}")
        };
        assert_eq!(map.get("street"), Some(&Value::String("1 Main St".into())));
        // Declaration order, not alphabetical order.
        assert_eq!(
            map.keys().map(String::as_str).collect::<Vec<_>>(),
            ["zip", "street"]
        );
        let back = (&Codec::<Address>::new())
            .__es_codec()
            .decode(value)
            .unwrap();
        assert_eq!(back, address);
        let back = (&Codec::<Uuid>::new())
            .__es_codec()
            .decode(Value::Uuid(id))
            .unwrap();
        assert_eq!(back, id);
    }
}
