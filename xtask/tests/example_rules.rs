//! Guards the rules a reader relies on when copying an example (STYLE.md,
//! "Every example"): the header says what it answers and how to run it, it
//! uses only std (and tokio or libc, declared in its header), and every
//! `unsafe` block says why it is sound.

use std::path::PathBuf;

use xtask::{fail_if_any, outputs, repo_root};

/// Every example and compile-fail program, with its source.
fn sources() -> Vec<(PathBuf, String)> {
    let root = repo_root();
    let mut files = xtask::files_with_suffix(&root.join("examples"), ".rs");
    files.extend(xtask::files_with_suffix(
        &root.join("examples/compile_fail"),
        ".rs",
    ));
    assert!(!files.is_empty(), "no examples found");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read example");
            (p, text)
        })
        .collect()
}

fn shown(p: &std::path::Path) -> String {
    let root = repo_root();
    p.strip_prefix(&root).unwrap_or(p).display().to_string()
}

#[test]
fn every_example_header_gives_its_question_and_command() {
    let mut failures = Vec::new();
    for (path, text) in sources() {
        let name = xtask::stem(&path);
        let header = match outputs::header(&text) {
            Ok(h) => h,
            Err(e) => {
                failures.push(format!("{}: {e}", shown(&path)));
                continue;
            }
        };
        if header.question.as_deref().is_none_or(|q| !q.ends_with('?')) {
            failures.push(format!(
                "{}: the header needs `//! Question: ...?` (the question it answers)",
                shown(&path)
            ));
        }
        let compile_fail =
            path.parent().is_some_and(|d| d.ends_with("compile_fail"));
        let expected = if compile_fail {
            format!("rustc --edition 2024 {name}.rs")
        } else {
            format!("cargo run --example {name}")
        };
        if header
            .run
            .as_deref()
            .is_none_or(|r| !r.starts_with(&expected))
        {
            failures.push(format!(
                "{}: the header needs `//! Run: {expected}`, found {:?}",
                shown(&path),
                header.run
            ));
        }
    }
    fail_if_any("examples with an incomplete header", failures);
}

#[test]
fn every_unsafe_block_has_a_safety_comment() {
    let mut failures = Vec::new();
    for (path, text) in sources() {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let opens_unsafe =
                code.contains("unsafe {") || code.contains("unsafe impl");
            if !opens_unsafe {
                continue;
            }
            let from = i.saturating_sub(6);
            let explained =
                lines[from..=i].iter().any(|l| l.contains("// SAFETY:"));
            if !explained {
                failures.push(format!(
                    "{}:{}: `unsafe` without a `// SAFETY:` comment just above",
                    shown(&path),
                    i + 1
                ));
            }
        }
    }
    fail_if_any("unsafe blocks without a reason", failures);
}

#[test]
fn examples_use_std_and_only_the_allowed_crates() {
    let mut failures = Vec::new();
    for (path, text) in sources() {
        // Modules the file declares itself (`mod unix { ... }`) are not crates.
        let own_modules: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("mod "))
            .map(|m| {
                m.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default()
            })
            .collect();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            let Some(rest) = code
                .strip_prefix("use ")
                .or_else(|| code.strip_prefix("pub use "))
            else {
                continue;
            };
            let krate = rest
                .trim_start_matches("::")
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or_default();
            let allowed = own_modules.contains(&krate)
                || match krate {
                    "std" | "core" | "alloc" | "self" | "super" | "crate" => {
                        true
                    }
                    // Declared in the header's `//! Needs:` lines, which
                    // example_conventions checks against the code.
                    "tokio" | "libc" => true,
                    _ => false,
                };
            if !allowed {
                failures.push(format!(
                    "{}:{}: `use {krate}` (examples use std, and tokio or \
                     libc where their header's `//! Needs:` says so)",
                    shown(&path),
                    i + 1
                ));
            }
        }
    }
    fail_if_any("examples that use a crate they should not", failures);
}
