//! One WebSocket connection: the protocol session and the file work its
//! events ask for. File work is blocking and runs in `block_in_place`.

use super::super::exit;
use super::config;
use super::login::{self, Login};
use super::store::{Module, Refusal, Upload};
use super::transport::{Transport, WsTransport};
use super::Server;
use crate::host::text::escape;
use crate::host::text::itemize::{
    item_string, DELETED, IS_NEW, LOCAL_CHANGE, REPORT_CHANGE, REPORT_SIZE, REPORT_TIME, TRANSFER,
};
use crate::protocol::{
    auth, AuthResponse, Code, FileAttrs, Message, ModuleInfo, ServerEvent, ServerOutput,
    ServerSession,
};
use crate::{DeltaEncoder, Signature};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

impl Drop for Conn {
    fn drop(&mut self) {
        // Whatever ended the session, its uploads are no longer live here.
        for open in self.uploads.values() {
            self.server.set_live(&open.token, false);
        }
        for m in &self.held {
            m.sessions.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// An upload of this session, with what resuming it needs.
pub struct OpenUpload {
    pub upload: Upload,
    pub token: Vec<u8>,
    pub module: String,
    pub path: String,
    pub signature: Arc<Vec<u8>>,
    /// Whom it counts against for `max resume size per user`.
    pub owner: String,
}

/// A download whose file is open, waiting for the client's signature.
struct Opened {
    file: File,
    module: Arc<Module>,
    attrs: (i64, u32, u32),
    len: u64,
}

/// A download being encoded.
struct Pull {
    id: u64,
    file: File,
    encoder: DeltaEncoder<Signature>,
    attrs: (i64, u32, u32),
    module: Arc<Module>,
    path: String,
    len: u64,
    /// Delta bytes sent so far.
    sent: u64,
    /// The client had no copy (its signature was of nothing).
    fresh: bool,
}

struct Conn {
    server: Arc<Server>,
    peer: IpAddr,
    /// Who authenticated; `None` before.
    login: Option<Login>,
    uploads: HashMap<u64, OpenUpload>,
    /// Downloads checked and opened, their signatures still coming.
    opening: HashMap<u64, Opened>,
    pulls: Vec<Pull>,
    /// Modules this session counts against (`max connections`).
    held: Vec<Arc<Module>>,
    /// Idle time allowed: the server's, or less if a module used says so.
    idle: std::time::Duration,
    /// How long the session waits before sending what it just queued (a
    /// login's verdict, slowed after failures from the same address).
    pause: Option<std::time::Duration>,
}

/// Why a session ended badly, with the exit status `serve --stdio` gives
/// for it (rsync's codes).
#[derive(Debug)]
pub struct Ended {
    pub exit: u8,
    pub why: String,
}

impl Ended {
    fn new(exit: u8, why: impl Into<String>) -> Self {
        Ended {
            exit,
            why: why.into(),
        }
    }

    /// A protocol error: rsync's 2 for no common version, 5 for failed
    /// authentication, 12 ("error in protocol data stream") otherwise.
    fn protocol(e: &crate::protocol::ProtocolError) -> Self {
        use crate::protocol::ProtocolError::Peer;
        let exit = match e {
            Peer {
                code: Code::Version,
                ..
            } => exit::PROTOCOL,
            Peer {
                code: Code::AuthFailed,
                ..
            } => exit::AUTH,
            _ => exit::STREAM,
        };
        Ended::new(exit, e.to_string())
    }
}

pub async fn run(t: super::admit::Admitted<WsTransport>, server: Arc<Server>, peer: IpAddr) {
    let _ = serve_session(t, server, peer).await;
}

/// Serves one session over any transport.
pub async fn serve_session<T: Transport>(
    t: T,
    server: Arc<Server>,
    peer: IpAddr,
) -> Result<(), Ended> {
    let result = session(t, server, peer).await;
    if let Err(e) = &result {
        tracing::info!("session ended: {}", e.why);
    }
    result
}

/// Bytes a session may take per turn of the runtime (see `session`).
const FAIR_SHARE: usize = 64 << 10;

/// Sends one message, within `wait`: a peer that stops reading holds
/// the session no longer than it may stay idle.
async fn send_within<T: Transport>(t: &mut T, m: &Message, wait: Duration) -> Result<(), Ended> {
    match timeout(wait, t.send(m.encode())).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Ended::new(exit::STREAM, e)),
        Err(_) => Err(Ended::new(exit::TIMEOUT, "timeout writing to the peer")),
    }
}

async fn session<T: Transport>(mut t: T, server: Arc<Server>, peer: IpAddr) -> Result<(), Ended> {
    if let Some(log) = &server.log {
        log.line(&format!("connect from {peer}"));
    }
    // A message of the day comes with AuthOk: a server that has one asks
    // every client to authenticate (anonymous clients answer with an empty token).
    let nonce = match server.auth_required() || !server.motd.is_empty() {
        true => Some(auth::nonce().map_err(|e| Ended::new(exit::FILE_IO, e.to_string()))?),
        false => None,
    };
    let mut s = ServerSession::new(server.config.clone(), nonce);
    let mut conn = Conn {
        server: server.clone(),
        peer,
        login: (!server.auth_required()).then_some(Login::Anonymous),
        uploads: HashMap::new(),
        opening: HashMap::new(),
        pulls: Vec::new(),
        held: Vec::new(),
        idle: server.idle,
        pause: None,
    };
    // Hello and authentication must be done by this time, counted from the
    // first byte of the upgrade request, however slowly the bytes come;
    // after that, each wait is bounded by the idle timeout.
    let deadline = tokio::time::Instant::from_std(t.started()) + server.handshake;
    let mut admitted = false;
    loop {
        let ready = s.is_ready();
        let wait = match ready {
            true => conn.idle,
            false => deadline.saturating_duration_since(tokio::time::Instant::now()),
        };
        // Send what the session produced and do the work it asks for.
        loop {
            let out = s.poll();
            if out.is_empty() {
                break;
            }
            for o in out {
                match o {
                    ServerOutput::Send(m) => {
                        // Authenticated (Welcome without a challenge, or
                        // AuthOk): the session now counts against the
                        // server's limit, or gets "try later" instead.
                        let mut sent = Ok(());
                        if !admitted && s.is_ready() {
                            admitted = true;
                            if let Err(why) = t.admit() {
                                let busy = Message::Error {
                                    id: 0,
                                    code: Code::TryLater,
                                    message: why.clone(),
                                };
                                let _ = send_within(&mut t, &busy, wait).await;
                                sent = Err(Ended::new(exit::AUTH, why));
                            }
                        }
                        if sent.is_ok() {
                            sent = send_within(&mut t, &m, wait).await;
                        }
                        if let Err(e) = sent {
                            // The peer is gone: its uploads may be resumed.
                            s.close_quietly();
                            drain_events(&mut s, &mut conn);
                            return Err(e);
                        }
                    }
                    ServerOutput::Event(e) => {
                        tokio::task::block_in_place(|| conn.handle(&mut s, e));
                        if let Some(pause) = conn.pause.take() {
                            tokio::time::sleep(pause).await;
                        }
                    }
                }
            }
        }
        if s.is_closed() {
            return Ok(());
        }
        // Downloads go on while their window is open.
        if let Some(i) = conn.pulls.iter().position(|p| s.pull_ready(p.id)) {
            tokio::task::block_in_place(|| conn.pull_step(&mut s, i));
            continue;
        }
        let ready = s.is_ready();
        let wait = match ready {
            true => conn.idle,
            false => deadline.saturating_duration_since(tokio::time::Instant::now()),
        };
        let msg = match timeout(wait, t.recv()).await {
            Err(_) => {
                s.close_quietly();
                drain_events(&mut s, &mut conn);
                let why = match ready {
                    true => "idle timeout",
                    false => "handshake deadline",
                };
                return Err(Ended::new(exit::TIMEOUT, why));
            }
            Ok(None) => {
                s.close_quietly();
                drain_events(&mut s, &mut conn);
                return Ok(());
            }
            Ok(Some(Err(e))) => {
                s.close_quietly();
                drain_events(&mut s, &mut conn);
                return Err(Ended::new(exit::STREAM, e));
            }
            Ok(Some(Ok(m))) => m,
        };
        if let Err(e) = s.receive(&msg) {
            for o in s.poll() {
                match o {
                    ServerOutput::Send(m) => {
                        let _ = send_within(&mut t, &m, wait).await;
                    }
                    ServerOutput::Event(e) => conn.handle(&mut s, e),
                }
            }
            return Err(Ended::protocol(&e));
        }
        // Turns go by bytes: a session yields to the others once per 64 KiB
        // it sent, so that one flooding the server with big messages waits
        // behind those that send a few small ones (a login, a request). The
        // message is dropped first: a session waiting its turn holds none.
        let turns = msg.len() / FAIR_SHARE;
        drop(msg);
        for _ in 0..=turns {
            tokio::task::yield_now().await;
        }
    }
}

fn drain_events(s: &mut ServerSession, conn: &mut Conn) {
    for o in s.poll() {
        if let ServerOutput::Event(e) = o {
            conn.handle(s, e);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

impl Conn {
    /// Removes an upload from this session; its token is no longer live
    /// here (it may be parked for resumption by the caller).
    fn close_upload(&mut self, id: u64) -> Option<OpenUpload> {
        let open = self.uploads.remove(&id)?;
        self.server.set_live(&open.token, false);
        Some(open)
    }

    /// Whom this session's uploads count against for `max resume size per
    /// user`: the user who logged in, else (anonymous, or the shared
    /// token, which names nobody) the client's address.
    fn owner(&self) -> String {
        match self.login.as_ref().map_or("", Login::user) {
            "" => format!("address {}", self.peer),
            u => format!("user {u}"),
        }
    }

    /// The module, if this client may use it this way: hosts allow/deny,
    /// auth users, read only and write only, as rsyncd.conf says.
    fn access(&mut self, name: &str, how: Access) -> Result<Arc<Module>, Refusal> {
        let m = self
            .server
            .module(name)
            .ok_or_else(|| Refusal(Code::NoModule, format!("unknown module {}", escape(name))))?;
        let p = &m.policy;
        if !config::host_allowed(p, self.peer) {
            return Err(Refusal(
                Code::Denied,
                format!("host {} may not use module {}", self.peer, m.name),
            ));
        }
        if !self.login.as_ref().is_some_and(|l| l.may_use(p)) {
            return Err(Refusal(
                Code::Denied,
                format!("module {} needs an authorized user", m.name),
            ));
        }
        if !self.held.iter().any(|h| Arc::ptr_eq(h, m)) {
            // This session now counts against the module's `max connections`
            // (0: no limit, as rsync) and keeps to its `timeout`.
            let n = m.sessions.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(max) = p.max_connections.filter(|&max| max > 0 && n > max) {
                m.sessions.fetch_sub(1, Ordering::SeqCst);
                return Err(Refusal(
                    Code::TryLater,
                    format!(
                        "module {} has its maximum of {max} sessions: try later",
                        m.name
                    ),
                ));
            }
            self.held.push(m.clone());
            if let Some(t) = p.timeout.filter(|&t| t > 0) {
                self.idle = self.idle.min(std::time::Duration::from_secs(t));
            }
        }
        let m = m.clone();
        let p = &m.policy;
        match how {
            Access::Write if p.read_only => Err(Refusal(
                Code::Denied,
                format!("module {} is read only", m.name),
            )),
            Access::Read if p.write_only => Err(Refusal(
                Code::Denied,
                format!("module {} is write only", m.name),
            )),
            _ => Ok(m.clone()),
        }
    }

    /// A transfer line in the log file, if the module asks for them.
    fn log_transfer(&self, m: &Module, t: super::log::Transfer) {
        let Some(log) = &self.server.log else { return };
        if !m.policy.transfer_logging {
            return;
        }
        let format = m
            .policy
            .log_format
            .as_deref()
            .unwrap_or(super::log::DEFAULT_FORMAT);
        log.line(&super::log::render(format, &t));
    }

    /// The fields every transfer line has.
    fn transfer<'a>(
        &'a self,
        op: &'a str,
        m: &'a Module,
        path: &'a str,
    ) -> super::log::Transfer<'a> {
        let user = self.login.as_ref().map_or("", Login::user);
        super::log::Transfer {
            op,
            addr: self.peer.to_string(),
            module: &m.name,
            module_path: m.path.display().to_string(),
            user,
            path,
            len: 0,
            bytes: 0,
            itemize: String::new(),
            mtime: 0,
            mode: 0,
        }
    }

    fn handle(&mut self, s: &mut ServerSession, e: ServerEvent) {
        match e {
            ServerEvent::CheckAuth { response, nonce } => self.check_auth(s, &response, &nonce),
            ServerEvent::ListModules { id } => self.list_modules(s, id),
            ServerEvent::List {
                id,
                module,
                path,
                recursive,
                checksum,
            } => match self
                .access(&module, Access::Read)
                .and_then(|m| m.list(&path, recursive, checksum))
            {
                Ok(entries) => s.entries(id, entries),
                Err(Refusal(code, msg)) => s.fail(id, code, msg),
            },
            ServerEvent::PushBegin {
                id,
                module,
                path,
                size,
                resume,
                strong,
            } => {
                let r = match resume.is_empty() {
                    true => self.push_begin(s, id, &module, &path, size, strong),
                    false => self.push_resume(s, id, &module, &path, &resume),
                };
                if let Err(Refusal(code, msg)) = r {
                    s.fail(id, code, msg);
                }
            }
            ServerEvent::PushData { id, data } => self.push_data(s, id, &data),
            ServerEvent::PushCommit {
                id,
                sha256,
                basis,
                attrs,
            } => self.push_commit(s, id, &sha256, &basis, attrs),
            ServerEvent::PullOpen { id, module, path } => {
                if let Err(Refusal(code, msg)) = self.pull_open(id, &module, &path) {
                    s.fail(id, code, msg);
                }
            }
            ServerEvent::PullBegin {
                id,
                path,
                signature,
                ..
            } => {
                if let Err(Refusal(code, msg)) = self.pull_begin(s, id, &path, signature) {
                    s.fail(id, code, msg);
                }
            }
            ServerEvent::Delete { id, module, path } => {
                match self
                    .access(&module, Access::Write)
                    .and_then(|m| m.delete(&path).map(|()| m))
                {
                    Ok(m) => {
                        let mut t = self.transfer("del.", &m, &path);
                        t.itemize = item_string(b'f', DELETED, true);
                        self.log_transfer(&m, t);
                        s.done(id)
                    }
                    Err(Refusal(code, msg)) => s.fail(id, code, msg),
                }
            }
            ServerEvent::Make {
                id,
                module,
                path,
                kind,
                target,
                attrs,
            } => {
                match self
                    .access(&module, Access::Write)
                    .and_then(|m| m.make(&path, kind, &target, attrs).map(|()| m))
                {
                    Ok(m) => {
                        let mut t = self.transfer("recv", &m, &path);
                        let new = LOCAL_CHANGE | REPORT_CHANGE | IS_NEW;
                        t.itemize = match kind {
                            crate::protocol::Kind::Dir => item_string(b'd', new, true),
                            crate::protocol::Kind::Symlink => item_string(b'L', new, true),
                            crate::protocol::Kind::File => item_string(b'f', REPORT_TIME, true),
                        };
                        if let Some(a) = attrs {
                            t.mtime = a.mtime;
                            t.mode = a.mode;
                        }
                        self.log_transfer(&m, t);
                        s.done(id)
                    }
                    Err(Refusal(code, msg)) => s.fail(id, code, msg),
                }
            }
            ServerEvent::Cancel { id, dropped } => self.cancel(id, dropped),
        }
    }

    /// A login: throttled per address (login.rs), then checked.
    fn check_auth(&mut self, s: &mut ServerSession, response: &AuthResponse, nonce: &[u8; 32]) {
        // Failed logins are throttled per address (login.rs).
        let throttle = &self.server.throttle;
        match throttle.admit(self.peer) {
            Ok(delay) => self.pause = Some(delay).filter(|d| !d.is_zero()),
            Err(refusal) => {
                s.fail(0, Code::TryLater, refusal);
                s.close_quietly();
                return;
            }
        }
        let token = self.server.token.as_deref();
        self.login = login::check(&self.server.secrets, token, response, nonce);
        throttle.settle(self.peer, self.login.is_some());
        let motd = self.server.motd.clone();
        let _ = s.auth_result(self.login.is_some(), &motd);
    }

    /// The modules this peer may see listed.
    fn list_modules(&mut self, s: &mut ServerSession, id: u64) {
        let list = self
            .server
            .modules
            .iter()
            .filter(|m| m.policy.list && config::host_allowed(&m.policy, self.peer))
            .map(|m| ModuleInfo {
                name: m.name.clone(),
                comment: m.comment.clone(),
            })
            .collect();
        s.modules(id, list);
    }

    /// An upload's next delta bytes.
    fn push_data(&mut self, s: &mut ServerSession, id: u64, data: &[u8]) {
        let Some(u) = self.uploads.get_mut(&id).map(|o| &mut o.upload) else {
            return;
        };
        match u.apply(data) {
            Ok(()) => s.applied(id, u.applied),
            Err(Refusal(code, msg)) => {
                self.close_upload(id);
                s.fail(id, code, msg);
            }
        }
    }

    /// An upload's commit: checked, put in place and logged.
    fn push_commit(
        &mut self,
        s: &mut ServerSession,
        id: u64,
        sha256: &[u8; 32],
        basis: &[u8],
        attrs: Option<FileAttrs>,
    ) {
        let Some(open) = self.close_upload(id) else {
            return;
        };
        let (old, bytes) = (open.upload.identity.clone(), open.upload.applied);
        match open.upload.commit(sha256, basis, attrs) {
            Ok(c) => {
                tracing::info!(id, len = c.len, "upload committed");
                if let Some(m) = self.server.module(&open.module).cloned() {
                    let mut t = self.transfer("recv", &m, &open.path);
                    t.len = c.len;
                    t.bytes = bytes;
                    t.itemize = itemize_recv(&old, &c);
                    t.mtime = c.mtime;
                    t.mode = c.mode;
                    self.log_transfer(&m, t);
                }
                s.done(id)
            }
            Err(Refusal(code, msg)) => s.fail(id, code, msg),
        }
    }

    /// A cancelled request: a dropped upload parked for a resume.
    fn cancel(&mut self, id: u64, dropped: bool) {
        if let Some(open) = self.uploads.remove(&id) {
            // A dropped connection may come back to resume: park the
            // upload before its token stops being live, so that a
            // quick resume always finds one or the other.
            let token = open.token.clone();
            if dropped && open.upload.applied > 0 {
                self.server.park(open);
            }
            self.server.set_live(&token, false);
        }
        self.pulls.retain(|p| p.id != id);
        self.opening.remove(&id);
    }

    fn push_begin(
        &mut self,
        s: &mut ServerSession,
        id: u64,
        module: &str,
        path: &str,
        size: u64,
        strong: u8,
    ) -> Result<(), Refusal> {
        let m = self.access(module, Access::Write)?;
        let max = m.policy.max_file_size.unwrap_or(self.server.max_file_size);
        if size > max {
            return Err(Refusal(
                Code::TooLarge,
                format!("file of {size} bytes exceeds the limit"),
            ));
        }
        // A new upload takes over from an interrupted one to the same path.
        self.server.unpark_path(module, path);
        let (upload, sig) = m.begin_upload(path, max, strong, self.server.strong_len)?;
        let mut token = vec![0u8; 16];
        getrandom::fill(&mut token).map_err(|e| Refusal(Code::Io, e.to_string()))?;
        s.signature(id, &sig, upload.identity.clone(), token.clone(), 0);
        self.server.set_live(&token, true);
        let open = OpenUpload {
            upload,
            token,
            module: module.into(),
            path: path.into(),
            signature: sig,
            owner: self.owner(),
        };
        self.uploads.insert(id, open);
        Ok(())
    }

    /// Continues an upload that a dropped connection left behind.
    fn push_resume(
        &mut self,
        s: &mut ServerSession,
        id: u64,
        module: &str,
        path: &str,
        token: &[u8],
    ) -> Result<(), Refusal> {
        self.access(module, Access::Write)?;
        let open = self
            .server
            .unpark(token, module, path)
            .ok_or_else(|| Refusal(Code::NotFound, "no interrupted upload to resume".into()))?;
        s.signature(
            id,
            &open.signature,
            open.upload.identity.clone(),
            open.token.clone(),
            open.upload.applied,
        );
        self.server.set_live(&open.token, true);
        self.uploads.insert(id, open);
        Ok(())
    }

    /// Checks access to a download and opens its file, before the session
    /// reads its signature.
    fn pull_open(&mut self, id: u64, module: &str, path: &str) -> Result<(), Refusal> {
        let m = self.access(module, Access::Read)?;
        m.check_rules(path, false, crate::filter::Side::Sender)?;
        let file = m
            .open_file(path)?
            .ok_or_else(|| Refusal(Code::NotFound, format!("no such file: {}", escape(path))))?;
        let meta = file.metadata()?;
        use std::os::unix::fs::MetadataExt;
        let attrs = (meta.mtime(), meta.mtime_nsec() as u32, meta.mode() & 0o7777);
        let opened = Opened {
            file,
            module: m,
            attrs,
            len: meta.len(),
        };
        self.opening.insert(id, opened);
        Ok(())
    }

    /// Starts encoding a download opened by `pull_open` against the
    /// client's signature.
    fn pull_begin(
        &mut self,
        s: &mut ServerSession,
        id: u64,
        path: &str,
        sig: Signature,
    ) -> Result<(), Refusal> {
        // Nothing for a pull failed at PullOpen.
        let Some(Opened {
            file,
            module: m,
            attrs,
            len,
        }) = self.opening.remove(&id)
        else {
            return Ok(());
        };
        if !s.pull_start(id) {
            return Ok(());
        }
        // `dont compress`: already-compressed files go without deflate.
        let opts = match m.dont_compress(path) {
            true => crate::DeltaOptions {
                compress_level: 0,
                ..super::TRANSFER_DELTA
            },
            false => super::TRANSFER_DELTA,
        };
        let fresh = sig.basis_len() == 0;
        let mut encoder =
            DeltaEncoder::new(sig, opts).map_err(|e| Refusal(Code::Protocol, e.to_string()))?;
        encoder.set_deflater(crate::host::deflate::deflater(opts.compress_level));
        self.pulls.push(Pull {
            id,
            file,
            encoder,
            attrs,
            module: m,
            path: path.into(),
            len,
            sent: 0,
            fresh,
        });
        Ok(())
    }

    /// Encodes the next piece of a download.
    fn pull_step(&mut self, s: &mut ServerSession, i: usize) {
        let mut buf = vec![0u8; 256 << 10];
        let p = &mut self.pulls[i];
        match p.file.read(&mut buf) {
            Ok(0) => {
                let p = self.pulls.remove(i);
                let mut out = Vec::new();
                let stats = p.encoder.finish(&mut out);
                s.pull_data(p.id, &out, 0);
                let (mtime, nsec, mode) = p.attrs;
                s.pull_end(p.id, stats.sha256.unwrap_or([0; 32]), mtime, nsec, mode);
                let mut t = self.transfer("send", &p.module, &p.path);
                t.len = p.len;
                t.bytes = p.sent + out.len() as u64;
                t.itemize = match p.fresh {
                    true => "<f+++++++++".into(),
                    false => "<f.........".into(),
                };
                t.mtime = mtime;
                t.mode = mode;
                self.log_transfer(&p.module, t);
            }
            Ok(n) => {
                let mut out = Vec::new();
                p.encoder.update(&buf[..n], &mut out);
                p.sent += out.len() as u64;
                let id = p.id;
                s.pull_data(id, &out, n as u64);
            }
            Err(e) => {
                let id = self.pulls.remove(i).id;
                s.fail(id, Code::Io, e.to_string());
            }
        }
    }
}

/// rsync's itemize string for a received file: `>f+++++++++` when new,
/// else `>f` and the changes (size, time, permissions) as `>f.st......`.
fn itemize_recv(old: &[u8], c: &super::store::Committed) -> String {
    if old.len() < 16 {
        return item_string(b'f', TRANSFER | IS_NEW, true);
    }
    let word = |i: usize| u64::from_be_bytes(old[i..i + 8].try_into().unwrap_or_default());
    let mut flags = TRANSFER;
    if word(0) != c.len {
        flags |= REPORT_SIZE;
    }
    if word(8) as i64 != c.mtime {
        flags |= REPORT_TIME;
    }
    item_string(b'f', flags, true)
}
