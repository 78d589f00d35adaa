//! `wsync serve --config FILE`: rsyncd.conf syntax. Global settings come
//! first; `[name]` starts a module; `key = value` lines; `#` and `;` start
//! comment lines; a line ending in `\` continues on the next. Keys are case-
//! and space-insensitive ("read only" = "readonly"). A key this build does
//! not know, or does not enforce yet, is an error naming the line: a
//! security setting must never be silently ignored.

use super::super::{exit, Failure};
use super::links::Links;
use crate::filter::{Filters, ModuleRule, Origin};
use crate::host::chmod::Chmod;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleConfig {
    pub name: String,
    pub path: PathBuf,
    pub comment: String,
    pub read_only: bool,
    pub write_only: bool,
    pub list: bool,
    pub auth_users: Vec<String>,
    pub secrets_file: Option<PathBuf>,
    pub hosts_allow: Vec<String>,
    pub hosts_deny: Vec<String>,
    pub max_file_size: Option<u64>,
    /// `filter`, `include`, `exclude`, in the order rsync reads them.
    pub rules: Vec<(ModuleRule, Origin)>,
    /// `dont compress`: globs of names whose literals are not deflated.
    pub dont_compress: Vec<String>,
    pub transfer_logging: bool,
    pub log_format: Option<String>,
    pub incoming_chmod: Option<Chmod>,
    /// Sessions using this module at once.
    pub max_connections: Option<usize>,
    /// Seconds a session that used this module may stay idle.
    pub timeout: Option<u64>,
    /// `max resume size`: bytes that interrupted uploads kept for resuming
    /// may hold in this module's temporary files (default 1 GiB).
    pub max_resume_size: Option<u64>,
    /// `max resume size per user`: the same, for one user (an anonymous
    /// client counts by its address; default 512 MiB).
    pub max_resume_size_per_user: Option<u64>,
    /// `munge symlinks`: how uploaded symlink values are stored.
    pub symlinks: Links,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub port: Option<u16>,
    pub address: Option<String>,
    pub motd_file: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub max_connections: Option<usize>,
    pub timeout: Option<u64>,
    pub origins: Vec<String>,
    pub token: Option<String>,
    /// Connections in their handshake at once.
    pub max_handshakes: Option<usize>,
    /// Sockets open at once.
    pub max_sockets: Option<usize>,
    /// Bytes of download signatures held at once, by all sessions.
    pub memory_budget: Option<u64>,
    /// Bytes of download signatures one session holds at once.
    pub session_memory: Option<u64>,
    pub modules: Vec<ModuleConfig>,
}

/// Settings as read: normalized key -> (value, line index).
type Settings = HashMap<String, (String, usize)>;

fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn boolean(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => Some(true),
        "no" | "false" | "0" | "off" => Some(false),
        _ => None,
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn size(v: &str) -> Option<u64> {
    crate::host::text::num::size(v).ok()
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, Failure> {
        let name = path.display().to_string();
        let text = super::regular::read_regular(path, "config file", false)?;
        Config::parse(&text, &name)
    }

    pub fn parse(text: &str, file: &str) -> Result<Config, Failure> {
        let mut cfg = Config::default();
        // Global values of module settings are the modules' defaults.
        let mut defaults: Settings = HashMap::new();
        let mut current: Option<(ModuleConfig, Settings)> = None;
        let mut lines = text.lines().enumerate();
        let err =
            |n: usize, msg: String| Failure::new(exit::CONFIG, format!("{file}:{}: {msg}", n + 1));
        while let Some((n, raw)) = lines.next() {
            let mut line = raw.trim().to_string();
            while line.ends_with('\\') {
                line.pop();
                match lines.next() {
                    Some((_, more)) => line.push_str(more.trim()),
                    None => break,
                }
            }
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']').map(str::trim) else {
                    return Err(err(n, format!("bad section header {line:?}")));
                };
                if name.is_empty() || name.contains('/') {
                    return Err(err(n, format!("bad module name {name:?}")));
                }
                if let Some((m, keys)) = current.take() {
                    cfg.modules.push(finish(m, keys, &defaults, file)?);
                }
                if cfg.modules.iter().any(|m| m.name == name) {
                    return Err(err(n, format!("module [{name}] defined twice")));
                }
                current = Some((
                    ModuleConfig {
                        name: name.into(),
                        list: true,
                        read_only: true,
                        ..Default::default()
                    },
                    HashMap::new(),
                ));
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(err(n, format!("expected `key = value`, found {line:?}")));
            };
            let (key, value) = (norm(k), v.trim().to_string());
            let global_only = [
                "port",
                "address",
                "motdfile",
                "logfile",
                "origins",
                "token",
                "maxhandshakes",
                "maxsockets",
                "memorybudget",
                "sessionmemory",
            ];
            // Server-wide in the global section, per module in a module's.
            let both = ["maxconnections", "timeout"];
            let module_keys = [
                "path",
                "comment",
                "readonly",
                "writeonly",
                "list",
                "authusers",
                "secretsfile",
                "hostsallow",
                "hostsdeny",
                "maxfilesize",
                "exclude",
                "include",
                "filter",
                "dontcompress",
                "transferlogging",
                "logformat",
                "incomingchmod",
                "maxresumesize",
                "maxresumesizeperuser",
                "mungesymlinks",
            ];
            let not_yet = ["usechroot", "uid", "gid"];
            if not_yet.contains(&key.as_str()) {
                return Err(err(
                    n,
                    format!("`{}` is not supported by this version yet", k.trim()),
                ));
            }
            let bad = || err(n, format!("bad value {value:?} for `{}`", k.trim()));
            match &mut current {
                Some((_, keys))
                    if module_keys.contains(&key.as_str()) || both.contains(&key.as_str()) =>
                {
                    keys.insert(key, (value, n));
                }
                None if module_keys.contains(&key.as_str()) => {
                    defaults.insert(key, (value, n));
                }
                None if global_only.contains(&key.as_str()) || both.contains(&key.as_str()) => {
                    match key.as_str() {
                        "port" => cfg.port = Some(value.parse().map_err(|_| bad())?),
                        "address" => cfg.address = Some(value.clone()),
                        "motdfile" => cfg.motd_file = Some(value.clone().into()),
                        "logfile" => cfg.log_file = Some(value.clone().into()),
                        "origins" => cfg.origins = list(&value),
                        "token" => cfg.token = Some(value.clone()),
                        "maxconnections" => {
                            cfg.max_connections = Some(value.parse().map_err(|_| bad())?)
                        }
                        "timeout" => cfg.timeout = Some(value.parse().map_err(|_| bad())?),
                        "maxhandshakes" => {
                            cfg.max_handshakes = Some(value.parse().map_err(|_| bad())?)
                        }
                        "maxsockets" => cfg.max_sockets = Some(value.parse().map_err(|_| bad())?),
                        "memorybudget" => cfg.memory_budget = Some(size(&value).ok_or_else(bad)?),
                        "sessionmemory" => cfg.session_memory = Some(size(&value).ok_or_else(bad)?),
                        _ => unreachable!("global_only and both list these keys"),
                    }
                }
                Some(_) if global_only.contains(&key.as_str()) => {
                    return Err(err(
                        n,
                        format!(
                            "`{}` is a global setting: put it before the first module",
                            k.trim()
                        ),
                    ));
                }
                _ => return Err(err(n, format!("unknown setting `{}`", k.trim()))),
            }
        }
        if let Some((m, keys)) = current.take() {
            cfg.modules.push(finish(m, keys, &defaults, file)?);
        }
        if cfg.modules.is_empty() {
            return Err(Failure::new(
                exit::CONFIG,
                format!("{file}: no modules defined"),
            ));
        }
        Ok(cfg)
    }
}

fn finish(
    mut m: ModuleConfig,
    keys: Settings,
    defaults: &Settings,
    file: &str,
) -> Result<ModuleConfig, Failure> {
    let mut all = defaults.clone();
    all.extend(keys);
    for (key, (value, n)) in &all {
        let n = *n;
        let bad = || {
            Failure::new(
                exit::CONFIG,
                format!("{file}:{}: bad value {value:?} for `{key}`", n + 1),
            )
        };
        match key.as_str() {
            "path" => m.path = value.clone().into(),
            "comment" => m.comment = value.clone(),
            "readonly" => m.read_only = boolean(value).ok_or_else(bad)?,
            "writeonly" => m.write_only = boolean(value).ok_or_else(bad)?,
            "list" => m.list = boolean(value).ok_or_else(bad)?,
            "authusers" => m.auth_users = list(value),
            "secretsfile" => m.secrets_file = Some(value.clone().into()),
            "hostsallow" => m.hosts_allow = list(value),
            "hostsdeny" => m.hosts_deny = list(value),
            "maxfilesize" => m.max_file_size = Some(size(value).ok_or_else(bad)?),
            "filter" | "include" | "exclude" => {}
            "dontcompress" => m.dont_compress = list(value),
            "transferlogging" => m.transfer_logging = boolean(value).ok_or_else(bad)?,
            "logformat" => {
                super::log::check_format(value)
                    .map_err(|e| Failure::new(exit::CONFIG, format!("{file}:{}: {e}", n + 1)))?;
                m.log_format = Some(value.clone());
            }
            "incomingchmod" => {
                let c = Chmod::parse(value)
                    .map_err(|e| Failure::new(exit::CONFIG, format!("{file}:{}: {e}", n + 1)))?;
                m.incoming_chmod = Some(c);
            }
            "maxconnections" => m.max_connections = Some(value.parse().map_err(|_| bad())?),
            "timeout" => m.timeout = Some(value.parse().map_err(|_| bad())?),
            "maxresumesize" => m.max_resume_size = Some(size(value).ok_or_else(bad)?),
            "maxresumesizeperuser" => {
                m.max_resume_size_per_user = Some(size(value).ok_or_else(bad)?)
            }
            "mungesymlinks" => {
                m.symlinks = match boolean(value).ok_or_else(bad)? {
                    true => Links::Munge,
                    false => Links::Sanitize,
                }
            }
            _ => unreachable!("only module keys are collected"),
        }
    }
    // rsync reads a module's rules in this order.
    for (key, make) in [
        ("filter", ModuleRule::Filter as fn(Vec<u8>) -> ModuleRule),
        ("include", ModuleRule::Include),
        ("exclude", ModuleRule::Exclude),
    ] {
        if let Some((value, n)) = all.get(key) {
            let origin = Origin::File {
                path: file.into(),
                line: n + 1,
            };
            m.rules.push((make(value.as_bytes().to_vec()), origin));
        }
    }
    Filters::parse_module(&m.rules)
        .map_err(|e| Failure::new(exit::CONFIG, format!("module [{}]: {e}", m.name)))?;
    if m.path.as_os_str().is_empty() {
        return Err(Failure::new(
            exit::CONFIG,
            format!("{file}: module [{}] has no path", m.name),
        ));
    }
    if !m.auth_users.is_empty() && m.secrets_file.is_none() {
        return Err(Failure::new(
            exit::CONFIG,
            format!(
                "{file}: module [{}] has auth users but no secrets file",
                m.name
            ),
        ));
    }
    Ok(m)
}

/// Reads a secrets file (`user:password` lines), refusing one that is a
/// symlink or that others can read, as rsync does with strict modes.
pub fn read_secrets(path: &Path) -> Result<HashMap<String, Vec<u8>>, Failure> {
    use std::os::unix::fs::PermissionsExt;
    let name = path.display().to_string();
    let meta = std::fs::symlink_metadata(path).map_err(|e| Failure::io(&name, e))?;
    if meta.file_type().is_symlink() {
        return Err(Failure::new(
            exit::CONFIG,
            format!("secrets file {name} is a symlink: refusing it"),
        ));
    }
    if meta.permissions().mode() & 0o007 != 0 {
        return Err(Failure::new(
            exit::CONFIG,
            format!("secrets file {name} must not be accessible to others (chmod o-rwx)"),
        ));
    }
    let text = super::regular::read_regular(path, "secrets file", true)?;
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((user, pass)) = line.split_once(':') {
            out.insert(user.to_string(), pass.as_bytes().to_vec());
        }
    }
    Ok(out)
}

/// Whether `ip` matches a `hosts allow`/`hosts deny` pattern: `*`, an
/// address, or address/prefix. Host names are not resolved here, so they
/// match nothing; a deny list holding one refuses everybody (fail closed).
pub fn host_matches(pattern: &str, ip: IpAddr) -> bool {
    if pattern == "*" {
        return true;
    }
    let (addr, bits) = match pattern.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (pattern, None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let b = bits.unwrap_or(32).min(32);
            let mask = if b == 0 { 0 } else { u32::MAX << (32 - b) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let b = bits.unwrap_or(128).min(128);
            let mask = if b == 0 { 0 } else { u128::MAX << (128 - b) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// rsync's rule: allowed if it matches `hosts allow` (or that list is
/// empty) and does not match `hosts deny`. A deny list with a name that
/// cannot be checked here denies.
pub fn host_allowed(m: &ModuleConfig, ip: IpAddr) -> bool {
    let allow = m.hosts_allow.is_empty() || m.hosts_allow.iter().any(|p| host_matches(p, ip));
    let unresolvable_deny = m.hosts_deny.iter().any(|p| {
        p != "*"
            && p.split('/')
                .next()
                .is_some_and(|a| a.parse::<IpAddr>().is_err())
    });
    allow && !unresolvable_deny && !m.hosts_deny.iter().any(|p| host_matches(p, ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
# global
port = 8730
read only = no
[photos]
    path = /srv/photos
    comment = Family \\
      photos
    auth users = ann, bob
    secrets file = /etc/wsync.secrets
    hosts allow = 10.0.0.0/8 127.0.0.1
[public]
path=/srv/pub
read only = yes
list = no
max file size = 10M
exclude = *.tmp
filter = - /private/
include = keep.tmp
dont compress = *.gz *.zip
transfer logging = yes
log format = %o %f %l
incoming chmod = Fgo-w
max connections = 2
timeout = 7
max resume size = 64M
max resume size per user = 0
munge symlinks = no
";

    #[test]
    fn parses_modules_and_defaults() {
        let c = Config::parse(SAMPLE, "t.conf").unwrap();
        assert_eq!(c.port, Some(8730));
        assert_eq!(c.modules.len(), 2);
        let p = &c.modules[0];
        assert_eq!(p.name, "photos");
        assert_eq!(p.comment, "Family photos");
        assert!(!p.read_only);
        assert_eq!(p.auth_users, ["ann", "bob"]);
        assert!(c.modules[1].read_only && !c.modules[1].list);
        let m = &c.modules[1];
        assert_eq!(m.max_file_size, Some(10 << 20));
        let kinds: Vec<_> = m.rules.iter().map(|r| r.0.clone()).collect();
        assert_eq!(
            kinds,
            [
                ModuleRule::Filter(b"- /private/".to_vec()),
                ModuleRule::Include(b"keep.tmp".to_vec()),
                ModuleRule::Exclude(b"*.tmp".to_vec()),
            ]
        );
        assert_eq!(
            m.rules[2].1,
            Origin::File {
                path: "t.conf".into(),
                line: 17
            }
        );
        assert_eq!(m.dont_compress, ["*.gz", "*.zip"]);
        assert!(m.transfer_logging && !p.transfer_logging);
        assert_eq!(m.log_format.as_deref(), Some("%o %f %l"));
        assert_eq!(
            m.incoming_chmod.as_ref().unwrap().apply(0o666, false),
            0o644
        );
        assert_eq!((m.max_connections, m.timeout), (Some(2), Some(7)));
        assert_eq!((c.max_connections, c.timeout), (None, None));
        assert_eq!(
            (m.max_resume_size, m.max_resume_size_per_user),
            (Some(64 << 20), Some(0))
        );
        assert_eq!(p.max_resume_size, None);
        // rsync's default without chroot: munged.
        assert_eq!((p.symlinks, m.symlinks), (Links::Munge, Links::Sanitize));
    }

    #[test]
    fn errors_name_the_line() {
        for (text, want) in [
            (
                "[m]\npath = /x\nfrobnicate = 1\n",
                "t.conf:3: unknown setting `frobnicate`",
            ),
            ("[m]\npath = /x\nread only = maybe\n", "t.conf:3: bad value"),
            (
                "[m]\npath = /x\nuse chroot = yes\n",
                "t.conf:3: `use chroot` is not supported",
            ),
            (
                "[m]\npath = /x\nincoming chmod = u+q\n",
                "t.conf:3: bad chmod",
            ),
            (
                "[m]\npath = /x\nlog format = %o %Q\n",
                "t.conf:3: unknown escape %Q",
            ),
            ("[m]\npath = /x\nfilter = - [ab\n", "t.conf:3"),
            ("[m]\npath = /x\nfilter = : .rules\n", "t.conf:3"),
            (
                "[m]\npath = /x\nmax connections = -1\n",
                "t.conf:3: bad value",
            ),
            (
                "[m]\npath = /x\ntransfer logging = maybe\n",
                "t.conf:3: bad value",
            ),
            (
                "[m]\npath = /x\nmax resume size = lots\n",
                "t.conf:3: bad value",
            ),
            (
                "[m]\npath = /x\nmunge symlinks = perhaps\n",
                "t.conf:3: bad value",
            ),
            (
                "[m]\npath = /x\nport = 1\n",
                "t.conf:3: `port` is a global setting",
            ),
            ("[m\n", "t.conf:1: bad section header"),
            ("port = x\n[m]\npath=/x\n", "t.conf:1: bad value"),
            (
                "[m]\nauth users = a\npath=/x\n",
                "auth users but no secrets file",
            ),
            ("port = 1\n", "no modules"),
            ("[m]\ncomment = c\n", "has no path"),
        ] {
            let e = Config::parse(text, "t.conf").unwrap_err();
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            assert_eq!(e.code, exit::CONFIG);
        }
    }

    #[test]
    fn hosts_allow_and_deny() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut m = ModuleConfig {
            hosts_allow: list("10.0.0.0/8, 127.0.0.1"),
            ..Default::default()
        };
        assert!(host_allowed(&m, ip("10.1.2.3")));
        assert!(host_allowed(&m, ip("127.0.0.1")));
        assert!(!host_allowed(&m, ip("192.168.0.1")));
        m.hosts_deny = list("10.9.0.0/16");
        assert!(!host_allowed(&m, ip("10.9.1.1")));
        m.hosts_deny = list("badhost.invalid");
        assert!(
            !host_allowed(&m, ip("10.1.2.3")),
            "an unresolvable deny name must deny"
        );
        assert!(host_matches("::1", ip("::1")));
        assert!(!host_matches("::1/128", ip("127.0.0.1")));
    }

    #[test]
    fn secrets_files_must_be_private_and_not_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("secrets");
        std::fs::write(&f, "ann:pw\n# comment\nbob:x:y\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o604)).unwrap();
        assert!(read_secrets(&f)
            .unwrap_err()
            .message
            .contains("must not be accessible"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = read_secrets(&f).unwrap();
        assert_eq!(s["ann"], b"pw");
        assert_eq!(s["bob"], b"x:y");
        let l = dir.path().join("link");
        std::os::unix::fs::symlink(&f, &l).unwrap();
        assert!(read_secrets(&l).unwrap_err().message.contains("symlink"));
    }
}
