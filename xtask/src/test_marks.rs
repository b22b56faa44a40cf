//! The mdBook preprocessor `mdbook test` runs (book.toml's
//! `[preprocessor.test-marks]`, for the `test` renderer only, before mdBook's
//! `links` expands the includes), so a global
//! `mdbook test --library-path target/mdbook-test/debug/deps` passes without
//! making the files readers copy worse. It reads each chapter with mdBook's
//! own Markdown parser and decides by the include directive of each `rust`
//! block, not by guessing from the code:
//!
//! - `{{#include FILE:ANCHOR}}` (or a line range) is an excerpt: the page
//!   shows part of a program, which cannot compile alone, so the block is
//!   marked `ignore` (`cargo test` builds and runs the whole program);
//! - `{{#rustdoc_include FILE:ANCHOR}}` and `{{#include FILE}}` bring the
//!   whole file, which rustdoc compiles and runs, except:
//!   - a program that uses `libc::` is marked `ignore`: `extern crate libc`
//!     finds two candidates (ours and the one inside the toolchain's sysroot,
//!     error E0464) and `mdbook test` cannot pass `--extern`. `cargo test`
//!     builds and runs those programs;
//!   - a program that uses `tokio::` gets a hidden `extern crate tokio;` as
//!     its last line: rustdoc links a crate from `--library-path` only when
//!     the code names it that way, as rust-lang/book's listings do by hand.
//!
//! Pages built for readers never pass through here.

use std::ops::Range;
use std::path::Path;

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

use crate::book::directives;

/// Flags after which rustdoc already treats a block specially.
const HANDLED: [&str; 4] = ["ignore", "compile_fail", "no_run", "should_panic"];

/// What a `rust` block brings onto the page.
#[derive(Debug, PartialEq, Eq)]
enum Listing {
    /// Part of a file (an anchor or a line range of `{{#include}}`).
    Excerpt,
    /// Whole programs: the included files, or the block's own text.
    Whole(String),
}

fn listing(content: &str, read: &dyn Fn(&str) -> Option<String>) -> Listing {
    let found = directives(content);
    if found.is_empty() {
        return Listing::Whole(content.to_string());
    }
    let mut text = String::new();
    for d in found {
        match d.kind.as_str() {
            "include" if d.selector.is_some() => return Listing::Excerpt,
            "include" | "rustdoc_include" => {
                // A file that cannot be read is left to mdBook's `links`,
                // which reports it.
                text.push_str(&read(&d.target).unwrap_or_default());
            }
            _ => {}
        }
    }
    Listing::Whole(text)
}

/// Marks one chapter's Markdown, as written (before `links`); `read` gives
/// the text of a file an include names, relative to the chapter.
pub fn mark(markdown: &str, read: &dyn Fn(&str) -> Option<String>) -> String {
    // (byte offset, text to insert), applied from the end.
    let mut edits: Vec<(usize, String)> = Vec::new();
    // The testable block being read: its byte range and content so far.
    let mut open: Option<(Range<usize>, String)> = None;
    let parser = new_cmark_parser(markdown, &MarkdownOptions::default());
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let flags: Vec<&str> =
                    info.split([',', ' ']).map(str::trim).collect();
                let testable = flags.first() == Some(&"rust")
                    && !flags.iter().any(|f| HANDLED.contains(f));
                open = testable.then(|| (range, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, content)) = open.as_mut() {
                    content.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((range, content)) = open.take() {
                    edits.extend(edit(markdown, range, &content, read));
                }
            }
            _ => {}
        }
    }
    edits.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = markdown.to_string();
    for (at, text) in edits {
        out.insert_str(at, &text);
    }
    out
}

/// The one edit a testable block needs, if any.
fn edit(
    markdown: &str,
    range: Range<usize>,
    content: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Option<(usize, String)> {
    let block = &markdown[range.clone()];
    let fence_line = &block[..block.find('\n').unwrap_or(block.len())];
    let info_end = range.start + fence_line.trim_end().len();
    match listing(content, read) {
        Listing::Excerpt => Some((info_end, ",ignore".into())),
        Listing::Whole(text) if text.contains("libc::") => {
            Some((info_end, ",ignore".into()))
        }
        Listing::Whole(text) if text.contains("tokio::") => {
            let at = closing_fence(markdown, &range)?;
            let indent: String =
                markdown[at..].chars().take_while(|c| *c == ' ').collect();
            Some((at, format!("{indent}# extern crate tokio;\n")))
        }
        Listing::Whole(_) => None,
    }
}

/// The byte offset where the block's closing fence line starts, if it has
/// one (a block left open runs to the end of the page).
fn closing_fence(markdown: &str, range: &Range<usize>) -> Option<usize> {
    let block = markdown[range.clone()].trim_end_matches(['\n', '\r']);
    let last = block.rfind('\n')? + 1;
    let line = block[last..].trim();
    (line.starts_with("```") || line.starts_with("~~~"))
        .then_some(range.start + last)
}

/// `cargo xtask test-marks`, speaking mdBook's preprocessor protocol:
/// `supports RENDERER` answers by exit code (only `test`); otherwise the
/// `[context, book]` JSON on stdin comes back as the marked book on stdout.
pub fn preprocessor(args: &[String]) -> Result<bool, String> {
    if let [supports, renderer] = args
        && supports == "supports"
    {
        return Ok(renderer == "test");
    }
    let (ctx, mut book) = mdbook_preprocessor::parse_input(std::io::stdin())
        .map_err(|e| format!("cannot read mdBook's input: {e:#}"))?;
    let src = ctx.root.join(&ctx.config.book.src);
    book.for_each_chapter_mut(|chapter| {
        let dir = chapter
            .source_path
            .as_deref()
            .and_then(Path::parent)
            .map(|p| src.join(p))
            .unwrap_or_else(|| src.clone());
        let read =
            |target: &str| std::fs::read_to_string(dir.join(target)).ok();
        chapter.content = mark(&chapter.content, &read);
    });
    serde_json::to_writer(std::io::stdout(), &book)
        .map_err(|e| format!("cannot write the book: {e}"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::mark;

    fn files(target: &str) -> Option<String> {
        match target {
            "a.rs" => Some("fn main() {}\n".into()),
            "uses-libc.rs" => {
                Some("fn main() { unsafe { libc::getpid() }; }\n".into())
            }
            "uses-tokio.rs" => {
                Some("#[tokio::main]\nasync fn main() {}\n".into())
            }
            _ => None,
        }
    }

    #[test]
    fn an_anchored_include_is_an_excerpt_and_ignored() {
        let page =
            "text\n\n```rust,noplayground\n{{#include a.rs:main}}\n```\n";
        assert_eq!(
            mark(page, &files),
            "text\n\n```rust,noplayground,ignore\n{{#include a.rs:main}}\n```\n"
        );
    }

    #[test]
    fn a_whole_file_is_left_for_rustdoc_even_with_an_anchor() {
        let page = "```rust\n{{#rustdoc_include a.rs:main}}\n```\n\n\
                    ```rust\n{{#include a.rs}}\n```\n";
        assert_eq!(mark(page, &files), page);
    }

    #[test]
    fn a_libc_program_is_ignored() {
        let page = "```rust\n{{#rustdoc_include uses-libc.rs:x}}\n```\n";
        assert_eq!(
            mark(page, &files),
            "```rust,ignore\n{{#rustdoc_include uses-libc.rs:x}}\n```\n"
        );
    }

    #[test]
    fn a_tokio_program_names_tokio_in_its_last_line() {
        let page = "- item\n\n  ```rust\n  {{#rustdoc_include uses-tokio.rs}}\n  ```\n";
        assert_eq!(
            mark(page, &files),
            "- item\n\n  ```rust\n  {{#rustdoc_include uses-tokio.rs}}\n  \
             # extern crate tokio;\n  ```\n"
        );
    }

    #[test]
    fn blocks_rustdoc_already_handles_and_other_languages_are_unchanged() {
        let page = "```rust,compile_fail\n{{#include a.rs:x}}\n```\n\n\
                    ```console\n$ ls\n```\n\n```rust\nfn main() {}\n```\n";
        assert_eq!(mark(page, &files), page);
    }

    #[test]
    fn a_fence_inside_a_code_block_is_not_a_block() {
        let page = "````markdown\n```rust\n{{#include a.rs:x}}\n```\n````\n";
        assert_eq!(mark(page, &files), page);
    }
}
