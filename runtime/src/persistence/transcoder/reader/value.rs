//! A value, told by its first byte: literals here, strings, numbers and objects in their own
//! files, and arrays, whose items are values again.

use crate::domain::Value;

use super::entries::Item;
use super::{Failure, Reader};

impl<'a> Reader<'a> {
    /// A value inside `depth` containers, starting at the current byte.
    pub(super) fn value(&mut self, depth: usize) -> Result<Value, Failure> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?.into_owned())),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'N') => self.literal("NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if self.rest().starts_with(b"-Infinity") => {
                self.literal("-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expecting value")),
        }
    }

    /// A value that keeps a string borrowed from the input.
    pub(super) fn item(&mut self, depth: usize) -> Result<Item<'a>, Failure> {
        if self.peek() == Some(b'"') {
            self.string().map(Item::Str)
        } else {
            self.value(depth).map(Item::Value)
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Failure> {
        if self.rest().starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expecting value"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Failure> {
        self.check_depth(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            // Strings directly: lists of strings are common, and `value` is a large function.
            let item = if self.peek() == Some(b'"') {
                Value::String(self.string()?.into_owned())
            } else {
                self.value(depth)?
            };
            items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.error("expecting ',' or ']'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::ok;
    use crate::domain::Value;

    #[test]
    fn reads_scalars_as_python_json_loads() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok("true"), Value::Bool(true));
        assert_eq!(ok(" \t\r\nfalse \n"), Value::Bool(false));
        assert_eq!(ok("0"), Value::Int(0));
        assert_eq!(ok("-0"), Value::Int(0));
        assert_eq!(ok("-17"), Value::Int(-17));
        assert_eq!(ok("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(ok("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(ok("1.5"), Value::Float(1.5));
        assert_eq!(ok("-0.0"), Value::Float(-0.0));
        assert_eq!(ok("1E5"), Value::Float(100000.0));
        assert_eq!(ok("1e-0"), Value::Float(1.0));
        assert_eq!(ok("2.5e+3"), Value::Float(2500.0));
        assert_eq!(ok("1e400"), Value::Float(f64::INFINITY));
        assert_eq!(ok("Infinity"), Value::Float(f64::INFINITY));
        assert_eq!(ok("-Infinity"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(ok("NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(ok(r#""text""#), Value::String("text".into()));
    }
}
