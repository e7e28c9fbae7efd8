//! Objects: their keys and values, and what an object turns out to be (a map, or a transcoded
//! value when it has exactly the keys `_type_` and `_data_`).

use std::borrow::Cow;

use crate::domain::Value;

use super::entries::{Entries, Item, Object};
use super::{Failure, Reader};

impl<'a> Reader<'a> {
    /// The value of the object starting at the current `{` (as
    /// [`object_entries`](Self::object_entries) reads it): a transcoded value or a map.
    pub(super) fn object(&mut self, depth: usize) -> Result<Value, Failure> {
        if let Some(value) = self.compact_builtin(depth) {
            return value;
        }
        match self.object_entries(depth)? {
            Object::Transcoded(type_value, data) => self.transcoded(type_value, data),
            Object::Entries(entries) => Ok(Value::Map(entries.into_map())),
        }
    }

    /// A key of an object and the `:` after it, with the whitespace around that; the reader
    /// is then at the key's value.
    pub(super) fn object_key(&mut self) -> Result<Cow<'a, str>, Failure> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expecting property name enclosed in double quotes"));
        }
        let key = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.error("expecting ':' delimiter"));
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(key)
    }

    /// The object starting at the current `{`, which sits inside `depth` containers.
    fn object_entries(&mut self, depth: usize) -> Result<Object<'a>, Failure> {
        self.object_entries_taking(depth, [], &mut [])
    }

    /// [`object_entries`](Self::object_entries), putting the values of `keys` (the last value of
    /// a repeated key) into `taken` rather than into the entries. An object with one of those
    /// keys is a map (`keys` do not hold `_type_` or `_data_`).
    pub(super) fn object_entries_taking<const N: usize>(
        &mut self,
        depth: usize,
        keys: [&str; N],
        taken: &mut [Option<Value>; N],
    ) -> Result<Object<'a>, Failure> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        let mut entries = Entries::Zero;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Object::Entries(entries));
        }
        loop {
            let key = self.object_key()?;
            if let Some(i) = keys.iter().position(|k| *k == key) {
                taken[i] = Some(self.value(depth)?);
            } else {
                let value = if entries.takes_items() {
                    self.item(depth)?
                } else {
                    Item::Value(self.value(depth)?)
                };
                entries.insert(key, value);
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(if taken.iter().any(Option::is_some) {
                        Object::Entries(entries)
                    } else {
                        entries.into_object()
                    });
                }
                _ => return Err(self.error("expecting ',' or '}'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_object_taking;
    use super::super::tests::ok;
    use crate::domain::Value;
    use crate::persistence::transcoder::{JsonTranscoder, TranscoderError};

    #[test]
    fn taking_keys_is_decoding_then_removing_them() {
        let transcoder = JsonTranscoder::new();
        for text in [
            "{}",
            r#"{"a":1}"#,
            r#"{"timestamp":1}"#,
            r#"{"timestamp":1,"class_version":2}"#,
            r#"{"class_version":2,"a":"x","timestamp":{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}}"#,
            r#"{"timestamp":1,"a":2,"timestamp":3}"#,
            r#"{"a":1,"b":2,"c":3,"timestamp":4,"d":5,"class_version":6,"timestamp":7,"a":8}"#,
            r#"{"_type_":"x","timestamp":1}"#,
            // Two keys left, but three in the object: a map, as Python's object_hook sees it.
            r#"{"_type_":"uuid_hex","timestamp":1,"_data_":"07baeb4546ee528b81f9e27d143e119e"}"#,
            r#"{"timestamp":1,"timestamp":{"_type_":"decimal_str","_data_":"2.5"}}"#,
        ] {
            let (map, [timestamp, class_version]) =
                read_object_taking(&transcoder, text.as_bytes(), ["timestamp", "class_version"])
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
            let Value::Map(mut expected) = ok(text) else {
                panic!("{text}")
            };
            assert_eq!(timestamp, expected.remove("timestamp"), "{text}");
            assert_eq!(class_version, expected.remove("class_version"), "{text}");
            assert_eq!(map, expected, "{text}");
        }
        for (text, found) in [
            ("[1]", "list"),
            ("7", "integer"),
            (r#"{"_type_":"decimal_str","_data_":"1"}"#, "Decimal"),
        ] {
            assert!(
                matches!(read_object_taking(&transcoder, text.as_bytes(), ["a"]), Err(TranscoderError::NotAnObject { found: f }) if f == found),
                "{text}"
            );
        }
        assert!(matches!(
            read_object_taking(&transcoder, br#"{"a":1} x"#, ["a"]),
            Err(TranscoderError::Syntax { position: 8, .. })
        ));
        assert!(matches!(
            read_object_taking(&transcoder, b"{\"a\":\"\xff\"}", ["a"]),
            Err(TranscoderError::Utf8 { position: 6 })
        ));
    }
}
