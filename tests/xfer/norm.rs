//! What is normalized before rsync's output and wsync's are compared:
//! only what must differ between two programs and two runs.
//!
//! - the program's name ("rsync: ..." and "wsync: ...", "rsync error:"
//!   with rsync's " at main.c(1394) [sender=3.5.0]" source position);
//! - each side's own directory (`{ROOT}`);
//! - times and rates: `--progress` lines (of which only the last update
//!   of a line is kept: rsync's intermediate ones depend on timing), the
//!   file list's generation and transfer times, bytes/sec;
//! - what counts rsync's wire protocol, which a local wsync does not
//!   speak: "sent N bytes  received M bytes", "Total bytes sent/received",
//!   "File list size", the speedup derived from them, the `%b`/`%c`
//!   out-format escapes, and the bytes "received so far" when the
//!   connection closed (rsync counts its messages' source positions);
//! - pids and the current time (`%p`, `%t`, the log file's prefix);
//! - with `--info=progress2`, the count of files left to check (see
//!   `progress2`).
//!
//! The generated out-formats put `%p`, `%t`, `%b` and `%c` between `<`
//! and `>`, so that their values are found without guessing.

/// One line of stdout or stderr, normalized. `roots`: each side's
/// absolute directory.
pub fn line(l: &str, roots: &[String]) -> String {
    let mut l = l.to_string();
    if l.contains('\r') {
        // --progress: the last update of the line.
        l = l
            .rsplit('\r')
            .find(|s| !s.trim().is_empty())
            .unwrap_or("")
            .to_string();
    }
    for r in roots {
        l = l.replace(r.as_str(), "{ROOT}");
    }
    for prog in ["rsync", "wsync"] {
        for what in [": ", " error: ", " warning: "] {
            let p = format!("{prog}{what}");
            if let Some(rest) = l.strip_prefix(&p) {
                l = format!("PROG{what}{rest}");
            }
        }
    }
    if l.starts_with("PROG error: ") || l.starts_with("PROG warning: ") {
        l = strip_source_position(&l);
    }
    l = angles(&l);
    if l.contains("to-chk=") || l.contains("ir-chk=") || l.contains("B/s ") {
        l = progress(&l);
    }
    for key in [
        "File list size: ",
        "File list generation time: ",
        "File list transfer time: ",
        "Total bytes sent: ",
        "Total bytes received: ",
    ] {
        if l.starts_with(key) {
            l = format!("{key}_");
        }
    }
    if l.starts_with("sent ") && l.contains(" bytes  received ") {
        // -v's "sent N bytes  received M bytes  R bytes/sec", and the log
        // file's "sent N bytes  received M bytes  total size T".
        let tail = l.split_once("total size").map(|(_, t)| t.to_string());
        l = match tail {
            Some(t) => format!("sent _ bytes  received _ bytes  total size{t}"),
            None => "sent _ bytes  received _ bytes  _ bytes/sec".into(),
        };
    }
    if let Some((head, tail)) = l.split_once(": connection unexpectedly closed (") {
        if let Some((_, rest)) = tail.split_once(" bytes received so far)") {
            l = format!("{head}: connection unexpectedly closed (_ bytes received so far){rest}");
        }
    }
    if let Some((head, _)) = l.split_once("  speedup is ") {
        l = format!("{head}  speedup is _");
    }
    l
}

/// "rsync error: X (code 23) at main.c(1394) [sender=3.5.0]" without
/// " at main.c(1394) [sender=3.5.0]".
fn strip_source_position(l: &str) -> String {
    if let Some(i) = l.rfind(" at ") {
        let tail = &l[i + 4..];
        if tail.ends_with(']') && tail.contains(".c(") && tail.contains(") [") {
            return l[..i].to_string();
        }
    }
    l.to_string()
}

/// `--info=progress2`'s lines as they can be compared: rsync adds an
/// update each time its sender hears the generator is done with a file
/// list (NDX_DONE), which its generator says once the receiver has
/// finished the list's files, as their timing goes. Such an update sends
/// no file: of the progress lines only those where the transfer count
/// ("xfr#N") went up are kept, their count of files left to check as
/// `_` (on a line the last update is what shows).
pub fn progress2_lines(lines: Vec<String>) -> Vec<String> {
    let mut last = 0u64;
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let xfr = l
            .split_once("(xfr#")
            .and_then(|(_, r)| r.split(',').next())
            .and_then(|n| n.parse::<u64>().ok());
        match xfr {
            Some(n) if n <= last => continue,
            Some(n) => {
                last = n;
                out.push(progress2(&l));
            }
            None => out.push(l),
        }
    }
    out
}

fn progress2(l: &str) -> String {
    let mut out = l.to_string();
    for key in ["to-chk=", "ir-chk="] {
        if let Some(i) = out.find(key) {
            let start = i + key.len();
            if let Some(j) = out[start..].find('/') {
                out.replace_range(start..start + j, "_");
            }
        }
    }
    out
}

/// `<anything>` as `<>`.
fn angles(l: &str) -> String {
    let mut out = String::with_capacity(l.len());
    let mut rest = l;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        match rest.find(['>', '<']) {
            Some(j) if rest.as_bytes()[j] == b'>' => {
                rest = &rest[j..];
            }
            _ => {}
        }
    }
    out.push_str(rest);
    out
}

/// A progress line's rate and elapsed time as `_`, its spaces as one
/// (the rate's width varies).
fn progress(l: &str) -> String {
    l.split(' ')
        .map(|w| {
            let rate = w.ends_with("B/s") && w.chars().next().is_some_and(|c| c.is_ascii_digit());
            let clock = w.len() >= 7
                && w.split(':').count() == 3
                && w.split(':')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            if rate || clock {
                "_"
            } else {
                w
            }
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A log file's lines without their "YYYY/MM/DD HH:MM:SS [PID] " prefix,
/// normalized as stdout's.
pub fn log_file(text: &str, roots: &[String]) -> Vec<String> {
    text.lines()
        .map(|l| {
            let rest = match l.split_once("] ") {
                Some((head, rest)) if head.contains(" [") => rest,
                _ => l,
            };
            line(rest, roots)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes() {
        let roots = vec!["/tmp/x/r".to_string()];
        assert_eq!(
            super::line(
                "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]",
                &roots
            ),
            "PROG error: some files/attrs were not transferred (see previous errors) (code 23)"
        );
        assert_eq!(
            super::line("rsync: [sender] link_stat \"/tmp/x/r/a\" failed", &roots),
            "PROG: [sender] link_stat \"{ROOT}/a\" failed"
        );
        assert_eq!(
            super::line("a <123> b <2020/01/01 10:00:00>", &roots),
            "a <> b <>"
        );
        assert_eq!(
            super::line(
                "\r              3 100%    0.00kB/s    0:00:00  \r              3 100%    2.93kB/s    0:00:01 (xfr#1, to-chk=3/5)",
                &roots
            ),
            "3 100% _ _ (xfr#1, to-chk=3/5)"
        );
        assert_eq!(
            super::line(
                "rsync: connection unexpectedly closed (170 bytes received so far) [sender]",
                &roots
            ),
            "PROG: connection unexpectedly closed (_ bytes received so far) [sender]"
        );
    }
}
