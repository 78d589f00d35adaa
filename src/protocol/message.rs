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

/// How the server wants the client to prove who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthRequest {
    None,
    /// HMAC-SHA256 over this nonce with the user's secret (see `auth.rs`).
    Challenge {
        nonce: [u8; 32],
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthResponse {
    Hmac {
        user: String,
        mac: [u8; 32],
    },
    /// A bearer token (browsers).
    Token {
        token: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    pub name: String,
    pub comment: String,
}

/// File kinds in listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File = 0,
    Dir = 1,
    Symlink = 2,
}

/// One entry of a file list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub kind: Kind,
    pub size: u64,
    /// Modification time: seconds since the epoch and nanoseconds.
    pub mtime: i64,
    pub mtime_nsec: u32,
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
    pub mtime_nsec: u32,
    /// Permission bits (`0o7777` at most); 0 keeps the server's choice: the
    /// old file's mode, or the module's default for a new file.
    pub mode: u32,
}

/// Error codes carried by [`Message::Error`]. `Debug` prints the name.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    Protocol = 1,
    Version = 2,
    AuthFailed = 3,
    NoModule = 4,
    Denied = 5,
    NotFound = 6,
    BadPath = 7,
    BasisChanged = 8,
    HashMismatch = 9,
    TooLarge = 10,
    Busy = 11,
    Io = 12,
    BadDelta = 13,
    TryLater = 14,
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

/// Every protocol message. `id` names a request and the replies to it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    Hello {
        min_version: u32,
        max_version: u32,
        agent: String,
        limits: Limits,
    },
    Welcome {
        version: u32,
        agent: String,
        limits: Limits,
        auth: AuthRequest,
    },
    Auth(AuthResponse),
    AuthOk {
        motd: String,
    },
    ListModules {
        id: u64,
    },
    Modules {
        id: u64,
        modules: Vec<ModuleInfo>,
    },
    /// List `path`: a directory's entries (and below it when `recursive`),
    /// or the entry itself when it is not a directory. `checksum` asks for
    /// each file's SHA-256.
    List {
        id: u64,
        module: String,
        path: String,
        recursive: bool,
        checksum: bool,
    },
    Entries {
        id: u64,
        entries: Vec<Entry>,
        done: bool,
    },
    /// Start an upload: the server answers with the basis's signature.
    /// `resume`: the token of an interrupted upload to continue (or empty).
    PushBegin {
        id: u64,
        module: String,
        path: String,
        size: u64,
        resume: Vec<u8>,
        /// Strong-sum bytes the client wants at least (0: the server's
        /// choice, which may be short; after a failed whole-file check the
        /// client asks again with 32).
        strong: u8,
    },
    /// Start a download: the client follows with its copy's signature.
    PullBegin {
        id: u64,
        module: String,
        path: String,
    },
    SigChunk {
        id: u64,
        data: Vec<u8>,
    },
    /// End of a signature; `basis` identifies the basis it was made from.
    /// For uploads, `token` names the upload so that it can be resumed, and
    /// `from` is where its delta goes on (0, or the bytes already applied).
    SigEnd {
        id: u64,
        basis: Vec<u8>,
        token: Vec<u8>,
        from: u64,
    },
    DeltaChunk {
        id: u64,
        offset: u64,
        data: Vec<u8>,
    },
    Ack {
        id: u64,
        received: u64,
    },
    /// End of an upload's delta: apply it if the basis is still `basis`,
    /// and give the result `attrs` when present.
    Commit {
        id: u64,
        sha256: [u8; 32],
        basis: Vec<u8>,
        attrs: Option<FileAttrs>,
    },
    /// End of a download's delta, with the file's attributes.
    PullEnd {
        id: u64,
        sha256: [u8; 32],
        mtime: i64,
        mtime_nsec: u32,
        mode: u32,
    },
    Delete {
        id: u64,
        module: String,
        path: String,
    },
    /// Create a directory or a symlink at `path` (replacing a file or
    /// symlink there), or (`Kind::File`) only set the attributes of the
    /// existing entry; then give it `attrs`.
    Make {
        id: u64,
        module: String,
        path: String,
        kind: Kind,
        target: String,
        attrs: Option<FileAttrs>,
    },
    Done {
        id: u64,
    },
    Error {
        id: u64,
        code: Code,
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
