//! Guards the conventions that make an example something a reader can copy
//! (STYLE.md, "Every example"): its header declares the crates it needs,
//! every child guard, usage function and measuring pattern is the one shape
//! written the same way everywhere, and the file is mostly the lesson the
//! page shows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use xtask::examples::{
    self, COST_EXAMPLE_MAX_LINES, KILL_ON_DROP, MEASURE, Need,
};
use xtask::{book, fail_if_any, repo_root};

/// The most lines the median example may have: the goal of the issue
/// "Examples a reader copies", reached with 26 of the 50 examples at 70
/// lines or fewer. An example that grows past it must shrink elsewhere.
const MEDIAN_MAX_LINES: usize = 70;

/// The least share of an example's lines (outside the cost examples) that
/// the pages show.
const MIN_SHOWN_PERCENT: usize = 60;

/// The only libc line a header may have: libc is a Unix dependency.
const LIBC_NEED: &str = "libc = \"0.2\" (Unix)";

/// Every example (`examples/*.rs`, not the compile-fail programs): its
/// name and source.
fn examples() -> Vec<(String, String)> {
    let root = repo_root();
    let files = xtask::files_with_suffix(&root.join("examples"), ".rs");
    assert!(!files.is_empty(), "no examples found");
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (xtask::stem(p), text)
        })
        .collect()
}

fn tokio_line(features: &BTreeSet<&str>) -> String {
    let list: Vec<String> =
        features.iter().map(|f| format!("\"{f}\"")).collect();
    format!(
        "tokio = {{ version = \"1\", features = [{}] }}",
        list.join(", ")
    )
}

#[test]
fn example_headers_declare_their_crates() {
    let mut failures = Vec::new();
    let mut named_features: BTreeSet<String> = BTreeSet::new();
    for (name, source) in examples() {
        let at = format!("examples/{name}.rs");
        let needs = match examples::needs(&source) {
            Ok(needs) => needs,
            Err(e) => {
                failures.push(format!("{at}: {e}"));
                continue;
            }
        };
        let find = |krate: &str| -> Vec<&Need> {
            needs.iter().filter(|n| n.krate == krate).collect()
        };
        for need in &needs {
            if need.krate != "libc" && need.krate != "tokio" {
                failures.push(format!(
                    "{at}: `Needs: {}`: examples use std, tokio and libc only",
                    need.text
                ));
            }
        }
        // libc
        let libc = find("libc");
        match (examples::uses_libc(&source), libc.as_slice()) {
            (true, []) => failures.push(format!(
                "{at} uses libc:: but its header lacks `//! Needs: {LIBC_NEED}`"
            )),
            (true, [need]) if need.text != LIBC_NEED => failures.push(format!(
                "{at}: `Needs: {}` must read `Needs: {LIBC_NEED}`",
                need.text
            )),
            (false, [need, ..]) => failures.push(format!(
                "{at}: `Needs: {}` but the code never uses libc::",
                need.text
            )),
            (_, [_, _, ..]) => {
                failures.push(format!("{at}: more than one `Needs: libc` line"))
            }
            _ => {}
        }
        // tokio
        let tokio = find("tokio");
        let used = examples::tokio_features(&source);
        match (examples::uses_tokio(&source), tokio.as_slice()) {
            (true, []) => failures.push(format!(
                "{at} uses tokio but its header lacks `//! Needs: {}`",
                tokio_line(&used)
            )),
            (false, [need, ..]) => failures.push(format!(
                "{at}: `Needs: {}` but the code never uses tokio",
                need.text
            )),
            (_, [_, _, ..]) => failures
                .push(format!("{at}: more than one `Needs: tokio` line")),
            (true, [need]) => {
                let declared: BTreeSet<String> =
                    need.features().into_iter().collect();
                named_features.extend(declared.iter().cloned());
                let used_owned: BTreeSet<String> =
                    used.iter().map(|f| f.to_string()).collect();
                let wrong_form = need.version() != Some("1")
                    || need.unix_only
                    || need.features().len() != declared.len()
                    || need.spec.as_table().is_none_or(|t| {
                        t.keys().any(|k| k != "version" && k != "features")
                    });
                if wrong_form || declared != used_owned {
                    failures.push(format!(
                        "{at}: `Needs: {}` should be `Needs: {}` (the features \
                         its code uses; see xtask::examples::tokio_features)",
                        need.text,
                        tokio_line(&used)
                    ));
                }
            }
            (false, []) => {}
        }
    }
    // The book's own Cargo.toml enables exactly what the headers name.
    let root = repo_root();
    match xtask::toml_value(&root, "Cargo.toml", &["dependencies", "tokio"]) {
        Ok(spec) => {
            let enabled: BTreeSet<String> = spec
                .get("features")
                .and_then(|f| f.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if enabled != named_features {
                failures.push(format!(
                    "Cargo.toml enables tokio features {enabled:?}; the \
                     examples' headers name {named_features:?} (exactly \
                     those, so nothing unused is compiled)"
                ));
            }
        }
        Err(e) if !named_features.is_empty() => failures.push(e),
        Err(_) => {}
    }
    fail_if_any(
        "examples whose header does not declare their crates",
        failures,
    );
}

#[test]
fn child_guards_are_one_shape() {
    let mut failures = Vec::new();
    for (name, source) in examples() {
        let at = format!("examples/{name}.rs");
        let code = examples::code_only(&source);
        if code.contains("struct KillOnDrop") {
            let block = examples::item_block(
                &source,
                "struct KillOnDrop",
                "impl Drop for KillOnDrop",
            );
            if block.as_deref() != Some(KILL_ON_DROP) {
                failures.push(format!(
                    "{at}: the child guard differs from the one shape \
                     (STYLE.md, convention 5):\n{KILL_ON_DROP}\nfound:\n{}",
                    block.unwrap_or_else(|| "(no complete block)".into())
                ));
            }
        }
        for other in other_child_guards(&code) {
            failures.push(format!(
                "{at}: `{other}` is a child guard of another shape; use \
                 `KillOnDrop` (STYLE.md, convention 5)"
            ));
        }
    }
    fail_if_any("child guards of another shape", failures);
}

/// Child guards other than `KillOnDrop`: a type with an `impl Drop` that
/// holds a `std::process::Child` or kills something when dropped.
fn other_child_guards(code: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = code.lines().collect();
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let is_child_type = |text: &str| {
        text.match_indices("Child").any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + "Child".len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    // Each item from its first line to the `}` (or `;`) that closes it.
    let item = |from: usize| -> String {
        let line = lines[from];
        let indent = &line[..line.len() - line.trim_start().len()];
        let close = format!("{indent}}}");
        let mut text = String::new();
        for l in &lines[from..] {
            text.push_str(l);
            text.push('\n');
            if *l == close || (l.trim_end().ends_with(';') && !l.contains('{'))
            {
                break;
            }
        }
        text
    };
    let mut holds_a_child = BTreeSet::new();
    let mut drop_impls = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed
            .strip_prefix("struct ")
            .or_else(|| trimmed.strip_prefix("pub struct "))
        {
            if is_child_type(&item(i)) {
                holds_a_child.insert(ident(rest));
            }
        } else if let Some(rest) = trimmed.strip_prefix("impl Drop for ") {
            drop_impls.push((ident(rest), item(i)));
        }
    }
    drop_impls
        .into_iter()
        .filter(|(name, body)| {
            name != "KillOnDrop"
                && (holds_a_child.contains(name) || body.contains(".kill()"))
        })
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn examples_use_one_usage_form() {
    let failures: Vec<String> = examples()
        .into_iter()
        .filter_map(|(name, source)| {
            examples::usage_form_problem(&source, &name)
                .map(|p| format!("examples/{name}.rs: {p}"))
        })
        .collect();
    fail_if_any("examples with another argument-checking form", failures);
}

#[test]
fn cost_examples_share_one_measuring_pattern() {
    let mut failures = Vec::new();
    for (name, source) in examples() {
        if !examples::is_cost_example(&source) {
            continue;
        }
        let at = format!("examples/{name}.rs");
        let block =
            examples::item_block(&source, "struct Stats", "fn measure(");
        if block.as_deref() != Some(MEASURE) {
            failures.push(format!(
                "{at}: a cost example has the one measuring pattern, from \
                 `struct Stats` to the end of `fn measure`, byte for byte:\n\
                 {MEASURE}\nfound:\n{}",
                block.unwrap_or_else(
                    || "(no `struct Stats` ... `fn measure`)".into()
                )
            ));
        }
        let lines = source.lines().count();
        if lines > COST_EXAMPLE_MAX_LINES {
            failures.push(format!(
                "{at}: {lines} lines; a cost example has at most {COST_EXAMPLE_MAX_LINES}"
            ));
        }
    }
    fail_if_any("cost examples that measure another way", failures);
}

/// For every example, the lines (1-based) that some page shows.
fn shown_lines(root: &Path) -> BTreeMap<PathBuf, BTreeSet<usize>> {
    const INCLUDES: [&str; 3] = ["include", "rustdoc_include", "playground"];
    let pages = book::pages(root).expect("read src/");
    let mut shown: BTreeMap<PathBuf, BTreeSet<usize>> = BTreeMap::new();
    for page in &pages {
        let dir = page.path.parent().expect("a page has a folder");
        for d in book::parse(&page.text).directives {
            if !INCLUDES.contains(&d.kind.as_str()) {
                continue;
            }
            let Ok(file) = dir.join(&d.target).canonicalize() else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let selector = if d.kind == "playground" {
                None
            } else {
                d.selector.as_deref()
            };
            shown
                .entry(file)
                .or_default()
                .extend(book::selected_lines(&text, selector));
        }
    }
    shown
}

#[test]
fn examples_are_lean() {
    let root = repo_root();
    let shown = shown_lines(&root);
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (name, source) in examples() {
        let lines = source.lines().count();
        counts.push(lines);
        let path = root
            .join(format!("examples/{name}.rs"))
            .canonicalize()
            .expect("an example's path");
        let on_page = shown.get(&path).map_or(0, BTreeSet::len);
        let percent = on_page * 100 / lines.max(1);
        let cost = examples::is_cost_example(&source);
        rows.push(format!(
            "{name:<40} {lines:>5} {percent:>6}%{}",
            if cost { "  (cost example)" } else { "" }
        ));
        if !cost && percent < MIN_SHOWN_PERCENT {
            failures.push(format!(
                "examples/{name}.rs: the pages show {on_page} of its {lines} \
                 lines ({percent}%); at least {MIN_SHOWN_PERCENT}% (or the \
                 whole file) should be the lesson the page shows"
            ));
        }
    }
    counts.sort_unstable();
    let median = if counts.is_empty() {
        0
    } else if counts.len() % 2 == 1 {
        counts[counts.len() / 2]
    } else {
        (counts[counts.len() / 2 - 1] + counts[counts.len() / 2]).div_ceil(2)
    };
    if median > MEDIAN_MAX_LINES {
        failures.push(format!(
            "the median example has {median} lines; at most {MEDIAN_MAX_LINES}"
        ));
    }
    if !failures.is_empty() {
        failures.push(format!(
            "every example (median {median} lines):\n{:<40} {:>5} {:>7}\n{}",
            "example",
            "lines",
            "shown",
            rows.join("\n")
        ));
    }
    fail_if_any("problems with the examples' size", failures);
}

/// The blocks every example copies byte for byte must be what `cargo fmt`
/// leaves (with the root `rustfmt.toml`), or no formatted example could
/// match them.
#[test]
fn the_shared_blocks_are_rustfmt_clean() {
    use std::io::Write as _;
    let root = repo_root();
    let usage = examples::USAGE_FORM.replace("NAME REST", "ch01-example");
    let source = format!(
        "use std::error::Error;\nuse std::process::Child;\n\
         use std::time::{{Duration, Instant}};\n\n{KILL_ON_DROP}\n\n\
         {MEASURE}\n\n{usage}\n\nfn main() {{}}\n"
    );
    let mut rustfmt = std::process::Command::new("rustfmt")
        .current_dir(&root)
        .args(["--edition", "2024", "--emit", "stdout"])
        .arg("--config-path")
        .arg(root.join("rustfmt.toml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rustfmt");
    rustfmt
        .stdin
        .take()
        .expect("rustfmt's stdin")
        .write_all(source.as_bytes())
        .expect("write to rustfmt");
    let out = rustfmt.wait_with_output().expect("wait for rustfmt");
    let formatted = String::from_utf8_lossy(&out.stdout);
    let failures = if !out.status.success() {
        vec![format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )]
    } else if formatted != source {
        vec![format!(
            "rustfmt changes the shared blocks (xtask/src/examples.rs):\n\
             --- as written\n{source}\n--- as rustfmt leaves it\n{formatted}"
        )]
    } else {
        Vec::new()
    };
    fail_if_any("shared blocks that cargo fmt would change", failures);
}
