//! `ClientSession`: the protocol's client state machine, for the JS shim
//! (`pkg/client.js`), which only moves its bytes over a WebSocket.
//!
//! Every call queues work; `drain()` returns what to do next, in order:
//! `Uint8Array`s to send (one WebSocket binary message each) and event
//! objects (`{ type: "ready" | "challenge" | "modules" | "entries" |
//! "pushReady" | "pushAcked" | "pullData" | "pullEnd" | "done" | "failed",
//! id, ... }`).

use super::error::{invalid_option, js_error};
use super::host_hash::{self, HostHash};
use super::js::{ObjectBuilder, Options};
use super::signature::Signature;
use crate::protocol::{self, ClientEvent, ClientOutput, Entry, FileAttrs, Kind, Limits};
use crate::text::Describe;
use crate::DeltaOptions;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

/// An error that ends the session or a request, with the protocol's code.
fn protocol_error(e: protocol::ProtocolError) -> JsValue {
    match e {
        protocol::ProtocolError::Peer { code, message } => js_error(code.name(), &message),
        protocol::ProtocolError::Closed => js_error("Closed", "the session is closed"),
        e => js_error("Protocol", &e.text()),
    }
}

fn entry(e: &Entry) -> JsValue {
    let kind = match e.kind {
        Kind::File => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "symlink",
    };
    ObjectBuilder::new()
        .set("path", e.path.as_str())
        .set("kind", kind)
        .count("size", e.size)
        .set("mtime", e.mtime as f64)
        .set("mtimeNsec", e.mtime_nsec)
        .set("mode", e.mode)
        .set("target", e.target.as_str())
        .build()
}

fn event(e: ClientEvent) -> JsValue {
    let o = ObjectBuilder::new();
    match e {
        ClientEvent::Challenge => o.set("type", "challenge"),
        ClientEvent::Ready { motd } => o.set("type", "ready").set("motd", motd),
        ClientEvent::Modules { id, modules } => {
            let list: Array = modules
                .iter()
                .map(|m| {
                    ObjectBuilder::new()
                        .set("name", m.name.as_str())
                        .set("comment", m.comment.as_str())
                        .build::<JsValue>()
                })
                .collect();
            o.set("type", "modules")
                .count("id", id)
                .set("modules", list)
        }
        ClientEvent::Entries { id, entries, done } => {
            let list: Array = entries.iter().map(entry).collect();
            o.set("type", "entries")
                .count("id", id)
                .set("entries", list)
                .set("done", done)
        }
        ClientEvent::PushReady { id, token, from } => o
            .set("type", "pushReady")
            .count("id", id)
            .set("token", Uint8Array::from(&token[..]))
            .count("from", from),
        ClientEvent::PushAcked { id, acked } => o
            .set("type", "pushAcked")
            .count("id", id)
            .count("acked", acked),
        ClientEvent::PullData { id, data } => o
            .set("type", "pullData")
            .count("id", id)
            .set("data", Uint8Array::from(&data[..])),
        ClientEvent::PullEnd {
            id,
            sha256,
            mtime,
            mtime_nsec,
            mode,
        } => o
            .set("type", "pullEnd")
            .count("id", id)
            .set("sha256", Uint8Array::from(&sha256[..]))
            .set("mtime", mtime as f64)
            .set("mtimeNsec", mtime_nsec)
            .set("mode", mode),
        ClientEvent::Done { id } => o.set("type", "done").count("id", id),
        ClientEvent::Failed { id, code, message } => o
            .set("type", "failed")
            .count("id", id)
            .set("code", code.name())
            .count("number", code as u64)
            .set("message", message),
    }
    .build()
}

/// Request ids cross as numbers: a session never makes 2^53 requests.
fn id(v: f64) -> u64 {
    v as u64
}

/// The client side of a session, without I/O.
#[wasm_bindgen]
pub struct ClientSession(protocol::ClientSession, host_hash::Failure);

#[wasm_bindgen]
impl ClientSession {
    /// Options: `{ agent, compressLevel, chunk, window }`, all optional.
    /// (An upload's whole-file hasher is given by `pushHasher`.)
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<ClientSession, JsValue> {
        let o = Options::new(&opts)?;
        let mut limits = Limits::default();
        if let Some(c) = o.u32("chunk")? {
            limits.chunk = c.clamp(1, limits.chunk);
        }
        if let Some(w) = o.u64("window")? {
            limits.window = w.max(1);
        }
        let mut delta = DeltaOptions {
            compress_level: 6,
            ..DeltaOptions::default()
        };
        if let Some(level) = o.u32("compressLevel")? {
            if level > 9 {
                return Err(invalid_option("compressLevel", "0 to 9"));
            }
            delta.compress_level = level;
        }
        let agent = o.string("agent")?.unwrap_or_else(|| "wsync-js".into());
        let session = protocol::ClientSession::new(&agent, limits, delta);
        let failure = host_hash::Failure::default();
        Ok(ClientSession(session, failure))
    }

    /// Messages to send (`Uint8Array`) and events (objects), in order.
    pub fn drain(&mut self) -> Array {
        self.0
            .poll()
            .into_iter()
            .map(|o| match o {
                ClientOutput::Send(m) => Uint8Array::from(&m.encode()[..]).into(),
                ClientOutput::Event(e) => event(e),
            })
            .collect()
    }

    /// One message received from the server.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        self.0.receive(bytes).map_err(protocol_error)
    }

    #[wasm_bindgen(js_name = isReady)]
    pub fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    /// Answers the challenge with a user name and shared secret.
    pub fn authenticate(&mut self, user: &str, secret: &str) -> Result<(), JsValue> {
        self.0
            .authenticate(user, secret.as_bytes())
            .map_err(protocol_error)
    }

    #[wasm_bindgen(js_name = authenticateToken)]
    pub fn authenticate_token(&mut self, token: &str) {
        self.0.authenticate_token(token)
    }

    #[wasm_bindgen(js_name = listModules)]
    pub fn list_modules(&mut self) -> f64 {
        self.0.list_modules() as f64
    }

    pub fn list(&mut self, module: &str, path: &str, recursive: bool) -> f64 {
        self.0.list(module, path, recursive) as f64
    }

    pub fn delete(&mut self, module: &str, path: &str) -> f64 {
        self.0.delete(module, path) as f64
    }

    /// Starts (or, with a token from an earlier `pushReady`, resumes) an
    /// upload of `size` bytes; `strong` asks for strong sums of at least
    /// that many bytes (0: the server's choice).
    pub fn push(
        &mut self,
        module: &str,
        path: &str,
        size: f64,
        token: Option<Vec<u8>>,
        strong: u8,
    ) -> f64 {
        let token = token.unwrap_or_default();
        self.0.push_with(module, path, size as u64, &token, strong) as f64
    }

    /// Has upload `req`, just started, compute its whole-file SHA-256 with
    /// `hasher` (an object with `update(bytes)` and `digest()`, as
    /// `DeltaOptions.sha256`) instead of in wasm.
    #[wasm_bindgen(js_name = pushHasher)]
    pub fn push_hasher(&mut self, req: f64, hasher: JsValue) -> Result<(), JsValue> {
        let h = HostHash::new(hasher, self.1.clone())
            .ok_or_else(|| invalid_option("hasher", "an object with update() and digest()"))?;
        self.0.push_hasher(id(req), Box::new(h));
        Ok(())
    }

    /// Whether the upload may take more file bytes now.
    #[wasm_bindgen(js_name = pushWindowOpen)]
    pub fn push_window_open(&self, req: f64) -> bool {
        self.0.push_window_open(id(req))
    }

    /// The next bytes of the file being uploaded.
    #[wasm_bindgen(js_name = pushData)]
    pub fn push_data(&mut self, req: f64, data: &[u8]) -> Result<(), JsValue> {
        self.0.push_data(id(req), data).map_err(protocol_error)?;
        self.check(req)
    }

    /// The host hasher's error, which ends the upload.
    fn check(&mut self, req: f64) -> Result<(), JsValue> {
        match self.1.borrow_mut().take() {
            Some(e) => {
                self.0.cancel(id(req));
                Err(e)
            }
            None => Ok(()),
        }
    }

    /// The end of the file. `mtime` (whole seconds since the epoch, with
    /// `mtimeNsec` nanoseconds) and `mode` (0: the server's choice) are
    /// asked for the result; no mtime leaves both to the server. Returns the
    /// delta's stats with the file's SHA-256.
    #[wasm_bindgen(js_name = pushFinish)]
    pub fn push_finish(
        &mut self,
        req: f64,
        mtime: Option<f64>,
        mtime_nsec: u32,
        mode: u32,
    ) -> Result<JsValue, JsValue> {
        let attrs = match mtime {
            Some(t) if t.is_finite() && t.fract() == 0.0 => Some(FileAttrs {
                mtime: t as i64,
                mtime_nsec: mtime_nsec.min(999_999_999),
                mode: mode & 0o7777,
            }),
            Some(_) => return Err(invalid_option("mtime", "whole seconds")),
            None => None,
        };
        let s = self.0.push_finish(id(req), attrs).map_err(protocol_error)?;
        self.check(req)?;
        Ok(ObjectBuilder::new()
            .count("newLen", s.new_len)
            .count("matchedBytes", s.matched_bytes)
            .count("literalBytes", s.literal_bytes)
            .count("deltaBytes", s.delta_bytes)
            .set(
                "sha256",
                Uint8Array::from(&s.sha256.unwrap_or_default()[..]),
            )
            .build())
    }

    /// Starts a download of `module/path` against the signature of the
    /// local copy.
    pub fn pull(&mut self, module: &str, path: &str, signature: &Signature) -> f64 {
        self.0.pull(module, path, &signature.0) as f64
    }

    /// The download's delta is applied up to `upto` bytes.
    #[wasm_bindgen(js_name = pullApplied)]
    pub fn pull_applied(&mut self, req: f64, upto: f64) {
        self.0.pull_applied(id(req), upto as u64)
    }

    /// The download's patcher finished with a result of SHA-256 `sha256`
    /// (its report's; empty for none): throws `HashMismatch` unless that is
    /// the server file's. Call it after the download's `pullEnd`.
    #[wasm_bindgen(js_name = pullFinish)]
    pub fn pull_finish(&mut self, req: f64, sha256: &[u8]) -> Result<(), JsValue> {
        use protocol::PullMismatch as M;
        let sha256 = sha256.try_into().ok();
        self.0
            .pull_finish(id(req), sha256)
            .map_err(|_| js_error(M::CODE.name(), M::TEXT))
    }

    /// Abandons a transfer; the server drops its temporary state.
    pub fn cancel(&mut self, req: f64) {
        self.0.cancel(id(req))
    }
}
