//! A map of stored objects that remembers which of its keys changed since the data file last
//! heard of them.
//!
//! The data file is an append-only log (`data_log`): a commit writes one record per changed
//! object, not the whole store. For that the store must know what changed without comparing
//! anything, and without trusting every handler to report it: a [`Table`] reads like a
//! `BTreeMap` (it derefs to one) but can only be changed through methods that mark the key
//! dirty. A handler cannot change an object and forget to save it.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Objects by name (or id, or key), with the names changed since the last commit.
#[derive(Debug)]
pub struct Table<V> {
    items: BTreeMap<String, V>,
    dirty: BTreeSet<String>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            items: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<V> std::ops::Deref for Table<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &BTreeMap<String, V> {
        &self.items
    }
}

impl<V> Table<V> {
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.dirty.insert(key.clone());
        self.items.insert(key, value)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        String: Borrow<Q>,
        Q: Ord + ToOwned<Owned = String> + ?Sized,
    {
        let removed = self.items.remove(key);
        if removed.is_some() {
            self.dirty.insert(key.to_owned());
        }
        removed
    }

    /// Mutable access marks the key changed, whether or not the caller then changes it: saving
    /// an unchanged object again is harmless, missing a changed one is not.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        String: Borrow<Q>,
        Q: Ord + ToOwned<Owned = String> + ?Sized,
    {
        let value = self.items.get_mut(key)?;
        self.dirty.insert(key.to_owned());
        Some(value)
    }

    /// Keeps the objects `keep` accepts; the others are removed (and marked changed).
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        let dirty = &mut self.dirty;
        self.items.retain(|key, value| {
            let kept = keep(key, value);
            if !kept {
                dirty.insert(key.clone());
            }
            kept
        });
    }

    /// Whether anything changed since the last [`Table::take_dirty`].
    pub fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The keys changed since the last call, forgetting them.
    pub(crate) fn take_dirty(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.dirty)
    }

    /// Forgets which keys changed (after everything was written in full).
    pub(crate) fn clear_dirty(&mut self) {
        self.dirty.clear();
    }

    /// Changes an object without marking it: for objects read back from the data file, and
    /// for the store's own walk over nested tables.
    pub(crate) fn get_mut_untracked(&mut self, key: &str) -> Option<&mut V> {
        self.items.get_mut(key)
    }

    pub(crate) fn values_mut_untracked(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.items.iter_mut()
    }

    /// Sets or removes an object read back from the data file, unmarked.
    pub(crate) fn restore(&mut self, key: String, value: Option<V>) {
        match value {
            Some(value) => {
                self.items.insert(key, value);
            }
            None => {
                self.items.remove(&key);
            }
        }
    }
}

/// Written and read as a plain JSON object, as the maps it replaced were (the old whole-file
/// format stores tables this way).
impl<V: Serialize> Serialize for Table<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Table<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Table {
            items: BTreeMap::deserialize(deserializer)?,
            dirty: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_marks_its_key_and_reads_do_not() {
        let mut table = Table::default();
        table.insert("a".to_owned(), 1);
        table.insert("b".to_owned(), 2);
        table.insert("c".to_owned(), 3);
        assert_eq!(table.take_dirty().len(), 3);
        assert_eq!(table.get("a"), Some(&1));
        assert_eq!(table.values().sum::<i32>(), 6);
        assert!(!table.has_dirty());
        if let Some(b) = table.get_mut("b") {
            *b = 20;
        }
        table.remove("c");
        table.remove("missing");
        assert!(table.get_mut("missing").is_none());
        table.retain(|key, _| key != "a");
        let dirty: Vec<String> = table.take_dirty().into_iter().collect();
        assert_eq!(dirty, ["a", "b", "c"]);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn restoring_marks_nothing() {
        let mut table = Table::default();
        table.restore("a".to_owned(), Some(1));
        table.restore("b".to_owned(), Some(2));
        table.restore("b".to_owned(), None);
        assert!(!table.has_dirty());
        assert_eq!(serde_json::to_string(&table).unwrap(), r#"{"a":1}"#);
    }
}
