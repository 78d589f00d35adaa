//! rsync's `--chmod` syntax, for `wsync sync --chmod` and the server's
//! `incoming chmod` module setting:
//! comma-separated clauses, each optionally starting with `D` (directories
//! only) or `F` (files only), then either an octal mode (`F644`) or
//! `[ugoa]*[-+=][rwxXst]*` (or `[ugoa]*[-+=][ugo]`, copying a class) as
//! chmod(1) has it, ported from rsync's chmod.c. `X` adds execute only to
//! directories and to files that some class may already execute. With no
//! `ugoa`, a clause applies to everybody but the umask's bits. `=` leaves
//! the set-id bits unless `s` is given; `a+s` sets both.

/// rsync's clause operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Eq,
    /// An octal mode.
    Set,
}

/// One clause of a `--chmod` string, as rsync's `parse_chmod` makes it:
/// bits kept (`and`), bits set (`or`), bits copied from one class to
/// others (`g=u`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    dirs_only: bool,
    files_only: bool,
    op: Op,
    and: u32,
    or: u32,
    copy_src: u32,
    copy_dst: u32,
    copy_and: u32,
    /// `X`: execute bits only for directories and executables.
    x_keep: bool,
}

const CHMOD_BITS: u32 = 0o7777;

/// A parsed `--chmod` string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chmod(Vec<Clause>);

impl Chmod {
    /// Parses a `--chmod` string with no umask (the server's `incoming
    /// chmod`).
    pub fn parse(s: &str) -> Result<Chmod, String> {
        Chmod::parse_umask(s, 0)
    }

    /// Parses a `--chmod` string as rsync's `parse_chmod`: a clause that
    /// names no class (`+X`, `=r`) leaves out the bits of `umask`.
    pub fn parse_umask(s: &str, umask: u32) -> Result<Chmod, String> {
        let bad = || format!("bad chmod string {s:?}");
        let mut out = Vec::new();
        for item in s.split(',') {
            let b = item.as_bytes();
            let (mut dirs_only, mut files_only) = (false, false);
            let (mut who, mut what, mut topbits, mut topoct, mut copybits) =
                (0u32, 0u32, 0u32, 0u32, 0u32);
            let mut x_keep = false;
            let mut op: Option<Op> = None;
            let mut i = 0;
            // The first half: D/F, who, then the operator (or a number).
            while i < b.len() && op.is_none() {
                match b[i] {
                    b'D' if !files_only => dirs_only = true,
                    b'F' if !dirs_only => files_only = true,
                    b'u' => {
                        who |= 0o100;
                        topbits |= 0o4000;
                    }
                    b'g' => {
                        who |= 0o010;
                        topbits |= 0o2000;
                    }
                    b'o' => who |= 0o001,
                    b'a' => {
                        who |= 0o111;
                        topbits |= 0o6000;
                    }
                    b'+' => op = Some(Op::Add),
                    b'-' => op = Some(Op::Sub),
                    b'=' => op = Some(Op::Eq),
                    c @ b'0'..=b'7' if who == 0 => {
                        op = Some(Op::Set);
                        what = u32::from(c - b'0');
                        who = 1;
                    }
                    _ => return Err(bad()),
                }
                i += 1;
            }
            let op = op.ok_or_else(bad)?;
            // The second half: what, or an octal number's digits.
            for &c in &b[i..] {
                if op == Op::Set {
                    if !(b'0'..=b'7').contains(&c) {
                        return Err(bad());
                    }
                    what = what * 8 + u32::from(c - b'0');
                    if what > CHMOD_BITS {
                        return Err(bad());
                    }
                    continue;
                }
                if copybits != 0 {
                    return Err(bad());
                }
                match c {
                    b'r' => what |= 4,
                    b'w' => what |= 2,
                    b'X' => {
                        x_keep = true;
                        what |= 1
                    }
                    b'x' => what |= 1,
                    b's' => topoct |= if topbits != 0 { topbits } else { 0o4000 },
                    b't' => topoct |= 0o1000,
                    b'u' | b'g' | b'o' if what == 0 && topoct == 0 => {
                        copybits = match c {
                            b'u' => 0o100,
                            b'g' => 0o010,
                            _ => 0o001,
                        }
                    }
                    _ => return Err(bad()),
                }
            }
            let specified = who != 0;
            let (where_, bits) = if specified {
                (who, who * what)
            } else {
                (0o111, (0o111 * what) & !umask)
            };
            let copy_and = if specified {
                CHMOD_BITS
            } else {
                !umask & CHMOD_BITS
            };
            let special = |w: u32| {
                (if w & 0o100 != 0 { 0o4000 } else { 0 })
                    | (if w & 0o010 != 0 { 0o2000 } else { 0 })
                    | (if w & 0o001 != 0 { 0o1000 } else { 0 })
            };
            let (and, or) = match op {
                Op::Add => (CHMOD_BITS, bits + topoct),
                Op::Sub => (CHMOD_BITS - bits - topoct, 0),
                Op::Eq => (
                    CHMOD_BITS
                        - where_ * 7
                        - if topoct != 0 { topbits } else { 0 }
                        - if copybits != 0 { special(where_) } else { 0 },
                    bits + topoct,
                ),
                Op::Set => (0, bits),
            };
            out.push(Clause {
                dirs_only,
                files_only,
                op,
                and,
                or,
                copy_src: if op == Op::Set { 0 } else { copybits },
                copy_dst: if op == Op::Set { 0 } else { where_ },
                copy_and: if op == Op::Set { CHMOD_BITS } else { copy_and },
                x_keep,
            });
        }
        Ok(Chmod(out))
    }

    /// The permission bits after every clause that applies to this kind
    /// of entry (rsync's `tweak_mode`: `X` looks at the mode it was
    /// given).
    pub fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        let was_x = mode & 0o111 != 0;
        let mut mode = mode & CHMOD_BITS;
        for c in &self.0 {
            if (c.dirs_only && !is_dir) || (c.files_only && is_dir) {
                continue;
            }
            let mut copy = 0;
            if c.copy_src & 0o100 != 0 {
                copy |= (mode >> 6) & 7;
            }
            if c.copy_src & 0o010 != 0 {
                copy |= (mode >> 3) & 7;
            }
            if c.copy_src & 0o001 != 0 {
                copy |= mode & 7;
            }
            let copy = (c.copy_dst * copy) & c.copy_and;
            mode &= c.and;
            if c.x_keep && !was_x && !is_dir {
                mode |= c.or & !0o111;
            } else {
                mode |= c.or;
            }
            if c.op == Op::Sub {
                mode &= CHMOD_BITS - copy;
            } else {
                mode |= copy;
            }
        }
        mode & CHMOD_BITS
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
        // As rsync 3.5.0: '=' keeps set-id bits it does not name, a+s
        // sets both, a clause without a class leaves out the umask.
        assert_eq!(Chmod::parse("ug=rwX").unwrap().apply(0o4755, false), 0o4775);
        assert_eq!(Chmod::parse("a+s").unwrap().apply(0o755, false), 0o6755);
        assert_eq!(
            Chmod::parse("u=rwx,g=u").unwrap().apply(0o600, false),
            0o770
        );
        assert_eq!(
            Chmod::parse_umask("=rw", 0o022)
                .unwrap()
                .apply(0o777, false),
            0o644
        );
        assert_eq!(
            Chmod::parse_umask("+w", 0o022).unwrap().apply(0o444, false),
            0o644
        );
        for bad in [
            "", "u", "q+r", "u+q", "F8", "F77777", "u+r,", "u=rg", "DF+r",
        ] {
            assert!(Chmod::parse(bad).is_err(), "{bad:?}");
        }
    }
}
