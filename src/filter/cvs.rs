//! `-C` (`--cvs-exclude`): rsync's default ignore list, `$HOME/.cvsignore`
//! and `$CVSIGNORE` (a port of `get_cvs_excludes` in rsync's `exclude.c`).

use super::engine::{Engine, ListTarget};
use super::error::{FilterError, Origin};
use super::rule::{XFlags, PERISHABLE};
use super::MergeSource;

/// rsync's `default_cvsignore()`: whitespace-separated, read as excludes
/// marked perishable (protocol 30 and later).
pub const DEFAULT_CVSIGNORE: &str = "RCS SCCS CVS CVS.adm RCSLOG cvslog.* tags TAGS .make.state .nse_depinfo *~ #* .#* ,* _$* *$ *.old *.bak *.BAK *.orig *.rej .del-* *.a *.olb *.o *.obj *.so *.exe *.Z *.elc *.ln core .svn/ .git/ .hg/ .bzr/";

impl Engine {
    /// Builds the global CVS list once, with the flags of the first `-C`
    /// rule, as rsync does.
    pub(crate) fn get_cvs_excludes<R: MergeSource + ?Sized>(
        &mut self,
        flags: u32,
        reader: &mut R,
    ) -> Result<(), FilterError> {
        if self.cvs.is_some() {
            return Ok(());
        }
        self.cvs = Some(Vec::new());
        let mut list = ListTarget::default();
        let none = XFlags::default();
        self.parse_filter_str(
            &mut list,
            DEFAULT_CVSIGNORE.as_bytes(),
            flags | PERISHABLE,
            none,
            &Origin::Builtin("the default CVS ignore list"),
            reader,
        )?;
        if let Some(home) = self.opts.home.clone() {
            let mut path = home.into_bytes();
            if !path.ends_with(b"/") {
                path.push(b'/');
            }
            path.extend_from_slice(b".cvsignore");
            self.parse_filter_file(&mut list, &path, flags, none, None, reader)?;
        }
        if let Some(env) = self.opts.cvsignore.clone() {
            self.parse_filter_str(
                &mut list,
                env.as_bytes(),
                flags,
                none,
                &Origin::Builtin("$CVSIGNORE"),
                reader,
            )?;
        }
        self.cvs = Some(list.rules);
        Ok(())
    }
}
