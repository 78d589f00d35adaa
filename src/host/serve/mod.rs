//! `wsync serve`: module directories over WebSocket (axum), driving the
//! protocol's `ServerSession`; `--www` also serves a static directory.

mod conn;
pub(crate) mod store;

use super::Failure;
use crate::protocol::{Limits, ServerConfig};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;
use store::Module;

#[derive(Parser, Debug)]
pub struct ServeArgs {
    /// Directory to serve as the writable module `data` (default: ./data).
    pub dir: Option<PathBuf>,
    /// Address to listen on (loopback unless you say otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Also serve this static directory at `/` (the demo page).
    #[arg(long)]
    pub www: Option<PathBuf>,
    /// Module name for DIR.
    #[arg(long, default_value = "data")]
    pub module: String,
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
    /// Largest file an upload may produce.
    #[arg(long, default_value_t = u64::MAX)]
    pub max_file_size: u64,
}

pub struct Server {
    pub modules: Vec<Arc<Module>>,
    pub config: ServerConfig,
    pub token: Option<String>,
    pub origins: Vec<String>,
    pub max_connections: usize,
    pub connections: AtomicUsize,
    pub handshake: Duration,
    pub idle: Duration,
    pub max_file_size: u64,
}

impl Server {
    pub fn module(&self, name: &str) -> Option<&Arc<Module>> {
        self.modules.iter().find(|m| m.name == name)
    }
}

pub fn serve(a: ServeArgs) -> Result<(), Failure> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("data"));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::io(&dir.display().to_string(), e))?;
    let module = Module::open(&a.module, &dir, false)
        .map_err(|e| Failure::io(&dir.display().to_string(), e))?;
    let server = Arc::new(Server {
        modules: vec![module],
        config: ServerConfig {
            limits: Limits::default(),
            ..ServerConfig::default()
        },
        token: a.token.clone(),
        origins: a.origins.clone(),
        max_connections: a.max_connections,
        connections: AtomicUsize::new(0),
        handshake: Duration::from_secs(10),
        idle: Duration::from_secs(a.timeout.max(1)),
        max_file_size: a.max_file_size,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::io("tokio runtime", e))?;
    rt.block_on(async move {
        let mut app = Router::new()
            .route("/ws", get(upgrade))
            .with_state(server.clone());
        if let Some(www) = &a.www {
            app = app.fallback_service(tower_http::services::ServeDir::new(www));
        }
        let addr: SocketAddr = format!("{}:{}", a.bind, a.port)
            .parse()
            .map_err(|e| Failure::new(super::exit::SYNTAX, format!("--bind {}: {e}", a.bind)))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::io(&format!("listening on {addr}"), e))?;
        let local = listener
            .local_addr()
            .map_err(|e| Failure::io("listener", e))?;
        // Tests and scripts read this line to learn the port.
        println!(
            "wsync serving module {:?} ({}) on ws://{local}/ws",
            a.module,
            dir.display()
        );
        if let Some(www) = &a.www {
            println!("demo page: http://{local}/ (from {})", www.display());
        }
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(|e| Failure::io("server", e))
    })
}

/// Checks the origin and the connection count, then upgrades.
async fn upgrade(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(origin) = headers.get("origin").and_then(|o| o.to_str().ok()) {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let same = origin.split("://").nth(1) == Some(host);
        if !same && !server.origins.iter().any(|o| o == origin) {
            tracing::warn!(origin = %store::escape(origin), "refused a WebSocket from a foreign origin");
            return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
        }
    }
    let max = server.config.limits.max_message as usize;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| conn::run(socket, server))
}
