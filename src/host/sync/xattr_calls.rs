//! The extended-attribute calls of `-X`, `-A` and `--fake-super`: Linux's,
//! through rustix. Elsewhere those options are refused when parsed, as an
//! rsync built without xattr and ACL support refuses them (args/more.rs):
//! macOS and the BSDs name and namespace attributes differently (rsync's
//! lib/sysxattrs.c), which wsync does not port; each call there answers
//! ENOTSUP.

use rustix::io::Errno;
use std::ffi::OsStr;
use std::path::Path;

/// The error for an attribute that is not there.
#[cfg(target_os = "linux")]
pub const NO_ATTR: Errno = Errno::NODATA;
#[cfg(not(target_os = "linux"))]
pub const NO_ATTR: Errno = Errno::NOATTR;

#[cfg(target_os = "linux")]
pub use rustix::fs::{
    getxattr, getxattr_query, lgetxattr, lgetxattr_query, llistxattr, llistxattr_query,
    lremovexattr, removexattr,
};

/// `setxattr(path, name, value, 0)`: creates or replaces.
#[cfg(target_os = "linux")]
pub fn setxattr(path: &Path, name: impl AsRef<OsStr>, value: &[u8]) -> Result<(), Errno> {
    rustix::fs::setxattr(path, name.as_ref(), value, rustix::fs::XattrFlags::empty())
}

/// `lsetxattr(path, name, value, 0)`: creates or replaces, on a symlink
/// itself.
#[cfg(target_os = "linux")]
pub fn lsetxattr(path: &Path, name: impl AsRef<OsStr>, value: &[u8]) -> Result<(), Errno> {
    rustix::fs::lsetxattr(path, name.as_ref(), value, rustix::fs::XattrFlags::empty())
}

#[cfg(not(target_os = "linux"))]
pub use elsewhere::*;

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    use super::*;

    fn unsupported<T>() -> Result<T, Errno> {
        Err(Errno::NOTSUP)
    }
    pub fn getxattr(_: &Path, _: impl AsRef<OsStr>, _: &mut [u8]) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn lgetxattr(_: &Path, _: impl AsRef<OsStr>, _: &mut [u8]) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn getxattr_query(_: &Path, _: impl AsRef<OsStr>) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn lgetxattr_query(_: &Path, _: impl AsRef<OsStr>) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn llistxattr(_: &Path, _: &mut [u8]) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn llistxattr_query(_: &Path) -> Result<usize, Errno> {
        unsupported()
    }
    pub fn setxattr(_: &Path, _: impl AsRef<OsStr>, _: &[u8]) -> Result<(), Errno> {
        unsupported()
    }
    pub fn lsetxattr(_: &Path, _: impl AsRef<OsStr>, _: &[u8]) -> Result<(), Errno> {
        unsupported()
    }
    pub fn removexattr(_: &Path, _: impl AsRef<OsStr>) -> Result<(), Errno> {
        unsupported()
    }
    pub fn lremovexattr(_: &Path, _: impl AsRef<OsStr>) -> Result<(), Errno> {
        unsupported()
    }
}
