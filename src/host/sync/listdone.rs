//! When rsync's generator tells its sender that a file list of an
//! incremental recursion is done (NDX_DONE): the sender prints a
//! `--info=progress2` line then, among the item lines of the lists that
//! follow. In a dry run this is fixed by the list's order alone: the
//! generator looks after each entry it goes through (and at the end of
//! each list's loop) whether its oldest list is still busy, which only
//! a hard-link name waiting for its group's leader makes it.

use super::flist::{list_parents, Item};
use std::collections::VecDeque;

/// A list: the directory whose contents it holds (None: the first).
type List = Option<usize>;

pub struct ListsDone {
    /// The list each item is in.
    list: Vec<List>,
    /// Lists the generator began and has not yet told done, oldest
    /// first; the last is the one it goes through.
    open: VecDeque<List>,
}

impl ListsDone {
    pub fn new(items: &[Item]) -> ListsDone {
        ListsDone {
            list: list_parents(items),
            open: VecDeque::from([None]),
        }
    }

    /// The list item `i` is in.
    pub fn of(&self, i: usize) -> List {
        self.list.get(i).copied().flatten()
    }

    /// Whether item `i` is a directory reached at the start of its own
    /// list (rsync's generator looks at it there, before its contents,
    /// and looks for lists done only after the entries of a list's loop).
    pub fn starts_list(items: &[Item], i: usize) -> bool {
        items[i].is_dir() && !items[i].path.is_empty()
    }

    /// Item `i` is reached: the list the generator goes on to, when it
    /// ended the loop of the one it went through (then it looks for lists
    /// done, `check`, before `begin`ning the next).
    pub fn next(&self, items: &[Item], i: usize) -> Option<List> {
        let list = if Self::starts_list(items, i) {
            Some(i)
        } else {
            self.of(i)
        };
        (self.open.back() != Some(&list)).then_some(list)
    }

    pub fn begin(&mut self, list: List) {
        self.open.push_back(list);
    }

    /// rsync's check_for_finished_files: how many of the oldest lists,
    /// each before the one gone through and not `busy`, are told done.
    pub fn check(&mut self, busy: impl Fn(List) -> bool) -> usize {
        let mut n = 0;
        while self.open.len() > 1 {
            let first = self.open[0];
            if busy(first) {
                break;
            }
            self.open.pop_front();
            n += 1;
        }
        n
    }
}
