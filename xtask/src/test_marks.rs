//! The mdBook preprocessor `mdbook test` runs (book.toml's
//! `[preprocessor.test-marks]`, for the `test` renderer only), so a global
//! `mdbook test --library-path target/mdbook-test/debug/deps` passes without
//! making the files readers copy worse:
//!
//! - a `rust` block without `fn main` is an excerpt of an example (the page
//!   shows part of a program); it cannot compile alone, so it is marked
//!   `ignore` (`cargo test` builds and runs the whole program);
//! - a whole program that uses `tokio::` gets a hidden `extern crate tokio;`
//!   line after its inner doc comments: rustdoc links a crate from
//!   `--library-path` only when the code names it that way, as
//!   rust-lang/book's listings do by hand;
//! - a program that uses `libc::` is marked `ignore`: `extern crate libc`
//!   finds two candidates (ours and the one inside the toolchain's sysroot,
//!   error E0464) and `mdbook test` cannot pass `--extern`. `cargo test`
//!   builds and runs those programs.
//!
//! Pages built for readers never pass through here.

/// Rewrites one chapter's Markdown (after mdBook's includes were expanded).
pub fn mark(markdown: &str) -> String {
    let mut out = Vec::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            out.push(line.to_string());
            continue;
        };
        let flags: Vec<&str> = info.split([',', ' ']).map(str::trim).collect();
        let mut body = Vec::new();
        let mut closing = None;
        for inner in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                closing = Some(inner.to_string());
                break;
            }
            body.push(inner.to_string());
        }
        let testable = flags.first() == Some(&"rust")
            && !flags.iter().any(|f| {
                ["ignore", "compile_fail", "no_run", "should_panic"].contains(f)
            });
        let mut info_line = line.to_string();
        if testable {
            let text = body.join("\n");
            if !text.contains("fn main") || text.contains("libc::") {
                info_line = format!("{line},ignore");
            } else {
                let crates: Vec<&str> = ["tokio"]
                    .into_iter()
                    .filter(|c| text.contains(&format!("{c}::")))
                    .collect();
                if !crates.is_empty() {
                    // After the leading `//!` lines and `#![...]` attributes
                    // (shown or hidden), which must open the crate.
                    let at = body
                        .iter()
                        .position(|l| {
                            let l = l.strip_prefix("# ").unwrap_or(l).trim();
                            !(l.is_empty()
                                || l == "#"
                                || l.starts_with("//!")
                                || l.starts_with("#!["))
                        })
                        .unwrap_or(body.len());
                    for (i, c) in crates.iter().enumerate() {
                        body.insert(at + i, format!("# extern crate {c};"));
                    }
                }
            }
        }
        out.push(info_line);
        out.extend(body);
        if let Some(c) = closing {
            out.push(c);
        }
    }
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    text
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
    let (_ctx, mut book) =
        mdbook_preprocessor::parse_input(std::io::stdin())
            .map_err(|e| format!("cannot read mdBook's input: {e:#}"))?;
    book.for_each_chapter_mut(|chapter| {
        chapter.content = mark(&chapter.content)
    });
    serde_json::to_writer(std::io::stdout(), &book)
        .map_err(|e| format!("cannot write the book: {e}"))?;
    Ok(true)
}
