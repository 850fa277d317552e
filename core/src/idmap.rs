//! A map from dense, never-reused ids to values: a slab indexed by id.
//!
//! Queues, exchanges and consumers get ids counting up from zero; looking
//! them up is on the hot path of every publish and acknowledgement, where a
//! B-tree costs a few comparisons and cache misses each time. Iteration is
//! in id order (creation order), exactly as the B-tree it replaces, so
//! nothing observable changes. A deleted entry leaves an 8-byte hole.
//!
//! It also stands in for small B-trees keyed by such counters (connections,
//! actors): in the wasm, every B-tree key/value type is its own copy of the
//! B-tree code, 4–13 KB each, where an `IdMap` costs a few hundred bytes.

use std::collections::BTreeMap;
use std::marker::PhantomData;

/// A key an [`IdMap`] can use: a counter that is never reused.
pub(crate) trait Id: Copy {
    /// The slot index.
    fn to_index(self) -> u64;
    /// The key of a slot index.
    fn from_index(index: u64) -> Self;
}

#[cfg(test)]
impl Id for u64 {
    fn to_index(self) -> u64 {
        self
    }
    fn from_index(index: u64) -> Self {
        index
    }
}

impl Id for crate::ConnectionId {
    fn to_index(self) -> u64 {
        u64::from(self.0)
    }
    fn from_index(index: u64) -> Self {
        // Only indices of inserted keys come back, and those came from a u32.
        Self(index as u32)
    }
}

impl Id for crate::ActorId {
    fn to_index(self) -> u64 {
        u64::from(self.0)
    }
    fn from_index(index: u64) -> Self {
        Self(index as u32)
    }
}

/// Values by id, iterated in id order.
#[derive(Clone, Debug)]
pub(crate) struct IdMap<T, K> {
    slots: Vec<Option<Box<T>>>,
    key: PhantomData<K>,
}

impl<T, K> Default for IdMap<T, K> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            key: PhantomData,
        }
    }
}

impl<T, K: Id> IdMap<T, K> {
    fn index(id: K) -> Option<usize> {
        usize::try_from(id.to_index()).ok()
    }

    pub(crate) fn get(&self, id: &K) -> Option<&T> {
        self.slots.get(Self::index(*id)?)?.as_deref()
    }

    pub(crate) fn get_mut(&mut self, id: &K) -> Option<&mut T> {
        self.slots.get_mut(Self::index(*id)?)?.as_deref_mut()
    }

    pub(crate) fn contains_key(&self, id: &K) -> bool {
        self.get(id).is_some()
    }

    /// Inserts under `id`, returning the value it replaces.
    ///
    /// # Panics
    /// If `id` does not fit in memory's address space (ids are counters,
    /// so this means billions of entities).
    pub(crate) fn insert(&mut self, id: K, value: T) -> Option<T> {
        let i = Self::index(id).expect("id fits in usize");
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i].replace(Box::new(value)).map(|b| *b)
    }

    pub(crate) fn remove(&mut self, id: &K) -> Option<T> {
        self.slots.get_mut(Self::index(*id)?)?.take().map(|b| *b)
    }

    /// `(id, value)` in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_deref().map(|v| (K::from_index(i as u64), v)))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.iter().map(|(id, _)| id)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }
}

impl<T, K: Id> std::ops::Index<&K> for IdMap<T, K> {
    type Output = T;

    /// # Panics
    /// If there is no value under `id` (callers index only ids they just
    /// looked up, as with a B-tree map).
    fn index(&self, id: &K) -> &T {
        self.get(id).expect("no entry for id")
    }
}

/// Ids by name, in name order: a B-tree keyed by name that stores ids as
/// plain `u64`s, so the queue, exchange and consumer-tag indexes share one
/// copy of the B-tree code in the wasm (4–13 KB per key/value type) while
/// each still hands out its own id type.
#[derive(Clone, Debug)]
pub(crate) struct NameMap<K> {
    map: BTreeMap<String, u64>,
    key: PhantomData<K>,
}

impl<K> Default for NameMap<K> {
    fn default() -> Self {
        Self {
            map: BTreeMap::new(),
            key: PhantomData,
        }
    }
}

impl<K: Id> NameMap<K> {
    pub(crate) fn get(&self, name: &str) -> Option<K> {
        self.map.get(name).map(|&i| K::from_index(i))
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub(crate) fn insert(&mut self, name: String, id: K) {
        self.map.insert(name, id.to_index());
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<K> {
        self.map.remove(name).map(K::from_index)
    }

    /// Ids in name order.
    pub(crate) fn values(&self) -> impl Iterator<Item = K> + '_ {
        self.map.values().map(|&i| K::from_index(i))
    }

    /// Names in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m: IdMap<&str, u64> = IdMap::default();
        assert_eq!(m.insert(3, "c"), None);
        assert_eq!(m.insert(0, "a"), None);
        assert_eq!(m.insert(3, "C"), Some("c"));
        assert_eq!(m.values().count(), 2);
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![(0, &"a"), (3, &"C")]);
        assert_eq!(m.remove(&0), Some("a"));
        assert_eq!(m.remove(&0), None);
        assert_eq!(m.get(&99), None);
        assert!(!m.contains_key(&0) && m.contains_key(&3));
        assert_eq!(m.keys().collect::<Vec<_>>(), vec![3]);
        assert_eq!(m.values().count(), 1);
    }

    #[test]
    fn typed_keys_come_back_typed() {
        use crate::ConnectionId;
        let mut m: IdMap<&str, ConnectionId> = IdMap::default();
        m.insert(ConnectionId(2), "b");
        m.insert(ConnectionId(1), "a");
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            [ConnectionId(1), ConnectionId(2)]
        );
        assert_eq!(m[&ConnectionId(2)], "b");
        assert_eq!(m.remove(&ConnectionId(1)), Some("a"));
        assert_eq!(m.get(&ConnectionId(u32::MAX)), None);
    }
}
