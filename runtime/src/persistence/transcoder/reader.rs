//! The JSON reader: what Python's `json.loads` accepts (with `NaN`, `Infinity`, `-Infinity` and
//! unbounded integers), with the Python original's `object_hook` turning
//! `{"_type_","_data_"}` objects back into values.
//!
//! The input is checked to be UTF-8 once, up front; after that the reader works on bytes and
//! slices the text only next to ASCII bytes (quotes, backslashes), which are always character
//! boundaries. Strings without escapes are borrowed from the input until a value needs to own
//! them, so the `_type_` name and the `_data_` text of a transcoded value are never copied.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::domain::{CustomValue, DecimalValue, Map, Value, ValueError, parse_isoformat};

use super::{
    DATA_KEY, DATETIME_ISO, DECIMAL_STR, JsonTranscoder, MAX_DEPTH, TYPE_KEY, TranscoderError,
    UUID_HEX, run_end,
};

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

/// The top-level object of stored state, read one key at a time, for decoding an event's
/// fields straight from the JSON text with no [`Map`] in between.
///
/// This is the fast path of [`Mapper::to_domain_event`](crate::persistence::Mapper): code that
/// `#[aggregate]` generates ([`EventPayload::decode_fields`](crate::domain::EventPayload))
/// asks for each key with [`next_key`](Self::next_key), reads its value with
/// [`value`](Self::value), and gives up (returns `None`) at anything it does not expect. The
/// `timestamp` and `class_version` keys are kept here, not handed out. The reader never reports
/// why it stopped: whenever this path does not finish cleanly, the mapper reads the same bytes
/// again through [`JsonTranscoder::decode`], which gives the precise error, runs upcasters and
/// resolves repeated keys. So this path only has to be right when it succeeds, and it only
/// succeeds on an object with each key once, no `_type_` or `_data_` key, and nothing after it.
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

    /// The next key of the object other than `timestamp` and `class_version`, whose value must
    /// be read next with [`value`](Self::value); `None` at the end of the object, or when the
    /// state cannot be read this way.
    pub fn next_key(&mut self) -> Option<Cow<'a, str>> {
        match self.read_key() {
            Some(key) => key,
            None => {
                self.step = Step::Failed;
                None
            }
        }
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

    /// The value of the key [`next_key`](Self::next_key) just handed out; `None` when there is
    /// no such key or the value cannot be read.
    pub fn value(&mut self) -> Option<Value> {
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

/// A value that may still borrow its string from the input: what the first entries of an
/// object hold until the object is known not to be a transcoded value.
enum Item<'a> {
    Str(Cow<'a, str>),
    Value(Value),
}

impl Item<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Item::Str(text) => Some(text),
            Item::Value(value) => value.as_str(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Item::Str(text) => Value::String(text.into_owned()),
            Item::Value(value) => value,
        }
    }
}

/// What an object read turns out to be.
enum Object<'a> {
    /// Exactly `_type_` and `_data_`: a transcoded value.
    Transcoded(Item<'a>, Item<'a>),
    /// Anything else: a map.
    Entries(Entries<'a>),
}

type Key<'a> = Cow<'a, str>;

/// The entries of an object being read, keys borrowed from the input where they have no
/// escapes. The first two are kept inline with [`Item`] values (every transcoded value has
/// exactly two keys); from the third distinct key on, entries go to a list in which a repeated
/// key is only resolved at the end.
enum Entries<'a> {
    Zero,
    One(Key<'a>, Item<'a>),
    Two(Key<'a>, Item<'a>, Key<'a>, Item<'a>),
    Many(Vec<(Key<'a>, Value)>),
}

impl<'a> Entries<'a> {
    /// Whether the next value can stay an [`Item`].
    fn takes_items(&self) -> bool {
        !matches!(self, Entries::Many(_))
    }

    /// Adds an entry. A repeated key keeps its first position and takes the last value, as in
    /// a Python `dict` (in [`Entries::Many`], when the map is made).
    fn insert(&mut self, key: Key<'a>, value: Item<'a>) {
        match self {
            Entries::Zero => *self = Entries::One(key, value),
            Entries::One(a, a_value) if *a == key => *a_value = value,
            Entries::Two(a, a_value, _, _) if *a == key => *a_value = value,
            Entries::Two(_, _, b, b_value) if *b == key => *b_value = value,
            Entries::Many(entries) => entries.push((key, value.into_value())),
            Entries::One(..) | Entries::Two(..) => {
                let (first, second) = match std::mem::replace(self, Entries::Zero) {
                    Entries::One(a, a_value) => ((a, a_value), None),
                    Entries::Two(a, a_value, b, b_value) => ((a, a_value), Some((b, b_value))),
                    _ => unreachable!("matched One or Two above"),
                };
                *self = match second {
                    None => Entries::Two(first.0, first.1, key, value),
                    Some(second) => {
                        let mut entries = Vec::with_capacity(8);
                        entries.push((first.0, first.1.into_value()));
                        entries.push((second.0, second.1.into_value()));
                        entries.push((key, value.into_value()));
                        Entries::Many(entries)
                    }
                };
            }
        }
    }

    /// Python's `object_hook`: an object of exactly `_type_` and `_data_` is a transcoded value,
    /// any other object a map.
    fn into_object(self) -> Object<'a> {
        match self {
            Entries::Two(a, a_value, b, b_value) => match (a.as_ref(), b.as_ref()) {
                (TYPE_KEY, DATA_KEY) => Object::Transcoded(a_value, b_value),
                (DATA_KEY, TYPE_KEY) => Object::Transcoded(b_value, a_value),
                _ => Object::Entries(Entries::Two(a, a_value, b, b_value)),
            },
            other => Object::Entries(other),
        }
    }

    fn into_map(self) -> Map {
        let entries = match self {
            Entries::Zero => Vec::new(),
            Entries::One(a, a_value) => vec![(a.into_owned(), a_value.into_value())],
            Entries::Two(a, a_value, b, b_value) => vec![
                (a.into_owned(), a_value.into_value()),
                (b.into_owned(), b_value.into_value()),
            ],
            Entries::Many(mut entries) => {
                if has_repeated_keys(&entries) {
                    entries = merge_repeated_keys(entries);
                }
                // The same size of element: collected in place, without a new allocation.
                entries
                    .into_iter()
                    .map(|(key, value)| (key.into_owned(), value))
                    .collect()
            }
        };
        Map::from_unique_entries(entries)
    }
}

/// Below this many entries, looking for a repeated key compares every pair; from it on, a hash
/// set is cheaper.
const PAIRWISE_LIMIT: usize = 16;

fn has_repeated_keys(entries: &[(Key<'_>, Value)]) -> bool {
    if entries.len() <= PAIRWISE_LIMIT {
        entries
            .iter()
            .enumerate()
            .any(|(i, (key, _))| entries[..i].iter().any(|(earlier, _)| earlier == key))
    } else {
        let mut seen = HashSet::with_capacity(entries.len());
        !entries.iter().all(|(key, _)| seen.insert(key.as_ref()))
    }
}

/// Each key once, at its first position, with its last value.
fn merge_repeated_keys(entries: Vec<(Key<'_>, Value)>) -> Vec<(Key<'_>, Value)> {
    let first_positions: Vec<usize> = {
        let mut first = HashMap::with_capacity(entries.len());
        entries
            .iter()
            .enumerate()
            .map(|(i, (key, _))| *first.entry(key.as_ref()).or_insert(i))
            .collect()
    };
    let mut slots: Vec<Option<(Key<'_>, Value)>> = Vec::with_capacity(entries.len());
    for (i, ((key, value), first)) in entries.into_iter().zip(first_positions).enumerate() {
        if first == i {
            slots.push(Some((key, value)));
        } else {
            if let Some(Some(slot)) = slots.get_mut(first) {
                slot.1 = value;
            }
            slots.push(None);
        }
    }
    slots.into_iter().flatten().collect()
}

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

    /// A value inside `depth` containers, starting at the current byte.
    fn value(&mut self, depth: usize) -> Result<Value, Failure> {
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
    fn item(&mut self, depth: usize) -> Result<Item<'a>, Failure> {
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

    fn check_depth(&self, depth: usize) -> Result<(), Failure> {
        if depth > MAX_DEPTH {
            return Err(Box::new(TranscoderError::Syntax {
                position: self.pos,
                message: format!("values are nested deeper than {MAX_DEPTH} levels"),
            }));
        }
        Ok(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`: an integer unless it has a fraction or an
    /// exponent, as in Python.
    fn number(&mut self) -> Result<Value, Failure> {
        let start = self.pos;
        let digit_at = |i: usize| self.bytes.get(i).is_some_and(u8::is_ascii_digit);
        let mut end = start;
        let negative = self.bytes.get(end) == Some(&b'-');
        if negative {
            end += 1;
        }
        let digits_start = end;
        match self.bytes.get(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => {
                end += 1;
                while digit_at(end) {
                    end += 1;
                }
            }
            _ => return Err(self.error("expecting value")),
        }
        let digits_end = end;
        let mut is_float = false;
        if self.bytes.get(end) == Some(&b'.') && digit_at(end + 1) {
            end += 2;
            while digit_at(end) {
                end += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.bytes.get(end) {
            let mut exponent_end = end + 1;
            if let Some(b'+' | b'-') = self.bytes.get(exponent_end) {
                exponent_end += 1;
            }
            if digit_at(exponent_end) {
                while digit_at(exponent_end) {
                    exponent_end += 1;
                }
                end = exponent_end;
                is_float = true;
            }
        }
        self.pos = end;
        // At most 18 digits always fit in an i64.
        if !is_float && digits_end - digits_start <= 18 {
            let magnitude = self.bytes[digits_start..digits_end]
                .iter()
                .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
            return Ok(Value::Int(if negative { -magnitude } else { magnitude }));
        }
        let text = self.slice(start, end)?;
        if is_float {
            // Rust's parser rounds correctly like Python's `float()`, overflowing to infinity.
            text.parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.error_at(start, "bad number"))
        } else {
            // The grammar above leaves overflow as the only way for this parse to fail.
            Ok(text
                .parse::<i64>()
                .map_or_else(|_| Value::BigInt(text.to_owned()), Value::Int))
        }
    }

    /// A string starting at the current `"`; borrowed from the input when it has no escapes.
    #[inline]
    fn string(&mut self) -> Result<Cow<'a, str>, Failure> {
        let start = self.pos + 1;
        let end = run_end(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.slice(start, end).map(Cow::Borrowed);
        }
        self.string_with_escapes(end).map(Cow::Owned)
    }

    /// The rest of the string starting at the current `"`, whose first unescaped run ends at
    /// `i` with something other than the closing quote.
    #[inline(never)]
    fn string_with_escapes(&mut self, mut i: usize) -> Result<String, Failure> {
        let open = self.pos;
        let start = open + 1;
        match self.bytes.get(i) {
            Some(b'\\') => {}
            Some(_) => return Err(self.error_at(i, "invalid control character in string")),
            None => return Err(self.error_at(open, "unterminated string")),
        }
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.slice(start, i)?);
        loop {
            // At a `\`.
            i = self.escape(open, i, &mut out)?;
            let run_start = i;
            i = run_end(self.bytes, i);
            out.push_str(self.slice(run_start, i)?);
            match self.bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(b'\\') => {}
                Some(_) => return Err(self.error_at(i, "invalid control character in string")),
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
    }

    /// Decodes the escape at `at` (a `\`) into `out`; returns the offset after it.
    fn escape(&self, open: usize, at: usize, out: &mut String) -> Result<usize, Failure> {
        let simple = match self.bytes.get(at + 1) {
            None => return Err(self.error_at(open, "unterminated string")),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (c, end) = self.unicode_escape(at)?;
                out.push(c);
                return Ok(end);
            }
            Some(_) => return Err(self.error_at(at, "invalid \\escape")),
        };
        out.push(simple);
        Ok(at + 2)
    }

    /// `\uXXXX` at `at`, or a surrogate pair `\uD8XX\uDCXX`; lone surrogates cannot be held in
    /// a Rust string and are errors.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), Failure> {
        let unit = self
            .hex4(at + 2)
            .ok_or_else(|| self.error_at(at, "invalid \\uXXXX escape"))?;
        let lone = || self.error_at(at, "lone surrogate in \\uXXXX escape");
        let (code, end) = match unit {
            0xd800..=0xdbff => {
                if self.bytes.get(at + 6..at + 8) != Some(&b"\\u"[..]) {
                    return Err(lone());
                }
                let low = self
                    .hex4(at + 8)
                    .ok_or_else(|| self.error_at(at + 6, "invalid \\uXXXX escape"))?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(lone());
                }
                (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), at + 12)
            }
            0xdc00..=0xdfff => return Err(lone()),
            _ => (unit, at + 6),
        };
        char::from_u32(code).map(|c| (c, end)).ok_or_else(lone)
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc << 4 | char::from(d).to_digit(16)?))
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

    fn object(&mut self, depth: usize) -> Result<Value, Failure> {
        if let Some(value) = self.compact_builtin(depth) {
            return value;
        }
        match self.object_entries(depth)? {
            Object::Transcoded(type_value, data) => self.transcoded(type_value, data),
            Object::Entries(entries) => Ok(Value::Map(entries.into_map())),
        }
    }

    /// A UUID, Decimal or datetime exactly as the writer writes it, starting at the current
    /// `{`: `{"_type_":"<built-in name>","_data_":"<text without escapes>"}`. `None`, having
    /// read nothing, for any other text, which [`object_entries`](Self::object_entries) then
    /// reads (and so gives the same value or the same error).
    fn compact_builtin(&mut self, depth: usize) -> Option<Result<Value, Failure>> {
        const HEAD: &[u8] = b"{\"_type_\":\"";
        const TAIL: &[u8] = b"\",\"_data_\":\"";
        if depth > MAX_DEPTH {
            return None;
        }
        let rest = self.rest().strip_prefix(HEAD)?;
        let (name, rest) = [DATETIME_ISO, UUID_HEX, DECIMAL_STR]
            .into_iter()
            .find_map(|name| {
                Some((
                    name,
                    rest.strip_prefix(name.as_bytes())?.strip_prefix(TAIL)?,
                ))
            })?;
        let start = self.bytes.len() - rest.len();
        let end = run_end(self.bytes, start);
        if self.bytes.get(end..end + 2) != Some(&b"\"}"[..]) {
            return None;
        }
        let data = self.text.get(start..end)?;
        self.pos = end + 2;
        Some(builtin(name, data))
    }

    /// A key of an object and the `:` after it, with the whitespace around that; the reader
    /// is then at the key's value.
    fn object_key(&mut self) -> Result<Cow<'a, str>, Failure> {
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
    fn object_entries_taking<const N: usize>(
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

    fn transcoded(&self, type_value: Item<'a>, data: Item<'a>) -> Result<Value, Failure> {
        let Some(name) = type_value.as_str() else {
            return Err(Box::new(TranscoderError::UnknownType {
                name: self.transcoder.describe(&type_value.into_value()),
            }));
        };
        match name {
            UUID_HEX | DECIMAL_STR | DATETIME_ISO => builtin(name, data_text(name, &data)?),
            _ if self.transcoder.is_registered(name) => Ok(Value::Custom(Box::new(CustomValue {
                name: name.to_owned(),
                data: data.into_value(),
            }))),
            _ => Err(Box::new(TranscoderError::UnknownType {
                name: name.to_owned(),
            })),
        }
    }
}

/// The value of a built-in transcoding (`uuid_hex`, `decimal_str` or `datetime_iso`) from the
/// text of its `_data_`.
fn builtin(name: &str, data: &str) -> Result<Value, Failure> {
    match name {
        UUID_HEX => Uuid::parse_str(data).map(Value::Uuid).map_err(|e| {
            bad_data(
                UUID_HEX,
                ValueError::Invalid {
                    what: "UUID",
                    reason: e.to_string(),
                },
            )
        }),
        DECIMAL_STR => DecimalValue::parse(data)
            .map(Value::Decimal)
            .map_err(|e| bad_data(DECIMAL_STR, e)),
        DATETIME_ISO => parse_isoformat(data).map_err(|e| bad_data(DATETIME_ISO, e)),
        other => Err(Box::new(TranscoderError::UnknownType {
            name: other.to_owned(),
        })),
    }
}

#[cold]
fn bad_data(name: &str, source: ValueError) -> Failure {
    Box::new(TranscoderError::BadData {
        name: name.to_owned(),
        source,
    })
}

/// The `_data_` of a built-in transcoding, which is always a string.
fn data_text<'v>(name: &str, data: &'v Item<'_>) -> Result<&'v str, Failure> {
    match data {
        Item::Str(text) => Ok(text),
        Item::Value(Value::String(text)) => Ok(text),
        Item::Value(other) => Err(bad_data(
            name,
            ValueError::Type {
                expected: "string",
                found: other.kind(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Value, TranscoderError> {
        read(&JsonTranscoder::new(), text.as_bytes())
    }

    fn ok(text: &str) -> Value {
        read_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn syntax_error(text: &str) -> usize {
        match read_str(text) {
            Err(TranscoderError::Syntax { position, .. }) => position,
            other => panic!("{text:?}: expected a syntax error, got {other:?}"),
        }
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(entries.iter().map(|(k, v)| (*k, v.clone())).collect())
    }

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

    #[test]
    fn integers_beyond_64_bits_keep_their_digits() {
        assert_eq!(
            ok("9223372036854775808"),
            Value::BigInt("9223372036854775808".into())
        );
        assert_eq!(
            ok("-100000000000000000000000000000"),
            Value::BigInt("-100000000000000000000000000000".into())
        );
    }

    #[test]
    fn reads_escapes_and_surrogate_pairs() {
        assert_eq!(
            ok(r#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            Value::String("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti".into())
        );
        assert_eq!(
            ok(r#""\u00e9\u00C9\u0000""#),
            Value::String("éÉ\u{0}".into())
        );
        assert_eq!(
            ok(r#""\ud83e\udd80 crab""#),
            Value::String("🦀 crab".into())
        );
        assert_eq!(ok(r#""x\uD83E\uDD80""#), Value::String("x🦀".into()));
        assert_eq!(ok("\"raw 🦀 ✓ Zoë\""), Value::String("raw 🦀 ✓ Zoë".into()));
        assert_eq!(
            ok("\"\u{7f}\u{2028}\""),
            Value::String("\u{7f}\u{2028}".into())
        );
    }

    #[test]
    fn lone_surrogates_and_bad_escapes_are_syntax_errors() {
        assert_eq!(syntax_error(r#""\ud83e""#), 1);
        assert_eq!(syntax_error(r#""ab\ud83e\u0041""#), 3);
        assert_eq!(syntax_error(r#""\udd80""#), 1);
        assert_eq!(syntax_error(r#""\ud83e\uzzzz""#), 7);
        assert_eq!(syntax_error(r#""\u12""#), 1);
        assert_eq!(syntax_error(r#""\x41""#), 1);
        assert_eq!(syntax_error(r#""\"#), 0);
        assert_eq!(syntax_error("\"a\nb\""), 2);
        assert_eq!(syntax_error("\"a\tb\""), 2);
        assert_eq!(syntax_error("\"abc"), 0);
    }

    #[test]
    fn objects_keep_order_and_the_last_duplicate() {
        assert_eq!(
            ok(r#"{"a":1,"b":2,"a":3}"#),
            map(&[("a", Value::Int(3)), ("b", Value::Int(2))])
        );
        assert_eq!(
            ok(r#"{"x":1,"y":2,"z":3,"y":4,"x":5}"#),
            map(&[
                ("x", Value::Int(5)),
                ("y", Value::Int(4)),
                ("z", Value::Int(3))
            ])
        );
        assert_eq!(
            ok(r#"{"k\u00e9y":[]}"#),
            map(&[("kéy", Value::List(vec![]))])
        );
        assert_eq!(
            ok(r#" { "a" : [ 1 , { } , [ ] ] } "#),
            map(&[(
                "a",
                Value::List(vec![
                    Value::Int(1),
                    Value::Map(Map::new()),
                    Value::List(vec![])
                ])
            )])
        );
    }

    #[test]
    fn transcoded_objects_become_values() {
        let uuid = Uuid::parse_str("07baeb4546ee528b81f9e27d143e119e").unwrap();
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#),
            Value::Uuid(uuid)
        );
        assert_eq!(
            ok(r#"{"_data_":"07baeb4546ee528b81f9e27d143e119e","_type_":"uuid_hex"}"#),
            Value::Uuid(uuid)
        );
        assert_eq!(
            ok(r#"{"_type_":"decimal_str","_data_":"1E+3"}"#),
            Value::Decimal(DecimalValue::parse("1E+3").unwrap())
        );
        assert!(matches!(
            ok(r#"{"_type_":"datetime_iso","_data_":"2024-06-30T23:59:59+05:30"}"#),
            Value::DateTime(_)
        ));
        assert!(matches!(
            ok(r#"{"_type_":"datetime_iso","_data_":"2020-02-29T12:00:00"}"#),
            Value::NaiveDateTime(_)
        ));
        // A repeated `_type_` still leaves exactly two keys, as Python's object_hook sees it.
        assert_eq!(
            ok(
                r#"{"_type_":"nope","_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#
            ),
            Value::Uuid(uuid)
        );
    }

    #[test]
    fn objects_that_are_not_exactly_type_and_data_stay_maps() {
        let three = ok(r#"{"_type_":"uuid_hex","_data_":"x","more":1}"#);
        assert_eq!(
            three,
            map(&[
                ("_type_", Value::String("uuid_hex".into())),
                ("_data_", Value::String("x".into())),
                ("more", Value::Int(1)),
            ])
        );
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex"}"#),
            map(&[("_type_", Value::String("uuid_hex".into()))])
        );
        assert_eq!(
            ok(r#"{"_type_":"uuid_hex","data":"x"}"#),
            map(&[
                ("_type_", Value::String("uuid_hex".into())),
                ("data", Value::String("x".into()))
            ])
        );
    }

    #[test]
    fn bad_transcoded_data_and_unknown_names_are_errors() {
        assert!(matches!(
            read_str(r#"{"_type_":"point","_data_":[1,2]}"#),
            Err(TranscoderError::UnknownType { name }) if name == "point"
        ));
        assert!(matches!(
            read_str(r#"{"_type_":5,"_data_":"x"}"#),
            Err(TranscoderError::UnknownType { name }) if name == "5"
        ));
        for (text, bad) in [
            (r#"{"_type_":"uuid_hex","_data_":"not a uuid"}"#, UUID_HEX),
            (r#"{"_type_":"uuid_hex","_data_":17}"#, UUID_HEX),
            (r#"{"_type_":"decimal_str","_data_":"1.2.3"}"#, DECIMAL_STR),
            (
                r#"{"_type_":"datetime_iso","_data_":"yesterday"}"#,
                DATETIME_ISO,
            ),
            (r#"{"_type_":"datetime_iso","_data_":null}"#, DATETIME_ISO),
        ] {
            assert!(
                matches!(read_str(text), Err(TranscoderError::BadData { ref name, .. }) if name == bad),
                "{text}"
            );
        }
    }

    #[test]
    fn registered_names_become_custom_values() {
        let mut transcoder = JsonTranscoder::new();
        transcoder.register_name("point");
        let value = read(
            &transcoder,
            br#"{"_type_":"point","_data_":[1,{"_type_":"decimal_str","_data_":"2.5"}]}"#,
        )
        .unwrap();
        let Value::Custom(custom) = value else {
            panic!("{value:?}")
        };
        assert_eq!(custom.name, "point");
        assert_eq!(
            custom.data,
            Value::List(vec![
                Value::Int(1),
                Value::Decimal(DecimalValue::parse("2.5").unwrap())
            ])
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        for (text, position) in [
            ("", 0),
            ("   ", 3),
            ("{", 1),
            ("{\"a\"", 4),
            ("{\"a\":", 5),
            ("{\"a\":1,}", 7),
            ("{\"a\" 1}", 5),
            ("{a:1}", 1),
            ("[1,]", 3),
            ("[1 2]", 3),
            ("[", 1),
            ("nul", 0),
            ("truex", 4),
            ("01", 1),
            ("1.", 1),
            ("1.e5", 1),
            ("1e", 1),
            ("-", 0),
            ("-x", 0),
            ("+1", 0),
            (".5", 0),
            ("-NaN", 0),
            ("nan", 0),
            ("{} {}", 3),
            ("\u{feff}{}", 0),
            ("'a'", 0),
        ] {
            assert_eq!(syntax_error(text), position, "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_has_the_position_of_the_first_bad_byte() {
        let transcoder = JsonTranscoder::new();
        for (bytes, position) in [
            (&b"\"ab\xff\""[..], 3),
            (b"{\"a\":\"\xc3\"}", 6),
            (b"\"\xed\xa0\x80\"", 1),
            (b"[1] \x80", 4),
        ] {
            assert!(
                matches!(read(&transcoder, bytes), Err(TranscoderError::Utf8 { position: p }) if p == position),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let lists = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = |depth: usize| {
            format!(
                "{}{{}}{}",
                "{\"a\":".repeat(depth - 1),
                "}".repeat(depth - 1)
            )
        };
        assert!(read_str(&lists(MAX_DEPTH)).is_ok());
        assert!(read_str(&objects(MAX_DEPTH)).is_ok());
        assert_eq!(syntax_error(&lists(MAX_DEPTH + 1)), MAX_DEPTH);
        assert_eq!(syntax_error(&objects(MAX_DEPTH + 1)), 5 * MAX_DEPTH);
        // The 513th container is the 257th `[`, each `[{"a":` being 6 bytes.
        assert_eq!(
            syntax_error(&"[{\"a\":".repeat(100_000)),
            6 * (MAX_DEPTH / 2)
        );
        assert!(read_str(&"[".repeat(1_000_000)).is_err());
    }

    #[test]
    fn never_panics_on_prefixes_and_changed_bytes() {
        let transcoder = JsonTranscoder::new();
        let text = br#"{"a":[1,-2.5e3,"x\u00e9\ud83e\udd80",{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}],"b":{"c":null,"d":true,"e":NaN}}"#;
        for len in 0..text.len() {
            let _ = read(&transcoder, &text[..len]);
        }
        for i in 0..text.len() {
            for byte in [
                0u8, b'"', b'\\', b'{', b'[', b'}', b']', b',', b':', b'-', b'e', b'u', 0x80, 0xff,
            ] {
                let mut changed = text.to_vec();
                changed[i] = byte;
                let _ = read(&transcoder, &changed);
            }
        }
    }

    /// `run_end` one byte at a time.
    fn run_end_bytewise(bytes: &[u8], mut i: usize) -> usize {
        while i < bytes.len() && !(bytes[i] == b'"' || bytes[i] == b'\\' || bytes[i] < 0x20) {
            i += 1;
        }
        i
    }

    #[test]
    fn run_end_finds_the_first_special_byte_in_every_lane() {
        // Every byte value at every position of a 20-byte run, from every start, with a second
        // special byte after it (a borrow from the first must not hide or move it).
        for byte in 0..=255u8 {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 24];
                bytes[at] = byte;
                bytes[(at + 1).min(23)] = b'"';
                for start in 0..=at {
                    assert_eq!(
                        run_end(&bytes, start),
                        run_end_bytewise(&bytes, start),
                        "byte {byte:#x} at {at} from {start}"
                    );
                }
            }
        }
        assert_eq!(run_end(b"", 0), 0);
        assert_eq!(run_end(b"abc", 0), 3);
        assert_eq!(run_end(b"abc", 3), 3);
        assert_eq!(run_end("é\u{7f}\u{2028}🦀\"".as_bytes(), 0), 10);
    }

    #[test]
    fn strings_read_the_same_at_every_chunk_offset() {
        // Escapes, multi-byte characters and the closing quote at each offset of an 8-byte
        // chunk; the expected text is built alongside.
        let pieces: [(&str, &str); 6] = [
            ("ab", "ab"),
            (r#"\""#, "\""),
            (r"\\", "\\"),
            (r"\u00e9", "é"),
            ("é", "é"),
            (r"\ud83e\udd80", "🦀"),
        ];
        for pad in 0..9 {
            for (i, (json_a, text_a)) in pieces.iter().enumerate() {
                for (json_b, text_b) in &pieces[i..] {
                    let padding = "x".repeat(pad);
                    let json = format!("[\"{padding}{json_a}{padding}{json_b}\",\"{padding}\"]");
                    let expected = Value::List(vec![
                        Value::String(format!("{padding}{text_a}{padding}{text_b}")),
                        Value::String(padding.clone()),
                    ]);
                    assert_eq!(ok(&json), expected, "{json}");
                    let as_key = format!("{{\"{padding}{json_a}{json_b}\":1}}");
                    let key = format!("{padding}{text_a}{text_b}");
                    assert_eq!(ok(&as_key), map(&[(&key, Value::Int(1))]), "{as_key}");
                }
            }
            // Errors keep their positions wherever the chunks fall.
            let padding = "x".repeat(pad);
            assert_eq!(syntax_error(&format!("\"{padding}\n\"")), pad + 1);
            assert_eq!(
                syntax_error(&format!("\"{padding}\\n{padding}\t\"")),
                2 * pad + 3
            );
            assert_eq!(syntax_error(&format!("[\"{padding}")), 1);
            assert_eq!(syntax_error(&format!("[\"{padding}\\n{padding}")), 1);
        }
    }

    #[test]
    fn large_objects_keep_order_and_the_last_duplicate() {
        // Below and above the size from which repeated keys are found with a hash set.
        for size in [3, PAIRWISE_LIMIT, PAIRWISE_LIMIT + 1, 100] {
            let keys: Vec<String> = (0..size).map(|i| format!("k{i}")).collect();
            let mut json: Vec<String> = keys.iter().map(|k| format!("\"{k}\":0")).collect();
            let unique = format!("{{{}}}", json.join(","));
            let expected: Vec<(&str, Value)> =
                keys.iter().map(|k| (k.as_str(), Value::Int(0))).collect();
            assert_eq!(ok(&unique), map(&expected), "{size} keys");

            // Repeats of the first, a middle and the last key, with new values.
            for (n, i) in [0, size / 2, size - 1].into_iter().enumerate() {
                json.push(format!("\"{}\":{}", keys[i], n + 1));
            }
            let repeated = format!("{{{}}}", json.join(","));
            let mut expected = expected.clone();
            for (n, i) in [0, size / 2, size - 1].into_iter().enumerate() {
                expected[i].1 = Value::Int(n as i64 + 1);
            }
            assert_eq!(ok(&repeated), map(&expected), "{size} keys, repeated");
        }
    }

    #[test]
    fn compact_and_spaced_transcoded_values_read_the_same() {
        let transcoder = JsonTranscoder::new();
        for (data, name) in [
            ("07baeb4546ee528b81f9e27d143e119e", UUID_HEX),
            ("1E+3", DECIMAL_STR),
            ("2024-06-30T23:59:59.000001+05:30", DATETIME_ISO),
            ("2020-02-29T12:00:00", DATETIME_ISO),
            ("2024-01-02T03:04:05Z", DATETIME_ISO),
        ] {
            let compact = format!(r#"{{"_type_":"{name}","_data_":"{data}"}}"#);
            let spaced = format!(r#"{{ "_type_" : "{name}" , "_data_" : "{data}" }}"#);
            let escaped = format!(
                r#"{{"_type_":"{name}","_data_":"\u{:04x}{}"}}"#,
                data.as_bytes()[0],
                &data[1..]
            );
            let value = ok(&compact);
            assert!(
                !matches!(value, Value::String(_) | Value::Map(_)),
                "{value:?}"
            );
            assert_eq!(ok(&spaced), value);
            assert_eq!(ok(&escaped), value);
            assert_eq!(
                ok(&format!("[{compact}]")),
                Value::List(vec![value.clone()])
            );
            // Not exactly two keys: a map, whatever its first bytes.
            let more = format!(r#"{{"_type_":"{name}","_data_":"{data}","x":1}}"#);
            assert!(matches!(ok(&more), Value::Map(m) if m.len() == 3));
            let top = read_object_taking(&transcoder, compact.as_bytes(), []);
            assert!(
                matches!(top, Err(TranscoderError::NotAnObject { .. })),
                "{top:?}"
            );
        }
        // Bad data is the same error either way.
        for text in [
            r#"{"_type_":"datetime_iso","_data_":"2024-13-01T00:00:00"}"#,
            r#"{"_type_":"uuid_hex","_data_":"nope"}"#,
            r#"{"_type_":"decimal_str","_data_":"1.2.3"}"#,
        ] {
            assert!(
                matches!(read_str(text), Err(TranscoderError::BadData { .. })),
                "{text}"
            );
            let spaced = text.replace(',', " , ");
            assert!(
                matches!(read_str(&spaced), Err(TranscoderError::BadData { .. })),
                "{spaced}"
            );
        }
        // Too deep is a syntax error at the same place as for any object.
        let uuid = r#"{"_type_":"uuid_hex","_data_":"07baeb4546ee528b81f9e27d143e119e"}"#;
        let nested = |lists: usize| format!("{}{uuid}{}", "[".repeat(lists), "]".repeat(lists));
        assert!(read_str(&nested(MAX_DEPTH - 1)).is_ok());
        assert_eq!(syntax_error(&nested(MAX_DEPTH)), MAX_DEPTH);
    }

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
