//! Every arrow points down: the module graph of `src/`, drawn from the code's
//! own `crate::` and `super::` paths, has no cycles, and each module imports
//! only from its own layer's modules below it (ARCHITECTURE.md, "Layers").
//!
//! One Cargo package holds every layer, so the compiler does not enforce the
//! direction; this test does. It reads the source as text: a path in a
//! comment or a `#[cfg(test)]` module does not count (tests may reach
//! anywhere), every other `crate::x` does, whether in a `use` or inline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A module may import from a lower
/// layer, never from its own layer's other modules or from a higher one.
/// Keep in step with ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    // Vocabulary: pure, no I/O, imported by everyone.
    &["png", "i18n"],
    &["identity", "wire", "keyguard", "keys"],
    // Pure making and plain storage.
    &["forms", "print", "crypto", "queue", "board", "screen", "documents"],
    // Documents, drivers and transport.
    &["pdf", "devices", "upload"],
    // A submission assembled; the registry's server; the session (pure); the
    // running kiosk's report of its devices.
    &["submission", "intake", "app", "health"],
    // The Slint adapter and the effects it runs; the fleet client (reads the health report).
    &["ui", "fleet"],
    // The configuration file, turned into each part's own settings.
    &["config"],
    // Technicians' commands over a configuration.
    &["selftest", "provision"],
    // A running kiosk wired together, its life under systemd, the scripted citizen.
    &["kiosk", "service", "walkthrough"],
];

/// Exceptions, each with its reason (ARCHITECTURE.md names them too).
const ALLOWED: &[(&str, &str, &str)] = &[];

/// Downward imports that are still forbidden (ARCHITECTURE.md's "Never:").
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("app", "devices", "the session is pure: it asks for devices through effects"),
    ("app", "upload", "the session never talks to the registry itself"),
    ("intake", "queue", "the registry's server shares only `wire` with the kiosk"),
    ("intake", "upload", "the registry's server shares only `wire` with the kiosk"),
    ("intake", "devices", "the registry's server has no kiosk devices"),
    ("health", "board", "the report reads devices only through their status queries"),
    ("fleet", "queue", "the fleet client sees the kiosk only through its health report: no envelope leaves"),
    ("fleet", "app", "the fleet client sees a session only as the report's flag"),
];

struct Graph {
    /// module path ("devices::qr", "" for lib.rs) → the modules it uses.
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_files(dir: &Path, root: &Path, out: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // The binary's own modules (src/cli) import the library as `ghiseu::`.
            if path.file_name().unwrap() != "cli" {
                module_files(&path, root, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            if parts.last().map(String::as_str) == Some("main") {
                continue;
            }
            out.insert(parts.join("::"), path);
        }
    }
}

/// The source without comments and without `#[cfg(test)]` items.
fn code_of(src: &str) -> String {
    let mut no_comments = String::with_capacity(src.len());
    for line in src.lines() {
        let cut = line.find("//").unwrap_or(line.len());
        no_comments.push_str(&line[..cut]);
        no_comments.push('\n');
    }
    let s = no_comments;
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let brace = after.find('{');
        let semi = after.find(';');
        match (brace, semi) {
            (_, Some(sc)) if brace.is_none_or(|b| sc < b) => rest = &after[sc + 1..],
            (Some(b), _) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
            }
            _ => rest = "",
        }
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `a::b::c` path segments starting at `at`: every identifier up to the
/// first upper-case one (a type), which is included as the last segment.
fn path_at(s: &str, at: usize) -> Vec<String> {
    let mut segs = vec![];
    let mut i = at;
    loop {
        let seg: String = s[i..].chars().take_while(|&c| is_ident(c)).collect();
        if seg.is_empty() {
            break;
        }
        i += seg.len();
        let upper = seg.starts_with(|c: char| c.is_ascii_uppercase());
        segs.push(seg);
        if !upper && s[i..].starts_with("::") {
            i += 2;
        } else {
            break;
        }
    }
    segs
}

/// Where the items a module re-exports (`pub use child::{A, b as c};`) come
/// from, as full paths from the crate root.
fn reexports(code: &str, here: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (at, _) in code.match_indices("pub use ") {
        if at > 0 && !code[..at].ends_with(char::is_whitespace) {
            continue;
        }
        let end = code[at..].find(';').map(|e| at + e).unwrap_or(code.len());
        let stmt: String = code[at + "pub use ".len()..end].split_whitespace().collect::<Vec<_>>().join(" ");
        let (prefix, items): (String, Vec<String>) = match stmt.find("::{") {
            Some(b) => (
                stmt[..b].to_string(),
                stmt[b + 3..].trim_end_matches('}').split(',').map(|i| i.trim().to_string()).collect(),
            ),
            None => match stmt.rfind("::") {
                Some(b) => (stmt[..b].to_string(), vec![stmt[b + 2..].trim().to_string()]),
                None => continue,
            },
        };
        let mut base: Vec<String> = prefix.split("::").map(|p| p.trim().to_string()).collect();
        let anchor: Vec<String> = match base.first().map(String::as_str) {
            Some("crate") => vec![],
            Some("super") => here[..here.len().saturating_sub(1)].to_vec(),
            _ => here.to_vec(),
        };
        if matches!(base.first().map(String::as_str), Some("crate" | "super" | "self")) {
            base.remove(0);
        }
        for item in items.into_iter().filter(|i| !i.is_empty() && i != "*" && i != "self") {
            let (path, name) = match item.split_once(" as ") {
                Some((p, n)) => (p.trim().to_string(), n.trim().to_string()),
                None => (item.clone(), item.rsplit("::").next().unwrap_or_default().trim().to_string()),
            };
            let mut full = anchor.clone();
            full.extend(base.iter().cloned());
            full.extend(path.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
            out.insert(name, full);
        }
    }
    out
}

fn build() -> Graph {
    let root = src_dir();
    let mut files = BTreeMap::new();
    module_files(&root, &root, &mut files);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let split = |m: &str| -> Vec<String> {
        if m.is_empty() {
            vec![]
        } else {
            m.split("::").map(String::from).collect()
        }
    };
    let codes: BTreeMap<String, String> =
        files.iter().map(|(m, p)| (m.clone(), code_of(&std::fs::read_to_string(p).unwrap()))).collect();
    let reexported: BTreeMap<String, BTreeMap<String, Vec<String>>> =
        codes.iter().map(|(m, c)| (m.clone(), reexports(c, &split(m)))).collect();
    // The module a path names: its longest module prefix, followed through a
    // re-export when the next segment is an item that module re-exports.
    fn resolve(
        parts: &[String],
        modules: &BTreeSet<String>,
        reexported: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        depth: usize,
    ) -> Option<String> {
        let n = (1..=parts.len()).rev().find(|&n| modules.contains(&parts[..n].join("::")))?;
        let m = parts[..n].join("::");
        if depth < 8 {
            if let Some(full) = parts.get(n).and_then(|item| reexported.get(&m)?.get(item)) {
                let mut next = full.clone();
                next.extend(parts[n + 1..].iter().cloned());
                if let Some(r) = resolve(&next, modules, reexported, depth + 1) {
                    return Some(r);
                }
            }
        }
        Some(m)
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &files {
        let code = &codes[module];
        let here = split(module);
        let is_dir_module = path.file_stem().is_some_and(|s| s == "mod" || s == "lib");
        let mut add = |parts: Vec<String>| {
            if let Some(target) = resolve(&parts, &modules, &reexported, 0) {
                if &target != module && !target.is_empty() {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        };
        for (prefix, anchor) in [("crate::", vec![]), ("super::", here[..here.len().saturating_sub(1)].to_vec())] {
            for (at, _) in code.match_indices(prefix) {
                if at > 0 && code[..at].ends_with(|c: char| is_ident(c) || c == ':') {
                    continue;
                }
                let start = at + prefix.len();
                let segs = path_at(code, start);
                let mut full = anchor.clone();
                full.extend(segs.iter().cloned());
                // `crate::x::{a::B, C}`: each item in the braces.
                let after = start + segs.iter().map(|s| s.len() + 2).sum::<usize>();
                let head = code.get(..after.min(code.len())).unwrap_or("");
                if head.ends_with("::") && code.get(after..).is_some_and(|r| r.starts_with('{')) {
                    let close = code[after..].find('}').map(|c| after + c).unwrap_or(code.len());
                    for item in code[after + 1..close].split(',') {
                        let item = item.split(" as ").next().unwrap_or("").trim();
                        if item.is_empty() || item == "self" || item == "*" {
                            add(full.clone());
                            continue;
                        }
                        let mut one = full.clone();
                        one.extend(item.split("::").map(|s| s.trim().to_string()));
                        add(one);
                    }
                } else {
                    add(full);
                }
            }
        }
        // A directory module using its own children by their bare names (`child::x`, `self::child`).
        if is_dir_module {
            for child in modules.iter().filter(|m| {
                let p = split(m);
                p.len() == here.len() + 1 && p[..here.len()] == here[..]
            }) {
                let name = child.rsplit("::").next().unwrap();
                let needle = format!("{name}::");
                for (at, _) in code.match_indices(&needle) {
                    let bare = at == 0 || !code[..at].ends_with(|c: char| is_ident(c) || c == ':');
                    if !(bare || code[..at].ends_with("self::")) {
                        continue;
                    }
                    let mut parts = here.clone();
                    parts.extend(path_at(code, at));
                    add(parts);
                }
            }
        }
    }
    Graph { edges }
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap()
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top(module)))
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.edges.get(v).into_iter().flatten() {
            if !t.index.contains_key(w.as_str()) {
                visit(t, w);
                let lw = t.low[w.as_str()];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w.as_str()) {
                let iw = t.index[w.as_str()];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = vec![];
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on: BTreeSet::new(), out: vec![] };
    for v in g.edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_module_graph_has_no_cycles() {
    let g = build();
    assert!(g.edges.len() > 30, "the graph was not read: {} modules with imports", g.edges.len());
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let inner: Vec<String> = c
                .iter()
                .flat_map(|a| g.edges[a].iter().filter(|b| c.contains(b)).map(move |b| format!("{a} -> {b}")))
                .collect();
            format!("cycle through {}: {}", c.len(), inner.join(", "))
        })
        .collect();
    assert!(found.is_empty(), "import cycles in src/:\n{}", described.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let root = src_dir();
    let mut files = BTreeMap::new();
    module_files(&root, &root, &mut files);
    let tops: BTreeSet<&str> = files.keys().filter(|m| !m.is_empty()).map(|m| top(m)).collect();
    let missing: Vec<&&str> = tops.iter().filter(|t| layer_of(t).is_none()).collect();
    assert!(missing.is_empty(), "modules with no layer in tests/architecture.rs (and ARCHITECTURE.md): {missing:?}");
}

#[test]
fn every_import_points_down() {
    let g = build();
    let mut wrong = vec![];
    for (from, tos) in &g.edges {
        if from.is_empty() {
            continue;
        }
        for to in tos {
            if top(from) == top(to) {
                continue;
            }
            let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) else { continue };
            if a <= b && !ALLOWED.iter().any(|(f, t, _)| from.starts_with(f) && to.starts_with(t)) {
                wrong.push(format!("{from} (layer {a}) -> {to} (layer {b})"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that do not point down:\n{}", wrong.join("\n"));
}

#[test]
fn no_forbidden_import() {
    let g = build();
    let mut wrong = vec![];
    for (from, tos) in &g.edges {
        for to in tos {
            for (f, t, why) in FORBIDDEN {
                if top(from) == *f && top(to) == *t {
                    wrong.push(format!("{from} -> {to}: {why}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "forbidden imports:\n{}", wrong.join("\n"));
}

/// The checker itself: a cycle and an upward import written as source are found.
#[test]
fn the_checker_sees_a_planted_cycle() {
    let code = code_of("use crate::queue::Queue; // crate::app\n#[cfg(test)]\nmod tests { use crate::ui; }\nfn f() { crate::print::label::job(); }");
    assert!(code.contains("crate::queue") && code.contains("crate::print::label"));
    assert!(!code.contains("crate::app") && !code.contains("crate::ui"));
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    edges.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&Graph { edges }), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    assert!(layer_of("queue").unwrap() < layer_of("submission").unwrap());
}
