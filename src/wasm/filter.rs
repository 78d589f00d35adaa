//! `Filter`: an rsync rule list, as a merge file's text of `--filter`
//! rules ("- *.tmp", "+ */", "exclude /build/"...), deciding paths exactly
//! as rsync's sender does.
//! Merge files are not read here (a browser has no file system to read
//! them from); rules that name one are refused with the rule's error.

use super::error::{invalid_option, js_error};
use crate::filter::{DirFilter, FilterOptions, Filters, ReadError, Side};
use crate::text::Describe;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Filter(DirFilter);

fn no_files(_: &[u8]) -> Result<Vec<u8>, ReadError> {
    Err(ReadError::NotFound)
}

#[wasm_bindgen]
impl Filter {
    /// Compiles `rules`: text read as rsync reads a merge file (a rule a
    /// line in rsync's `--filter` syntax; empty lines and `#`/`;`
    /// comments skipped; errors name the line), or an array of such lines.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] rules: JsValue,
    ) -> Result<Filter, JsValue> {
        let text = match rules.as_string() {
            Some(text) => text,
            None => rules.unchecked_into::<Array>().join("\n").into(),
        };
        let mut read = no_files;
        let filters = Filters::parse_text(
            text.as_bytes(),
            "rules",
            &FilterOptions::default(),
            &mut read,
        )
        .map_err(|e| js_error("FilterRule", &e.text()))?;
        let mut f = filters.into_side(Side::Sender, b"");
        f.push_dir(b"", &mut read)
            .map_err(|e| js_error("FilterRule", &e.text()))?;
        Ok(Filter(f))
    }

    /// Whether rsync would transfer `path` (relative to the transfer root;
    /// `isDir` for directories), looking at this path alone.
    pub fn matches(&self, path: &str, #[wasm_bindgen(js_name = isDir)] is_dir: bool) -> bool {
        !self.0.is_excluded(path.as_bytes(), is_dir)
    }

    /// The paths rsync would transfer, in their order: a path goes when
    /// neither it nor a directory above it is excluded (rsync does not
    /// descend into excluded directories). A trailing `/` marks a directory.
    #[wasm_bindgen(js_name = filterPaths)]
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn filter_paths(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] paths: Array,
    ) -> Result<Array, JsValue> {
        let kept = Array::new();
        for v in paths.iter() {
            let p = v
                .as_string()
                .ok_or_else(|| invalid_option("paths", "strings"))?;
            let (path, is_dir) = match p.strip_suffix('/') {
                Some(d) => (d, true),
                None => (p.as_str(), false),
            };
            let parents_ok = path
                .match_indices('/')
                .all(|(i, _)| !self.0.is_excluded(&path.as_bytes()[..i], true));
            if parents_ok && !self.0.is_excluded(path.as_bytes(), is_dir) {
                kept.push(&v);
            }
        }
        Ok(kept)
    }
}
