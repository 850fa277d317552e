//! A map from dense, never-reused ids to values: a slab indexed by id.
//!
//! Queues, exchanges and consumers get ids counting up from zero; looking
//! them up is on the hot path of every publish and acknowledgement, where a
//! B-tree costs a few comparisons and cache misses each time. Iteration is
//! in id order (creation order), exactly as the B-tree it replaces, so
//! nothing observable changes. A deleted entry leaves an 8-byte hole.

/// Values by id, iterated in id order.
#[derive(Clone, Debug)]
pub(crate) struct IdMap<T> {
    slots: Vec<Option<Box<T>>>,
}

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        Self { slots: Vec::new() }
    }
}

impl<T> IdMap<T> {
    fn index(id: u64) -> Option<usize> {
        usize::try_from(id).ok()
    }

    pub(crate) fn get(&self, id: &u64) -> Option<&T> {
        self.slots.get(Self::index(*id)?)?.as_deref()
    }

    pub(crate) fn get_mut(&mut self, id: &u64) -> Option<&mut T> {
        self.slots.get_mut(Self::index(*id)?)?.as_deref_mut()
    }

    pub(crate) fn contains_key(&self, id: &u64) -> bool {
        self.get(id).is_some()
    }

    /// Inserts under `id`, returning the value it replaces.
    ///
    /// # Panics
    /// If `id` does not fit in memory's address space (ids are counters,
    /// so this means billions of entities).
    pub(crate) fn insert(&mut self, id: u64, value: T) -> Option<T> {
        let i = Self::index(id).expect("id fits in usize");
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i].replace(Box::new(value)).map(|b| *b)
    }

    pub(crate) fn remove(&mut self, id: &u64) -> Option<T> {
        self.slots.get_mut(Self::index(*id)?)?.take().map(|b| *b)
    }

    /// `(id, value)` in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_deref().map(|v| (i as u64, v)))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.iter().map(|(id, _)| id)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }
}

impl<T> std::ops::Index<&u64> for IdMap<T> {
    type Output = T;

    /// # Panics
    /// If there is no value under `id` (callers index only ids they just
    /// looked up, as with a B-tree map).
    fn index(&self, id: &u64) -> &T {
        self.get(id).expect("no entry for id")
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m = IdMap::default();
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
}
