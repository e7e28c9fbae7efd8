//! Reading an event's stored fields one at a time, for the fast path of decoding events.
//!
//! An event is normally decoded from a [`Map`](super::Map) of its stored state
//! ([`EventPayload::decode`](super::EventPayload::decode)). Building that map costs an
//! allocation per key and per value that the payload then takes apart again, so a payload can
//! also read its fields straight from the stored text, key by key
//! ([`EventPayload::decode_fields`](super::EventPayload::decode_fields)). What it reads from is
//! a [`FieldReader`]: the domain's view of stored state, as serde's `Deserialize` sees only the
//! `Deserializer` trait. The domain names no stored format; the persistence layer implements
//! this trait for its JSON reader.

use std::borrow::Cow;

use super::Value;

/// The fields of an event's stored state, handed out one key and then its value at a time.
///
/// The keys the event itself does not own (`timestamp`, `class_version`) are kept by the
/// reader, not handed out. Any `None` ends the reading: at the end of the state, or when the
/// reader gives up (bad or unexpected stored text). A reader never says why it stopped, so
/// that the fast path stays small: whoever drives
/// [`EventPayload::decode_fields`](super::EventPayload::decode_fields) checks that the whole
/// state was read, and otherwise decodes the same state again through
/// [`EventPayload::decode`](super::EventPayload::decode), which gives the precise error.
///
/// `'de` is the lifetime of the stored text: keys without escapes are borrowed from it.
///
/// ```
/// use std::borrow::Cow;
///
/// use eventsourcing_seaorm::domain::{FieldReader, Value};
///
/// /// Fields from a list of pairs (a stored format of its own).
/// struct Pairs(std::vec::IntoIter<(&'static str, Value)>, Option<Value>);
///
/// impl FieldReader<'static> for Pairs {
///     fn next_key(&mut self) -> Option<Cow<'static, str>> {
///         let (key, value) = self.0.next()?;
///         self.1 = Some(value);
///         Some(Cow::Borrowed(key))
///     }
///
///     fn value(&mut self) -> Option<Value> {
///         self.1.take()
///     }
/// }
///
/// let mut fields = Pairs(vec![("name", Value::from("Alice"))].into_iter(), None);
/// assert_eq!(fields.next_key().as_deref(), Some("name"));
/// assert_eq!(fields.value(), Some(Value::from("Alice")));
/// assert_eq!(fields.next_key(), None);
/// ```
pub trait FieldReader<'de> {
    /// The next key of the state, whose value must be read next with
    /// [`value`](Self::value); `None` at the end of the state, or when the state cannot be read
    /// this way.
    fn next_key(&mut self) -> Option<Cow<'de, str>>;

    /// The value of the key [`next_key`](Self::next_key) just handed out; `None` when there is
    /// no such key or the value cannot be read.
    fn value(&mut self) -> Option<Value>;
}
