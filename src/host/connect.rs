//! How to reach a server: the URL forms (`ws://[USER@]HOST[:PORT]/MODULE/PATH`,
//! rsync's `[USER@]HOST:PATH` over a remote shell) and the connection
//! options every client command takes.

use super::{exit, Failure};
use std::path::PathBuf;

/// How to reach and log in to the server.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnArgs {
    /// Bearer token, if the server asks for one.
    #[arg(long)]
    pub token: Option<String>,
    /// File holding the password for USER in ws://USER@HOST/... (or $WSYNC_PASSWORD).
    #[arg(long = "password-file")]
    pub password_file: Option<PathBuf>,
    /// Remote shell for HOST:PATH targets (rsync's -e).
    #[arg(short = 'e', long = "rsh", default_value = "ssh")]
    pub rsh: String,
    /// The wsync program on the remote machine (rsync's --rsync-path).
    #[arg(long = "rsync-path", default_value = "wsync")]
    pub rsync_path: String,
    /// Seconds to wait for the connection (rsync's --contimeout).
    #[arg(long)]
    pub contimeout: Option<u64>,
    /// Seconds without data before giving up (rsync's --timeout).
    #[arg(long)]
    pub timeout: Option<u64>,
}

/// Where a `ws://HOST[:PORT]/MODULE/PATH` URL points.
pub struct Target {
    /// ws:// or wss:// endpoint; empty for a remote-shell target.
    pub endpoint: String,
    /// `[USER@]HOST` for a remote-shell target (`HOST:PATH`).
    pub shell_host: Option<String>,
    /// Directory the remote `wsync serve --stdio` serves.
    pub shell_root: String,
    pub user: Option<String>,
    pub module: String,
    pub path: String,
}

pub fn parse_url(url: &str) -> Result<Target, Failure> {
    let t = parse_url_loose(url)?;
    if t.module.is_empty() || t.path.is_empty() {
        return Err(Failure::new(
            exit::SYNTAX,
            format!("expected ws://HOST[:PORT]/MODULE/PATH, not {url:?}"),
        ));
    }
    Ok(t)
}

/// Like `parse_url`, with the module and path optional.
pub fn parse_url_loose(url: &str) -> Result<Target, Failure> {
    // [USER@]HOST:PATH, as rsync: a colon before any slash, no "://".
    if !url.contains("://") {
        if let Some((host, path)) = url.split_once(':') {
            if !host.is_empty() && !host.contains('/') && !path.starts_with(':') {
                let (root, rel) = match path.strip_prefix('/') {
                    Some(rel) => ("/", rel),
                    None => (".", path),
                };
                return Ok(Target {
                    endpoint: String::new(),
                    shell_host: Some(host.to_string()),
                    shell_root: root.into(),
                    user: None,
                    module: "data".into(),
                    path: rel.into(),
                });
            }
        }
    }
    let bad = || {
        Failure::new(
            exit::SYNTAX,
            format!("expected ws://HOST[:PORT]/MODULE/PATH, not {url:?}"),
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if scheme != "ws" && scheme != "wss" {
        return Err(bad());
    }
    let (host, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let (module, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(bad());
    }
    let (user, host) = match host.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, host),
    };
    Ok(Target {
        endpoint: format!("{scheme}://{host}/ws"),
        shell_host: None,
        shell_root: String::new(),
        user,
        module: module.into(),
        path: path.into(),
    })
}
