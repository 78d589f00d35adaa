//! Which arguments of `wsync sync` name a remote side, and where it is:
//! `HOST::MODULE/PATH`, `wsync://HOST[:PORT]/MODULE/PATH` (or rsync://),
//! `ws[s]://HOST[:PORT]/MODULE/PATH` (a daemon, over WebSocket), or
//! `[USER@]HOST:PATH` (a remote shell running `wsync serve --stdio`),
//! recognised as rsync recognises them.

use crate::host::connect::Target;

/// The default port of `wsync serve`.
pub const DEFAULT_PORT: u16 = 8080;

/// A remote argument: where to connect, and the path there.
pub struct Remote {
    pub target: Target,
    /// The argument ended in '/' (rsync's "contents of" rule).
    pub slash: bool,
    /// The host part, to check that every remote argument names one host.
    pub host: String,
}

/// `None` for a local path; otherwise the remote it names, or a usage error.
pub fn parse(arg: &[u8], port: Option<u16>) -> Option<Result<Remote, String>> {
    let s = std::str::from_utf8(arg).ok()?;
    if let Some((scheme, rest)) = s.split_once("://") {
        return match scheme {
            // rsync:// too, so that rsync's command lines work as they are:
            // it names a wsync daemon, as wsync:// does.
            "wsync" | "rsync" => Some(url("wsync", rest, port)),
            "ws" | "wss" => Some(url(scheme, rest, port)),
            _ => None,
        };
    }
    // rsync: a colon before any slash makes it remote; "::" is a daemon.
    let colon = s.find(':')?;
    if s[..colon].contains('/') || colon == 0 {
        return None;
    }
    let host = &s[..colon];
    if let Some(rest) = s[colon + 1..].strip_prefix(':') {
        let p = port.unwrap_or(DEFAULT_PORT);
        let (user, h) = split_user(host);
        return Some(daemon(
            format!("ws://{}/ws", with_port(h, p)),
            user,
            h,
            rest,
        ));
    }
    let path = &s[colon + 1..];
    // "HOST:" is the home directory: its contents.
    let slash = path.ends_with('/') || clean(path).is_empty();
    let (root, rel) = match path.strip_prefix('/') {
        Some(rel) => ("/", rel),
        None => (".", path),
    };
    Some(Ok(Remote {
        target: Target {
            endpoint: String::new(),
            shell_host: Some(host.to_string()),
            shell_root: root.into(),
            user: None,
            module: "data".into(),
            path: clean(rel),
        },
        slash,
        host: host.to_string(),
    }))
}

fn split_user(host: &str) -> (Option<String>, &str) {
    match host.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, host),
    }
}

fn with_port(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

fn url(scheme: &str, rest: &str, port: Option<u16>) -> Result<Remote, String> {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, h) = split_user(host);
    if h.is_empty() {
        return Err(format!("no host in {scheme}://{rest}"));
    }
    // A port in the URL wins over --port, as with rsync://.
    let has_port = h
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
    let hp = match (has_port, scheme) {
        (true, _) => h.to_string(),
        (false, "wsync") => with_port(h, port.unwrap_or(DEFAULT_PORT)),
        (false, _) => match port {
            Some(p) => with_port(h, p),
            None => h.to_string(),
        },
    };
    let ws = if scheme == "wss" { "wss" } else { "ws" };
    daemon(format!("{ws}://{hp}/ws"), user, h, path)
}

fn daemon(
    endpoint: String,
    user: Option<String>,
    host: &str,
    path: &str,
) -> Result<Remote, String> {
    let slash = path.ends_with('/') || !path.contains('/');
    let (module, rel) = path.split_once('/').unwrap_or((path, ""));
    Ok(Remote {
        target: Target {
            endpoint,
            shell_host: None,
            shell_root: String::new(),
            user,
            module: module.into(),
            path: clean(rel),
        },
        // A module alone ("HOST::mod") means its contents, as in rsync.
        slash: slash || rel.is_empty(),
        host: host.to_string(),
    })
}

/// The path without "." components, doubled or trailing slashes.
fn clean(p: &str) -> String {
    p.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, port: Option<u16>) -> Option<(String, Option<String>, String, String, bool)> {
        parse(s.as_bytes(), port).map(|r| {
            let r = r.unwrap();
            let t = r.target;
            let ep = t.shell_host.clone().unwrap_or(t.endpoint);
            (ep, t.user, t.module, t.path, r.slash)
        })
    }

    #[test]
    fn remote_forms_as_rsync_tells_them() {
        assert_eq!(p("src/dir", None), None);
        assert_eq!(p("./a:b", None), None);
        assert_eq!(p("/abs/x:y", None), None);
        assert_eq!(p(":x", None), None);
        assert_eq!(
            p("host::mod/a/b/", None),
            Some((
                "ws://host:8080/ws".into(),
                None,
                "mod".into(),
                "a/b".into(),
                true
            ))
        );
        assert_eq!(
            p("me@host::mod", Some(9000)),
            Some((
                "ws://host:9000/ws".into(),
                Some("me".into()),
                "mod".into(),
                "".into(),
                true
            ))
        );
        assert_eq!(
            p("host::", None),
            Some(("ws://host:8080/ws".into(), None, "".into(), "".into(), true))
        );
        assert_eq!(
            p("wsync://h:7/m/x", Some(9)),
            Some(("ws://h:7/ws".into(), None, "m".into(), "x".into(), false))
        );
        assert_eq!(
            p("wsync://h/m/x/./y", None),
            Some((
                "ws://h:8080/ws".into(),
                None,
                "m".into(),
                "x/y".into(),
                false
            ))
        );
        assert_eq!(
            p("wss://u@h/m/x", None),
            Some((
                "wss://h/ws".into(),
                Some("u".into()),
                "m".into(),
                "x".into(),
                false
            ))
        );
        assert_eq!(
            p("u@box:dir/", None),
            Some(("u@box".into(), None, "data".into(), "dir".into(), true))
        );
        assert_eq!(
            p("box:/etc/x", None),
            Some(("box".into(), None, "data".into(), "etc/x".into(), false))
        );
        assert_eq!(
            p("rsync://u@h/m/", None),
            Some((
                "ws://h:8080/ws".into(),
                Some("u".into()),
                "m".into(),
                "".into(),
                true
            ))
        );
        assert!(parse(b"ws:///m/x", None).unwrap().is_err());
    }
}
