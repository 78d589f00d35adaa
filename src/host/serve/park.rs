//! Interrupted uploads kept for resuming, within budgets. A module's
//! `max resume size` bounds the bytes that the temporary files of its kept
//! uploads hold, and `max resume size per user` those of one user (an
//! anonymous client, or one with the shared token, counts by its address);
//! when a new one would go over, the oldest go first (their temporary files
//! removed). Each upload kept or dropped is logged, with what its module
//! then holds, for the admin.

use super::conn::OpenUpload;
use super::log::LogFile;
use super::store::Module;
use crate::host::text::escape;
use std::time::Instant;

/// `max resume size` when the configuration does not say.
pub const DEFAULT_MAX: u64 = 1 << 30;
/// `max resume size per user` when the configuration does not say.
pub const DEFAULT_MAX_PER_USER: u64 = 512 << 20;

/// The uploads kept, with when each was kept.
pub type Parked = Vec<(Instant, OpenUpload)>;

/// Keeps `open` (of module `m`) if the budgets allow, dropping the oldest
/// uploads kept as needed, and expired ones; logs what it did.
pub fn park(parked: &mut Parked, m: &Module, open: OpenUpload, log: Option<&LogFile>) {
    let max = m.policy.max_resume_size.unwrap_or(DEFAULT_MAX);
    let max_user = m
        .policy
        .max_resume_size_per_user
        .unwrap_or(DEFAULT_MAX_PER_USER);
    let bytes = open.upload.held_bytes();
    let mut gone: Vec<(OpenUpload, u64, &str)> = Vec::new();
    let mut i = 0;
    while i < parked.len() {
        if parked[i].0.elapsed() >= super::PARK_TIME {
            let o = parked.remove(i).1;
            let b = o.upload.held_bytes();
            gone.push((o, b, "expired"));
        } else {
            i += 1;
        }
    }
    let held = |p: &Parked, owner: Option<&str>| -> u64 {
        p.iter()
            .filter(|(_, o)| o.module == m.name && owner.is_none_or(|w| o.owner == w))
            .map(|(_, o)| o.upload.held_bytes())
            .sum()
    };
    // The oldest upload of this module (and of this owner), if any.
    let oldest = |p: &Parked, owner: Option<&str>| {
        p.iter()
            .position(|(_, o)| o.module == m.name && owner.is_none_or(|w| o.owner == w))
    };
    let kept = if bytes > max || bytes > max_user {
        gone.push((open, bytes, "larger than the resume budget"));
        None
    } else {
        while held(parked, None) + bytes > max {
            let Some(i) = oldest(parked, None) else { break };
            let o = parked.remove(i).1;
            let b = o.upload.held_bytes();
            gone.push((o, b, "over the module's resume budget"));
        }
        while held(parked, Some(&open.owner)) + bytes > max_user {
            let Some(i) = oldest(parked, Some(&open.owner)) else {
                break;
            };
            let o = parked.remove(i).1;
            let b = o.upload.held_bytes();
            gone.push((o, b, "over the user's resume budget"));
        }
        if parked.len() >= super::PARK_MAX {
            let o = parked.remove(0).1;
            let b = o.upload.held_bytes();
            gone.push((o, b, "too many uploads kept"));
        }
        let what = (open.module.clone(), open.path.clone(), open.owner.clone());
        parked.push((Instant::now(), open));
        Some(what)
    };
    // Dropping an upload removes its temporary file: before the figures.
    let gone: Vec<_> = gone
        .into_iter()
        .map(|(o, b, why)| {
            let what = (o.module.clone(), o.path.clone(), o.owner.clone());
            drop(o);
            (what, b, why)
        })
        .collect();
    let figures = |module: &str| -> (u64, usize) {
        let mine = parked.iter().filter(|(_, o)| o.module == module);
        (
            mine.clone().map(|(_, o)| o.upload.held_bytes()).sum(),
            mine.count(),
        )
    };
    let mut lines = Vec::new();
    for ((module, path, owner), b, why) in gone {
        let (held, n) = figures(&module);
        lines.push(format!(
            "upload dropped ({why}): module={module} path={} user={} bytes={b} held_bytes={held} held_uploads={n}",
            escape(&path),
            escape(&owner),
        ));
    }
    if let Some((module, path, owner)) = kept {
        let (held, n) = figures(&module);
        lines.push(format!(
            "upload kept for resume: module={module} path={} user={} bytes={bytes} held_bytes={held} held_uploads={n}",
            escape(&path),
            escape(&owner),
        ));
    }
    for l in lines {
        tracing::info!("{l}");
        if let Some(log) = log {
            log.line(&l);
        }
    }
}
