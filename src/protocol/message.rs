//! Protocol messages and their encoding. `docs/PROTOCOL.md` is the reference.

use super::wire::{Failed, Reader, WireError, Writer};

/// Longest path, module name or symlink target, in bytes.
pub const MAX_PATH: usize = 4096;
/// Longest agent string, comment, token or error text.
pub const MAX_TEXT: usize = 1024;
/// Longest basis identity.
pub const MAX_BASIS_ID: usize = 64;
/// Largest data field (the frame limit is normally smaller).
pub const MAX_DATA: usize = 1 << 24;
/// Most entries in one listing message.
pub const MAX_ENTRIES: u64 = 100_000;

/// Limits a peer proposes (Hello) and the server grants (Welcome): never
/// more than the server's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest message in bytes.
    pub max_message: u32,
    /// Largest data chunk in a SigChunk or DeltaChunk.
    pub chunk: u32,
    /// Unacknowledged delta bytes a sender may have in flight.
    pub window: u64,
}

impl Limits {
    /// Each limit the smaller of the two.
    pub fn clamp_to(self, max: Limits) -> Limits {
        Limits {
            max_message: self.max_message.min(max.max_message),
            chunk: self
                .chunk
                .min(max.chunk)
                .min(max.max_message.saturating_sub(64))
                .max(1),
            window: self.window.min(max.window).max(1),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 1 << 20,
            chunk: 256 << 10,
            window: 4 << 20,
        }
    }
}

/// How the server wants the client to prove who it is (the `auth` field of
/// [`Message::Welcome`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthRequest {
    /// No authentication: the session is ready as soon as the Welcome
    /// arrives (wire value 0).
    None,
    /// HMAC-SHA256 over this nonce with the user's secret (see `auth.rs`).
    /// Wire value 1. The client answers with [`AuthResponse::Hmac`], or
    /// with [`AuthResponse::Token`] (an empty token when it has no
    /// credentials: anonymous).
    Challenge {
        /// 32 fresh random bytes the server chose for this session; a
        /// response is good for this nonce only.
        nonce: [u8; 32],
    },
}

/// The client's answer to [`AuthRequest::Challenge`] (the [`Message::Auth`]
/// message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthResponse {
    /// A user and the proof that it knows that user's secret (method 1): the
    /// secret itself never crosses the wire.
    Hmac {
        /// The user name, as listed in the module's `auth users`.
        user: String,
        /// `HMAC-SHA256(secret, "wsync-auth-1" || nonce || user)`, computed
        /// by [`auth::respond`](super::auth::respond).
        mac: [u8; 32],
    },
    /// A bearer token (method 2, for browsers).
    Token {
        /// The token as configured on the server; empty for an anonymous
        /// client, which reaches only modules without `auth users`.
        token: String,
    },
}

/// One module of the server, as [`Message::Modules`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    /// The module's name: what a client puts in the `module` field of its
    /// requests (`HOST::NAME` in rsync's syntax).
    pub name: String,
    /// The module's `comment` from the server's configuration (may be empty).
    pub comment: String,
}

/// File kinds in listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (wire value 0). In [`Message::Make`]: make nothing,
    /// only set the attributes of the entry already there.
    File = 0,
    /// A directory (wire value 1).
    Dir = 1,
    /// A symbolic link (wire value 2); its target is in the `target` field.
    Symlink = 2,
}

/// One entry of a file list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The entry's path from the module's root, `/`-separated (not from the
    /// listed path: listing `a` gives `a/x`, `a/y`...).
    pub path: String,
    /// File, directory or symlink (other kinds are not listed).
    pub kind: Kind,
    /// Size in bytes (for a symlink, the length of its target; for a
    /// directory, what the server's file system reports).
    pub size: u64,
    /// Modification time: seconds since the epoch (may be negative) ...
    pub mtime: i64,
    /// ... and the nanoseconds within that second (below 1,000,000,000).
    pub mtime_nsec: u32,
    /// Permission bits (`st_mode & 0o7777`: no file-type bits).
    pub mode: u32,
    /// Symlink target (empty for other kinds).
    pub target: String,
    /// The file's SHA-256, when the listing was asked with checksums
    /// (rsync's `-c`); `None` for other kinds.
    pub sum: Option<[u8; 32]>,
}

/// Attributes an upload asks for its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileAttrs {
    /// Modification time: seconds since the epoch and nanoseconds
    /// (below 1,000,000,000).
    pub mtime: i64,
    /// The nanoseconds of that time.
    pub mtime_nsec: u32,
    /// Permission bits (`0o7777` at most); 0 keeps the server's choice: the
    /// old file's mode, or the module's default for a new file.
    pub mode: u32,
}

/// Error codes carried by [`Message::Error`]. `Debug` prints the name.
/// The numbers are the wire values (`docs/PROTOCOL.md`, "Errors").
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    /// A malformed message, or one the peer did not expect now.
    Protocol = 1,
    /// The client's version range and the server's have nothing in common.
    Version = 2,
    /// Wrong credentials: the answer to the challenge did not verify (the
    /// session ends).
    AuthFailed = 3,
    /// No module of that name.
    NoModule = 4,
    /// Not allowed: a read-only or write-only module, a path the module's
    /// filter rules exclude, a module this login may not use, a host denied.
    Denied = 5,
    /// No such file (or an upload to resume that the server no longer has).
    NotFound = 6,
    /// A path refused (`..`, absolute, NUL, too long, through a file), or not
    /// a regular file where one is needed (a FIFO, socket or device).
    BadPath = 7,
    /// The upload's basis changed since its signature was sent: push again.
    BasisChanged = 8,
    /// The patched result's SHA-256 differs from the one in the Commit; the
    /// target stays as it was (push again with 32-byte strong sums).
    HashMismatch = 9,
    /// A message, a file or a session's signature bytes over a limit.
    TooLarge = 10,
    /// Another writer holds the path.
    Busy = 11,
    /// An I/O failure on the server's side.
    Io = 12,
    /// The delta did not apply to the basis.
    BadDelta = 13,
    /// Too many sessions or transfers, or the server's memory budget in use:
    /// try again later.
    TryLater = 14,
    /// The peer abandoned the transfer.
    Cancelled = 15,
}

impl Code {
    /// The variant's name: `"NotFound"`, `"TryLater"`...
    pub fn name(self) -> &'static str {
        use Code::*;
        match self {
            Protocol => "Protocol",
            Version => "Version",
            AuthFailed => "AuthFailed",
            NoModule => "NoModule",
            Denied => "Denied",
            NotFound => "NotFound",
            BadPath => "BadPath",
            BasisChanged => "BasisChanged",
            HashMismatch => "HashMismatch",
            TooLarge => "TooLarge",
            Busy => "Busy",
            Io => "Io",
            BadDelta => "BadDelta",
            TryLater => "TryLater",
            Cancelled => "Cancelled",
        }
    }

    /// The code of its number on the wire (`Code::Busy as u8`).
    pub fn from_number(v: u8) -> Option<Code> {
        Code::from_u64(v.into())
    }

    fn from_u64(v: u64) -> Option<Code> {
        use Code::*;
        Some(match v {
            1 => Protocol,
            2 => Version,
            3 => AuthFailed,
            4 => NoModule,
            5 => Denied,
            6 => NotFound,
            7 => BadPath,
            8 => BasisChanged,
            9 => HashMismatch,
            10 => TooLarge,
            11 => Busy,
            12 => Io,
            13 => BadDelta,
            14 => TryLater,
            15 => Cancelled,
            _ => return None,
        })
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every protocol message (`docs/PROTOCOL.md`, "Messages"). C→S: only the
/// client sends it; S→C: only the server; both: either side.
///
/// `id` names a request and every reply to it: the client chooses it (a
/// fresh one per request; [`ClientSession`](super::ClientSession) counts
/// from 1), and 0 is the session itself. `module` is a module's name and
/// `path` a `/`-separated path inside it, relative to its root.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// C→S, the first message of a session: the versions the client speaks
    /// and the limits it proposes.
    Hello {
        /// The oldest protocol version the client speaks.
        min_version: u32,
        /// The newest protocol version the client speaks.
        max_version: u32,
        /// The client's name and version, for logs (`wsync/0.1.0`).
        agent: String,
        /// The limits the client proposes; the server may only lower them.
        limits: Limits,
    },
    /// S→C, the answer to Hello: the version and limits in force, and
    /// whether the client must authenticate.
    Welcome {
        /// The version the server chose, within the client's range.
        version: u32,
        /// The server's name and version, for logs.
        agent: String,
        /// The limits in force: each the smaller of the client's proposal
        /// and the server's configuration.
        limits: Limits,
        /// None (the session is ready), or a challenge to answer with Auth.
        auth: AuthRequest,
    },
    /// C→S, the answer to a challenge in the Welcome.
    Auth(AuthResponse),
    /// S→C: the answer to Auth verified; the session is ready for requests.
    AuthOk {
        /// The server's message of the day (may be empty).
        motd: String,
    },
    /// C→S: which modules does the server have? Answered by Modules.
    ListModules {
        /// The request's id, chosen by the client.
        id: u64,
    },
    /// S→C, the answer to ListModules.
    Modules {
        /// The ListModules request this answers.
        id: u64,
        /// The modules this client may see, with their comments.
        modules: Vec<ModuleInfo>,
    },
    /// C→S: list `path`: a directory's entries (and below it when
    /// `recursive`), or the entry itself when it is not a directory.
    /// `checksum` asks for each file's SHA-256. Answered by Entries (or
    /// Error, `NotFound` for a missing path).
    List {
        /// The request's id, chosen by the client.
        id: u64,
        /// The module to list in.
        module: String,
        /// The directory or entry to list; empty (or `.`) for the module's root.
        path: String,
        /// Whether to list everything below the directory, not only its
        /// own entries (flag 1).
        recursive: bool,
        /// Whether to give each file's SHA-256 in [`Entry::sum`] (flag 2,
        /// rsync's `-c`).
        checksum: bool,
    },
    /// S→C, the answer to List, in as many messages as the limits need.
    Entries {
        /// The List request this answers.
        id: u64,
        /// The next entries of the listing.
        entries: Vec<Entry>,
        /// True on the listing's last message.
        done: bool,
    },
    /// C→S: start an upload: the server answers with the basis's signature
    /// (SigChunk*, SigEnd).
    /// `resume`: the token of an interrupted upload to continue (or empty).
    PushBegin {
        /// The upload's id, chosen by the client; the signature, the delta,
        /// the acknowledgements and the Commit all carry it.
        id: u64,
        /// The module to write in.
        module: String,
        /// The file to write (created, with missing directories on the way,
        /// or replaced once the result checks out).
        path: String,
        /// The new file's size in bytes.
        size: u64,
        /// The `token` of the interrupted upload to continue (from its
        /// SigEnd), or empty for a new upload.
        resume: Vec<u8>,
        /// Strong-sum bytes the client wants at least (0: the server's
        /// choice, which may be short; after a failed whole-file check the
        /// client asks again with 32).
        strong: u8,
    },
    /// C→S: start a download: the client follows with its copy's signature
    /// (SigChunk*, SigEnd) without waiting; the server answers with the
    /// delta (DeltaChunk*, PullEnd) or an Error.
    PullBegin {
        /// The download's id, chosen by the client; the signature, the
        /// delta, the acknowledgements and the PullEnd all carry it.
        id: u64,
        /// The module to read from.
        module: String,
        /// The file to download.
        path: String,
    },
    /// Both: the next bytes of a signature (`docs/FORMAT.md`), at most the
    /// negotiated `chunk` bytes: the server's of its basis for an upload,
    /// the client's of its copy for a download.
    SigChunk {
        /// The upload or download the signature is for.
        id: u64,
        /// The signature's next bytes, in order.
        data: Vec<u8>,
    },
    /// Both: end of a signature; `basis` identifies the basis it was made from.
    /// For uploads, `token` names the upload so that it can be resumed, and
    /// `from` is where its delta goes on (0, or the bytes already applied).
    SigEnd {
        /// The upload or download the signature is for.
        id: u64,
        /// The server's opaque identity of the file it signed (at most 64
        /// bytes; `wsync serve` uses size, mtime and inode), echoed in the
        /// Commit; empty from a client.
        basis: Vec<u8>,
        /// An upload's name for resuming it (16 random bytes from `wsync
        /// serve`); empty for a download.
        token: Vec<u8>,
        /// The delta offset the upload goes on from: 0 for a new upload, the
        /// delta bytes already applied for a resumed one.
        from: u64,
    },
    /// Both: the next bytes of a delta (`docs/FORMAT.md`): the client's for
    /// an upload, the server's for a download. Offsets are contiguous from
    /// 0 (or from the SigEnd's `from` when resuming); a chunk is never empty.
    DeltaChunk {
        /// The upload or download the delta is for.
        id: u64,
        /// Where `data` starts in the delta, in bytes.
        offset: u64,
        /// The delta's next bytes, at most the negotiated `chunk`.
        data: Vec<u8>,
    },
    /// Both: the receiver of a delta has applied it up to `received`; the
    /// sender keeps at most `window` bytes sent but not acknowledged.
    Ack {
        /// The upload or download acknowledged.
        id: u64,
        /// Delta bytes applied so far, counted from the delta's start.
        received: u64,
    },
    /// C→S: end of an upload's delta: apply it if the basis is still `basis`,
    /// and give the result `attrs` when present. Answered by Done, or Error
    /// (`BasisChanged`, `HashMismatch`, `BadDelta`...).
    Commit {
        /// The upload to commit.
        id: u64,
        /// The new file's SHA-256: the result must have it, or the target
        /// stays as it was.
        sha256: [u8; 32],
        /// The `basis` of the upload's SigEnd, echoed.
        basis: Vec<u8>,
        /// The mtime and mode the result gets, or `None`: the server keeps
        /// the old file's mode (its default for a new file) and the time of
        /// the write.
        attrs: Option<FileAttrs>,
    },
    /// S→C: end of a download's delta, with the file's attributes. The
    /// client patches its copy and checks the result against `sha256`.
    PullEnd {
        /// The download this ends.
        id: u64,
        /// The server file's SHA-256, which the patched copy must have.
        sha256: [u8; 32],
        /// The server file's modification time: seconds since the epoch ...
        mtime: i64,
        /// ... and nanoseconds within that second.
        mtime_nsec: u32,
        /// The server file's permission bits (`st_mode & 0o7777`).
        mode: u32,
    },
    /// C→S: remove a file, a symlink or an empty directory (a non-empty one
    /// is refused with `Io`). Answered by Done or Error.
    Delete {
        /// The request's id, chosen by the client.
        id: u64,
        /// The module to delete in.
        module: String,
        /// The entry to remove.
        path: String,
    },
    /// C→S: create a directory or a symlink at `path` (replacing a file or
    /// symlink there), or (`Kind::File`) only set the attributes of the
    /// existing entry; then give it `attrs`. Answered by Done or Error.
    Make {
        /// The request's id, chosen by the client.
        id: u64,
        /// The module to make it in.
        module: String,
        /// The entry to make; for a directory or a symlink, missing parent
        /// directories are made too.
        path: String,
        /// `Dir` (make a directory), `Symlink` (make a symlink to
        /// `target`), or `File` (only set attributes).
        kind: Kind,
        /// The symlink's target (not empty, no NUL); empty for the other kinds.
        target: String,
        /// The mtime and mode the entry gets (the mode is not set on a
        /// symlink), or `None` to leave them.
        attrs: Option<FileAttrs>,
    },
    /// S→C: a request finished: an upload committed, a Delete or a Make done.
    Done {
        /// The request that finished.
        id: u64,
    },
    /// Both: a request failed, or (id 0) the session ends. A client sends
    /// it with a transfer's id to abandon that transfer (`Cancelled`).
    Error {
        /// The request that failed, or 0 for the whole session (which then
        /// ends, whichever side sent it).
        id: u64,
        /// What went wrong, as a number the program can act on.
        code: Code,
        /// What went wrong, for a person (at most 1024 bytes).
        message: String,
    },
}

mod kind {
    pub const HELLO: u8 = 0x01;
    pub const WELCOME: u8 = 0x02;
    pub const AUTH: u8 = 0x03;
    pub const AUTH_OK: u8 = 0x04;
    pub const LIST_MODULES: u8 = 0x10;
    pub const MODULES: u8 = 0x11;
    pub const LIST: u8 = 0x12;
    pub const ENTRIES: u8 = 0x13;
    pub const PUSH_BEGIN: u8 = 0x20;
    pub const PULL_BEGIN: u8 = 0x21;
    pub const SIG_CHUNK: u8 = 0x22;
    pub const SIG_END: u8 = 0x23;
    pub const DELTA_CHUNK: u8 = 0x24;
    pub const ACK: u8 = 0x25;
    pub const COMMIT: u8 = 0x26;
    pub const PULL_END: u8 = 0x27;
    pub const DELETE: u8 = 0x30;
    pub const MAKE: u8 = 0x31;
    pub const DONE: u8 = 0x3e;
    pub const ERROR: u8 = 0x3f;
}

fn put_limits(w: &mut Writer, l: &Limits) {
    w.uint(l.max_message.into())
        .uint(l.chunk.into())
        .uint(l.window);
}

fn get_limits(r: &mut Reader) -> Result<Limits, Failed> {
    Ok(Limits {
        max_message: r.u32("max_message")?,
        chunk: r.u32("chunk")?,
        window: r.uint("window")?,
    })
}

impl Message {
    /// The encoded message (one WebSocket frame, or one length-prefixed record).
    pub fn encode(&self) -> Vec<u8> {
        use Message::*;
        let mut w;
        match self {
            Hello {
                min_version,
                max_version,
                agent,
                limits,
            } => {
                w = Writer::new(kind::HELLO);
                w.uint((*min_version).into())
                    .uint((*max_version).into())
                    .str(agent);
                put_limits(&mut w, limits);
            }
            Welcome {
                version,
                agent,
                limits,
                auth,
            } => {
                w = Writer::new(kind::WELCOME);
                w.uint((*version).into()).str(agent);
                put_limits(&mut w, limits);
                match auth {
                    AuthRequest::None => w.u8(0),
                    AuthRequest::Challenge { nonce } => w.u8(1).array(nonce),
                };
            }
            Auth(AuthResponse::Hmac { user, mac }) => {
                w = Writer::new(kind::AUTH);
                w.u8(1).str(user).array(mac);
            }
            Auth(AuthResponse::Token { token }) => {
                w = Writer::new(kind::AUTH);
                w.u8(2).str(token);
            }
            AuthOk { motd } => {
                w = Writer::new(kind::AUTH_OK);
                w.str(motd);
            }
            ListModules { id } => {
                w = Writer::new(kind::LIST_MODULES);
                w.uint(*id);
            }
            Modules { id, modules } => {
                w = Writer::new(kind::MODULES);
                w.uint(*id).uint(modules.len() as u64);
                for m in modules {
                    w.str(&m.name).str(&m.comment);
                }
            }
            List {
                id,
                module,
                path,
                recursive,
                checksum,
            } => {
                w = Writer::new(kind::LIST);
                let flags = *recursive as u8 | (*checksum as u8) << 1;
                w.uint(*id).str(module).str(path).u8(flags);
            }
            Entries { id, entries, done } => {
                w = Writer::new(kind::ENTRIES);
                w.uint(*id).u8(*done as u8).uint(entries.len() as u64);
                for e in entries {
                    w.str(&e.path).u8(e.kind as u8).uint(e.size).int(e.mtime);
                    w.uint(e.mtime_nsec.into())
                        .uint(e.mode.into())
                        .str(&e.target);
                    match &e.sum {
                        None => w.u8(0),
                        Some(sum) => w.u8(1).array(sum),
                    };
                }
            }
            PushBegin {
                id,
                module,
                path,
                size,
                resume,
                strong,
            } => {
                w = Writer::new(kind::PUSH_BEGIN);
                w.uint(*id).str(module).str(path).uint(*size).bytes(resume);
                w.u8(*strong);
            }
            PullBegin { id, module, path } => {
                w = Writer::new(kind::PULL_BEGIN);
                w.uint(*id).str(module).str(path);
            }
            SigChunk { id, data } => {
                w = Writer::new(kind::SIG_CHUNK);
                w.uint(*id).bytes(data);
            }
            SigEnd {
                id,
                basis,
                token,
                from,
            } => {
                w = Writer::new(kind::SIG_END);
                w.uint(*id).bytes(basis).bytes(token).uint(*from);
            }
            DeltaChunk { id, offset, data } => {
                w = Writer::new(kind::DELTA_CHUNK);
                w.uint(*id).uint(*offset).bytes(data);
            }
            Ack { id, received } => {
                w = Writer::new(kind::ACK);
                w.uint(*id).uint(*received);
            }
            Commit {
                id,
                sha256,
                basis,
                attrs,
            } => {
                w = Writer::new(kind::COMMIT);
                w.uint(*id).array(sha256).bytes(basis);
                put_attrs(&mut w, attrs);
            }
            PullEnd {
                id,
                sha256,
                mtime,
                mtime_nsec,
                mode,
            } => {
                w = Writer::new(kind::PULL_END);
                w.uint(*id)
                    .array(sha256)
                    .int(*mtime)
                    .uint((*mtime_nsec).into())
                    .uint((*mode).into());
            }
            Delete { id, module, path } => {
                w = Writer::new(kind::DELETE);
                w.uint(*id).str(module).str(path);
            }
            Make {
                id,
                module,
                path,
                kind,
                target,
                attrs,
            } => {
                w = Writer::new(kind::MAKE);
                w.uint(*id)
                    .str(module)
                    .str(path)
                    .u8(*kind as u8)
                    .str(target);
                put_attrs(&mut w, attrs);
            }
            Done { id } => {
                w = Writer::new(kind::DONE);
                w.uint(*id);
            }
            Error { id, code, message } => {
                w = Writer::new(kind::ERROR);
                w.uint(*id).uint(*code as u64).str(message);
            }
        }
        w.0
    }

    /// Decodes one whole message; every field is bounded and checked.
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let (&k, body) = bytes.split_first().ok_or(WireError::Empty)?;
        let mut r = Reader::new(body);
        decode_body::<true>(k, &mut r).map_err(|Failed| r.error())
    }

    /// [`Message::decode`] for a client: a request type (see
    /// [`request_name`]) is an unknown type here. The client refuses those
    /// by their type byte first; without their decoding, the wasm module
    /// is 1 KB smaller (gzipped).
    pub(crate) fn decode_reply(bytes: &[u8]) -> Result<Message, WireError> {
        let (&k, body) = bytes.split_first().ok_or(WireError::Empty)?;
        let mut r = Reader::new(body);
        decode_body::<false>(k, &mut r).map_err(|Failed| r.error())
    }
}

/// The name of a request type, which only clients send.
pub(crate) fn request_name(k: u8) -> Option<&'static str> {
    Some(match k {
        kind::HELLO => "Hello",
        kind::AUTH => "Auth",
        kind::LIST_MODULES => "ListModules",
        kind::LIST => "List",
        kind::PUSH_BEGIN => "PushBegin",
        kind::PULL_BEGIN => "PullBegin",
        kind::COMMIT => "Commit",
        kind::DELETE => "Delete",
        kind::MAKE => "Make",
        _ => return None,
    })
}

/// The fields of a message of type `k` (of a request type only when
/// `REQUESTS`): the first failed read stops it, and the reader keeps its
/// error.
fn decode_body<const REQUESTS: bool>(k: u8, r: &mut Reader) -> Result<Message, Failed> {
    use Message::*;
    let m = match k {
        kind::HELLO if REQUESTS => Hello {
            min_version: r.u32("min_version")?,
            max_version: r.u32("max_version")?,
            agent: r.str("agent", MAX_TEXT)?,
            limits: get_limits(r)?,
        },
        kind::WELCOME => Welcome {
            version: r.u32("version")?,
            agent: r.str("agent", MAX_TEXT)?,
            limits: get_limits(r)?,
            auth: match r.u8("auth")? {
                0 => AuthRequest::None,
                1 => AuthRequest::Challenge {
                    nonce: r.array("nonce")?,
                },
                v => return Err(r.bad_value("auth", v.into())),
            },
        },
        kind::AUTH if REQUESTS => match r.u8("method")? {
            1 => Auth(AuthResponse::Hmac {
                user: r.str("user", MAX_TEXT)?,
                mac: r.array("mac")?,
            }),
            2 => Auth(AuthResponse::Token {
                token: r.str("token", MAX_TEXT)?,
            }),
            v => return Err(r.bad_value("method", v.into())),
        },
        kind::AUTH_OK => AuthOk {
            motd: r.str("motd", MAX_TEXT)?,
        },
        kind::LIST_MODULES if REQUESTS => ListModules { id: r.uint("id")? },
        kind::MODULES => {
            let id = r.uint("id")?;
            let n = r.count("modules", MAX_ENTRIES)?;
            let mut modules = Vec::new();
            for _ in 0..n {
                modules.push(ModuleInfo {
                    name: r.str("name", MAX_PATH)?,
                    comment: r.str("comment", MAX_TEXT)?,
                });
            }
            Modules { id, modules }
        }
        kind::LIST if REQUESTS => {
            let (id, module, path) = (
                r.uint("id")?,
                r.str("module", MAX_PATH)?,
                r.str("path", MAX_PATH)?,
            );
            let flags = r.u8("flags")?;
            if flags > 3 {
                return Err(r.bad_value("flags", flags.into()));
            }
            List {
                id,
                module,
                path,
                recursive: flags & 1 != 0,
                checksum: flags & 2 != 0,
            }
        }
        kind::ENTRIES => {
            let id = r.uint("id")?;
            let done = r.bool("done")?;
            let n = r.count("entries", MAX_ENTRIES)?;
            let mut entries = Vec::new();
            for _ in 0..n {
                entries.push(Entry {
                    path: r.str("path", MAX_PATH)?,
                    kind: read_kind(r)?,
                    size: r.uint("size")?,
                    mtime: r.int("mtime")?,
                    mtime_nsec: r.u32("mtime_nsec")?,
                    mode: r.u32("mode")?,
                    target: r.str("target", MAX_PATH)?,
                    sum: match r.u8("has_sum")? {
                        0 => None,
                        1 => Some(r.array("sum")?),
                        v => return Err(r.bad_value("has_sum", v.into())),
                    },
                });
            }
            Entries { id, entries, done }
        }
        kind::PUSH_BEGIN if REQUESTS => PushBegin {
            id: r.uint("id")?,
            module: r.str("module", MAX_PATH)?,
            path: r.str("path", MAX_PATH)?,
            size: r.uint("size")?,
            resume: r.bytes("resume", MAX_BASIS_ID)?.to_vec(),
            strong: r.u8("strong")?,
        },
        kind::PULL_BEGIN if REQUESTS => PullBegin {
            id: r.uint("id")?,
            module: r.str("module", MAX_PATH)?,
            path: r.str("path", MAX_PATH)?,
        },
        kind::SIG_CHUNK => SigChunk {
            id: r.uint("id")?,
            data: r.bytes("data", MAX_DATA)?.to_vec(),
        },
        kind::SIG_END => SigEnd {
            id: r.uint("id")?,
            basis: r.bytes("basis", MAX_BASIS_ID)?.to_vec(),
            token: r.bytes("token", MAX_BASIS_ID)?.to_vec(),
            from: r.uint("from")?,
        },
        kind::DELTA_CHUNK => DeltaChunk {
            id: r.uint("id")?,
            offset: r.uint("offset")?,
            data: r.bytes("data", MAX_DATA)?.to_vec(),
        },
        kind::ACK => Ack {
            id: r.uint("id")?,
            received: r.uint("received")?,
        },
        kind::COMMIT if REQUESTS => Commit {
            id: r.uint("id")?,
            sha256: r.array("sha256")?,
            basis: r.bytes("basis", MAX_BASIS_ID)?.to_vec(),
            attrs: read_attrs(r)?,
        },
        kind::PULL_END => PullEnd {
            id: r.uint("id")?,
            sha256: r.array("sha256")?,
            mtime: r.int("mtime")?,
            mtime_nsec: r.u32("mtime_nsec")?,
            mode: r.u32("mode")?,
        },
        kind::DELETE if REQUESTS => Delete {
            id: r.uint("id")?,
            module: r.str("module", MAX_PATH)?,
            path: r.str("path", MAX_PATH)?,
        },
        kind::MAKE if REQUESTS => Make {
            id: r.uint("id")?,
            module: r.str("module", MAX_PATH)?,
            path: r.str("path", MAX_PATH)?,
            kind: read_kind(r)?,
            target: r.str("target", MAX_PATH)?,
            attrs: read_attrs(r)?,
        },
        kind::DONE => Done { id: r.uint("id")? },
        kind::ERROR => Error {
            id: r.uint("id")?,
            code: {
                let v = r.uint("code")?;
                match Code::from_u64(v) {
                    Some(c) => c,
                    None => return Err(r.bad_value("code", v)),
                }
            },
            message: r.str("message", MAX_TEXT)?,
        },
        other => return Err(r.fail(WireError::UnknownType(other))),
    };
    r.end()?;
    Ok(m)
}

fn read_kind(r: &mut Reader) -> Result<Kind, Failed> {
    match r.u8("kind")? {
        0 => Ok(Kind::File),
        1 => Ok(Kind::Dir),
        2 => Ok(Kind::Symlink),
        v => Err(r.bad_value("kind", v.into())),
    }
}

fn put_attrs(w: &mut Writer, attrs: &Option<FileAttrs>) {
    match attrs {
        None => w.u8(0),
        Some(a) => w
            .u8(1)
            .int(a.mtime)
            .uint(a.mtime_nsec.into())
            .uint(a.mode.into()),
    };
}

fn read_attrs(r: &mut Reader) -> Result<Option<FileAttrs>, Failed> {
    match r.u8("attrs")? {
        0 => Ok(None),
        1 => {
            let mtime = r.int("mtime")?;
            let mtime_nsec = r.u32("mtime_nsec")?;
            let mode = r.u32("mode")?;
            if mtime_nsec >= 1_000_000_000 {
                return Err(r.bad_value("mtime_nsec", mtime_nsec.into()));
            }
            if mode > 0o7777 {
                return Err(r.bad_value("mode", mode.into()));
            }
            Ok(Some(FileAttrs {
                mtime,
                mtime_nsec,
                mode,
            }))
        }
        v => Err(r.bad_value("attrs", v.into())),
    }
}
