//! Guards the book's structure, read with the Markdown parser mdBook itself
//! uses: every include lands on a real file and anchor, every program is
//! shown somewhere, no Rust is written inline, links resolve, SUMMARY.md and
//! `src/` agree, every diagram has a text alternative, and the whole book
//! builds with mdBook and the book's preprocessor without a warning.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use xtask::book::{self, Page, Parsed};
use xtask::{fail_if_any, repo_root};

struct Book {
    root: PathBuf,
    pages: Vec<Page>,
    parsed: BTreeMap<String, Parsed>,
}

fn the_book() -> &'static Book {
    static BOOK: OnceLock<Book> = OnceLock::new();
    BOOK.get_or_init(|| {
        let root = repo_root();
        let pages = book::pages(&root).expect("read src/");
        let parsed = book::parse_all(&pages);
        Book {
            root,
            pages,
            parsed,
        }
    })
}

/// Pages that are not chapters: the table of contents, and the 404 page
/// mdBook renders on its own.
const NOT_CHAPTERS: [&str; 2] = ["SUMMARY.md", "404.md"];

/// Parts that chapters include (`src/includes/NAME.md`): never pages of their own.
const INCLUDED_PARTS: &str = "includes/";

const INCLUDES: [&str; 3] = ["include", "rustdoc_include", "playground"];

fn page_dir(b: &Book, rel: &str) -> PathBuf {
    b.root
        .join("src")
        .join(rel)
        .parent()
        .expect("a page has a folder")
        .to_path_buf()
}

/// Every include target, normalised to a path relative to the repository root.
fn included_files(b: &Book) -> BTreeSet<PathBuf> {
    let mut set = BTreeSet::new();
    for (rel, parsed) in &b.parsed {
        for d in parsed
            .directives
            .iter()
            .filter(|d| INCLUDES.contains(&d.kind.as_str()))
        {
            let full = page_dir(b, rel).join(&d.target);
            if let Ok(canon) = full.canonicalize() {
                set.insert(canon);
            }
        }
    }
    set
}

#[test]
fn summary_lists_every_chapter_and_nothing_missing() {
    let b = the_book();
    let entries = book::summary_entries(&b.root).expect("read src/SUMMARY.md");
    let mut failures = Vec::new();
    for e in &entries {
        if !b.root.join("src").join(e).is_file() {
            failures.push(format!(
                "src/SUMMARY.md lists `{e}`, which does not exist"
            ));
        }
    }
    for page in &b.pages {
        let part = page.rel.starts_with(INCLUDED_PARTS);
        if !part
            && !NOT_CHAPTERS.contains(&page.rel.as_str())
            && !entries.contains(&page.rel)
        {
            failures.push(format!(
                "src/{} is not listed in src/SUMMARY.md",
                page.rel
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for e in &entries {
        if !seen.insert(e) {
            failures.push(format!("src/SUMMARY.md lists `{e}` twice"));
        }
    }
    fail_if_any("problems with SUMMARY.md", failures);
}

#[test]
fn every_include_resolves_to_a_file_and_anchor() {
    let b = the_book();
    let mut failures = Vec::new();
    let mut count = 0;
    for (rel, parsed) in &b.parsed {
        for d in &parsed.directives {
            let at = format!("src/{rel}:{}", d.line);
            if !INCLUDES.contains(&d.kind.as_str()) {
                if d.kind != "title" {
                    failures.push(format!(
                        "{at}: unknown directive `{{{{#{}}}}}`",
                        d.kind
                    ));
                }
                continue;
            }
            count += 1;
            let file = page_dir(b, rel).join(&d.target);
            if !file.is_file() {
                failures.push(format!(
                    "{at}: `{}` includes `{}`, which does not exist",
                    d.kind, d.target
                ));
                continue;
            }
            let Some(sel) = &d.selector else { continue };
            let is_range = sel.chars().all(|c| c.is_ascii_digit() || c == ':');
            if is_range {
                let lines = std::fs::read_to_string(&file)
                    .map(|t| t.lines().count())
                    .unwrap_or(0);
                let too_far = sel
                    .split(':')
                    .filter_map(|n| n.parse::<usize>().ok())
                    .any(|n| n == 0 || n > lines);
                if too_far {
                    failures.push(format!(
                        "{at}: lines `{sel}` are outside `{}` ({lines} lines)",
                        d.target
                    ));
                }
            } else if let Err(e) = book::check_anchor(&file, sel) {
                failures.push(format!("{at}: {e}"));
            }
        }
    }
    fail_if_any("broken includes", failures);
    assert!(
        count > 0,
        "the book includes nothing: every Rust block must be an include"
    );
}

#[test]
fn every_program_and_recorded_output_is_shown_in_a_chapter() {
    let b = the_book();
    let used = included_files(b);
    let mut files: Vec<PathBuf> = Vec::new();
    for (dir, suffix) in [
        ("examples", ".rs"),
        ("examples/outputs", ".txt"),
        ("examples/compile_fail", ".rs"),
        ("examples/compile_fail", ".stderr"),
    ] {
        files.extend(xtask::files_with_suffix(&b.root.join(dir), suffix));
    }
    assert!(!files.is_empty(), "examples/ holds no programs");
    let unused: Vec<String> = files
        .iter()
        .filter(|f| {
            f.canonicalize().map(|c| !used.contains(&c)).unwrap_or(true)
        })
        .map(|f| {
            format!(
                "{} is not included by any chapter",
                f.strip_prefix(&b.root).unwrap_or(f).display()
            )
        })
        .collect();
    fail_if_any("programs or runs no chapter shows", unused);
}

#[test]
fn every_rust_code_block_is_an_include() {
    let b = the_book();
    let mut failures = Vec::new();
    for (rel, parsed) in &b.parsed {
        for block in &parsed.code_blocks {
            let at = format!("src/{rel}:{}", block.line);
            if block.lang().is_empty() {
                failures.push(format!(
                    "{at}: a code block without a language (say `text`, `console`, `rust`...)"
                ));
                continue;
            }
            if block.lang() != "rust" {
                continue;
            }
            let content = block.content.trim();
            let kind = content
                .strip_prefix("{{#")
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_default();
            let only_one_include = content.ends_with("}}")
                && content.matches("{{#").count() == 1
                && (kind == "rustdoc_include" || kind == "include");
            if !only_one_include {
                failures.push(format!(
                    "{at}: a Rust block must hold exactly one `{{{{#rustdoc_include ...}}}}` of a \
                     file that cargo compiles, found:\n{content}"
                ));
            }
        }
    }
    fail_if_any("inline Rust code blocks", failures);
}

#[test]
fn every_internal_link_resolves() {
    let b = the_book();
    let mut failures = Vec::new();
    for (rel, parsed) in &b.parsed {
        for (dest, line) in &parsed.links {
            let at = format!("src/{rel}:{line}");
            let Some((file, fragment)) = book::resolve_link(rel, dest) else {
                continue;
            };
            if file.starts_with("..") || file.is_empty() {
                failures.push(format!(
                    "{at}: `{dest}` leaves the book; link to the repository by URL"
                ));
                continue;
            }
            // The starter project: the site builds put it beside the pages.
            if file == xtask::bundle::SITE_NAME {
                continue;
            }
            let target = b.root.join("src").join(&file);
            if !target.is_file() {
                failures.push(format!(
                    "{at}: `{dest}` points to src/{file}, which does not exist"
                ));
                continue;
            }
            if let Some(frag) = fragment {
                let ids = b
                    .parsed
                    .get(&file)
                    .map(|p| p.heading_ids.clone())
                    .unwrap_or_default();
                if !ids.contains(&frag) {
                    failures.push(format!(
                        "{at}: `{dest}`: src/{file} has no heading with id `{frag}` (its ids: {})",
                        ids.join(", ")
                    ));
                }
            }
        }
    }
    fail_if_any("broken links", failures);
}

#[test]
fn every_diagram_has_a_text_alternative() {
    let b = the_book();
    let mut failures = Vec::new();
    for (rel, parsed) in &b.parsed {
        for block in parsed.code_blocks.iter().filter(|c| c.lang() == "mermaid")
        {
            let has = |key: &str| {
                block
                    .content
                    .lines()
                    .any(|l| l.trim_start().starts_with(key))
            };
            if !has("accTitle:") || !has("accDescr") {
                failures.push(format!(
                    "src/{rel}:{}: a diagram needs `accTitle:` and `accDescr` lines (its text alternative)",
                    block.line
                ));
            }
        }
    }
    fail_if_any("diagrams without a text alternative", failures);
}

#[test]
fn no_page_is_a_placeholder() {
    let b = the_book();
    let mut failures = Vec::new();
    for page in &b.pages {
        let lower = page.text.to_lowercase();
        for word in ["todo", "coming soon", "lorem ipsum", "tbd", "placeholder"]
        {
            if lower.contains(word) {
                failures.push(format!(
                    "src/{} says `{word}`: finish the page or leave it out",
                    page.rel
                ));
            }
        }
        if page.text.trim().lines().count() < 5 && page.rel != "SUMMARY.md" {
            failures.push(format!("src/{} is nearly empty", page.rel));
        }
    }
    fail_if_any("unfinished pages", failures);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tvp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn html_of(dir: &Path, page: &str) -> String {
    std::fs::read_to_string(dir.join(page.replace(".md", ".html")))
        .unwrap_or_default()
}

#[test]
fn the_book_builds_without_warnings() {
    let b = the_book();
    let dest = temp_dir("book");
    let result = book::build(&b.root, &dest);
    let warnings = match result {
        Ok(w) => w,
        Err(e) => panic!("mdBook failed to build the book:\n{e}"),
    };
    assert!(
        warnings.is_empty(),
        "mdBook warned while building the book (a broken include is only a warning to mdBook):\n  {}",
        warnings.join("\n  ")
    );
    // Each chapter became a page, its diagrams inline SVG, and the drill
    // page holds every self-check question.
    let entries = book::summary_entries(&b.root).expect("SUMMARY.md");
    let mut failures = Vec::new();
    for e in &entries {
        let html = html_of(&dest, e);
        if html.is_empty() {
            failures.push(format!("src/{e} produced no page"));
        }
        if html.contains("{{#") {
            failures.push(format!(
                "src/{e}: an include was left unexpanded in the page"
            ));
        }
        let diagrams = b
            .parsed
            .get(e)
            .map(|p| {
                p.code_blocks
                    .iter()
                    .filter(|c| c.lang() == "mermaid")
                    .count()
            })
            .unwrap_or(0);
        let rendered = html.matches("<figure class=\"diagram\"><svg").count();
        if rendered != diagrams {
            failures.push(format!(
                "src/{e}: {diagrams} diagrams in the source, {rendered} drawn as SVG in the page"
            ));
        }
        if html.contains("mermaid.min.js") || html.contains("class=\"mermaid\"")
        {
            failures.push(format!(
                "src/{e}: the page still hands a diagram to Mermaid"
            ));
        }
    }
    // Counted here from the sources, not with the preprocessor's parser.
    let questions: usize = b
        .pages
        .iter()
        .filter(|p| p.rel.starts_with("ch"))
        .filter_map(|p| p.text.split_once("\n## Self-check"))
        .map(|(_, check)| {
            let check = check.split("\n## ").next().unwrap_or_default();
            check.matches("<details>").count()
        })
        .sum();
    let drill = html_of(&dest, xtask::preprocess::DRILL_PAGE);
    let cards = drill.matches("class=\"drill-card\"").count();
    if cards != questions {
        failures.push(format!(
            "src/{}: the drill page has {cards} questions, the chapters' self-checks {questions}",
            xtask::preprocess::DRILL_PAGE
        ));
    }
    let _ = std::fs::remove_dir_all(&dest);
    fail_if_any("pages built wrong", failures);
}
