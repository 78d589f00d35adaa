//! `wsync serve`: module directories over WebSocket (axum), driving the
//! protocol's `ServerSession`; `--www` also serves a static directory.

mod admit;
pub(crate) mod beneath;
pub mod config;
pub(crate) mod conn;
mod gate;
mod http;
pub(crate) mod links;
pub(crate) mod log;
mod login;
mod origin;
mod park;
mod quiet;
mod refusal;
pub(crate) mod regular;
mod sink;
pub(crate) mod store;
mod temps;
mod transport;
mod tree;
mod www;

use super::Failure;
use crate::protocol::{Limits, MemoryBudget, ServerConfig};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use clap::Parser;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;
use store::Module;

#[derive(Parser, Debug)]
pub struct ServeArgs {
    /// Directory to serve as the writable module `data` (default: ./data).
    pub dir: Option<PathBuf>,
    /// rsyncd.conf-style configuration: modules, users, hosts, limits.
    #[arg(long, conflicts_with = "dir")]
    pub config: Option<PathBuf>,
    /// Address to listen on (loopback unless you say otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Also serve this static directory at `/` (the demo page).
    #[arg(long)]
    pub www: Option<PathBuf>,
    /// Also serve this directory at `/pkg/` (the npm package, which the demo
    /// page imports as `../pkg/index.js`).
    #[arg(long)]
    pub pkg: Option<PathBuf>,
    /// Module name for DIR.
    #[arg(long, default_value = "data")]
    pub module: String,
    /// Store uploaded symlinks sanitized (no leading slash, no `..` above
    /// the module) instead of munged with rsync's "/rsyncd-munged/" prefix:
    /// rsyncd.conf's `munge symlinks = no`.
    #[arg(long)]
    pub no_munge_symlinks: bool,
    /// Require this bearer token (browsers) from clients.
    #[arg(long)]
    pub token: Option<String>,
    /// Browser origins allowed to connect (besides the page's own host).
    #[arg(long = "origin")]
    pub origins: Vec<String>,
    /// Sessions served at once; one more gets "try later".
    #[arg(long, default_value_t = 256)]
    pub max_connections: usize,
    /// Seconds a session may stay idle.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Seconds a client has from the first byte of its request to the end
    /// of authentication; also for each HTTP request head, and between
    /// requests on a kept-alive connection.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub handshake_timeout: u64,
    /// Connections in their handshake at once (HTTP request, Hello,
    /// authentication); when full, a new one evicts a handshake of the
    /// address holding the most (README.md has the rule) [config: max
    /// handshakes; default 64].
    #[arg(long)]
    pub max_handshakes: Option<usize>,
    /// Sockets open at once [config: max sockets; default: half the
    /// open-file limit, which is raised to its hard value at start].
    #[arg(long)]
    pub max_sockets: Option<usize>,
    /// Bytes of download signatures the server holds at once, all sessions
    /// together (K, M, G suffixes) [config: memory budget; default 512M].
    #[arg(long, value_parser = crate::host::text::num::size)]
    pub memory_budget: Option<u64>,
    /// Bytes of download signatures one session holds at once [config:
    /// session memory; default 128M].
    #[arg(long, value_parser = crate::host::text::num::size)]
    pub session_memory: Option<u64>,
    /// Speak the protocol on standard input and output (one session), for
    /// clients that reach this machine through a remote shell.
    #[arg(long)]
    pub stdio: bool,
    /// Largest file an upload may produce.
    #[arg(long, default_value_t = u64::MAX)]
    pub max_file_size: u64,
    /// Strong-sum bytes of upload signatures when the client leaves the
    /// choice to the server (default: rsync's rule). For tests: 1 makes
    /// false block matches, and so the client's full-length retry, likely.
    #[arg(long, hide = true, value_parser = clap::value_parser!(u8).range(1..=32))]
    pub strong_len: Option<u8>,
}

/// Delta options for network transfers: deflate level 6, as rsync -z, since
/// bytes on the wire cost more there than the CPU time of compressing the
/// (usually few) literal bytes.
pub const TRANSFER_DELTA: crate::DeltaOptions = crate::DeltaOptions {
    format: crate::DeltaFormat::Wsync,
    compress_level: 6,
};

pub struct Server {
    pub modules: Vec<Arc<Module>>,
    /// The modules' secrets files: each module checks only its own.
    pub secrets: login::Secrets,
    /// Failed logins per address.
    pub throttle: login::Throttle,
    pub motd: String,
    pub config: ServerConfig,
    pub token: Option<String>,
    /// The Host and Origin checks (DNS rebinding, foreign pages).
    pub gate: Arc<origin::Gate>,
    pub max_connections: usize,
    pub connections: AtomicUsize,
    pub handshake: Duration,
    pub idle: Duration,
    pub max_file_size: u64,
    /// Uploads whose connection dropped, kept for a while to be resumed.
    pub parked: std::sync::Mutex<Vec<(std::time::Instant, conn::OpenUpload)>>,
    /// Tokens of uploads open in some session right now.
    pub live: std::sync::Mutex<std::collections::HashSet<Vec<u8>>>,
    /// `log file`: connections and (per module) transfer lines.
    pub log: Option<log::LogFile>,
    /// `--strong-len`: short strong sums for uploads (tests).
    pub strong_len: Option<u8>,
}

/// `memory budget` and `session memory` by default.
const MEMORY_BUDGET: u64 = 512 << 20;
const SESSION_MEMORY: u64 = 128 << 20;

/// How long, and how many, interrupted uploads are kept for resumption.
const PARK_TIME: Duration = Duration::from_secs(600);
const PARK_MAX: usize = 64;

impl Server {
    /// Keeps an interrupted upload (its temporary file and writer lock),
    /// within its module's resume budgets (park.rs).
    pub fn park(&self, open: conn::OpenUpload) {
        let Some(m) = self.module(&open.module).cloned() else {
            return;
        };
        if let Ok(mut p) = self.parked.lock() {
            park::park(&mut p, &m, open, self.log.as_ref());
        }
    }

    /// Takes back the interrupted upload with this token, for this target.
    /// A client may come back before the server noticed that its old
    /// connection dropped: while the token is still live, wait for it.
    pub fn unpark(&self, token: &[u8], module: &str, path: &str) -> Option<conn::OpenUpload> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            {
                let mut p = self.parked.lock().ok()?;
                p.retain(|(at, _)| at.elapsed() < PARK_TIME);
                let found = p
                    .iter()
                    .position(|(_, o)| o.token == token && o.module == module && o.path == path);
                if let Some(i) = found {
                    return Some(p.remove(i).1);
                }
            }
            let live = self.live.lock().ok()?.contains(token);
            if !live || std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Marks an upload's token as open in a session (or no longer).
    pub fn set_live(&self, token: &[u8], live: bool) {
        if let Ok(mut l) = self.live.lock() {
            if live {
                l.insert(token.to_vec());
            } else {
                l.remove(token);
            }
        }
    }

    /// Drops interrupted uploads to a path, or to the same file by another
    /// path (a new upload takes over).
    pub fn unpark_path(&self, module: &str, path: &str) {
        let key = self.module(module).and_then(|m| m.writer_key(path));
        if let Ok(mut p) = self.parked.lock() {
            p.retain(|(_, o)| {
                !(o.module == module
                    && (o.path == path || Some(o.upload.writer_key()) == key.as_ref()))
            });
        }
    }
    pub fn module(&self, name: &str) -> Option<&Arc<Module>> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// Whether sessions must authenticate (a token, or users on a module).
    pub fn auth_required(&self) -> bool {
        self.token.is_some() || self.modules.iter().any(|m| !m.policy.auth_users.is_empty())
    }
}

pub fn serve(a: ServeArgs) -> Result<(), Failure> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let cfg = config_of(&a)?;
    // Paths beneath module roots: openat2 on Linux, walked elsewhere or
    // with WSYNC_RESOLVE=walk (beneath.rs); a value it cannot honour stops
    // the start.
    let resolve = beneath::resolver().map_err(|e| Failure::new(super::exit::CONFIG, e))?;
    tracing::debug!("paths beneath module roots: {resolve}");
    let (modules, secrets) = open_modules(&cfg, a.stdio)?;
    let motd = match &cfg.motd_file {
        Some(f) => regular::read_regular(f, "motd file", false)?,
        None => String::new(),
    };
    let log = match &cfg.log_file {
        Some(f) => {
            Some(log::LogFile::open(f).map_err(|e| Failure::io(&f.display().to_string(), e))?)
        }
        None => None,
    };
    let mut origins = a.origins.clone();
    origins.extend(cfg.origins.iter().cloned());
    let port = cfg.port.filter(|_| a.port == 8080).unwrap_or(a.port);
    let bind = cfg
        .address
        .clone()
        .filter(|_| a.bind == "127.0.0.1")
        .unwrap_or_else(|| a.bind.clone());
    let addr = SocketAddr::new(bind_address(&bind)?, port);
    let described: Vec<String> = modules
        .iter()
        .map(|m| format!("{:?} ({})", m.name, m.path.display()))
        .collect();
    let server = Arc::new(Server {
        modules,
        secrets,
        throttle: login::Throttle::default(),
        motd,
        config: ServerConfig {
            limits: Limits::default(),
            session_memory: a
                .session_memory
                .or(cfg.session_memory)
                .unwrap_or(SESSION_MEMORY),
            memory: Arc::new(MemoryBudget::new(
                a.memory_budget
                    .or(cfg.memory_budget)
                    .unwrap_or(MEMORY_BUDGET),
            )),
            ..ServerConfig::default()
        },
        token: a.token.clone().or(cfg.token.clone()),
        gate: Arc::new(origin::Gate::new(addr.ip(), &origins)),
        // 0: no limit, as rsync's `max connections = 0`.
        max_connections: Some(cfg.max_connections.unwrap_or(a.max_connections))
            .filter(|&n| n > 0)
            .unwrap_or(usize::MAX),
        connections: AtomicUsize::new(0),
        handshake: Duration::from_secs(a.handshake_timeout),
        idle: Duration::from_secs(cfg.timeout.unwrap_or(a.timeout).max(1)),
        max_file_size: a.max_file_size,
        parked: std::sync::Mutex::new(Vec::new()),
        live: std::sync::Mutex::new(std::collections::HashSet::new()),
        log,
        strong_len: a.strong_len,
    });
    if a.stdio {
        return serve_stdio(server);
    }
    let open_files = gate::raise_open_files();
    let max_sockets = a
        .max_sockets
        .or(cfg.max_sockets)
        .unwrap_or_else(|| gate::default_max_sockets(open_files));
    let max_handshakes = a
        .max_handshakes
        .or(cfg.max_handshakes)
        .unwrap_or(gate::MAX_HANDSHAKES.min(max_sockets / 2));
    let gate = gate::Gate::new(max_sockets, max_handshakes, gate::GRACE);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::io("tokio runtime", e))?;
    rt.block_on(serve_http(a, server, addr, described, gate))
}

/// The configuration: `--config`'s file, or the quick form's one module
/// (`--dir`, made when missing); munged symlinks checked safe here.
fn config_of(a: &ServeArgs) -> Result<config::Config, Failure> {
    let cfg = match &a.config {
        Some(path) => config::Config::load(path)?,
        None => {
            let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("data"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::io(&dir.display().to_string(), e))?;
            config::Config {
                modules: vec![config::ModuleConfig {
                    name: a.module.clone(),
                    path: dir,
                    list: true,
                    // Over a remote shell, as rsync there: values as given.
                    symlinks: match (a.stdio, a.no_munge_symlinks) {
                        (true, _) => links::Links::AsGiven,
                        (false, true) => links::Links::Sanitize,
                        (false, false) => links::Links::Munge,
                    },
                    ..Default::default()
                }],
                ..Default::default()
            }
        }
    };
    if cfg
        .modules
        .iter()
        .any(|m| m.symlinks == links::Links::Munge)
    {
        links::check_munging_safe(std::path::Path::new("/"))
            .map_err(|e| Failure::new(super::exit::CONFIG, e))?;
    }
    Ok(cfg)
}

/// The configured modules, opened, and their secrets files read.
fn open_modules(
    cfg: &config::Config,
    stdio: bool,
) -> Result<(Vec<Arc<Module>>, login::Secrets), Failure> {
    let mut modules = Vec::new();
    let mut secrets = login::Secrets::default();
    for m in &cfg.modules {
        if let Some(f) = &m.secrets_file {
            secrets.add(&m.name, config::read_secrets(f)?);
        }
        let name = m.path.display().to_string();
        modules.push(Module::open(m.clone(), !stdio).map_err(|e| Failure::io(&name, e))?);
    }
    Ok((modules, secrets))
}

/// One session over stdin and stdout (`--stdio`, under a remote
/// shell); like rsync's server, the exit status says how it ended.
fn serve_stdio(server: Arc<Server>) -> Result<(), Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Failure::io("tokio runtime", e))?;
    let max = server.config.limits.max_message;
    let local = std::net::IpAddr::from([127, 0, 0, 1]);
    // Like rsync's server, the exit status says how the session ended.
    rt.block_on(conn::serve_session(
        transport::StdioTransport::new(max),
        server,
        local,
    ))
    .map_err(|e| Failure::new(e.exit, e.why))
}

/// The HTTP server: `/ws` upgrades to sessions, the demo page and the
/// package's files with `--www`/`--pkg`; the first line on stdout names
/// the address.
async fn serve_http(
    a: ServeArgs,
    server: Arc<Server>,
    addr: SocketAddr,
    described: Vec<String>,
    gate: Arc<gate::Gate>,
) -> Result<(), Failure> {
    let mut app = Router::new()
        .route("/ws", get(upgrade))
        .with_state(server.clone());
    if a.www.is_some() || a.pkg.is_some() {
        let dirs = www::Static::open(a.www.as_deref(), a.pkg.as_deref())
            .map_err(|(dir, e)| Failure::io(&dir, e))?;
        let files = Router::new()
            .fallback(www::serve)
            .with_state(Arc::new(dirs));
        app = app.fallback_service(files);
    }
    // Every request, static files too, must name this server.
    let names = server.gate.clone();
    let app = app.layer(axum::middleware::from_fn_with_state(
        names,
        origin::host_filter,
    ));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::io(&format!("listening on {addr}"), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io("listener", e))?;
    // Tests and scripts read the first line to learn the port, and may
    // close the pipe then: a failed write must not stop the server.
    let mut banner = format!(
        "wsync serving {} on ws://{local}/ws\n",
        described.join(", ")
    );
    if let Some(www) = &a.www {
        banner += &format!("demo page: http://{local}/ (from {})\n", www.display());
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    }
    http::serve(listener, app, gate, server.handshake, server.idle).await;
    Ok(())
}

/// The address of `--bind` / `address`: IPv4 or IPv6, the latter with
/// or without brackets (`::1`, `[::1]`).
fn bind_address(bind: &str) -> Result<IpAddr, Failure> {
    let bare = bind
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .unwrap_or(bind);
    bare.parse().map_err(|e| {
        Failure::new(
            super::exit::SYNTAX,
            format!("--bind {bind}: {e} (an IPv4 or IPv6 address)"),
        )
    })
}

/// Checks the origin and the connection count, then upgrades.
async fn upgrade(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(ticket): Extension<Arc<gate::Ticket>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(origin) = server.gate.check_origin(&headers) {
        server
            .gate
            .log_refusal(origin::Refused::Origin, &origin, Some(peer.ip()));
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let max = server.config.limits.max_message as usize;
    // Small initial buffers keep idle sessions cheap; they grow for big messages.
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(8 << 10)
        .write_buffer_size(8 << 10)
        .max_write_buffer_size(2 * max)
        .on_upgrade(move |socket| {
            let t = admit::Admitted::new(transport::WsTransport(socket), ticket, server.clone());
            conn::run(t, server, peer.ip())
        })
}
