//! Guards the promise that every program output a page shows is a recorded
//! run: a `console`, `text` or unlabelled code block holds only command
//! lines (`$ ...`) and includes of recorded files
//! (`examples/outputs/*.txt`, `examples/compile_fail/*.stderr`), never
//! output typed by hand. Pages are read with mdBook's own Markdown parser.

use std::path::Path;

use xtask::{book, fail_if_any, repo_root};

/// The code blocks that show runs and messages.
const OUTPUT_LANGS: [&str; 3] = ["console", "text", ""];

/// True when `line` is `{{#include PATH}}` of a recorded file, with PATH
/// relative to the page's folder `dir`.
fn includes_a_recording(line: &str, dir: &Path, root: &Path) -> bool {
    let Some(target) = line
        .strip_prefix("{{#include ")
        .and_then(|rest| rest.strip_suffix("}}"))
    else {
        return false;
    };
    let target = target.trim();
    let (Ok(file), Ok(outputs), Ok(compile_fail)) = (
        dir.join(target).canonicalize(),
        root.join("examples/outputs").canonicalize(),
        root.join("examples/compile_fail").canonicalize(),
    ) else {
        return false;
    };
    let name = file.to_string_lossy();
    (file.parent() == Some(outputs.as_path()) && name.ends_with(".txt"))
        || (file.parent() == Some(compile_fail.as_path())
            && name.ends_with(".stderr"))
}

#[test]
fn no_hand_typed_program_output() {
    let root = repo_root();
    let pages = book::pages(&root).expect("read src/");
    let mut failures = Vec::new();
    for page in &pages {
        let dir = page.path.parent().expect("a page has a folder");
        for block in book::parse(&page.text).code_blocks {
            if !OUTPUT_LANGS.contains(&block.lang()) {
                continue;
            }
            let typed: Vec<&str> = block
                .content
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with("$ ")
                        && !includes_a_recording(l, dir, &root)
                })
                .collect();
            if !typed.is_empty() {
                failures.push(format!(
                    "src/{}:{}: a `{}` block holds output typed by hand; show \
                     a recorded run instead (`{{{{#include \
                     ../examples/outputs/NAME.txt}}}}`, written by `cargo \
                     xtask outputs`):\n    {}",
                    page.rel,
                    block.line,
                    if block.info.is_empty() {
                        "unlabelled"
                    } else {
                        &block.info
                    },
                    typed.join("\n    ")
                ));
            }
        }
    }
    fail_if_any("code blocks with hand-typed output", failures);
}
