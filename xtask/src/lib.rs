//! The book's tooling, shared by `cargo xtask` and by the tests in
//! `xtask/tests/`.
//!
//! - [`tools`]: the pinned mdBook versions, read from the workspace `Cargo.toml`.
//! - [`book`]: reading chapters with mdBook's own Markdown parser, and building
//!   the site in-process with `mdbook-driver` and our preprocessor.
//! - [`bundle`]: the examples as a standalone Cargo project, zipped.
//! - [`preprocess`]: the book's preprocessor: diagrams drawn at build time
//!   (inline SVG), and the drill page of every self-check question.
//! - [`chart`]: the cost chapter's reference data, drawn as a chart and tables.
//! - [`outputs`]: recorded runs of the examples, running them, and the masks.
//! - [`compile_fail`]: programs that must not compile, and their messages.
//! - [`examples`]: what the rule tests read in an example's source.
//! - [`miri`]: the examples that use `unsafe` or atomics, run under Miri.
//! - [`serve`]: `cargo xtask serve`, its live reload and its `/_run` endpoint.
//! - [`test_marks`]: the preprocessor that lets a global `mdbook test` pass.
//! - [`procs`]: finding child processes an example left behind (Linux).

pub mod book;
pub mod bundle;
pub mod chart;
pub mod compile_fail;
pub mod examples;
pub mod miri;
pub mod outputs;
pub mod preprocess;
pub mod procs;
pub mod search;
pub mod serve;
pub mod test_marks;
pub mod tools;

use std::path::{Path, PathBuf};

/// The repository root (the directory that holds `book.toml`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}

/// Every `.html` file under `site`, in subfolders too, sorted: the pages
/// the post-build steps (search scripts, lighter pages, the live-reload tag)
/// rewrite.
pub fn html_pages(site: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "html") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Sorted paths of the files directly in `dir` whose name ends with `suffix`.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// The file stem as a `String` (`examples/ch01-x.rs` -> `ch01-x`).
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The names of the book's examples: `examples/*.rs`, sorted.
pub fn example_names(root: &Path) -> Vec<String> {
    files_with_suffix(&root.join("examples"), ".rs")
        .iter()
        .map(|p| stem(p))
        .collect()
}

/// The value at `keys` (a path of table keys) in the TOML file `root/file`,
/// or an error naming the file and the missing `[table] key`.
pub fn toml_value(
    root: &Path,
    file: &str,
    keys: &[&str],
) -> Result<toml::Value, String> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let mut value = toml::Value::Table(doc);
    for key in keys {
        value = value.get(key).cloned().ok_or_else(|| {
            format!("{} has no `{}`", path.display(), keys.join("."))
        })?;
    }
    Ok(value)
}

/// Fails a test with every collected problem at once, so one run shows
/// them all: `failures` is empty, or the test fails listing them.
pub fn fail_if_any(what: &str, failures: Vec<String>) {
    let sep = if failures.iter().any(|f| f.contains('\n')) {
        "\n\n"
    } else {
        "\n  "
    };
    assert!(
        failures.is_empty(),
        "{} {what}:{sep}{}",
        failures.len(),
        failures.join(sep)
    );
}
