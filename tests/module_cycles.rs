//! The host's modules import one way: a graph of which module of
//! src/host names which (`super::x`, `crate::host::x`, `use` lists
//! included), and no cycle in it. The engine's state lives in leaf
//! modules (hlinks.rs, meta.rs, ...); the files that add methods to
//! `Engine` name engine.rs, which names none of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module under `dir` (module path -> source), `mod.rs` named by
/// its directory; unit tests (`mod tests`, inline or in tests.rs) left out.
fn modules(dir: &Path, path: &str, out: &mut BTreeMap<String, String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_str().unwrap().to_string();
        if p.is_dir() {
            modules(&p, &format!("{path}::{name}"), out);
        } else if p.extension().is_some_and(|x| x == "rs") && name != "tests" {
            let text = std::fs::read_to_string(&p).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests {") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let m = if name == "mod" {
                path.to_string()
            } else {
                format!("{path}::{name}")
            };
            out.insert(m, text);
        }
    }
}

/// The paths a source names from `crate::`, `self::` or `super::`
/// (a `{...}` list gives one path per item), made absolute.
fn named(module: &str, text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let here: Vec<&str> = module.split("::").collect();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let at_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let head = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|h| at_word && rest.starts_with(h.as_bytes()));
        let Some(head) = head else {
            i += 1;
            continue;
        };
        // The base: crate, this module (self), or parents (super::super).
        let mut base: Vec<String> = match head {
            "crate::" => vec![],
            _ => here.iter().map(|s| s.to_string()).collect(),
        };
        let mut j = i;
        loop {
            let r = &text[j..];
            if r.starts_with("super::") {
                // `super` of a file module is its directory's module.
                base.pop();
                j += 7;
            } else if r.starts_with("self::") {
                j += 6;
            } else if r.starts_with("crate::") {
                j += 7;
            } else {
                break;
            }
        }
        let end = text[j..]
            .find(|c: char| {
                !(c.is_alphanumeric()
                    || c == '_'
                    || c == ':'
                    || c == '{'
                    || c == '}'
                    || c == ','
                    || c == ' '
                    || c == '\n'
                    || c == '*')
            })
            .map_or(text.len(), |n| j + n);
        let tail = &text[j..end];
        let (prefix_text, list) = match tail.find('{') {
            Some(k) => (&tail[..k], Some(&tail[k + 1..])),
            None => (tail, None),
        };
        let mut prefix: Vec<String> = base;
        prefix.extend(
            prefix_text
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        match list {
            Some(l) => {
                let l = &l[..l.find('}').unwrap_or(l.len())];
                for item in l.split(',') {
                    let mut p = prefix.clone();
                    p.extend(
                        item.split("::")
                            .map(str::trim)
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(String::from),
                    );
                    out.push(p);
                }
            }
            None => out.push(prefix),
        }
        i = end.max(i + 1);
    }
    out
}

#[test]
fn host_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut mods = BTreeMap::new();
    modules(&src.join("host"), "host", &mut mods);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (m, text) in &mods {
        for path in named(m, text) {
            // The longest prefix that is a module.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|p| mods.contains_key(p));
            if let Some(t) = target {
                let (t, m) = (mods.get_key_value(&t).unwrap().0.as_str(), m.as_str());
                // A parent and its child may name each other.
                let related = t.starts_with(&format!("{m}::")) || m.starts_with(&format!("{t}::"));
                if t != m && !related {
                    edges.entry(m).or_default().insert(t);
                }
            }
        }
    }
    // Strongly connected components (Tarjan).
    let names: Vec<&str> = mods.keys().map(String::as_str).collect();
    let index_of: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let n = names.len();
    /// Tarjan's strongly connected components.
    struct Scc<'g> {
        g: &'g [Vec<usize>],
        index: Vec<usize>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        cycles: Vec<Vec<usize>>,
    }
    impl Scc<'_> {
        fn visit(&mut self, v: usize) {
            (self.index[v], self.low[v]) = (self.next, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in &self.g[v] {
                if self.index[w] == usize::MAX {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                } else if self.on_stack[w] {
                    self.low[v] = self.low[v].min(self.index[w]);
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    self.cycles.push(comp);
                }
            }
        }
    }
    let g: Vec<Vec<usize>> = names
        .iter()
        .map(|m| {
            edges
                .get(m)
                .map(|t| t.iter().map(|x| index_of[x]).collect())
                .unwrap_or_default()
        })
        .collect();
    let mut scc = Scc {
        g: &g,
        index: vec![usize::MAX; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        cycles: Vec::new(),
    };
    for v in 0..n {
        if scc.index[v] == usize::MAX {
            scc.visit(v);
        }
    }
    let mut found = Vec::new();
    for comp in scc.cycles {
        let members: BTreeSet<String> = comp.iter().map(|&i| names[i].to_string()).collect();
        let lines: Vec<String> = members
            .iter()
            .map(|m| {
                let to: Vec<&str> = edges[m.as_str()]
                    .iter()
                    .copied()
                    .filter(|t| members.contains(*t))
                    .collect();
                format!("  {m} -> {}", to.join(", "))
            })
            .collect();
        found.push(lines.join("\n"));
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n\n"));
    // The check sees imports at all: sync names its arguments module.
    assert!(edges["host::sync::engine"].contains("host::sync::args"));
}
