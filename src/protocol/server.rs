//! The server side of a session, without I/O: messages in, events and
//! messages out. The host (`wsync serve`, or a test) does the file work each
//! event asks for and reports back through the methods below.

use super::budget::MemoryBudget;
use super::message::{
    AuthRequest, AuthResponse, Code, Entry, FileAttrs, Kind, Limits, Message, ModuleInfo,
};
use super::sender::DeltaSender;
use super::{ProtocolError, VERSION};
use crate::{Signature, SignatureDecoder, SignatureLimits};
use std::collections::HashMap;
use std::sync::Arc;

/// What the host must do.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerEvent {
    /// Check this response against the secret of `user` (or the token) for
    /// `nonce`, then call [`ServerSession::auth_result`].
    CheckAuth {
        /// The client's answer: a user and its MAC (check it with
        /// [`auth::verify`](super::auth::verify)), or a bearer token (empty:
        /// anonymous).
        response: AuthResponse,
        /// The nonce this session's Welcome carried, which the MAC covers.
        nonce: [u8; 32],
    },
    /// Answer with [`ServerSession::modules`].
    ListModules {
        /// The request to answer (the client's id).
        id: u64,
    },
    /// Answer with [`ServerSession::entries`] (or `fail`).
    List {
        /// The request to answer (the client's id).
        id: u64,
        /// The module to list in, as the client named it (not yet checked).
        module: String,
        /// The directory or entry to list, as the client sent it (not yet
        /// checked); empty or `.` for the module's root.
        path: String,
        /// List everything below the directory, not only its own entries.
        recursive: bool,
        /// Give each file's SHA-256 (`Entry::sum`).
        checksum: bool,
    },
    /// Open the target (its basis), then [`ServerSession::signature`] (or
    /// `fail`). With a `resume` token, continue that interrupted upload: send
    /// its signature again, with `from` = the delta bytes already applied.
    PushBegin {
        /// The upload (the client's id); every later event for it carries it.
        id: u64,
        /// The module to write in, as the client named it (not yet checked).
        module: String,
        /// The file to write, as the client sent it (not yet checked).
        path: String,
        /// The new file's size in bytes, as the client announced it.
        size: u64,
        /// The token of an interrupted upload to continue (one the host
        /// gave in [`ServerSession::signature`]), or empty for a new upload.
        resume: Vec<u8>,
        /// Strong-sum bytes the client wants at least (0: the server's choice).
        strong: u8,
    },
    /// The next delta bytes of an upload, in order; apply them, then `applied`.
    PushData {
        /// The upload they belong to.
        id: u64,
        /// The delta's next bytes (never empty; offsets already checked to
        /// follow on from the last chunk).
        data: Vec<u8>,
    },
    /// The delta is complete: if the basis is still `basis`, finish the patch,
    /// check `sha256`, move the result into place, then `done` (or `fail`
    /// with `BasisChanged` or `HashMismatch`).
    PushCommit {
        /// The upload to commit.
        id: u64,
        /// The SHA-256 the result must have.
        sha256: [u8; 32],
        /// The basis identity the host gave in
        /// [`ServerSession::signature`], as the client echoed it.
        basis: Vec<u8>,
        /// The mtime and mode the result gets, or `None` (keep the old
        /// file's mode, or the default for a new file; the time of the write).
        attrs: Option<FileAttrs>,
    },
    /// A client wants to download `module/path`: check that it may, and
    /// open the file; if not, `fail` the pull. This comes before the
    /// session reads any byte of the client's signature: a host that
    /// answers before it passes the session the next message never has
    /// a signature decoded for a pull it refuses, and what the client sent
    /// for a failed pull is dropped unread.
    PullOpen {
        /// The download (the client's id); every later event for it carries it.
        id: u64,
        /// The module to read from, as the client named it (not yet checked).
        module: String,
        /// The file to send, as the client sent it (not yet checked).
        path: String,
    },
    /// The client's signature of its copy arrived (for a pull the host did
    /// not fail): encode the file against it with [`ServerSession::pull_start`],
    /// [`ServerSession::pull_data`] and [`ServerSession::pull_end`].
    PullBegin {
        /// The download, as in its [`ServerEvent::PullOpen`].
        id: u64,
        /// The module, as in its `PullOpen`.
        module: String,
        /// The file, as in its `PullOpen`.
        path: String,
        /// The client's signature of its copy (empty when it has none),
        /// decoded within [`ServerConfig::signature_limits`].
        signature: Signature,
    },
    /// Remove a file, a symlink or an empty directory; then `done`.
    Delete {
        /// The request to answer (the client's id).
        id: u64,
        /// The module to delete in, as the client named it (not yet checked).
        module: String,
        /// The entry to remove, as the client sent it (not yet checked).
        path: String,
    },
    /// Make a directory or symlink, or set an entry's attributes; then
    /// `done` (see [`Message::Make`]).
    Make {
        /// The request to answer (the client's id).
        id: u64,
        /// The module to make it in, as the client named it (not yet checked).
        module: String,
        /// The entry to make, as the client sent it (not yet checked).
        path: String,
        /// `Dir`, `Symlink`, or `File` (only set the attributes).
        kind: Kind,
        /// The symlink's target, as the client sent it (not yet checked).
        target: String,
        /// The mtime and mode to give the entry, or `None` to leave them.
        attrs: Option<FileAttrs>,
    },
    /// The client gave up on this transfer, or (`dropped`) the session ended
    /// under it: drop its temporary state, or keep an upload's for a while so
    /// that the client can resume it; the target must stay as it was.
    Cancel {
        /// The upload or download to drop.
        id: u64,
        /// True when the session ended with the transfer open (the
        /// connection dropped); false when the client cancelled it.
        dropped: bool,
    },
}

/// Output of the session: messages to send and events for the host.
#[derive(Debug)]
pub enum Output {
    /// Encode it ([`Message::encode`]) and send it to the client, in this order.
    Send(Message),
    /// File work for the host, answered through the session's methods.
    Event(ServerEvent),
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    Hello,
    Auth,
    Ready,
    Closed,
}

enum Transfer {
    /// Upload: expecting delta bytes from `next`.
    Push { next: u64 },
    /// Download: receiving the client's signature.
    PullSig {
        module: String,
        path: String,
        decoder: SignatureDecoder,
    },
    /// Download: the signature is with the host, which starts the delta.
    PullSigned,
    /// Download: sending the delta.
    Pull(DeltaSender),
    /// Download: all sent; acknowledgements may still arrive.
    PullSent(DeltaSender),
}

/// Server configuration that bounds what a client may ask for.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The server's name and version, sent in the Welcome
    /// (`wsync/VERSION` by default).
    pub agent: String,
    /// The most this server allows; a client's proposals are clamped to it.
    pub limits: Limits,
    /// Signatures a client may send (downloads).
    pub signature_limits: SignatureLimits,
    /// Transfers open at once in one session.
    pub max_transfers: usize,
    /// Bytes of download signatures one session may hold at once. A
    /// signature byte counts twice: its sums, and the index the delta
    /// encoder builds over them. Over it, the pull fails with `TooLarge`.
    pub session_memory: u64,
    /// The server's budget for those bytes, shared by all its sessions
    /// (clones of this configuration share it). Over it, the pull fails
    /// with `TryLater`.
    pub memory: Arc<MemoryBudget>,
}

/// How many bytes a session holds per signature byte it receives.
pub const SIGNATURE_COST: u64 = 2;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            agent: format!("wsync/{}", env!("CARGO_PKG_VERSION")),
            limits: Limits::default(),
            signature_limits: SignatureLimits::default(),
            max_transfers: 64,
            session_memory: 128 << 20,
            memory: Arc::new(MemoryBudget::default()),
        }
    }
}

/// The server's side of one session, a state machine without I/O.
///
/// The host passes every message from the client to
/// [`receive`](Self::receive), sends what [`poll`](Self::poll) gives as
/// [`Output::Send`], and does the file work each [`ServerEvent`] asks for,
/// answering through the methods below (`modules`, `entries`, `signature`,
/// `applied`, `done`, `fail`, `pull_start`...).
pub struct ServerSession {
    config: ServerConfig,
    limits: Limits,
    auth: AuthRequest,
    phase: Phase,
    transfers: HashMap<u64, Transfer>,
    /// Transfers the server failed lately: what the client sent for them
    /// before it heard is ignored, not a protocol error.
    failed: std::collections::VecDeque<u64>,
    out: Vec<Output>,
    /// Bytes each download holds (its signature), taken from the budget.
    held: HashMap<u64, u64>,
    /// Their sum: what this session holds.
    held_total: u64,
}

impl Drop for ServerSession {
    fn drop(&mut self) {
        // Whatever the host did, the budget gets back what the session held.
        self.config.memory.give_back(self.held_total);
    }
}

/// How many failed transfers are remembered.
const FAILED_KEPT: usize = 256;

impl ServerSession {
    /// `nonce`: fresh random bytes when authentication is required.
    pub fn new(config: ServerConfig, nonce: Option<[u8; 32]>) -> Self {
        ServerSession {
            limits: config.limits,
            auth: match nonce {
                Some(nonce) => AuthRequest::Challenge { nonce },
                None => AuthRequest::None,
            },
            config,
            phase: Phase::Hello,
            transfers: HashMap::new(),
            failed: std::collections::VecDeque::new(),
            out: Vec::new(),
            held: HashMap::new(),
            held_total: 0,
        }
    }

    /// The limits in force (after the client's Hello).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Takes what the session produced since the last call.
    pub fn poll(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// Whether the session has ended (an Error with id 0 either way, a
    /// failed handshake, or [`close_quietly`](Self::close_quietly)).
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Whether the handshake (version and authentication) is done.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    fn send(&mut self, m: Message) {
        self.out.push(Output::Send(m));
    }

    fn event(&mut self, e: ServerEvent) {
        self.out.push(Output::Event(e));
    }

    /// Ends the session with an error message to the peer.
    fn close(&mut self, code: Code, message: impl Into<String>) -> ProtocolError {
        let message = message.into();
        self.send(Message::Error {
            id: 0,
            code,
            message: message.clone(),
        });
        self.close_quietly();
        ProtocolError::Peer { code, message }
    }

    /// Ends the session (the connection dropped): every open transfer is cancelled.
    pub fn close_quietly(&mut self) {
        self.phase = Phase::Closed;
        let mut ids: Vec<u64> = self.transfers.keys().copied().collect();
        ids.sort_unstable();
        self.transfers.clear();
        self.config.memory.give_back(self.held_total);
        self.held.clear();
        self.held_total = 0;
        for id in ids {
            self.event(ServerEvent::Cancel { id, dropped: true });
        }
    }

    /// Handles one encoded message from the client. An error ends the
    /// session (an Error message to the client is queued first).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        if self.phase == Phase::Closed {
            return Err(ProtocolError::Closed);
        }
        if bytes.len() > self.limits.max_message as usize {
            let max = self.limits.max_message;
            return Err(self.close(
                Code::TooLarge,
                format!("message of {} bytes exceeds {max}", bytes.len()),
            ));
        }
        let msg = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => return Err(self.close(Code::Protocol, e.to_string())),
        };
        self.handle(msg)
    }

    fn handle(&mut self, msg: Message) -> Result<(), ProtocolError> {
        if let Message::Error {
            id: 0,
            code,
            message,
        } = msg
        {
            // Id 0 is the session: the client ends it, in any phase.
            self.close_quietly();
            return Err(ProtocolError::Peer { code, message });
        }
        match (&self.phase, msg) {
            (
                Phase::Hello,
                Message::Hello {
                    min_version,
                    max_version,
                    limits,
                    ..
                },
            ) => {
                if min_version > VERSION || max_version < VERSION {
                    return Err(self.close(
                        Code::Version,
                        format!("client speaks versions {min_version} to {max_version}, this server {VERSION}"),
                    ));
                }
                self.limits = limits.clamp_to(self.config.limits);
                self.send(Message::Welcome {
                    version: VERSION,
                    agent: self.config.agent.clone(),
                    limits: self.limits,
                    auth: self.auth.clone(),
                });
                self.phase = match self.auth {
                    AuthRequest::None => Phase::Ready,
                    AuthRequest::Challenge { .. } => Phase::Auth,
                };
                Ok(())
            }
            (Phase::Auth, Message::Auth(response)) => {
                let AuthRequest::Challenge { nonce } = self.auth else {
                    return Err(self.close(Code::Protocol, "unexpected Auth"));
                };
                self.event(ServerEvent::CheckAuth { response, nonce });
                Ok(())
            }
            (Phase::Ready, msg) => self.request(msg),
            (_, msg) => Err(self.close(Code::Protocol, format!("unexpected {} now", name(&msg)))),
        }
    }

    fn open(&mut self, id: u64, t: Transfer) -> Result<(), ProtocolError> {
        if self.transfers.contains_key(&id) {
            return Err(self.close(Code::Protocol, format!("request id {id} is already in use")));
        }
        if self.transfers.len() >= self.config.max_transfers {
            self.remember_failed(id);
            self.send(Message::Error {
                id,
                code: Code::TryLater,
                message: "too many transfers in this session".into(),
            });
            return Ok(());
        }
        self.transfers.insert(id, t);
        Ok(())
    }

    /// Removes a transfer for good; the bytes it held go back to the budget.
    fn end(&mut self, id: u64) -> Option<Transfer> {
        let t = self.transfers.remove(&id);
        self.release(id);
        t
    }

    fn release(&mut self, id: u64) {
        if let Some(n) = self.held.remove(&id) {
            self.held_total -= n;
            self.config.memory.give_back(n);
        }
    }

    /// The next bytes of a download's signature, if the session's and the
    /// server's budgets have room for them; else the pull fails.
    fn signature_chunk(&mut self, id: u64, data: &[u8]) {
        let cost = SIGNATURE_COST.saturating_mul(data.len() as u64);
        let mine = self.config.session_memory;
        if self.held_total.saturating_add(cost) > mine {
            let message = format!(
                "signatures of this session would hold more than {mine} bytes (session memory)"
            );
            return self.fail(id, Code::TooLarge, message);
        }
        if !self.config.memory.try_take(cost) {
            let all = self.config.memory.limit();
            let message = format!("the server's memory budget ({all} bytes) is in use: try later");
            return self.fail(id, Code::TryLater, message);
        }
        *self.held.entry(id).or_default() += cost;
        self.held_total += cost;
        if let Some(Transfer::PullSig { decoder, .. }) = self.transfers.get_mut(&id) {
            if let Err(e) = decoder.update(data) {
                self.fail(id, Code::Protocol, e.to_string());
            }
        }
    }

    fn remember_failed(&mut self, id: u64) {
        if self.failed.len() >= FAILED_KEPT {
            self.failed.pop_front();
        }
        self.failed.push_back(id);
    }

    /// Whether `msg` belongs to a transfer this server already failed (the
    /// client sent it before it heard); a Commit or SigEnd ends that.
    fn late(&mut self, msg: &Message) -> bool {
        let (id, last) = match msg {
            Message::DeltaChunk { id, .. } | Message::Ack { id, .. } => (*id, false),
            Message::SigChunk { id, .. } => (*id, false),
            Message::Commit { id, .. } | Message::SigEnd { id, .. } => (*id, true),
            _ => return false,
        };
        if self.transfers.contains_key(&id) {
            return false;
        }
        let Some(i) = self.failed.iter().position(|&f| f == id) else {
            return false;
        };
        if last {
            self.failed.remove(i);
        }
        true
    }

    fn request(&mut self, msg: Message) -> Result<(), ProtocolError> {
        if self.late(&msg) {
            return Ok(());
        }
        match msg {
            Message::ListModules { id } => self.event(ServerEvent::ListModules { id }),
            Message::List {
                id,
                module,
                path,
                recursive,
                checksum,
            } => self.event(ServerEvent::List {
                id,
                module,
                path,
                recursive,
                checksum,
            }),
            Message::PushBegin {
                id,
                module,
                path,
                size,
                resume,
                strong,
            } => {
                self.open(id, Transfer::Push { next: 0 })?;
                if self.transfers.contains_key(&id) {
                    self.event(ServerEvent::PushBegin {
                        id,
                        module,
                        path,
                        size,
                        resume,
                        strong,
                    });
                }
            }
            Message::DeltaChunk { id, offset, data } => match self.transfers.get_mut(&id) {
                Some(Transfer::Push { next }) if *next == offset && !data.is_empty() => {
                    *next += data.len() as u64;
                    self.event(ServerEvent::PushData { id, data });
                }
                Some(Transfer::Push { next }) => {
                    let next = *next;
                    return Err(self.close(
                        Code::Protocol,
                        format!("delta chunk at {offset}, expected {next}"),
                    ));
                }
                _ => return Err(self.close(Code::Protocol, format!("no upload {id}"))),
            },
            Message::Commit {
                id,
                sha256,
                basis,
                attrs,
            } => match self.end(id) {
                Some(Transfer::Push { .. }) => self.event(ServerEvent::PushCommit {
                    id,
                    sha256,
                    basis,
                    attrs,
                }),
                _ => return Err(self.close(Code::Protocol, format!("no upload {id}"))),
            },
            Message::PullBegin { id, module, path } => {
                // The host checks access and opens the file first (its
                // answer comes before the next message is read).
                let decoder = SignatureDecoder::new(self.config.signature_limits);
                let t = Transfer::PullSig {
                    module: module.clone(),
                    path: path.clone(),
                    decoder,
                };
                self.open(id, t)?;
                if self.transfers.contains_key(&id) {
                    self.event(ServerEvent::PullOpen { id, module, path });
                }
            }
            Message::SigChunk { id, data } => match self.transfers.get(&id) {
                Some(Transfer::PullSig { .. }) => self.signature_chunk(id, &data),
                _ => return Err(self.close(Code::Protocol, format!("no download {id}"))),
            },
            Message::SigEnd { id, .. } => match self.transfers.remove(&id) {
                Some(Transfer::PullSig {
                    module,
                    path,
                    decoder,
                }) => match decoder.finish() {
                    Ok(signature) => {
                        // The signature's bytes stay counted while the host
                        // encodes against it.
                        self.transfers.insert(id, Transfer::PullSigned);
                        self.event(ServerEvent::PullBegin {
                            id,
                            module,
                            path,
                            signature,
                        })
                    }
                    Err(e) => {
                        self.release(id);
                        self.send(Message::Error {
                            id,
                            code: Code::Protocol,
                            message: e.to_string(),
                        })
                    }
                },
                _ => return Err(self.close(Code::Protocol, format!("no download {id}"))),
            },
            Message::Ack { id, received } => match self.transfers.get_mut(&id) {
                Some(Transfer::Pull(s)) => {
                    if let Err(e) = s.ack(received) {
                        return Err(self.close(Code::Protocol, e));
                    }
                }
                Some(Transfer::PullSent(s)) => {
                    if let Err(e) = s.ack(received) {
                        return Err(self.close(Code::Protocol, e));
                    }
                    if s.all_acked() {
                        self.end(id);
                    }
                }
                _ => return Err(self.close(Code::Protocol, format!("no download {id}"))),
            },
            Message::Delete { id, module, path } => {
                self.event(ServerEvent::Delete { id, module, path })
            }
            Message::Make {
                id,
                module,
                path,
                kind,
                target,
                attrs,
            } => self.event(ServerEvent::Make {
                id,
                module,
                path,
                kind,
                target,
                attrs,
            }),
            Message::Error { id, .. } => {
                // The client abandons a transfer.
                if self.end(id).is_some() {
                    self.event(ServerEvent::Cancel { id, dropped: false });
                }
            }
            other => return Err(self.close(Code::Protocol, format!("unexpected {}", name(&other)))),
        }
        Ok(())
    }

    // ---- The host's answers ----

    /// The result of [`ServerEvent::CheckAuth`].
    pub fn auth_result(&mut self, ok: bool, motd: &str) -> Result<(), ProtocolError> {
        if self.phase != Phase::Auth {
            return Err(ProtocolError::Closed);
        }
        if !ok {
            return Err(self.close(Code::AuthFailed, "authentication failed"));
        }
        self.phase = Phase::Ready;
        self.send(Message::AuthOk { motd: motd.into() });
        Ok(())
    }

    /// The answer to [`ServerEvent::ListModules`]: the modules this client
    /// may see.
    pub fn modules(&mut self, id: u64, modules: Vec<ModuleInfo>) {
        self.send(Message::Modules { id, modules });
    }

    /// Sends a listing, split into messages that fit the limits.
    pub fn entries(&mut self, id: u64, entries: Vec<Entry>) {
        let budget = (self.limits.max_message as usize / 2).max(1);
        let mut batch = Vec::new();
        let mut size = 0;
        for e in entries {
            size += e.path.len() + e.target.len() + 40;
            batch.push(e);
            if size >= budget {
                self.send(Message::Entries {
                    id,
                    entries: std::mem::take(&mut batch),
                    done: false,
                });
                size = 0;
            }
        }
        self.send(Message::Entries {
            id,
            entries: batch,
            done: true,
        });
    }

    /// The basis's signature for an upload, with its identity, the upload's
    /// resume token, and where its delta goes on (0 for a new upload).
    pub fn signature(
        &mut self,
        id: u64,
        signature: &[u8],
        basis: Vec<u8>,
        token: Vec<u8>,
        from: u64,
    ) {
        for c in signature.chunks(self.limits.chunk as usize) {
            self.send(Message::SigChunk {
                id,
                data: c.to_vec(),
            });
        }
        if let Some(Transfer::Push { next }) = self.transfers.get_mut(&id) {
            *next = from;
        }
        self.send(Message::SigEnd {
            id,
            basis,
            token,
            from,
        });
    }

    /// Delta bytes up to `upto` are applied: acknowledge them.
    pub fn applied(&mut self, id: u64, upto: u64) {
        if self.transfers.contains_key(&id) {
            self.send(Message::Ack { id, received: upto });
        }
    }

    /// A request finished.
    pub fn done(&mut self, id: u64) {
        self.send(Message::Done { id });
    }

    /// A request failed; the session goes on.
    pub fn fail(&mut self, id: u64, code: Code, message: impl Into<String>) {
        if self.end(id).is_some() {
            self.remember_failed(id);
        }
        self.send(Message::Error {
            id,
            code,
            message: message.into(),
        });
    }

    /// Starts sending a download's delta (after [`ServerEvent::PullBegin`]).
    /// False when the pull is no longer open (the host failed it at
    /// [`ServerEvent::PullOpen`], or the client cancelled it): nothing to do.
    pub fn pull_start(&mut self, id: u64) -> bool {
        match self.transfers.get_mut(&id) {
            Some(t @ Transfer::PullSigned) => {
                *t = Transfer::Pull(DeltaSender::new(id, self.limits));
                true
            }
            _ => false,
        }
    }

    /// Whether a download may send more now (its window is open).
    pub fn pull_ready(&self, id: u64) -> bool {
        matches!(self.transfers.get(&id), Some(Transfer::Pull(s)) if s.window_open())
    }

    /// Delta bytes of a download, in order: the encoding of the next
    /// `covers` bytes of the file (they go out sooner when they stand for
    /// much of it).
    pub fn pull_data(&mut self, id: u64, data: &[u8], covers: u64) {
        if let Some(Transfer::Pull(s)) = self.transfers.get_mut(&id) {
            let msgs = s.send(data, covers);
            self.out.extend(msgs.into_iter().map(Output::Send));
        }
    }

    /// The end of a download's delta, with the file's hash and attributes.
    pub fn pull_end(&mut self, id: u64, sha256: [u8; 32], mtime: i64, mtime_nsec: u32, mode: u32) {
        if let Some(Transfer::Pull(mut s)) = self.transfers.remove(&id) {
            let msgs = s.flush();
            self.out.extend(msgs.into_iter().map(Output::Send));
            self.send(Message::PullEnd {
                id,
                sha256,
                mtime,
                mtime_nsec,
                mode,
            });
            match s.all_acked() {
                true => self.release(id),
                false => {
                    self.transfers.insert(id, Transfer::PullSent(s));
                }
            }
        }
    }
}

pub(super) fn name(m: &Message) -> &'static str {
    use Message::*;
    match m {
        Hello { .. } => "Hello",
        Welcome { .. } => "Welcome",
        Auth(_) => "Auth",
        AuthOk { .. } => "AuthOk",
        ListModules { .. } => "ListModules",
        Modules { .. } => "Modules",
        List { .. } => "List",
        Entries { .. } => "Entries",
        PushBegin { .. } => "PushBegin",
        PullBegin { .. } => "PullBegin",
        SigChunk { .. } => "SigChunk",
        SigEnd { .. } => "SigEnd",
        DeltaChunk { .. } => "DeltaChunk",
        Ack { .. } => "Ack",
        Commit { .. } => "Commit",
        PullEnd { .. } => "PullEnd",
        Delete { .. } => "Delete",
        Make { .. } => "Make",
        Done { .. } => "Done",
        Error { .. } => "Error",
    }
}
