//! rsync's `--chmod` syntax, for `wsync sync --chmod` and the server's
//! `incoming chmod` module setting:
//! comma-separated clauses, each optionally starting with `D` (directories
//! only) or `F` (files only), then either an octal mode (`F644`) or
//! `[ugoa]*[-+=][rwxXst]*` as chmod(1) has it. `X` adds execute only to
//! directories and to files that some class may already execute. With no
//! `ugoa`, a clause applies to everybody (rsync ignores the umask here).

/// One clause of a `--chmod` string.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    /// `Some(true)`: directories only; `Some(false)`: files only.
    dirs: Option<bool>,
    op: u8,
    /// Bits the clause may change (who).
    mask: u32,
    /// Bits it names (what), before the mask.
    bits: u32,
    /// `X`: execute bits only for directories and executables.
    x_keep: bool,
}

/// A parsed `--chmod` string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chmod(Vec<Clause>);

impl Chmod {
    pub fn parse(s: &str) -> Result<Chmod, String> {
        let mut out = Vec::new();
        for item in s.split(',') {
            let bad = || format!("bad chmod clause {item:?} in {s:?}");
            let mut rest = item.trim();
            let dirs = match rest.as_bytes().first() {
                Some(b'D') => Some(true),
                Some(b'F') => Some(false),
                _ => None,
            };
            if dirs.is_some() {
                rest = &rest[1..];
            }
            if !rest.is_empty() && rest.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                let mode = u32::from_str_radix(rest, 8).map_err(|_| bad())?;
                if mode > 0o7777 {
                    return Err(bad());
                }
                out.push(Clause {
                    dirs,
                    op: b'=',
                    mask: 0o7777,
                    bits: mode,
                    x_keep: false,
                });
                continue;
            }
            let who_len = rest
                .bytes()
                .take_while(|b| matches!(b, b'u' | b'g' | b'o' | b'a'))
                .count();
            let mut mask = 0;
            for b in rest[..who_len].bytes() {
                mask |= match b {
                    b'u' => 0o4700,
                    b'g' => 0o2070,
                    b'o' => 0o1007,
                    _ => 0o7777,
                };
            }
            if mask == 0 {
                mask = 0o7777;
            }
            let rest = &rest[who_len..];
            let op = *rest.as_bytes().first().ok_or_else(bad)?;
            if !matches!(op, b'+' | b'-' | b'=') {
                return Err(bad());
            }
            let (mut bits, mut x_keep) = (0, false);
            for b in rest[1..].bytes() {
                bits |= match b {
                    b'r' => 0o444,
                    b'w' => 0o222,
                    b'x' => 0o111,
                    b'X' => {
                        x_keep = true;
                        0o111
                    }
                    b's' => 0o6000,
                    b't' => 0o1000,
                    _ => return Err(bad()),
                };
            }
            out.push(Clause {
                dirs,
                op,
                mask,
                bits,
                x_keep,
            });
        }
        Ok(Chmod(out))
    }

    /// The mode after every clause that applies to this kind of entry
    /// (rsync's `tweak_mode`: `X` looks at the mode it was given).
    pub fn apply(&self, mut mode: u32, is_dir: bool) -> u32 {
        let was_x = mode & 0o111 != 0;
        for c in &self.0 {
            if c.dirs.is_some_and(|d| d != is_dir) {
                continue;
            }
            let mut bits = c.bits & c.mask;
            if c.x_keep && !is_dir && !was_x {
                bits &= !0o111;
            }
            mode = match c.op {
                b'+' => mode | bits,
                b'-' => mode & !bits,
                _ => (mode & !c.mask) | bits,
            };
        }
        mode & 0o7777
    }
}

#[cfg(test)]
mod tests {
    use super::Chmod;

    #[test]
    fn rsync_chmod_clauses() {
        let c = Chmod::parse("Dg+s,ug+w,Fo-w,+X").unwrap();
        assert_eq!(c.apply(0o644, false), 0o664);
        assert_eq!(c.apply(0o744, false), 0o775);
        assert_eq!(c.apply(0o755, true), 0o2775);
        assert_eq!(
            Chmod::parse("F600,D700").unwrap().apply(0o777, false),
            0o600
        );
        assert_eq!(Chmod::parse("go=r").unwrap().apply(0o777, false), 0o744);
        assert_eq!(Chmod::parse("a-x,u+x").unwrap().apply(0o755, false), 0o744);
        // X: whether the file was executable before any clause.
        assert_eq!(Chmod::parse("a-x,a+X").unwrap().apply(0o744, false), 0o755);
        assert_eq!(Chmod::parse("a+X").unwrap().apply(0o644, false), 0o644);
        assert_eq!(Chmod::parse("o=").unwrap().apply(0o666, false), 0o660);
        for bad in ["", "u", "q+r", "u+q", "F8", "F77777", "u+r,"] {
            assert!(Chmod::parse(bad).is_err(), "{bad:?}");
        }
    }
}
