//! The fast path of decoding events: the top-level object read one key at a time.

use std::borrow::Cow;

use crate::domain::{FieldReader, Value};

use super::super::{DATA_KEY, JsonTranscoder, TYPE_KEY};
use super::Reader;

/// The top-level object of stored state, read one key at a time, for decoding an event's
/// fields straight from the JSON text with no [`Map`](crate::domain::Map) in between.
///
/// This is the fast path of [`Mapper::to_domain_event`](crate::persistence::Mapper): it is the
/// [`FieldReader`] of JSON state, which the code that `#[aggregate]` generates
/// ([`EventPayload::decode_fields`](crate::domain::EventPayload::decode_fields)) asks for each
/// key with [`next_key`](FieldReader::next_key) and each value with
/// [`value`](FieldReader::value), giving up (returning `None`) at anything it does not expect.
/// The `timestamp` and `class_version` keys are kept here, not handed out; [`finish`](Self::finish)
/// returns them. The reader never reports why it stopped: whenever this path does not finish
/// cleanly, the mapper reads the same bytes again through [`JsonTranscoder::decode`], which gives
/// the precise error, runs upcasters and resolves repeated keys. So this path only has to be
/// right when it succeeds, and it only succeeds on an object with each key once, no `_type_` or
/// `_data_` key, and nothing after it.
pub struct StateFields<'a> {
    reader: Reader<'a>,
    step: Step,
    timestamp: Option<Value>,
    class_version: Option<Value>,
}

/// Where a [`StateFields`] is in its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// After the `{`.
    Open,
    /// After a key handed out, before its value.
    Key,
    /// After a value.
    Value,
    /// After the `}`.
    Closed,
    /// At something this path does not read.
    Failed,
}

impl<'a> StateFields<'a> {
    /// A reader of `bytes`, which must be UTF-8 and start (after whitespace) with `{`; `None`
    /// otherwise.
    pub(crate) fn new(transcoder: &'a JsonTranscoder, bytes: &'a [u8]) -> Option<Self> {
        let mut reader = Reader::new(transcoder, bytes).ok()?;
        if reader.peek() != Some(b'{') {
            return None;
        }
        reader.pos += 1;
        Some(StateFields {
            reader,
            step: Step::Open,
            timestamp: None,
            class_version: None,
        })
    }

    /// `Some(None)` at the end of the object; `None` on failure.
    fn read_key(&mut self) -> Option<Option<Cow<'a, str>>> {
        loop {
            let reader = &mut self.reader;
            reader.skip_whitespace();
            match (self.step, reader.peek()) {
                (Step::Open | Step::Value, Some(b'}')) => {
                    reader.pos += 1;
                    self.step = Step::Closed;
                    return Some(None);
                }
                (Step::Open, _) => {}
                (Step::Value, Some(b',')) => {
                    reader.pos += 1;
                    reader.skip_whitespace();
                }
                _ => return None,
            }
            let key = reader.object_key().ok()?;
            let slot = match key.as_ref() {
                "timestamp" => &mut self.timestamp,
                "class_version" => &mut self.class_version,
                TYPE_KEY | DATA_KEY => return None,
                _ => {
                    self.step = Step::Key;
                    return Some(Some(key));
                }
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(reader.value(1).ok()?);
            self.step = Step::Value;
        }
    }

    /// The values of `timestamp` and `class_version`, when the whole object was read, each key
    /// once, with only whitespace after it.
    pub fn finish(mut self) -> Option<(Option<Value>, Option<Value>)> {
        if self.step != Step::Closed {
            return None;
        }
        self.reader.end().ok()?;
        Some((self.timestamp, self.class_version))
    }
}

impl<'a> FieldReader<'a> for StateFields<'a> {
    /// The next key of the object other than `timestamp` and `class_version`, whose value must
    /// be read next with [`value`](FieldReader::value); `None` at the end of the object, or when the
    /// state cannot be read this way.
    fn next_key(&mut self) -> Option<Cow<'a, str>> {
        match self.read_key() {
            Some(key) => key,
            None => {
                self.step = Step::Failed;
                None
            }
        }
    }

    /// The value of the key [`next_key`](Self::next_key) just handed out; `None` when there is
    /// no such key or the value cannot be read.
    fn value(&mut self) -> Option<Value> {
        if self.step != Step::Key {
            self.step = Step::Failed;
            return None;
        }
        match self.reader.value(1) {
            Ok(value) => {
                self.step = Step::Value;
                Some(value)
            }
            Err(_) => {
                self.step = Step::Failed;
                None
            }
        }
    }
}
