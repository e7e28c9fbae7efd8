use std::collections::BTreeSet;

use crate::domain::{Map, Transcoding, Value, ValueError};

/// Why JSON state could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscoderError {
    /// The stored bytes are not UTF-8.
    #[error("state is not UTF-8 (byte {position})")]
    Utf8 {
        /// Offset of the first bad byte.
        position: usize,
    },
    /// The stored text is not JSON.
    #[error("state is not valid JSON at byte {position}: {message}")]
    Syntax {
        /// Offset where parsing failed.
        position: usize,
        /// What was expected.
        message: String,
    },
    /// The top-level JSON value is not an object.
    #[error("state is a JSON {found}, not an object")]
    NotAnObject {
        /// What it is instead.
        found: &'static str,
    },
    /// A `{"_type_","_data_"}` object names a transcoding that is not registered.
    #[error(
        "data serialized with name {name:?} is not deserializable: register a transcoding for this type"
    )]
    UnknownType {
        /// The `_type_` name.
        name: String,
    },
    /// A value of a custom type whose transcoding is not registered was written.
    #[error("transcoding {name:?} is not registered with the application's transcoder")]
    Unregistered {
        /// The `_type_` name.
        name: String,
    },
    /// The `_data_` of a built-in transcoding is not valid (a bad UUID, Decimal or datetime).
    #[error("bad {name:?} data: {source}")]
    BadData {
        /// The `_type_` name.
        name: String,
        /// What is wrong.
        #[source]
        source: ValueError,
    },
}

/// Writes and reads event state as the Python original's `JSONTranscoder` does.
///
/// The text is compact JSON (`,` and `:` separators), non-ASCII characters written as UTF-8,
/// keys in map order, floats as Python's `repr`. UUIDs, Decimals and datetimes become
/// `{"_type_":"uuid_hex"|"decimal_str"|"datetime_iso","_data_":…}` objects; custom values use
/// the names registered with [`register`](Self::register). Reading turns such objects (with
/// exactly those two keys) back into values, and fails on names that are not registered.
#[derive(Debug, Clone, Default)]
pub struct JsonTranscoder {
    custom_names: BTreeSet<String>,
}

impl JsonTranscoder {
    /// A transcoder with the built-in transcodings (`uuid_hex`, `decimal_str`, `datetime_iso`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the transcoding of a custom type.
    pub fn register<T: Transcoding>(&mut self) {
        self.register_name(T::NAME);
    }

    /// Registers a custom transcoding by name.
    pub fn register_name(&mut self, name: impl Into<String>) {
        self.custom_names.insert(name.into());
    }

    /// Whether a custom transcoding with this name is registered.
    pub fn is_registered(&self, name: &str) -> bool {
        self.custom_names.contains(name)
    }

    /// Writes the state as JSON bytes.
    pub fn encode(&self, state: &Map) -> Result<Vec<u8>, TranscoderError> {
        let _ = state;
        todo!("JSON writer")
    }

    /// Reads JSON bytes that must hold an object.
    pub fn decode(&self, bytes: &[u8]) -> Result<Map, TranscoderError> {
        match self.decode_value(bytes)? {
            Value::Map(map) => Ok(map),
            other => Err(TranscoderError::NotAnObject { found: other.kind() }),
        }
    }

    /// Reads any JSON value.
    pub fn decode_value(&self, bytes: &[u8]) -> Result<Value, TranscoderError> {
        let _ = bytes;
        todo!("JSON reader")
    }
}
