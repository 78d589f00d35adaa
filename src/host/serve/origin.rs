//! Which browser pages may reach the server. Two checks, both against DNS
//! rebinding (a page of attacker.example whose name is made to resolve to
//! 127.0.0.1 sends `Host` and `Origin` with that name, so comparing the
//! two proves nothing):
//!
//! - on a loopback bind, every HTTP request (static files too) must name
//!   the server in `Host`: its address, `localhost` (or a name under
//!   `.localhost`, which browsers resolve to loopback themselves), or the
//!   host of a configured origin; others get 421 Misdirected Request;
//! - a WebSocket upgrade with an `Origin` must come from a configured
//!   origin, or from the page's own origin (the same scheme-less authority
//!   as `Host`) whose host is such a name or an address the server is
//!   bound to. No `Origin` (native clients) is allowed.
//!
//! A page served under another DNS name needs that origin in `--origin` /
//! `origins`.

use super::quiet::Quiet;
use crate::host::text::escape;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub struct Gate {
    /// The address the server is bound to.
    bound: IpAddr,
    /// `--origin` and `origins`, lowercase, without a trailing slash.
    origins: Vec<String>,
    /// The host names of those origins.
    names: Vec<String>,
    /// Refusals are logged once a minute per host name or origin.
    quiet: Quiet,
}

/// A host (and optional port) of a `Host` header or an origin: the host
/// lowercase, without brackets or a trailing dot.
fn split_authority(authority: &str) -> Option<(String, Option<&str>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            (v6, port)
        }
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}

/// `scheme://authority` of an origin (http or https), else `None`.
fn origin_authority(origin: &str) -> Option<&str> {
    let (scheme, authority) = origin.split_once("://")?;
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    (web && !authority.is_empty() && !authority.contains('/')).then_some(authority)
}

fn normalize(origin: &str) -> String {
    origin.trim_end_matches('/').to_ascii_lowercase()
}

impl Gate {
    pub fn new(bound: IpAddr, origins: &[String]) -> Gate {
        let origins: Vec<String> = origins.iter().map(|o| normalize(o)).collect();
        let names = origins
            .iter()
            .filter_map(|o| Some(split_authority(origin_authority(o)?)?.0))
            .collect();
        Gate {
            bound,
            origins,
            names,
            quiet: Quiet::new(Duration::from_secs(60)),
        }
    }

    /// Whether `host` (as split_authority gives it) names this server.
    fn names_us(&self, host: &str) -> bool {
        let ip = host.parse::<IpAddr>().ok();
        match ip {
            // An address cannot be rebound; it must be one we listen on.
            Some(ip) => self.bound.is_unspecified() || ip == self.bound,
            None => {
                let local = host == "localhost" || host.ends_with(".localhost");
                (local && (self.bound.is_loopback() || self.bound.is_unspecified()))
                    || self.names.iter().any(|n| n == host)
            }
        }
    }

    /// The `Host` check (loopback binds only; elsewhere the server's
    /// names are not known). A request without `Host` (HTTP/1.0, native
    /// clients) passes: browsers always send one.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), String> {
        if !self.bound.is_loopback() {
            return Ok(());
        }
        let Some(host) = headers.get("host") else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(host.as_bytes());
        match split_authority(&text) {
            Some((name, _)) if self.names_us(&name) => Ok(()),
            _ => Err(text.into_owned()),
        }
    }

    /// The `Origin` check of a WebSocket upgrade.
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), String> {
        let Some(origin) = headers.get("origin") else {
            return Ok(());
        };
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        let norm = normalize(&origin);
        if self.origins.contains(&norm) {
            return Ok(());
        }
        let host = headers
            .get("host")
            .map(|h| String::from_utf8_lossy(h.as_bytes()).to_ascii_lowercase());
        let own = origin_authority(&norm).is_some_and(|authority| {
            host.as_deref() == Some(authority)
                && split_authority(authority).is_some_and(|(name, _)| self.names_us(&name))
        });
        match own {
            true => Ok(()),
            false => Err(origin),
        }
    }

    /// Logs a refusal: one escaped line per minute for each value.
    pub fn log_refusal(&self, what: Refused, value: &str, peer: Option<IpAddr>) {
        let value = escape(value).replace('"', "\\\"");
        let (key, line) = match what {
            Refused::Host => ("host", "a request for host name"),
            Refused::Origin => ("origin", "a WebSocket from origin"),
        };
        let Some(n) = self.quiet.note(&format!("{key} {value}")) else {
            return;
        };
        let peer = peer.map(|p| p.to_string()).unwrap_or_default();
        match n {
            1 => {
                tracing::warn!(%peer, "refused {line} \"{value}\" (not this server's: DNS rebinding or a foreign page?)")
            }
            n => {
                tracing::warn!(%peer, "refused {line} \"{value}\" {n} times in the last minute or so")
            }
        }
    }
}

/// What [`Gate::log_refusal`] reports.
pub enum Refused {
    Host,
    Origin,
}

/// Middleware: refuses requests whose `Host` does not name the server.
pub async fn host_filter(State(gate): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    if let Err(host) = gate.check_host(req.headers()) {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        gate.log_refusal(Refused::Host, &host, peer);
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer to that host name: use its address or localhost\n",
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn host_names_on_a_loopback_bind() {
        let g = Gate::new(
            "127.0.0.1".parse().unwrap(),
            &["https://App.example.org/".into()],
        );
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST.:1",
            "dev.localhost:8080",
            "app.example.org",
        ] {
            assert!(g.check_host(&headers(&[("host", ok)])).is_ok(), "{ok}");
        }
        assert!(g.check_host(&HeaderMap::new()).is_ok());
        for bad in [
            "attacker.example:8080",
            "localhost.attacker.example",
            "127.0.0.2:8080",
            "[::1]:8080",
            "2130706433",
            "127.0.0.1:80x",
            "",
        ] {
            assert!(g.check_host(&headers(&[("host", bad)])).is_err(), "{bad}");
        }
        // Other binds: names are not known, so not checked.
        let lan = Gate::new("192.168.1.5".parse().unwrap(), &[]);
        assert!(lan.check_host(&headers(&[("host", "nas.lan")])).is_ok());
    }

    #[test]
    fn origins() {
        let g = Gate::new(
            "127.0.0.1".parse().unwrap(),
            &["http://allowed.example".into()],
        );
        let check = |origin: &str, host: &str| {
            g.check_origin(&headers(&[("origin", origin), ("host", host)]))
                .is_ok()
        };
        assert!(check("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(check("http://localhost:8080", "localhost:8080"));
        assert!(check("http://allowed.example", "127.0.0.1:8080"));
        assert!(check("HTTP://Allowed.Example/", "127.0.0.1:8080"));
        assert!(!check(
            "http://attacker.example:8080",
            "attacker.example:8080"
        ));
        assert!(!check("http://evil.example", "127.0.0.1:8080"));
        assert!(!check("http://127.0.0.1:9", "127.0.0.1:8080"));
        assert!(!check("null", "127.0.0.1:8080"));
        assert!(!check("file://", "127.0.0.1:8080"));
        assert!(g.check_origin(&headers(&[("host", "x")])).is_ok());
        // Bound to every address: an address literal is the page's own
        // (the browser connected to it); a DNS name needs --origin.
        let any = Gate::new("0.0.0.0".parse().unwrap(), &[]);
        let check = |origin: &str, host: &str| {
            any.check_origin(&headers(&[("origin", origin), ("host", host)]))
                .is_ok()
        };
        assert!(check("http://192.168.1.5:8080", "192.168.1.5:8080"));
        assert!(check("http://[fe80::1]:8080", "[fe80::1]:8080"));
        assert!(check("http://localhost:8080", "localhost:8080"));
        assert!(!check("http://nas.lan:8080", "nas.lan:8080"));
        assert!(!check("http://6.6.6.6:8080", "192.168.1.5:8080"));
    }
}
