//! A map from request ids to state, for the client session: a vector
//! sorted by id. A session has few requests open at once and numbers them
//! in increasing order, so inserts land at the end; a `HashMap` would add
//! its hashing and table code (some 5 KB) to the wasm module for nothing.

pub struct IdMap<T>(Vec<(u64, T)>);

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<T> IdMap<T> {
    fn find(&self, id: u64) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |e| e.0)
    }

    pub fn get(&self, id: u64) -> Option<&T> {
        self.find(id).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut T> {
        match self.find(id) {
            Ok(i) => Some(&mut self.0[i].1),
            Err(_) => None,
        }
    }

    #[cfg(test)]
    pub fn contains(&self, id: u64) -> bool {
        self.find(id).is_ok()
    }

    /// Sets the state of `id`, replacing any it had.
    pub fn insert(&mut self, id: u64, v: T) {
        match self.find(id) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (id, v)),
        }
    }

    pub fn remove(&mut self, id: u64) -> Option<T> {
        match self.find(id) {
            Ok(i) => Some(self.0.remove(i).1),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn keeps_ids_apart_in_any_order() {
        let mut m = IdMap::default();
        for id in [5u64, 1, 9, 3, 7] {
            m.insert(id, id * 10);
        }
        assert_eq!(m.0.len(), 5);
        assert_eq!(m.get(3), Some(&30));
        assert_eq!(m.get(4), None);
        m.insert(3, 33);
        assert_eq!(m.0.len(), 5);
        *m.get_mut(9).unwrap() += 1;
        assert_eq!(m.remove(9), Some(91));
        assert_eq!(m.remove(9), None);
        assert!(!m.contains(9) && m.contains(1));
        let left: Vec<u64> = m.0.iter().map(|e| e.0).collect();
        assert_eq!(left, [1, 3, 5, 7]);
    }
}
