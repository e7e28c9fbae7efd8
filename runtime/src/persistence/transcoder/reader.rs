//! The JSON reader: what Python's `json.loads` accepts (with `NaN`, `Infinity`, `-Infinity` and
//! unbounded integers), with the Python original's `object_hook` turning
//! `{"_type_","_data_"}` objects back into values.
//!
//! The input is checked to be UTF-8 once, up front; after that the reader works on bytes and
//! slices the text only next to ASCII bytes (quotes, backslashes), which are always character
//! boundaries. Strings without escapes are borrowed from the input until a value needs to own
//! them, so the `_type_` name and the `_data_` text of a transcoded value are never copied.
//!
//! This file holds the entry points and the [`Reader`]'s position in the input; each kind of
//! value is read in a file of its own: [`value`] (which kind, by the first byte; literals and
//! arrays), [`number`], [`string`], [`object`] (keys, and what an object turns out to be) with
//! [`entries`] (an object's entries while it is read), and [`transcoded`] (`_type_`/`_data_`
//! objects). [`state_fields`] is the fast path of decoding events: the top-level object handed
//! out one key at a time.

mod entries;
mod number;
mod object;
mod state_fields;
mod string;
mod transcoded;
mod value;

pub use state_fields::StateFields;

use crate::domain::{Map, Value};

use super::{DATA_KEY, JsonTranscoder, MAX_DEPTH, TYPE_KEY, TranscoderError};
use entries::Object;

/// Errors are boxed inside the reader so that the `Result`s passed up through every value stay
/// as small as a [`Value`].
type Failure = Box<TranscoderError>;

/// Reads one JSON value that fills `bytes`, apart from whitespace around it.
pub(super) fn read(transcoder: &JsonTranscoder, bytes: &[u8]) -> Result<Value, TranscoderError> {
    let mut reader = Reader::new(transcoder, bytes)?;
    let value = reader.value(0).map_err(|failure| *failure)?;
    reader.end().map_err(|failure| *failure)?;
    Ok(value)
}

/// Reads JSON bytes that must hold an object, as [`read`] then [`Map::remove`] of each of `keys`
/// would, without making map entries of the values taken out. `keys` must not hold `_type_` or
/// `_data_`.
pub(super) fn read_object_taking<const N: usize>(
    transcoder: &JsonTranscoder,
    bytes: &[u8],
    keys: [&str; N],
) -> Result<(Map, [Option<Value>; N]), TranscoderError> {
    debug_assert!(!keys.iter().any(|k| [TYPE_KEY, DATA_KEY].contains(k)));
    let mut reader = Reader::new(transcoder, bytes)?;
    let mut taken = [const { None }; N];
    let value = if reader.peek() == Some(b'{') {
        match reader
            .object_entries_taking(1, keys, &mut taken)
            .map_err(|failure| *failure)?
        {
            Object::Transcoded(type_value, data) => reader
                .transcoded(type_value, data)
                .map_err(|failure| *failure)?,
            Object::Entries(entries) => {
                reader.end().map_err(|failure| *failure)?;
                return Ok((entries.into_map(), taken));
            }
        }
    } else {
        reader.value(0).map_err(|failure| *failure)?
    };
    reader.end().map_err(|failure| *failure)?;
    Err(TranscoderError::NotAnObject {
        found: value.kind(),
    })
}

/// A position in JSON input, with the transcoder that says which custom names are registered.
struct Reader<'a> {
    /// The input, known to be UTF-8.
    text: &'a str,
    /// The same input as bytes.
    bytes: &'a [u8],
    /// Offset of the next byte to read.
    pos: usize,
    transcoder: &'a JsonTranscoder,
}

impl<'a> Reader<'a> {
    /// A reader at the first value of `bytes`, which must be UTF-8.
    fn new(transcoder: &'a JsonTranscoder, bytes: &'a [u8]) -> Result<Self, TranscoderError> {
        let text = std::str::from_utf8(bytes).map_err(|e| TranscoderError::Utf8 {
            position: e.valid_up_to(),
        })?;
        let mut reader = Reader {
            text,
            bytes,
            pos: 0,
            transcoder,
        };
        reader.skip_whitespace();
        Ok(reader)
    }

    /// Checks that only whitespace follows the value read.
    fn end(&mut self) -> Result<(), Failure> {
        self.skip_whitespace();
        if self.pos != self.bytes.len() {
            return Err(self.error("extra data after the JSON value"));
        }
        Ok(())
    }

    #[cold]
    fn error_at(&self, position: usize, message: &str) -> Failure {
        Box::new(TranscoderError::Syntax {
            position,
            message: message.to_owned(),
        })
    }

    fn error(&self, message: &str) -> Failure {
        self.error_at(self.pos, message)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The bytes not read yet.
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// `text[start..end]`, where both ends are next to ASCII bytes and so on char boundaries.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Failure> {
        self.text
            .get(start..end)
            .ok_or_else(|| self.error_at(start, "internal error: not a character boundary"))
    }

    fn check_depth(&self, depth: usize) -> Result<(), Failure> {
        if depth > MAX_DEPTH {
            return Err(Box::new(TranscoderError::Syntax {
                position: self.pos,
                message: format!("values are nested deeper than {MAX_DEPTH} levels"),
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
