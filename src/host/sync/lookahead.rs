//! When rsync's generator, with incremental recursion and `-H`, knows of
//! an I/O error the sender met while listing a directory: the error
//! comes with the end of that directory's file list, and with `-H` the
//! generator reads lists ahead before it goes through each one
//! (generate_files: `while (!flist_eof && file_total <
//! MIN_FILECNT_LOOKAHEAD/2) wait_for_receiver()`), so it may know of an
//! error of a later list before it deletes in the directories of this
//! one. Without `-H` it reads the next list only when it needs it.

/// The lists a generator holding this many entries stops reading ahead
/// at (rsync's MIN_FILECNT_LOOKAHEAD/2).
const LOOKAHEAD: usize = 500;

/// A list: the directory item whose contents it holds (None: the first).
type List = Option<usize>;

/// The item from which the generator knows of a listing error, if a
/// list has one. `parent`: the list each item is in
/// (flist::list_parents); `starts`: whether item `i` starts its own list
/// (a directory other than the root, which the generator reaches at the
/// start of its list); `errored`: whether a list had an error. The lists
/// it went through are taken as done (freed), which reads ahead the
/// most: rsync frees them as its receiver is done with their files.
pub fn io_known_from(
    parent: &[List],
    starts: impl Fn(usize) -> bool,
    errored: impl Fn(List) -> bool,
) -> Option<usize> {
    // The lists in the order sent, each with the item it starts at.
    let mut lists: Vec<(usize, List)> = vec![(0, None)];
    lists.extend(
        (0..parent.len())
            .filter(|&i| starts(i))
            .map(|i| (i, Some(i))),
    );
    let mut used: std::collections::HashMap<List, usize> = Default::default();
    for &p in parent {
        *used.entry(p).or_default() += 1;
    }
    let sizes: Vec<usize> = lists
        .iter()
        .map(|(_, l)| used.get(l).copied().unwrap_or(0))
        .collect();
    // Lists k..=received are held (`held` entries); `seen_error`: one of
    // lists ..=received had an error.
    let mut received = 0;
    let mut held = sizes[0];
    let mut seen_error = errored(lists[0].1);
    for k in 0..lists.len() {
        if k > 0 {
            held -= sizes[k - 1];
        }
        while received + 1 < lists.len() && held < LOOKAHEAD {
            received += 1;
            held += sizes[received];
            seen_error |= errored(lists[received].1);
        }
        if seen_error {
            return Some(lists[k].0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_lists_are_all_read_before_the_first() {
        // ".", a (dir), b (dir), a/x, b/y: lists first, a, b.
        let parent = [None, None, None, Some(1), Some(2)];
        let starts = |i: usize| i == 1 || i == 2;
        assert_eq!(io_known_from(&parent, starts, |l| l == Some(2)), Some(0));
        assert_eq!(io_known_from(&parent, starts, |_| false), None);
    }

    #[test]
    fn big_lists_are_read_as_far_as_the_lookahead() {
        // The first list holds 600 entries, the directory at 1 another
        // 100, the one at 2 the error: known from the list at 1.
        let mut parent = vec![None; 600];
        parent.extend(std::iter::repeat_n(Some(1), 100));
        parent.extend(std::iter::repeat_n(Some(2), 3));
        let starts = |i: usize| i == 1 || i == 2;
        assert_eq!(io_known_from(&parent, starts, |l| l == Some(2)), Some(1));
    }

    #[test]
    fn many_lists_are_read_in_one_pass() {
        // 200,000 directories, each a list of one entry, in one chain:
        // the window of 500 entries slides; the error in the last list
        // is known from the list 499 before it.
        let n = 200_000;
        let parent: Vec<List> = (0..n).map(|i| (i > 0).then(|| i - 1)).collect();
        let starts = |i: usize| i < n - 1;
        let known = io_known_from(&parent, starts, |l| l == Some(n - 2));
        assert_eq!(known, Some(n - 2 - 499));
    }
}
