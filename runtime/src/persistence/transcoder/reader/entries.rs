//! The entries of an object being read: the first two kept with their strings borrowed from the
//! input until the object is known not to be a transcoded value, repeated keys resolved as a
//! Python `dict` resolves them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::domain::{Map, Value};

use super::super::{DATA_KEY, TYPE_KEY};

/// What an object read turns out to be.
pub(super) enum Object<'a> {
    /// Exactly `_type_` and `_data_`: a transcoded value.
    Transcoded(Item<'a>, Item<'a>),
    /// Anything else: a map.
    Entries(Entries<'a>),
}

/// A value that may still borrow its string from the input: what the first entries of an
/// object hold until the object is known not to be a transcoded value.
pub(super) enum Item<'a> {
    Str(Cow<'a, str>),
    Value(Value),
}

impl Item<'_> {
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Item::Str(text) => Some(text),
            Item::Value(value) => value.as_str(),
        }
    }

    pub(super) fn into_value(self) -> Value {
        match self {
            Item::Str(text) => Value::String(text.into_owned()),
            Item::Value(value) => value,
        }
    }
}

type Key<'a> = Cow<'a, str>;

/// The entries of an object being read, keys borrowed from the input where they have no
/// escapes. The first two are kept inline with [`Item`] values (every transcoded value has
/// exactly two keys); from the third distinct key on, entries go to a list in which a repeated
/// key is only resolved at the end.
pub(super) enum Entries<'a> {
    Zero,
    One(Key<'a>, Item<'a>),
    Two(Key<'a>, Item<'a>, Key<'a>, Item<'a>),
    Many(Vec<(Key<'a>, Value)>),
}

impl<'a> Entries<'a> {
    /// Whether the next value can stay an [`Item`].
    pub(super) fn takes_items(&self) -> bool {
        !matches!(self, Entries::Many(_))
    }

    /// Adds an entry. A repeated key keeps its first position and takes the last value, as in
    /// a Python `dict` (in [`Entries::Many`], when the map is made).
    pub(super) fn insert(&mut self, key: Key<'a>, value: Item<'a>) {
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
    pub(super) fn into_object(self) -> Object<'a> {
        match self {
            Entries::Two(a, a_value, b, b_value) => match (a.as_ref(), b.as_ref()) {
                (TYPE_KEY, DATA_KEY) => Object::Transcoded(a_value, b_value),
                (DATA_KEY, TYPE_KEY) => Object::Transcoded(b_value, a_value),
                _ => Object::Entries(Entries::Two(a, a_value, b, b_value)),
            },
            other => Object::Entries(other),
        }
    }

    pub(super) fn into_map(self) -> Map {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{map, ok};
    use super::PAIRWISE_LIMIT;
    use crate::domain::{Map, Value};

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
}
