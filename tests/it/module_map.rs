//! `lib.rs`'s module map is true: each module's code (its tests aside) names exactly the
//! modules its row lists, and no cycle runs through them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::helpers::repo;

/// The map's rows: module → the modules it may depend on (`None` for "everything").
fn declared() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("lib.rs");
    let mut rows = BTreeMap::new();
    for line in lib.lines().filter_map(|l| l.strip_prefix("//! | [`")) {
        let Some((name, rest)) = line.split_once("`]") else { continue };
        let deps = rest.trim_end().trim_end_matches('|').rsplit('|').next().expect("a last column").trim();
        let set = (deps != "everything").then(|| {
            deps.split(',')
                .map(|d| d.trim().trim_matches('`').to_owned())
                .filter(|d| !d.is_empty() && d != "—")
                .collect()
        });
        rows.insert(name.to_owned(), set);
    }
    rows
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(path);
        }
    }
}

/// The modules a module's code names as `crate::NAME`, its test modules left out.
fn actual(module: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let src = repo().join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        files.push(single);
    }
    if src.join(module).is_dir() {
        sources(&src.join(module), &mut files);
    }
    let mut found = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        let code = without_test_modules(&text);
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if name != module && modules.contains(&name) {
                found.insert(name);
            }
        }
    }
    found
}

/// `text` without its inline `#[cfg(test)] mod tests { … }` blocks, wherever they sit in the
/// file (code after a test module still counts).
fn without_test_modules(text: &str) -> String {
    let marker = "#[cfg(test)]\nmod tests {";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(marker) {
        out.push_str(&rest[..start]);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn test_modules_are_cut_out_wherever_they_sit() {
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n    fn f() { crate::c(); }\n}\nfn g() { crate::d(); }\n";
    let code = without_test_modules(text);
    assert!(code.contains("crate::a") && code.contains("crate::d"), "{code}");
    assert!(!code.contains("crate::b") && !code.contains("crate::c"), "{code}");
}

#[test]
fn the_module_map_in_lib_rs_lists_what_each_module_uses_and_has_no_cycle() {
    let rows = declared();
    let modules: BTreeSet<String> = rows.keys().cloned().collect();
    assert!(modules.len() >= 19, "every module has a row: {modules:?}");
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("lib.rs");
    for line in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")) {
        let name = line.trim_end_matches(';');
        assert!(modules.contains(name), "module `{name}` has no row in the map");
    }
    let mut graph = BTreeMap::new();
    for (module, declared) in &rows {
        let uses = actual(module, &modules);
        if let Some(declared) = declared {
            assert_eq!(&uses, declared, "the row of `{module}` (left: what its code names)");
        }
        graph.insert(module.clone(), uses);
    }
    // No cycle: repeatedly remove modules that depend on nothing left.
    let mut left = graph.clone();
    while !left.is_empty() {
        let free: Vec<String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(m, _)| m.clone())
            .collect();
        assert!(!free.is_empty(), "a cycle runs through {:?}", left.keys().collect::<Vec<_>>());
        for m in free {
            left.remove(&m);
        }
    }
}
