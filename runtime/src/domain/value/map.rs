use super::Value;
use crate::domain::ValueError;

/// A string-keyed map that keeps insertion order, like a Python `dict`.
///
/// Inserting an existing key replaces its value in place; removing a key keeps the order of the
/// others. Lookups scan the entries, which is the fastest choice for the few keys an event has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// A map of these entries, whose keys the caller knows to be distinct (the JSON reader
    /// resolves repeated keys before making a map), without checking each key against the
    /// others.
    pub(crate) fn from_unique_entries(entries: Vec<(String, Value)>) -> Self {
        debug_assert!(
            {
                let mut seen = std::collections::HashSet::with_capacity(entries.len());
                entries.iter().all(|(key, _)| seen.insert(key.as_str()))
            },
            "repeated key"
        );
        Self { entries }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value at `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether the map has `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`: in place if the key exists (returning the old value), else at the
    /// end.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key`, keeping the order of the other entries.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// Removes `key` and returns its value, or a [`ValueError::MissingKey`].
    pub fn take(&mut self, key: &str) -> Result<Value, ValueError> {
        self.remove(key).ok_or_else(|| ValueError::MissingKey {
            key: key.to_owned(),
        })
    }

    /// Entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<String>, V: Into<Value>> Extend<(K, V)> for Map {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_order_and_replaces_in_place() {
        let mut map = Map::new();
        map.insert("b", 1);
        map.insert("a", 2);
        assert_eq!(map.insert("b", 3), Some(Value::Int(1)));
        let keys: Vec<_> = map.keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(map.get("b"), Some(&Value::Int(3)));
    }

    #[test]
    fn remove_keeps_order_of_the_rest() {
        let mut map: Map = [("a", 1), ("b", 2), ("c", 3)].into_iter().collect();
        assert_eq!(map.remove("b"), Some(Value::Int(2)));
        let keys: Vec<_> = map.keys().cloned().collect();
        assert_eq!(keys, ["a", "c"]);
        assert!(matches!(map.take("b"), Err(ValueError::MissingKey { key }) if key == "b"));
    }
}
