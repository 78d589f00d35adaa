//! `-H`: the hard-link groups' state through a run (hlink.rs acts on it).

use std::collections::{HashMap, HashSet};

/// A hard-link group's key: the source's (device, inode).
pub type Key = (u64, u64);

/// The hard-link groups' state through a run.
#[derive(Default)]
pub struct HardLinks {
    /// Each group's leader, once decided (`Engine::hl_role`).
    pub(super) leader: HashMap<Key, usize>,
    /// Each group's last member.
    pub(super) last: HashMap<Key, usize>,
    /// Each group whose leader was dealt with: Some(leader) in place,
    /// None skipped (its followers go as plain files).
    pub(super) state: HashMap<Key, Option<usize>>,
    /// Names reached before their leader was dealt with.
    pub(super) pending: HashMap<Key, Vec<usize>>,
    /// Names of a group whose way could not be made when reached.
    pub(super) way_failed: HashSet<usize>,
    /// Names reached after their leader, waiting for its data.
    pub(super) after: HashMap<Key, Vec<usize>>,
    /// Leaders whose data was received, in that order.
    pub(super) finished: Vec<usize>,
    /// Leaders whose data was received (rsync finishes those later).
    pub(super) received: HashSet<usize>,
    /// `--delay-updates`: links made once their leader is in place.
    pub(super) delayed_links: Vec<(usize, usize)>,
}
