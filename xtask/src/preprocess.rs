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

/// The questions of a chapter's `## Self-check`, in order. Each question is
/// the Markdown before a folded `<details>` answer: an item of the numbered
/// list, or (for an answer that includes a multi-line file, which cannot sit
/// inside an indented list item) a paragraph of its own. mdBook's parser
/// finds the `<details>` blocks, so code blocks and inline HTML in the
/// question or the answer cannot confuse it.
pub fn self_check(page: &str, chapter: &str, text: &str) -> Vec<Question> {
    let Some((_, section)) = text.split_once("\n## Self-check") else {
        return Vec::new();
    };
    let section = section.split("\n## ").next().unwrap_or_default();
    // The byte ranges of each <details> ... </details> HTML block.
    let mut folds = Vec::new();
    let mut open = None;
    let parser =
        mdbook_markdown::new_cmark_parser(section, &Default::default());
    for (event, range) in parser.into_offset_iter() {
        let Event::Html(html) = event else { continue };
        if html.trim_start().starts_with("<details") && open.is_none() {
            open = Some(range.start);
        }
        if html.contains("</details>")
            && let Some(start) = open.take()
        {
            let end = range.start
                + section[range.clone()].find("</details>").unwrap_or(0);
            folds.push((start, end, range.end));
        }
    }
    let mut out = Vec::new();
    let mut after_previous = section.find('\n').map_or(0, |i| i + 1);
    for (start, end, next) in folds {
        let question = dedent_item(&section[after_previous..start]);
        let fold = &section[start..end];
        let answer = fold.split_once("</summary>").map_or(fold, |(_, a)| a);
        out.push(Question {
            page: page.to_string(),
            chapter: chapter.to_string(),
            number: out.len() + 1,
            question,
            answer: dedent_item(answer),
        });
        after_previous = next;
    }
    out
}

/// A list item's or a paragraph's Markdown without its `N. ` marker (or an
/// escaped `N\. `) and without the indentation of the item's lines.
fn dedent_item(text: &str) -> String {
    let text = text.trim_matches('\n');
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut body: Vec<String> = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()).to_string())
        .collect();
    if let Some(first) = body.first_mut() {
        let digits = first.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &first[digits..];
        let marker = [". ", "\\. "]
            .iter()
            .find(|m| digits > 0 && rest.starts_with(**m));
        if let Some(m) = marker {
            // The other lines of a list item are indented past the marker.
            let item_indent = digits + m.len();
            *first = rest[m.len()..].to_string();
            for line in body.iter_mut().skip(1) {
                if line.len() - line.trim_start().len() >= item_indent {
                    *line = line[item_indent..].to_string();
                }
            }
        }
    }
    body.join("\n").trim().to_string()
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

#[cfg(test)]
mod tests {
    use super::self_check;

    const CHAPTER: &str = concat!(
        "# Chapter\n\n## Self-check\n\n",
        "1. **What is a list question?**\n\n",
        "   <details>\n   <summary>Answer</summary>\n\n",
        "   An answer in the list,\n   on two lines.\n\n   </details>\n\n",
        "**2. What does this print?**\n\n",
        "<details>\n<summary>Answer</summary>\n\n",
        "```console\n$ cargo run --example x\nline one\nline two\n```\n\n",
        "</details>\n",
    );

    #[test]
    fn self_checks_in_a_list_and_after_it_are_both_collected() {
        let qs = self_check("ch.md", "Chapter", CHAPTER);
        assert_eq!(qs.len(), 2, "{qs:#?}");
        assert_eq!(qs[0].question, "**What is a list question?**");
        assert_eq!(qs[0].answer, "An answer in the list,\non two lines.");
        assert_eq!(qs[1].question, "**2. What does this print?**");
        assert_eq!(
            qs[1].answer,
            "```console\n$ cargo run --example x\nline one\nline two\n```"
        );
    }

    #[test]
    fn a_details_tag_inside_a_code_block_is_not_an_answer() {
        let text = concat!(
            "# C\n\n## Self-check\n\n1. **Q?**\n\n",
            "   ```text\n   <details>\n   ```\n\n",
            "   <details>\n   <summary>Answer</summary>\n\n",
            "   A.\n\n   </details>\n",
        );
        let qs = self_check("ch.md", "Chapter", text);
        assert_eq!(qs.len(), 1, "{qs:#?}");
        assert_eq!(qs[0].answer, "A.");
    }
}
