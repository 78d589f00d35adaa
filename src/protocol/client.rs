//! The client side of a session, without I/O. The client encodes uploads
//! itself (it owns the delta encoder, fed by the host with the file's bytes)
//! and hands download deltas to the host's patcher.

use super::auth;
use super::idmap::IdMap;
use super::message::{
    request_name, AuthRequest, AuthResponse, Code, Entry, FileAttrs, Kind, Limits, Message,
    ModuleInfo,
};
use super::sender::DeltaSender;
use super::server::name;
use super::{ProtocolError, VERSION};
use crate::text::{display_by_describe, Describe, Text};
use crate::{
    DeltaEncoder, DeltaOptions, DeltaStats, Signature, SignatureDecoder, SignatureLimits,
    WholeHasher,
};
use std::sync::Arc;

/// What happened, for the host.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server wants a response to this challenge: call `authenticate`.
    Challenge,
    /// The session is ready for requests (the handshake is done).
    Ready {
        /// The server's message of the day (empty without authentication).
        motd: String,
    },
    /// The answer to [`ClientSession::list_modules`].
    Modules {
        /// The request this answers (the id `list_modules` returned).
        id: u64,
        /// The modules this client may see, with their comments.
        modules: Vec<ModuleInfo>,
    },
    /// Part of the answer to [`ClientSession::list`]: more follow until
    /// `done`.
    Entries {
        /// The request this answers (the id `list` returned).
        id: u64,
        /// The next entries of the listing.
        entries: Vec<Entry>,
        /// True on the listing's last part.
        done: bool,
    },
    /// The basis's signature arrived: feed the file with `push_data`, from
    /// its start even when resuming (`from` > 0: what the server already has
    /// is skipped). Keep `token` to resume the upload if the connection drops.
    PushReady {
        /// The upload (the id `push` returned).
        id: u64,
        /// The server's name for this upload, to give
        /// [`ClientSession::push_resume`] after a dropped connection.
        token: Vec<u8>,
        /// Delta bytes the server already has (0 for a new upload).
        from: u64,
    },
    /// The server applied the delta up to `acked` bytes.
    PushAcked {
        /// The upload (the id `push` returned).
        id: u64,
        /// Delta bytes applied so far, counted from the delta's start.
        acked: u64,
    },
    /// Delta bytes of a download, in order, for the host's patcher; call
    /// [`ClientSession::pull_applied`] once they are applied.
    PullData {
        /// The download (the id `pull` returned).
        id: u64,
        /// The delta's next bytes.
        data: Vec<u8>,
    },
    /// The end of a download: finish the patcher, then hand its result's
    /// SHA-256 to [`ClientSession::pull_finish`], which checks it.
    PullEnd {
        /// The download (the id `pull` returned).
        id: u64,
        /// The server file's SHA-256, which the result must have.
        sha256: [u8; 32],
        /// The server file's modification time: seconds since the epoch ...
        mtime: i64,
        /// ... and nanoseconds within that second.
        mtime_nsec: u32,
        /// The server file's permission bits (`st_mode & 0o7777`).
        mode: u32,
    },
    /// A request finished (an upload is committed).
    Done {
        /// The request that finished.
        id: u64,
    },
    /// A request failed; `BasisChanged` means: push again.
    Failed {
        /// The request that failed.
        id: u64,
        /// What went wrong, as a number the program can act on.
        code: Code,
        /// What went wrong, for a person: the server's text, or the
        /// client's own when it abandoned the transfer.
        message: String,
    },
}

/// What [`ClientSession::poll`] returns: a message to send to the server,
/// or an event for the host.
#[derive(Debug)]
pub enum Output {
    /// Encode it ([`Message::encode`]) and send it, in this order.
    Send(Message),
    /// Something the host must know or act on.
    Event(ClientEvent),
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    Hello,
    Auth,
    Ready,
    Closed,
}

enum Transfer {
    Request,
    /// Receiving an upload's signature; the hasher the host gave for the
    /// file's SHA-256, if any.
    PushSig(SignatureDecoder, Option<WholeHasher>),
    Push {
        /// The signature behind an `Arc`, as the wasm `DeltaEncoder` holds
        /// it: one instance of the encoder's code in the module.
        encoder: Box<DeltaEncoder<Arc<Signature>>>,
        sender: DeltaSender,
        basis: Vec<u8>,
    },
    Committing,
    Pull {
        next: u64,
    },
    /// A download the server ended: the SHA-256 its result must have,
    /// until the host's [`ClientSession::pull_finish`].
    Pulled([u8; 32]),
}

/// What [`ClientSession::pull_finish`] says of a download's result that is
/// not the server's file: its SHA-256 differs from the server's, or the
/// patcher had none (a delta without one), or the download had not ended.
/// The result must not be used; its code is [`Code::HashMismatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullMismatch;

impl PullMismatch {
    /// The code of this failure.
    pub const CODE: Code = Code::HashMismatch;
    /// Its text.
    pub const TEXT: &'static str = "the result's SHA-256 differs from the server's";
}

impl Describe for PullMismatch {
    fn describe(&self, t: &mut Text) {
        t.s(Self::TEXT);
    }
}

display_by_describe!(PullMismatch);
impl std::error::Error for PullMismatch {}

/// The client's side of one session, a state machine without I/O.
///
/// [`new`](Self::new) queues the Hello. The host sends what
/// [`poll`](Self::poll) gives as [`Output::Send`], passes every message from
/// the server to [`receive`](Self::receive), and acts on each
/// [`ClientEvent`]. Requests (`list`, `push`, `pull`...) return the id their
/// replies and events carry; several may be open at once.
pub struct ClientSession {
    phase: Phase,
    nonce: Option<[u8; 32]>,
    limits: Limits,
    delta: DeltaOptions,
    transfers: IdMap<Transfer>,
    next_id: u64,
    out: Vec<Output>,
    /// Requests cancelled lately, whose late replies are ignored, oldest
    /// first (a `Vec`: a `VecDeque` would add its code to the wasm module).
    cancelled: Vec<u64>,
    /// Makes each upload's literal compressor for a level (default: the
    /// core's). Native hosts only: the wasm build keeps its code small.
    #[cfg(not(target_arch = "wasm32"))]
    deflater: Option<DeflaterFactory>,
}

/// Makes a [`crate::Deflater`] for a compression level.
#[cfg(not(target_arch = "wasm32"))]
pub type DeflaterFactory = Box<dyn FnMut(u32) -> crate::Deflater + Send>;

/// Cancelled requests remembered; older ones' late replies are errors again.
const MAX_CANCELLED: usize = 1024;

/// A reply's request id, and whether it is the request's last message.
fn request_of(msg: &Message) -> Option<(u64, bool)> {
    Some(match msg {
        Message::Modules { id, .. } | Message::PullEnd { id, .. } | Message::Done { id } => {
            (*id, true)
        }
        Message::Error { id, .. } => (*id, true),
        Message::Entries { id, done, .. } => (*id, *done),
        Message::SigChunk { id, .. }
        | Message::SigEnd { id, .. }
        | Message::Ack { id, .. }
        | Message::DeltaChunk { id, .. } => (*id, false),
        _ => return None,
    })
}

impl ClientSession {
    /// Starts a session; the Hello proposes `limits`.
    pub fn new(agent: &str, limits: Limits, delta: DeltaOptions) -> Self {
        let mut s = ClientSession {
            phase: Phase::Hello,
            nonce: None,
            limits,
            delta,
            transfers: IdMap::default(),
            next_id: 1,
            out: Vec::new(),
            cancelled: Vec::new(),
            #[cfg(not(target_arch = "wasm32"))]
            deflater: None,
        };
        s.send(Message::Hello {
            min_version: VERSION,
            max_version: VERSION,
            agent: agent.into(),
            limits,
        });
        s
    }

    /// Uploads deflate their literals with compressors from `make`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn set_deflater(&mut self, make: DeflaterFactory) {
        self.deflater = Some(make);
    }

    /// Takes what the session produced since the last call: messages to
    /// send, in order, and events for the host.
    pub fn poll(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// Limits granted by the server.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether the handshake (version and authentication) is done, so that
    /// requests may be made.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    fn send(&mut self, m: Message) {
        self.out.push(Output::Send(m));
    }

    fn event(&mut self, e: ClientEvent) {
        self.out.push(Output::Event(e));
    }

    fn fail(&mut self, message: impl Into<String>) -> ProtocolError {
        self.phase = Phase::Closed;
        ProtocolError::Protocol(message.into())
    }

    /// Handles one encoded message from the server.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        if self.phase == Phase::Closed {
            return Err(ProtocolError::Closed);
        }
        if bytes.len() > self.limits.max_message as usize {
            let mut t = Text::default();
            t.s("message of ")
                .size(bytes.len())
                .s(" bytes exceeds ")
                .n(self.limits.max_message);
            return Err(self.fail(t));
        }
        if let Some(name) = bytes.first().and_then(|&k| request_name(k)) {
            // A request type, which servers never send: refused by its type
            // byte, as `reply` and the arm below refuse one decoded.
            let now = if self.phase == Phase::Ready {
                ""
            } else {
                " now"
            };
            return Err(self.fail(["unexpected ", name, now].concat()));
        }
        let msg = Message::decode_reply(bytes).map_err(|e| self.fail(e.text()))?;
        match (&self.phase, msg) {
            (
                _,
                Message::Error {
                    id: 0,
                    code,
                    message,
                },
            ) => {
                self.phase = Phase::Closed;
                Err(ProtocolError::Peer { code, message })
            }
            (
                Phase::Hello,
                Message::Welcome {
                    version,
                    limits,
                    auth,
                    ..
                },
            ) => {
                if version != VERSION {
                    return Err(self.fail(numbered("server chose version", version.into())));
                }
                // The server may only lower what was proposed.
                if limits.max_message > self.limits.max_message
                    || limits.chunk > self.limits.chunk
                    || limits.window > self.limits.window
                {
                    return Err(self.fail("server raised the proposed limits"));
                }
                self.limits = limits;
                match auth {
                    AuthRequest::None => {
                        self.phase = Phase::Ready;
                        self.event(ClientEvent::Ready {
                            motd: String::new(),
                        });
                    }
                    AuthRequest::Challenge { nonce } => {
                        self.nonce = Some(nonce);
                        self.phase = Phase::Auth;
                        self.event(ClientEvent::Challenge);
                    }
                }
                Ok(())
            }
            (Phase::Auth, Message::AuthOk { motd }) => {
                self.phase = Phase::Ready;
                self.event(ClientEvent::Ready { motd });
                Ok(())
            }
            (Phase::Ready, msg) => self.reply(msg),
            (_, msg) => Err(self.fail(["unexpected ", name(&msg), " now"].concat())),
        }
    }

    fn reply(&mut self, msg: Message) -> Result<(), ProtocolError> {
        // What the server sent before it saw a cancel is dropped.
        if let Some((id, last)) = request_of(&msg) {
            if let Some(i) = self.cancelled.iter().position(|&c| c == id) {
                if last {
                    self.cancelled.remove(i);
                }
                return Ok(());
            }
        }
        match msg {
            Message::Modules { id, modules } => {
                self.expect_request(id)?;
                self.transfers.remove(id);
                self.event(ClientEvent::Modules { id, modules });
            }
            Message::Entries { id, entries, done } => {
                self.expect_request(id)?;
                if done {
                    self.transfers.remove(id);
                }
                self.event(ClientEvent::Entries { id, entries, done });
            }
            Message::SigChunk { id, data } => match self.transfers.get_mut(id) {
                Some(Transfer::PushSig(d, _)) => {
                    if let Err(e) = d.update(&data) {
                        self.abandon(id, Code::Protocol, bad_signature(&e));
                    }
                }
                _ => return Err(self.fail(numbered("signature for unknown upload", id))),
            },
            Message::SigEnd {
                id,
                basis,
                token,
                from,
            } => match self.transfers.remove(id) {
                Some(Transfer::PushSig(d, sha)) => match d.finish() {
                    Ok(sig) => {
                        // The upload's own hasher, else the core's.
                        let sha = sha.unwrap_or_else(|| Box::new(crate::Sha256::new()));
                        let encoder = DeltaEncoder::with_hasher(Arc::new(sig), self.delta, sha)
                            .map_err(|e| self.fail(e.text()))?;
                        let mut first = Vec::new();
                        let mut encoder = Box::new(encoder);
                        #[cfg(not(target_arch = "wasm32"))]
                        if let Some(make) = &mut self.deflater {
                            encoder.set_deflater(make(self.delta.compress_level));
                        }
                        // The delta header goes out with the first data.
                        encoder.update(&[], &mut first);
                        // A resumed upload regenerates the same delta (the
                        // encoder is deterministic) and skips what the
                        // server already applied.
                        let mut sender = DeltaSender::new(id, self.limits);
                        sender.skip_to(from);
                        let msgs = sender.send(&first, 0);
                        self.out.extend(msgs.into_iter().map(Output::Send));
                        self.transfers.insert(
                            id,
                            Transfer::Push {
                                encoder,
                                sender,
                                basis,
                            },
                        );
                        self.event(ClientEvent::PushReady { id, token, from });
                    }
                    Err(e) => self.abandon(id, Code::Protocol, bad_signature(&e)),
                },
                _ => return Err(self.fail(numbered("signature end for unknown upload", id))),
            },
            Message::Ack { id, received } => match self.transfers.get_mut(id) {
                Some(Transfer::Push { sender, .. }) => {
                    sender.ack(received).map_err(ProtocolError::Protocol)?;
                    self.event(ClientEvent::PushAcked {
                        id,
                        acked: received,
                    });
                }
                Some(Transfer::Committing) => self.event(ClientEvent::PushAcked {
                    id,
                    acked: received,
                }),
                _ => return Err(self.fail(numbered("acknowledgement for unknown upload", id))),
            },
            Message::DeltaChunk { id, offset, data } => match self.transfers.get_mut(id) {
                Some(Transfer::Pull { next }) if *next == offset && !data.is_empty() => {
                    *next += data.len() as u64;
                    self.event(ClientEvent::PullData { id, data });
                }
                _ => {
                    let mut t = Text::default();
                    t.s("unexpected delta chunk for ").n(id).s(" at ").n(offset);
                    return Err(self.fail(t));
                }
            },
            Message::PullEnd {
                id,
                sha256,
                mtime,
                mtime_nsec,
                mode,
            } => match self.transfers.get_mut(id) {
                Some(t @ Transfer::Pull { .. }) => {
                    // Kept for `pull_finish`, which checks the result.
                    *t = Transfer::Pulled(sha256);
                    self.event(ClientEvent::PullEnd {
                        id,
                        sha256,
                        mtime,
                        mtime_nsec,
                        mode,
                    })
                }
                _ => return Err(self.fail(numbered("unexpected end of download", id))),
            },
            Message::Done { id } => {
                if self.transfers.remove(id).is_none() {
                    return Err(self.fail(numbered("done for unknown request", id)));
                }
                self.event(ClientEvent::Done { id });
            }
            Message::Error { id, code, message } => {
                if self.transfers.remove(id).is_some() {
                    self.event(ClientEvent::Failed { id, code, message });
                }
            }
            other => return Err(self.fail(["unexpected ", name(&other)].concat())),
        }
        Ok(())
    }

    fn expect_request(&mut self, id: u64) -> Result<(), ProtocolError> {
        match self.transfers.get(id) {
            Some(Transfer::Request) => Ok(()),
            _ => Err(self.fail(numbered("reply to unknown request", id))),
        }
    }

    /// Gives up on a transfer: tells the server, reports it to the host.
    fn abandon(&mut self, id: u64, code: Code, message: String) {
        self.transfers.remove(id);
        self.send(Message::Error {
            id,
            code,
            message: message.clone(),
        });
        self.event(ClientEvent::Failed { id, code, message });
    }

    fn request_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    // ---- Requests ----

    /// Answers the challenge with a shared secret.
    pub fn authenticate(&mut self, user: &str, secret: &[u8]) -> Result<(), ProtocolError> {
        let nonce = self
            .nonce
            .ok_or(ProtocolError::Protocol("no challenge to answer".into()))?;
        let mac = auth::respond(secret, &nonce, user);
        self.send(Message::Auth(AuthResponse::Hmac {
            user: user.into(),
            mac,
        }));
        Ok(())
    }

    /// Answers the challenge with a bearer token.
    pub fn authenticate_token(&mut self, token: &str) {
        self.send(Message::Auth(AuthResponse::Token {
            token: token.into(),
        }));
    }

    /// Asks for the server's modules; answered by [`ClientEvent::Modules`]
    /// (or `Failed`). Returns the request's id.
    pub fn list_modules(&mut self) -> u64 {
        let id = self.request_id();
        self.transfers.insert(id, Transfer::Request);
        self.send(Message::ListModules { id });
        id
    }

    /// Lists `path` in `module` (empty for its root): a directory's entries
    /// (everything below it when `recursive`), or the entry itself when it
    /// is not a directory. Answered by [`ClientEvent::Entries`] until
    /// `done` (or `Failed`). Returns the request's id.
    pub fn list(&mut self, module: &str, path: &str, recursive: bool) -> u64 {
        self.list_with(module, path, recursive, false)
    }

    /// Like `list`; `checksum` asks for each file's SHA-256 (rsync's `-c`).
    pub fn list_with(&mut self, module: &str, path: &str, recursive: bool, checksum: bool) -> u64 {
        let id = self.request_id();
        self.transfers.insert(id, Transfer::Request);
        self.send(Message::List {
            id,
            module: module.into(),
            path: path.into(),
            recursive,
            checksum,
        });
        id
    }

    /// Makes a directory or a symlink at `path`, or (`Kind::File`) sets the
    /// attributes of what is there; answered by `Done` or `Failed`.
    pub fn make(
        &mut self,
        module: &str,
        path: &str,
        kind: Kind,
        target: &str,
        attrs: Option<FileAttrs>,
    ) -> u64 {
        let id = self.request_id();
        self.transfers.insert(id, Transfer::Request);
        self.send(Message::Make {
            id,
            module: module.into(),
            path: path.into(),
            kind,
            target: target.into(),
            attrs,
        });
        id
    }

    /// Removes a file, a symlink or an empty directory at `path`; answered
    /// by `Done` or `Failed`. Returns the request's id.
    pub fn delete(&mut self, module: &str, path: &str) -> u64 {
        let id = self.request_id();
        self.transfers.insert(id, Transfer::Request);
        self.send(Message::Delete {
            id,
            module: module.into(),
            path: path.into(),
        });
        id
    }

    /// Has upload `id` (just started, its signature not yet arrived)
    /// compute the file's SHA-256 with `sha` instead of inline: a native
    /// host can hash on another thread. Other ids are left alone.
    pub fn push_hasher(&mut self, id: u64, sha: WholeHasher) {
        if let Some(Transfer::PushSig(_, slot)) = self.transfers.get_mut(id) {
            *slot = Some(sha);
        }
    }

    /// Starts an upload of `size` bytes to `module/path`.
    pub fn push(&mut self, module: &str, path: &str, size: u64) -> u64 {
        self.push_with(module, path, size, &[], 0)
    }

    /// Like `push`, continuing the interrupted upload named by `token`
    /// (from an earlier [`ClientEvent::PushReady`]); the server refuses with
    /// `NotFound` when it no longer has it.
    pub fn push_resume(&mut self, module: &str, path: &str, size: u64, token: &[u8]) -> u64 {
        self.push_with(module, path, size, token, 0)
    }

    /// `push` or `push_resume`, asking for strong sums of at least `strong`
    /// bytes (0: the server's choice). The server may use short strong sums
    /// as rsync does; when the result then fails its SHA-256 check
    /// (`HashMismatch`), push again with `strong` = 32.
    pub fn push_with(
        &mut self,
        module: &str,
        path: &str,
        size: u64,
        token: &[u8],
        strong: u8,
    ) -> u64 {
        let id = self.request_id();
        self.transfers.insert(
            id,
            Transfer::PushSig(SignatureDecoder::new(SignatureLimits::default()), None),
        );
        self.send(Message::PushBegin {
            id,
            module: module.into(),
            path: path.into(),
            size,
            resume: token.to_vec(),
            strong,
        });
        id
    }

    /// Whether the upload may take more file bytes now (its window is open).
    pub fn push_window_open(&self, id: u64) -> bool {
        matches!(self.transfers.get(id), Some(Transfer::Push { sender, .. }) if sender.window_open())
    }

    /// The next bytes of the file being uploaded.
    pub fn push_data(&mut self, id: u64, data: &[u8]) -> Result<(), ProtocolError> {
        let Some(Transfer::Push {
            encoder, sender, ..
        }) = self.transfers.get_mut(id)
        else {
            return Err(not_ready(id));
        };
        let mut delta = Vec::new();
        encoder.update(data, &mut delta);
        let msgs = sender.send(&delta, data.len() as u64);
        self.out.extend(msgs.into_iter().map(Output::Send));
        Ok(())
    }

    /// The end of the file: sends the rest of the delta and the commit,
    /// asking for `attrs` (mtime, mode) on the result when given.
    pub fn push_finish(
        &mut self,
        id: u64,
        attrs: Option<FileAttrs>,
    ) -> Result<DeltaStats, ProtocolError> {
        let Some(Transfer::Push {
            encoder,
            mut sender,
            basis,
        }) = self.transfers.remove(id)
        else {
            return Err(not_ready(id));
        };
        let mut delta = Vec::new();
        let stats = encoder.finish(&mut delta);
        let mut msgs = sender.send(&delta, 0);
        msgs.extend(sender.flush());
        self.out.extend(msgs.into_iter().map(Output::Send));
        let sha256 = stats.sha256.unwrap_or([0; 32]);
        self.send(Message::Commit {
            id,
            sha256,
            basis,
            attrs,
        });
        self.transfers.insert(id, Transfer::Committing);
        Ok(stats)
    }

    /// Starts a download of `module/path`, against `signature` of the local copy.
    pub fn pull(&mut self, module: &str, path: &str, signature: &Signature) -> u64 {
        let id = self.request_id();
        self.transfers.insert(id, Transfer::Pull { next: 0 });
        self.send(Message::PullBegin {
            id,
            module: module.into(),
            path: path.into(),
        });
        let bytes = signature.encode();
        for c in bytes.chunks(self.limits.chunk as usize) {
            self.send(Message::SigChunk {
                id,
                data: c.to_vec(),
            });
        }
        self.send(Message::SigEnd {
            id,
            basis: Vec::new(),
            token: Vec::new(),
            from: 0,
        });
        id
    }

    /// The host applied a download's delta up to `upto` bytes.
    pub fn pull_applied(&mut self, id: u64, upto: u64) {
        if let Some(Transfer::Pull { .. }) = self.transfers.get(id) {
            self.send(Message::Ack { id, received: upto });
        }
    }

    /// The host's patcher finished download `id` (after its
    /// [`ClientEvent::PullEnd`]) with a result of SHA-256 `result`: the
    /// patcher's [`PatchReport::sha256`](crate::PatchReport::sha256), which
    /// it computed over every byte it wrote. `Ok` when that is the server
    /// file's SHA-256; else the result is not the server's file. Either way
    /// the download is over.
    pub fn pull_finish(&mut self, id: u64, result: Option<[u8; 32]>) -> Result<(), PullMismatch> {
        match self.transfers.get(id) {
            Some(&Transfer::Pulled(sha256)) => {
                self.transfers.remove(id);
                match result == Some(sha256) {
                    true => Ok(()),
                    false => Err(PullMismatch),
                }
            }
            _ => Err(PullMismatch),
        }
    }

    /// Abandons a transfer (the server drops its temporary state). A
    /// download the server ended is just forgotten.
    pub fn cancel(&mut self, id: u64) {
        if let Some(t) = self.transfers.remove(id) {
            if let Transfer::Pulled(_) = t {
                return;
            }
            if self.cancelled.len() == MAX_CANCELLED {
                self.cancelled.remove(0);
            }
            self.cancelled.push(id);
            self.send(Message::Error {
                id,
                code: Code::Cancelled,
                message: "cancelled".into(),
            });
        }
    }
}

/// `what` and then the number: "done for unknown request 7".
fn numbered(what: &str, n: u64) -> String {
    let mut t = Text::default();
    t.s(what).s(" ").n(n);
    t.into()
}

fn not_ready(id: u64) -> ProtocolError {
    let mut t = Text::default();
    t.s("upload ").n(id).s(" is not ready");
    ProtocolError::Protocol(t.into())
}

fn bad_signature(e: &crate::SignatureError) -> String {
    ["bad signature: ", &e.text()].concat()
}
