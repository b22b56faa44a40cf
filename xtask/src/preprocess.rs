//! The book's own mdBook preprocessor, `thread-vs-process`: what the build
//! does to the chapters after mdBook has expanded their `{{#include}}`s.
//!
//! - Diagrams: every ```` ```mermaid ```` block becomes the SVG drawn from it
//!   (`diagrams/<chapter>-<n>.svg`, written by `cargo xtask diagrams`), inline
//!   in the page, so no page loads a diagram script. A block whose drawing is
//!   missing, or was drawn from another source, fails the build.
//! - Practice: the drill page ([`DRILL_PAGE`]) gets every self-check question
//!   of the chapters, collected here at build time: the chapters are the one
//!   source.
//!
//! `cargo xtask build` runs it in-process; book.toml names it as the command
//! `cargo run --package xtask -- preprocessor` for a plain `mdbook build` or
//! `mdbook serve`, which speaks mdBook's JSON protocol on stdin and stdout.

use std::ops::Range;
use std::path::{Path, PathBuf};

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::errors::{Error, Result};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The name book.toml gives it: `[preprocessor.thread-vs-process]`.
pub const NAME: &str = "thread-vs-process";

/// The drill page, relative to `src/`.
pub const DRILL_PAGE: &str = "practice.md";

/// Where the drill page wants its questions.
pub const DRILL_MARKER: &str =
    "<!-- drill: the self-check questions are put here at build time -->";

/// Where the drawings live, relative to the repository root.
pub const DIAGRAM_DIR: &str = "diagrams";

/// The first line of every drawing: the hash of the source it was drawn from.
const HASH_PREFIX: &str =
    "<!-- drawn by `cargo xtask diagrams` from the source with FNV-1a hash ";

/// The preprocessor; `root` is the repository root (book.toml's folder).
pub struct ThreadVsProcess;

impl Preprocessor for ThreadVsProcess {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let root = ctx.root.clone();
        let mut problems = Vec::new();
        let mut questions = Vec::new();
        book.for_each_chapter_mut(|chapter| {
            let Some(rel) = chapter.source_path.as_ref().map(|p| slash(p))
            else {
                return;
            };
            match inline_diagrams(&root, &rel, &chapter.content) {
                Ok(text) => chapter.content = text,
                Err(e) => problems.push(e),
            }
            if rel.starts_with("ch") {
                questions.extend(self_check(
                    &rel,
                    &chapter.name,
                    &chapter.content,
                ));
            }
        });
        if !problems.is_empty() {
            return Err(Error::msg(problems.join("\n")));
        }
        let mut drill_found = false;
        book.for_each_chapter_mut(|chapter| {
            if chapter.source_path.as_deref().map(slash).as_deref()
                == Some(DRILL_PAGE)
            {
                drill_found = true;
                if chapter.content.contains(DRILL_MARKER) {
                    chapter.content = chapter
                        .content
                        .replace(DRILL_MARKER, &drill_markdown(&questions));
                } else {
                    problems.push(format!(
                        "src/{DRILL_PAGE} has no `{DRILL_MARKER}`"
                    ));
                }
            }
        });
        let _ = drill_found;
        if !problems.is_empty() {
            return Err(Error::msg(problems.join("\n")));
        }
        Ok(book)
    }

    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        Ok(renderer == "html")
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// FNV-1a, 64 bits: enough to notice that a diagram's source changed.
pub fn source_hash(source: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// One ```` ```mermaid ```` block of a page.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// `ch06-hard-bugs-2`: the page's name and the block's number on it.
    pub name: String,
    /// The page relative to `src/`, and the line of the opening fence.
    pub page: String,
    pub line: usize,
    pub source: String,
    /// Where the block is in the page's text, fences included.
    pub range: Range<usize>,
}

impl Diagram {
    /// `diagrams/NAME.svg` under `root`.
    pub fn svg_path(&self, root: &Path) -> PathBuf {
        root.join(DIAGRAM_DIR).join(format!("{}.svg", self.name))
    }

    /// `src/PAGE:LINE`.
    pub fn place(&self) -> String {
        format!("src/{}:{}", self.page, self.line)
    }
}

/// The page's mermaid blocks, in order.
pub fn diagrams(page: &str, text: &str) -> Vec<Diagram> {
    let stem = page
        .rsplit('/')
        .next()
        .unwrap_or(page)
        .trim_end_matches(".md");
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (event, range) in
        new_cmark_parser(text, &MarkdownOptions::default()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split([',', ' ']).next() == Some("mermaid") =>
            {
                current = Some((range.start, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, s)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((start, source)) = current.take() {
                    out.push(Diagram {
                        name: format!("{stem}-{}", out.len() + 1),
                        page: page.to_string(),
                        line: text[..start].matches('\n').count() + 1,
                        source,
                        range: start..range.end,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The drawing of `diagram` as it is committed, without its hash line, if
/// it was drawn from the diagram's current source.
pub fn drawing(
    root: &Path,
    diagram: &Diagram,
) -> std::result::Result<String, String> {
    let path = diagram.svg_path(root);
    let redraw = "run `cargo xtask diagrams` to draw it again";
    let text = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "{}: diagram {} has no drawing ({} is missing): {redraw}",
            diagram.place(),
            diagram.name,
            path.display()
        )
    })?;
    let (first, svg) = text.split_once('\n').unwrap_or((&text, ""));
    let hash = first
        .strip_prefix(HASH_PREFIX)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("");
    if hash != source_hash(&diagram.source) {
        return Err(format!(
            "{}: diagram {} changed since {} was drawn: {redraw}",
            diagram.place(),
            diagram.name,
            path.display()
        ));
    }
    Ok(svg.trim().to_string())
}

/// The text of a drawing file for `diagram`: the hash line, then the SVG.
pub fn drawing_file(diagram: &Diagram, svg: &str) -> String {
    format!(
        "{HASH_PREFIX}{} -->\n{}\n",
        source_hash(&diagram.source),
        svg.trim()
    )
}

/// The page with each mermaid block replaced by its drawing, inline.
fn inline_diagrams(
    root: &Path,
    page: &str,
    text: &str,
) -> std::result::Result<String, String> {
    let mut found = diagrams(page, text);
    if found.is_empty() {
        return Ok(text.to_string());
    }
    // mdBook has expanded the page's includes: name the lines of the file.
    if let Ok(source) = std::fs::read_to_string(root.join("src").join(page)) {
        for (d, s) in found.iter_mut().zip(diagrams(page, &source)) {
            d.line = s.line;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut problems = Vec::new();
    for d in &found {
        out.push_str(&text[at..d.range.start]);
        match drawing(root, d) {
            // One HTML block: no blank line inside it.
            Ok(svg) => out.push_str(&format!(
                "<figure class=\"diagram\">{}</figure>\n",
                svg.replace("\n\n", "\n")
            )),
            Err(e) => problems.push(e),
        }
        at = d.range.end;
    }
    out.push_str(&text[at..]);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

/// One self-check question: its Markdown, and its folded answer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The chapter relative to `src/`, and its title.
    pub page: String,
    pub chapter: String,
    /// 1-based, as numbered in the chapter.
    pub number: usize,
    pub question: String,
    pub answer: String,
}

/// The questions of a chapter's `## Self-check` (a numbered list, each item a
/// question and a `<details>` answer), in order.
pub fn self_check(page: &str, chapter: &str, text: &str) -> Vec<Question> {
    let Some((_, section)) = text.split_once("\n## Self-check") else {
        return Vec::new();
    };
    let section = section.split("\n## ").next().unwrap_or_default();
    // Items start with `N. ` at the margin; their lines are indented by as much.
    let mut items: Vec<(usize, Vec<&str>)> = Vec::new();
    for line in section.lines() {
        let marker = line.split_once(". ").filter(|(n, _)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        });
        if let Some((n, _)) = marker {
            items.push((n.len() + 2, vec![line]));
        } else if let Some((_, lines)) = items.last_mut() {
            lines.push(line);
        }
    }
    let mut out = Vec::new();
    for (indent, lines) in items {
        let body: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l[indent..].to_string()
                } else {
                    l.strip_prefix(&" ".repeat(indent))
                        .unwrap_or(l.trim_start())
                        .to_string()
                }
            })
            .collect();
        let body = body.join("\n");
        let Some((question, rest)) = body.split_once("<details>") else {
            continue;
        };
        let answer = rest
            .split_once("</summary>")
            .map_or(rest, |(_, a)| a)
            .rsplit_once("</details>")
            .map_or(rest, |(a, _)| a);
        out.push(Question {
            page: page.to_string(),
            chapter: chapter.to_string(),
            number: out.len() + 1,
            question: question.trim().to_string(),
            answer: answer.trim().to_string(),
        });
    }
    out
}

/// The drill page's questions: grouped by chapter, each a card that
/// theme/drill.js shows one at a time; without JavaScript (and on the print
/// page) a plain list with folded answers.
pub fn drill_markdown(questions: &[Question]) -> String {
    let mut out = String::new();
    let mut chapter = "";
    for q in questions {
        if q.chapter != chapter {
            chapter = &q.chapter;
            let html = q.page.trim_end_matches(".md");
            out.push_str(&format!(
                "<h2 class=\"drill-chapter\" data-chapter=\"{html}\">{}</h2>\n\n",
                escape(chapter)
            ));
        }
        let stem = q.page.trim_end_matches(".md");
        out.push_str(&format!(
            "<div class=\"drill-card\" data-chapter=\"{stem}\" data-chapter-title=\"{}\" data-id=\"{stem}-{}\">\n\n",
            escape(&q.chapter),
            q.number
        ));
        out.push_str(&q.question);
        out.push_str(&format!(
            "\n\n<details class=\"drill-answer\">\n<summary>Answer</summary>\n\n{}\n\n\
             <p class=\"drill-from\">From <a href=\"{}#self-check\">{}</a>, question {}.</p>\n\n\
             </details>\n\n</div>\n\n",
            q.answer,
            q.page,
            escape(&q.chapter),
            q.number
        ));
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `cargo xtask preprocessor [supports RENDERER]`: mdBook's protocol.
pub fn main_protocol(args: &[String]) -> std::result::Result<(), String> {
    match args {
        [supports, renderer] if supports == "supports" => {
            if ThreadVsProcess
                .supports_renderer(renderer)
                .map_err(|e| format!("{e:#}"))?
            {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        [] => {
            let (ctx, book) =
                mdbook_preprocessor::parse_input(std::io::stdin())
                    .map_err(|e| format!("{e:#}"))?;
            let book = ThreadVsProcess
                .run(&ctx, book)
                .map_err(|e| format!("{e:#}"))?;
            serde_json::to_writer(std::io::stdout(), &book)
                .map_err(|e| format!("cannot write the book: {e}"))
        }
        _ => Err(format!("bad arguments for preprocessor: {args:?}")),
    }
}
