//! The playground's state modules form a one-way chain (the list is in
//! `src/state.rs`'s module doc): each uses only modules below it, so any
//! one can be read, tested and changed knowing only what it builds on.
//! The compiler allows cycles between sibling modules; this test does not.
//! It reads `src/state.rs`, `src/state/*.rs` and their submodules
//! (`src/state/scene/*.rs` counts as `scene`), collects every path that
//! names a sibling (`super::x`, `crate::state::x`, in `use` lines and in
//! code), and fails naming the cycle if there is one.
//!
//! `state.rs` itself sits on top: it declares and re-exports every module,
//! so a module that reaches back into it (`super::Item` for an item
//! defined there) closes a cycle too.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::Path;

/// The name `state.rs` goes by in the graph.
const ROOT: &str = "state";

/// Every state module's source, by module name (`state` for `state.rs`).
fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    out.insert(
        ROOT.to_owned(),
        std::fs::read_to_string(src.join("state.rs")).expect("src/state.rs reads"),
    );
    for entry in std::fs::read_dir(src.join("state")).expect("src/state/ lists") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            // A module's own submodules (`state/scene/lesson.rs`) are part
            // of it: what they use, it uses.
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            for sub in std::fs::read_dir(&path).expect("a module directory lists") {
                let sub = sub.expect("a directory entry").path();
                assert!(
                    sub.extension().is_some_and(|e| e == "rs"),
                    "{}: this check reads one level of submodules",
                    sub.display()
                );
                let text = std::fs::read_to_string(&sub).expect("a submodule reads");
                out.entry(name.clone()).or_default().push_str(&text);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a state module reads");
            out.entry(name).or_default().push_str(&text);
        }
    }
    out
}

/// The source with comments, string and character literals blanked out
/// (so that a `{` in a string or `super::` in a doc comment is not code).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= c.len() {
                    break;
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r' && (at(i + 1) == '"' || (at(i + 1) == '#' && at(i + 2) != '[')) {
            // A raw string: r"...", r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|h| at(j + h) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal ('x', '\n', '\''), not a lifetime.
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Splits code into identifiers and single punctuation characters, with
/// `::` as one token.
fn tokens(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_alphanumeric() || c[i] == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(c[start..i].iter().collect());
        } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
            out.push("::".to_owned());
            i += 2;
        } else {
            if !c[i].is_whitespace() {
                out.push(c[i].to_string());
            }
            i += 1;
        }
    }
    out
}

/// The first identifier of each item of a `{...}` group starting at
/// `t[open]`.
fn group_heads(t: &[String], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    for tok in &t[open..] {
        match tok.as_str() {
            "{" => {
                depth += 1;
                if depth == 1 {
                    expect_head = true;
                    continue;
                }
            }
            "}" => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            "," if depth == 1 => {
                expect_head = true;
                continue;
            }
            _ => {}
        }
        if expect_head && depth == 1 {
            heads.push(tok.clone());
            expect_head = false;
        }
    }
    heads
}

/// The modules `module` names: siblings it uses, and [`ROOT`] if it
/// reaches into `state.rs`. `siblings` are every module but the root.
fn uses(module: &str, src: &str, siblings: &[String]) -> Vec<String> {
    let t = tokens(&code_only(src));
    // Where each target points: a sibling's name, or the root.
    let target = |name: &str| -> Option<String> {
        if siblings.iter().any(|s| s == name) {
            (name != module).then(|| name.to_owned())
        } else if matches!(name, "self" | "crate" | "super") {
            None
        } else {
            Some(ROOT.to_owned())
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: Option<String>| {
        if let Some(t) = t {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    };
    if module == ROOT {
        // The root declares and re-exports every module.
        for s in siblings {
            add(Some(s.clone()));
        }
        return out;
    }
    // Brace depths at which inline modules (`mod tests { .. }`) opened:
    // inside one, `super::` is this file.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        match t[i].as_str() {
            "{" => {
                if i >= 2 && t[i - 2] == "mod" {
                    inline.push(depth);
                }
                depth += 1;
            }
            "}" => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        // A path starting here: `super::super::..::x` or `crate::state::x`.
        // Only the start of a path counts (not `a::super`, not allowed).
        let starts = i == 0 || t[i - 1] != "::";
        let mut j = i;
        let mut supers = 0;
        while starts
            && t.get(j).map(String::as_str) == Some("super")
            && t.get(j + 1).map(String::as_str) == Some("::")
        {
            supers += 1;
            j += 2;
        }
        let from_root = starts
            && supers == 0
            && t.get(i).map(String::as_str) == Some("crate")
            && t.get(i + 1).map(String::as_str) == Some("::")
            && t.get(i + 2).map(String::as_str) == Some("state")
            && t.get(i + 3).map(String::as_str) == Some("::");
        if from_root {
            j = i + 4;
        }
        let names_sibling = from_root || supers == inline.len() + 1;
        if names_sibling {
            match t.get(j).map(String::as_str) {
                Some("{") => {
                    for head in group_heads(&t, j) {
                        add(target(&head));
                    }
                }
                Some("*") => add(Some(ROOT.to_owned())),
                Some(name) => add(target(name)),
                None => {}
            }
        }
        i = if j > i { j } else { i + 1 };
    }
    out
}

/// A cycle in the graph, as the modules along it (first one repeated at
/// the end), if there is one.
fn find_cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    // Depth-first, colouring: 1 = on the current path, 2 = done.
    fn visit<'a>(
        n: &'a str,
        graph: &'a BTreeMap<String, Vec<String>>,
        colour: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        colour.insert(n, 1);
        path.push(n);
        for m in graph.get(n).into_iter().flatten() {
            match colour.get(m.as_str()) {
                Some(1) => {
                    let from = path.iter().position(|p| p == m).unwrap();
                    let mut cycle: Vec<String> =
                        path[from..].iter().map(|s| (*s).to_owned()).collect();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, graph, colour, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        colour.insert(n, 2);
        None
    }
    let mut colour = BTreeMap::new();
    for n in graph.keys() {
        if !colour.contains_key(n.as_str()) {
            if let Some(c) = visit(n, graph, &mut colour, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The module graph of these sources.
fn graph_of(sources: &BTreeMap<String, String>) -> BTreeMap<String, Vec<String>> {
    let siblings: Vec<String> = sources.keys().filter(|k| *k != ROOT).cloned().collect();
    sources
        .iter()
        .map(|(name, src)| (name.clone(), uses(name, src, &siblings)))
        .collect()
}

#[test]
fn the_state_modules_have_no_cycle() {
    let sources = sources();
    assert!(sources.len() > 5, "the state modules were not found");
    let graph = graph_of(&sources);
    if let Some(cycle) = find_cycle(&graph) {
        let shown: Vec<String> = graph
            .iter()
            .map(|(m, uses)| format!("  {m} uses {}", uses.join(", ")))
            .collect();
        panic!(
            "the state modules form a cycle: {}\n(put the shared part in a module below both; the chain is in src/state.rs's doc)\nthe graph:\n{}",
            cycle.join(" → "),
            shown.join("\n")
        );
    }
}

#[test]
fn the_check_sees_every_kind_of_reference() {
    let src = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let base = [
        (ROOT, "mod a; mod b; mod c;"),
        (
            "a",
            "use super::b::X;\n#[cfg(test)]\nmod tests { use super::*; }",
        ),
        (
            "b",
            "// super::a::X in a comment\nfn f() { let s = \"super::a\"; let c = '{'; }",
        ),
        ("c", "use super::{a, b::Y};"),
    ];
    assert_eq!(find_cycle(&graph_of(&src(&base))), None);
    // A `use`, a group, a path in code, `crate::state::`, and a reach
    // into the root: each closes a cycle.
    for b in [
        "use super::a::Z;",
        "use super::{c::Q, a};",
        "fn f() { super::a::g(); }",
        "fn f() { crate::state::a::g(); }",
    ] {
        let mut s = base;
        s[2].1 = b;
        let cycle = find_cycle(&graph_of(&src(&s))).unwrap_or_default();
        let on = |m: &str| cycle.iter().any(|c| c == m);
        assert!(
            on("a") && on("b") && cycle.first() == cycle.last(),
            "{b}: {cycle:?}"
        );
    }
    let mut s = base;
    s[2].1 = "use super::Action;";
    let cycle = find_cycle(&graph_of(&src(&s))).expect("b reaches into the root");
    assert!(cycle.contains(&ROOT.to_owned()), "{cycle:?}");
}
