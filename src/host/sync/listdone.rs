//! When rsync's generator tells its sender that a file list of an
//! incremental recursion is done (NDX_DONE): the sender prints a
//! `--info=progress2` line then, among the item lines of the lists that
//! follow. In a dry run this is fixed by the list's order alone: the
//! generator looks after each entry it goes through (and at the end of
//! each list's loop) whether its oldest list is still busy, which only
//! a hard-link name waiting for its group's leader makes it.

use std::collections::VecDeque;

/// A list: the directory whose contents it holds (None: the first).
type List = Option<usize>;

pub struct ListsDone {
    /// The list each item is in.
    list: Vec<List>,
    /// Lists the generator began and has not yet told done, oldest
    /// first; the last is the one it goes through.
    open: VecDeque<List>,
    /// Lists told done.
    done: Vec<List>,
}

impl ListsDone {
    /// `list`: the list each item is in (flist::list_parents).
    pub fn new(list: Vec<List>) -> ListsDone {
        ListsDone {
            list,
            open: VecDeque::from([None]),
            done: Vec::new(),
        }
    }

    /// The list item `i` is in.
    pub fn of(&self, i: usize) -> List {
        self.list.get(i).copied().flatten()
    }

    /// Item `i` is reached (`starts_list`: a directory other than the
    /// root, reached at the start of its own list, as rsync's generator
    /// looks at it there, before its contents): the list the generator
    /// goes on to, when it ended the loop of the one it went through
    /// (then it looks for lists done, `check`, before `begin`ning the
    /// next).
    pub fn next(&self, i: usize, starts_list: bool) -> Option<List> {
        let list = if starts_list { Some(i) } else { self.of(i) };
        (self.open.back() != Some(&list)).then_some(list)
    }

    /// Whether `list` was told done.
    pub fn is_done(&self, list: List) -> bool {
        self.done.contains(&list)
    }

    /// Whether `list` was among the first `n` lists told done.
    pub fn was_done(&self, list: List, n: usize) -> bool {
        self.done[..n.min(self.done.len())].contains(&list)
    }

    /// How many lists were told done.
    pub fn done_count(&self) -> usize {
        self.done.len()
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
            self.done.push(first);
            n += 1;
        }
        n
    }
}
