//! Static files for `--www` (at `/`) and `--pkg` (at `/pkg/`). Paths are
//! resolved beneath a directory handle held from the start, as module paths
//! are (beneath.rs: no `..` above it, no absolute or outward
//! symlink, which a client may have planted when the directory is also a
//! writable module): such a path is 404, never a file outside. Regular files
//! only; a directory serves its index.html, never a listing. GET and HEAD.

use super::beneath::{open_beneath, Follow, LOOK};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rustix::fs::{self as rfs, Mode, OFlags};
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// The directories served.
pub struct Static {
    www: Option<OwnedFd>,
    pkg: Option<OwnedFd>,
}

/// Bytes read from a file per body chunk.
const CHUNK: usize = 64 << 10;

fn open_root(dir: &Path) -> io::Result<OwnedFd> {
    Ok(rfs::open(
        dir,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

impl Static {
    /// Opens the directories; an error names the one that failed.
    pub fn open(www: Option<&Path>, pkg: Option<&Path>) -> Result<Static, (String, io::Error)> {
        let open = |d: Option<&Path>| {
            d.map(|d| open_root(d).map_err(|e| (d.display().to_string(), e)))
                .transpose()
        };
        Ok(Static {
            www: open(www)?,
            pkg: open(pkg)?,
        })
    }
}

/// `%XX` escapes decoded; `None` for a malformed one.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The path below the root as plain components joined by `/` ("." for the
/// root itself); `None` for `..`, NUL or a malformed escape.
fn relative(path: &str) -> Option<Vec<u8>> {
    let decoded = percent_decode(path)?;
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in decoded.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return None,
            c if c.contains(&0) => return None,
            c => parts.push(c),
        }
    }
    Some(match parts.is_empty() {
        true => b".".to_vec(),
        false => parts.join(&b'/'),
    })
}

/// The Content-Type of a file name, from its extension.
fn content_type(name: &[u8]) -> &'static str {
    let ext = name
        .rsplit(|&b| b == b'.')
        .next()
        .filter(|e| e.len() < name.len())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_slice() {
        b"html" | b"htm" => "text/html; charset=utf-8",
        b"js" | b"mjs" => "text/javascript; charset=utf-8",
        b"css" => "text/css; charset=utf-8",
        b"json" | b"map" => "application/json",
        b"wasm" => "application/wasm",
        b"txt" | b"md" => "text/plain; charset=utf-8",
        b"csv" => "text/csv; charset=utf-8",
        b"xml" => "application/xml",
        b"svg" => "image/svg+xml",
        b"png" => "image/png",
        b"jpg" | b"jpeg" => "image/jpeg",
        b"gif" => "image/gif",
        b"webp" => "image/webp",
        b"avif" => "image/avif",
        b"ico" => "image/x-icon",
        b"woff" => "font/woff",
        b"woff2" => "font/woff2",
        b"ttf" => "font/ttf",
        b"otf" => "font/otf",
        b"pdf" => "application/pdf",
        b"mp4" => "video/mp4",
        b"webm" => "video/webm",
        b"mp3" => "audio/mpeg",
        b"wav" => "audio/wav",
        b"zip" => "application/zip",
        b"gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// What a path names beneath a root.
enum Found {
    File(File, u64),
    Dir,
    Nothing,
}

/// Resolves `rel` beneath `root`, and for a directory (when `index`) its
/// index.html. A special file (fifo, device, socket) is never opened for
/// reading: it is looked at through a handle for looking (O_PATH where
/// there is one: see `beneath::LOOK`) first.
fn find(root: &OwnedFd, rel: &[u8], index: bool) -> io::Result<Found> {
    let path = match open_beneath(root, rel, LOOK | OFlags::CLOEXEC, Follow::Beneath) {
        Ok(fd) => fd,
        // Missing, or a path that leaves the root (EXDEV) or loops.
        Err(_) => return Ok(Found::Nothing),
    };
    let st = rfs::fstat(&path)?;
    match rfs::FileType::from_raw_mode(st.st_mode) {
        rfs::FileType::Directory if index => match find(&path, b"index.html", false)? {
            Found::Dir => Ok(Found::Nothing),
            found => Ok(found),
        },
        rfs::FileType::Directory => Ok(Found::Dir),
        rfs::FileType::RegularFile => {
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
            let Ok(fd) = open_beneath(root, rel, flags, Follow::Beneath) else {
                return Ok(Found::Nothing);
            };
            let now = rfs::fstat(&fd)?;
            // Replaced meanwhile by something else: not served.
            let same = (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino);
            match same && rfs::FileType::from_raw_mode(now.st_mode) == rfs::FileType::RegularFile {
                true => Ok(Found::File(File::from(fd), now.st_size as u64)),
                false => Ok(Found::Nothing),
            }
        }
        _ => Ok(Found::Nothing),
    }
}

fn status(code: StatusCode, text: &'static str) -> Response {
    (code, text).into_response()
}

/// The handler for every path that is not `/ws`.
pub async fn serve(State(dirs): State<Arc<Static>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut r = status(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let path = uri.path();
    let (root, below) = match (&dirs.pkg, path.strip_prefix("/pkg")) {
        (Some(pkg), Some(rest)) if rest.is_empty() || rest.starts_with('/') => (pkg, rest),
        _ => match &dirs.www {
            Some(www) => (www, path),
            None => return status(StatusCode::NOT_FOUND, "not found\n"),
        },
    };
    let Some(rel) = relative(below) else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    // "/pkg" itself is a directory without its slash.
    let dir_url = below.ends_with('/');
    // The type goes by the name asked for (a link's, not its target's).
    let kind = match dir_url {
        true => content_type(b"index.html"),
        false => content_type(rel.rsplit(|&b| b == b'/').next().unwrap_or_default()),
    };
    let root = match root.try_clone() {
        Ok(r) => r,
        Err(_) => return status(StatusCode::INTERNAL_SERVER_ERROR, "server error\n"),
    };
    let found = tokio::task::spawn_blocking(move || find(&root, &rel, dir_url)).await;
    let (file, len) = match found {
        Ok(Ok(Found::File(f, len))) => (f, len),
        Ok(Ok(Found::Dir)) => {
            // "/dir" to "/dir/", so that the page's relative links work;
            // relative to the last segment, so any mount point is kept.
            let last = path.rsplit('/').next().unwrap_or_default();
            let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
            let to = format!("{last}/{query}");
            let mut r = status(StatusCode::TEMPORARY_REDIRECT, "");
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        Ok(Ok(Found::Nothing)) => return status(StatusCode::NOT_FOUND, "not found\n"),
        _ => return status(StatusCode::INTERNAL_SERVER_ERROR, "server error\n"),
    };
    let body = match method == Method::HEAD {
        true => Body::empty(),
        false => Body::from_stream(chunks(file, len)),
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// The file's first `len` bytes, read in chunks off the async threads. A
/// file that got shorter meanwhile ends the body with an error (the client
/// sees a cut response, not a hang); one that grew is cut at `len`.
fn chunks(
    file: File,
    len: u64,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    let file = Arc::new(file);
    futures_util::stream::try_unfold(0u64, move |at| {
        let file = file.clone();
        async move {
            if at >= len {
                return Ok(None);
            }
            let want = (len - at).min(CHUNK as u64) as usize;
            let buf = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0u8; want];
                let n = file.read_at(&mut buf, at)?;
                buf.truncate(n);
                Ok::<_, io::Error>(buf)
            })
            .await
            .map_err(io::Error::other)??;
            if buf.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file got shorter while it was sent",
                ));
            }
            let next = at + buf.len() as u64;
            Ok(Some((Bytes::from(buf), next)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_plain_components() {
        let rel = |p: &str| relative(p).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(rel("/").as_deref(), Some("."));
        assert_eq!(rel("").as_deref(), Some("."));
        assert_eq!(rel("/a//b/./c.js").as_deref(), Some("a/b/c.js"));
        assert_eq!(rel("/a%20b/%41").as_deref(), Some("a b/A"));
        assert_eq!(rel("/../etc/passwd"), None);
        assert_eq!(rel("/%2e%2e/etc"), None);
        assert_eq!(rel("/a/%2E%2E"), None);
        assert_eq!(rel("/a%00b"), None);
        assert_eq!(rel("/a%zz"), None);
        assert_eq!(rel("/a%4"), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(b"x.wasm"), "application/wasm");
        assert_eq!(content_type(b"A.MJS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type(b"html"), "application/octet-stream");
        assert_eq!(content_type(b"noext"), "application/octet-stream");
        assert_eq!(content_type(b".css"), "text/css; charset=utf-8");
    }
}
