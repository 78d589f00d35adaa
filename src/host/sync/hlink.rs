//! `-H`: files sharing an inode in the source share one in the
//! destination. As rsync does: one member of each group is transferred
//! (the first whose destination exists when it is reached, else the
//! last), and the others are hard-linked to it and itemized
//! `hf ... => LEADER`.

use super::args::AltDest;
use super::engine::Engine;
use super::flist::Kind;
use super::hlinks::Key;
use super::itemize::{LOCAL_CHANGE, XNAME_FOLLOWS};
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

impl Engine<'_> {
    fn hl_key(&self, i: usize) -> Option<Key> {
        let it = &self.sent.items[i];
        (self.a.hard_links && it.kind == Kind::File && it.nlink > 1).then_some((it.dev, it.ino))
    }

    /// Notes each group's last member (groups of one are no group).
    pub(super) fn plan_hard_links(&mut self) {
        if !self.a.hard_links {
            return;
        }
        let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
        for i in 0..self.sent.items.len() {
            if let Some(k) = self.hl_key(i) {
                groups.entry(k).or_default().push(i);
            }
        }
        for (k, members) in groups {
            if members.len() >= 2 {
                self.hl.last.insert(k, members[members.len() - 1]);
            }
        }
    }

    /// Some(true): a group's leader; Some(false): a follower. The leader
    /// is decided when rsync's generator would: the first member reached
    /// with something to update (a regular file at its destination, or an
    /// alt-dest basis), else the last.
    pub(super) fn hl_role(&mut self, i: usize) -> Option<bool> {
        let k = self.hl_key(i)?;
        let last = *self.hl.last.get(&k)?;
        if let Some(&l) = self.hl.leader.get(&k) {
            return Some(l == i);
        }
        let it = self.item(i);
        let dpath = self.dst_path(it);
        let leads = i == last
            || self.seen_at(i, &dpath).is_some_and(|md| md.is_file())
            || self.alt_match(it).is_some()
            || self.basis_elsewhere(it, &dpath);
        if leads {
            self.hl.leader.insert(k, i);
        }
        Some(leads)
    }

    /// A basis rsync's generator finds for a name not at its destination:
    /// one in --partial-dir, else a -y fuzzy match (then it goes on with
    /// the name instead of waiting for the group's last).
    fn basis_elsewhere(&mut self, it: &super::flist::Item, dpath: &Path) -> bool {
        let partial = self.partial_path(dpath);
        partial.is_some_and(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
            || self.fuzzy_basis(it, dpath).is_some()
    }

    pub(super) fn hl_follower(&mut self, i: usize) {
        let Some(k) = self.hl_key(i) else { return };
        match self.hl.state.get(&k).copied() {
            // A leader rsync's receiver got the data of: its generator
            // links the names when it hears the file is done (after the
            // list, in a run this small), this one after those that came
            // after the leader before it.
            Some(Some(leader)) if self.hl.received.contains(&leader) => {
                self.hl.after.entry(k).or_default().push(i)
            }
            // A leader done before this name is reached, one rsync's
            // generator did not send: linked now.
            Some(Some(leader)) => self.link_to(i, leader, true),
            Some(None) => self.plain_file(i),
            None => {
                // The leader is still to come: rsync's generator handles
                // this name as a file of its own first, so what stands
                // there makes way now, and the link made later is new.
                if !self.follower_makes_way(i) {
                    return;
                }
                self.hl.pending.entry(k).or_default().push(i);
            }
        }
    }

    /// rsync's recv_generator for a follower visited before its leader:
    /// -u and the size limits skip it; a non-file there is removed.
    /// False when the follower is dropped. One whose way could not be
    /// made stays in the group: rsync's `finish_hard_link` tries to link
    /// it too (making way again, with the same messages), as long as its
    /// file list is still there (`finish_links`).
    fn follower_makes_way(&mut self, i: usize) -> bool {
        let it = &self.sent.items[i];
        let a = self.a;
        if a.max_size.is_some_and(|m| it.size > m) || a.min_size.is_some_and(|m| it.size < m) {
            return false;
        }
        let dpath = self.dst_path(it);
        let Some(md) = self.seen_at(i, &dpath) else {
            return true;
        };
        if super::timewin::update_skips(a, it, &md) {
            return false;
        }
        if !md.is_file() && !self.remove_for_replace(&dpath, &md, Kind::File) {
            self.hl.way_failed.insert(i);
        }
        true
    }

    fn plain_file(&mut self, i: usize) {
        let it = &self.sent.items[i];
        let dpath = self.dst_path(it);
        let st = self.seen_at(i, &dpath);
        self.file(i, &dpath, st);
    }

    /// The leader is in place: link the followers that waited for it.
    pub(super) fn hl_done(&mut self, i: usize) {
        if self.hl_role(i) != Some(true) {
            return;
        }
        let k = self.hl_key(i).expect("a leader has a key");
        self.hl.state.insert(k, Some(i));
        if self.hl.received.contains(&i) {
            // Linked once rsync's generator hears the data is in.
            self.hl.finished.push(i);
            return;
        }
        self.finish_links(i);
    }

    /// rsync's `finish_hard_link` for leader `i`: the names that came
    /// after it (in list order), then those before it, newest first
    /// (its F_HL_PREV chain).
    fn finish_links(&mut self, i: usize) {
        let k = self.hl_key(i).expect("a leader has a key");
        let after = self.hl.after.remove(&k).unwrap_or_default();
        let mut before = self.hl.pending.remove(&k).unwrap_or_default();
        if self.inc {
            // With incremental recursion the generator has freed the list
            // of another directory by then: rsync's check_prior finds no
            // prior name there, and a name that could not be put in
            // place is not tried again.
            let dir = parent(&self.sent.items[i].path).to_vec();
            before.retain(|&f| {
                !self.hl.way_failed.contains(&f) || parent(&self.sent.items[f].path) == dir
            });
        }
        for f in after.into_iter().chain(before.into_iter().rev()) {
            self.link_to(f, i, false);
        }
    }

    /// The links to leaders whose data was received, in the order they
    /// were: rsync's generator makes them when it hears of each file,
    /// which in a local run is after it went through the list.
    /// With `--remove-source-files` the generator passes on each file's
    /// success as it hears of it, a leader's before the names it links
    /// then (`relay`).
    pub(super) fn finish_received_links(&mut self) {
        for i in std::mem::take(&mut self.hl.finished) {
            if !self.a.delay_updates {
                self.relay(Some(i));
            }
            self.finish_links(i);
        }
    }

    /// The leader matched a `--compare-dest` file exactly and is not made
    /// there: rsync's generator leaves the group unfinished (try_dests_reg
    /// calls finish_hard_link for --link-dest and --copy-dest, and for a
    /// --compare-dest match it copied, one whose attributes differ), so its
    /// next name is processed as a file of its own (hard_link_check
    /// finds the name before it neither done nor sent: "looking for a
    /// leader") and a leader is chosen again. The name stays in the
    /// group's chain (F_HL_PREV): without incremental recursion the name
    /// that finishes the group later links it and the names that waited
    /// before it (`hf NAME => LEADER`), and when no later name does, those
    /// that waited are never made. With incremental recursion rsync links
    /// it only when its file list is still there by then, and then it
    /// fails ("File-list index ... not in", or its generator waits
    /// forever: docs/RSYNC.md); once the list is freed the later names
    /// take it as skipped ("virtual first"), as wsync does. Names that
    /// waited before it (their list held, so rsync fails) go as plain
    /// files.
    pub(super) fn hl_unlead(&mut self, i: usize) {
        if self.hl_role(i) != Some(true) {
            return;
        }
        let k = self.hl_key(i).expect("a leader has a key");
        self.hl.leader.remove(&k);
        if !self.inc {
            self.hl.pending.entry(k).or_default().push(i);
            return;
        }
        for f in self.hl.pending.remove(&k).unwrap_or_default() {
            self.plain_file(f);
        }
    }

    /// The leader was skipped: the followers are sent as plain files.
    pub(super) fn hl_skipped(&mut self, i: usize) {
        if self.hl_role(i) != Some(true) {
            return;
        }
        let k = self.hl_key(i).expect("a leader has a key");
        self.hl.state.insert(k, None);
        for f in self.hl.pending.remove(&k).unwrap_or_default() {
            self.plain_file(f);
        }
    }

    /// A name rsync's generator passes over (handle_skipped_hlink: below a
    /// directory it skips, --existing, --ignore-existing, -u, --append
    /// with the destination as long): it leaves the group, which goes on
    /// without it (skip_hard_link flags it FLAG_SKIP_HLINK, and
    /// check_prior steps over it: the next name reached is taken as the
    /// first, "virtual first"). The names that waited stay waiting for
    /// the group's leader, chosen again as the next names are reached;
    /// when the name was the group's last, the newest of those becomes
    /// the last and is gone through again now (as its leader).
    pub(super) fn hl_dropped(&mut self, i: usize) {
        if self.hl_role(i) != Some(true) {
            return;
        }
        let k = self.hl_key(i).expect("a leader has a key");
        self.hl.leader.remove(&k);
        if self.hl.last.get(&k) != Some(&i) {
            return;
        }
        let Some(p) = self.hl.pending.get_mut(&k).and_then(|v| v.pop()) else {
            return;
        };
        self.hl.last.insert(k, p);
        self.hl.leader.insert(k, p);
        self.plain_file(p);
    }

    /// Links follower `i` to `leader`; `alt`: the follower may be
    /// itemized against an alt-dest entry (rsync's `hard_link_check`).
    pub(super) fn link_to(&mut self, i: usize, leader: usize, alt: bool) {
        if self.a.delay_updates && !self.a.dry_run && !self.delayed.is_empty() {
            let lpath = self.dst_path(&self.sent.items[leader]);
            if self.delayed.iter().any(|(_, d)| *d == lpath) {
                self.hl.delayed_links.push((i, leader));
                return;
            }
        }
        let it = &self.sent.items[i];
        let lit = &self.sent.items[leader];
        let dpath = self.dst_path(it);
        let lpath = self.dst_path(lit);
        // Reached in the pass (`alt`), the name is as rsync's
        // recv_generator stat it (nothing in a dry run's missing
        // directory); linked after the leader, as finish_hard_link's
        // link_stat finds it.
        let st = if alt {
            self.seen_at(i, &dpath)
        } else {
            fs::symlink_metadata(&dpath).ok()
        };
        if let (Some(md), Ok(lmd)) = (&st, fs::symlink_metadata(&lpath)) {
            if md.dev() == lmd.dev() && md.ino() == lmd.ino() {
                // Already linked: rsync's maybe_hard_link itemizes it as a
                // local change with an (empty) name following, seen by -ii.
                let iflags = self.flags_no_xname(it, &dpath, md, LOCAL_CHANGE | XNAME_FOLLOWS);
                self.report(i, iflags, None, 0);
                self.sent_ok(i);
                return;
            }
        }
        if let Some(md) = &st {
            if !self.remove_for_replace(&dpath, md, Kind::File) {
                return;
            }
        }
        if !self.a.dry_run {
            if let Err(e) = fs::hard_link(&lpath, &dpath) {
                self.error(&format!(
                    "rsync: [receiver] link \"{}\" => {} failed: {}",
                    dpath.display(),
                    super::flist::show(&lit.path),
                    super::os_error(&e)
                ));
                return;
            }
        }
        let mut cmp = st.map(|md| (dpath.clone(), md));
        if cmp.is_none() && alt {
            match self.follower_alt(i, &lpath) {
                Some((_, _, true)) => {
                    self.sent_ok(i);
                    return;
                }
                Some((p, md, false)) => cmp = Some((p, md)),
                None => {}
            }
        }
        let cmp = cmp.as_ref().map(|(p, md)| (p.as_path(), md));
        // With -A, a link that replaced a directory is itemized with the
        // directory's stat, as rsync's maybe_hard_link does: its default
        // ACL read fails there (acls::differ).
        let iflags = self.flags(it, cmp, LOCAL_CHANGE | XNAME_FOLLOWS);
        // That error comes before the item (rsync's itemize reads the
        // ACL first), here too when the leader's transfer is what
        // finished the group, after the generator's pass over the list.
        self.drain_meta_errors();
        let target = lit.path.clone();
        self.report(i, iflags, Some(&target), 0);
        // rsync's generator reports each name it links done.
        self.sent_ok(i);
    }

    /// rsync's `hard_link_check` for a follower new here, its leader done
    /// before it was reached: an alt-dest
    /// entry it is itemized against. Under --link-dest that is one
    /// already linked to the leader, and then nothing is itemized but
    /// for -ii (the bool: quiet); else the first that passes the quick
    /// check, one with the same attributes before others.
    fn follower_alt(&self, i: usize, lpath: &Path) -> Option<(PathBuf, fs::Metadata, bool)> {
        if self.alt_roots.is_empty() {
            return None;
        }
        let it = &self.sent.items[i];
        if self.a.alt_dest == Some(AltDest::Link) {
            let lmd = fs::symlink_metadata(lpath).ok()?;
            let has_i = self.log.has_i;
            let quiet = !(has_i > 1 || has_i > 0 && self.log.name >= 2);
            return self.alt_roots.iter().find_map(|root| {
                let p = self.alt_path(root, it);
                let md = fs::symlink_metadata(&p).ok()?;
                (md.dev() == lmd.dev() && md.ino() == lmd.ino()).then_some((p, md, quiet))
            });
        }
        let (p, md, level) = self.alt_match(it)?;
        (level >= 2).then_some((p, md, false))
    }
}

/// The directory part of a list path ("" at the top).
fn parent(p: &[u8]) -> &[u8] {
    p.iter()
        .rposition(|&b| b == b'/')
        .map_or(&p[..0], |k| &p[..k])
}
