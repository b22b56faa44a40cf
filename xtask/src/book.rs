//! The book as mdBook sees it: chapters read with mdBook's own Markdown parser
//! (`mdbook_markdown::new_cmark_parser`, pulldown-cmark underneath), and the
//! site built in-process with `mdbook-driver` and the book's preprocessor
//! ([`crate::preprocess`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

/// One Markdown file under `src/`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Relative to `src/`, with `/` separators.
    pub rel: String,
    pub path: PathBuf,
    pub text: String,
}

/// Every `.md` file under `src/`, sorted by relative path.
pub fn pages(root: &Path) -> Result<Vec<Page>, String> {
    let src = root.join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    format!("cannot read {}: {e}", path.display())
                })?;
                let rel = path
                    .strip_prefix(&src)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(Page { rel, path, text });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// A fenced or indented code block.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    /// The info string (`rust,noplayground`), empty for indented blocks.
    pub info: String,
    pub content: String,
    /// 1-based line of the opening fence.
    pub line: usize,
}

impl CodeBlock {
    /// The language: the info string up to the first `,` or space.
    pub fn lang(&self) -> &str {
        self.info
            .split([',', ' '])
            .next()
            .unwrap_or_default()
            .trim()
    }
}

/// A `{{#...}}` directive, such as `{{#rustdoc_include ../examples/a.rs:anchor}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// `include`, `rustdoc_include`, `playground`, `title`, ...
    pub kind: String,
    /// The path as written, relative to the page.
    pub target: String,
    /// What follows the path after `:` (an anchor, or line numbers), if anything.
    pub selector: Option<String>,
    pub line: usize,
}

/// What one page holds, as the parser sees it.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub code_blocks: Vec<CodeBlock>,
    pub directives: Vec<Directive>,
    /// Link and image destinations, with their lines.
    pub links: Vec<(String, usize)>,
    /// The HTML ids of the page's headings, as mdBook makes them.
    pub heading_ids: Vec<String>,
    /// The text a reader reads outside code blocks: one text run a line,
    /// and an empty line after each paragraph, list item and table cell.
    pub prose: String,
    /// The text of each inline code span (`like this`), in order.
    pub code_spans: Vec<String>,
    /// Each table row (the head row too): its cells' text, code spans
    /// written with their backticks.
    pub table_rows: Vec<Vec<String>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// mdBook's heading-id rule (mdbook-html's `id_from_content`): lower case,
/// letters, digits, `_` and `-` kept, white space turned into `-`, the rest
/// dropped.
pub fn id_from_heading(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The `{{#kind target[:selector]}}` directives in a run of text, such as a
/// code block's content; lines count from 1.
pub fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    directives_in(text, 1, &mut out);
    out
}

/// Finds `{{#kind target[:selector]}}` directives in a run of text. An escaped
/// one (`\{{#...}}`) is not a directive, as in mdBook.
fn directives_in(text: &str, base_line: usize, out: &mut Vec<Directive>) {
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find("{{#") {
        let escaped = start > 0 && rest[..start].ends_with('\\');
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let body = after[..end].trim();
        if !escaped {
            let (kind, arg) =
                body.split_once(char::is_whitespace).unwrap_or((body, ""));
            let arg = arg.trim();
            let (target, selector) = match arg.split_once(':') {
                Some((t, s)) => (t.to_string(), Some(s.to_string())),
                None => (arg.to_string(), None),
            };
            out.push(Directive {
                kind: kind.to_string(),
                target,
                selector,
                line: base_line
                    + text[..consumed + start].matches('\n').count(),
            });
        }
        let step = start + 3 + end + 2;
        consumed += step;
        rest = &rest[step..];
    }
}

/// Parses one page with mdBook's parser and options.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut in_code: Option<CodeBlock> = None;
    let mut heading: Option<(Option<String>, String)> = None;
    let mut used_ids = HashSet::new();
    let mut cell: Option<String> = None;
    let parser = new_cmark_parser(text, &MarkdownOptions::default());
    for (event, range) in parser.into_offset_iter() {
        let line = line_of(text, range.start);
        // Read before the match below moves the event's text.
        let is_code = matches!(event, Event::Code(_));
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                in_code = Some(CodeBlock {
                    info,
                    content: String::new(),
                    line,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(block) = in_code.take() {
                    parsed.code_blocks.push(block);
                }
            }
            Event::Start(Tag::Heading { id, .. }) => {
                heading = Some((id.map(|i| i.to_string()), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((explicit, text)) = heading.take() {
                    let base =
                        explicit.unwrap_or_else(|| id_from_heading(&text));
                    let mut id = base.clone();
                    let mut n = 1;
                    while !used_ids.insert(id.clone()) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                    parsed.heading_ids.push(id);
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                parsed.links.push((dest_url.to_string(), line));
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                parsed.table_rows.push(Vec::new());
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(c), Some(row)) =
                    (cell.take(), parsed.table_rows.last_mut())
                {
                    row.push(c.trim().to_string());
                }
                parsed.prose.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    if is_code {
                        c.push_str(&format!("`{t}`"));
                    } else {
                        c.push_str(&t);
                    }
                }
                if is_code {
                    parsed.code_spans.push(t.to_string());
                }
                if let Some(block) = in_code.as_mut() {
                    block.content.push_str(&t);
                    directives_in(&t, line, &mut parsed.directives);
                } else {
                    if let Some((_, h)) = heading.as_mut() {
                        h.push_str(&t);
                    }
                    parsed.prose.push_str(&t);
                    parsed.prose.push('\n');
                    // In prose the parser turns `\{` into `{`, so an escaped
                    // directive is recognised on the source text, where
                    // mdBook recognises it too.
                    let from = if text[..range.start].ends_with('\\') {
                        range.start - 1
                    } else {
                        range.start
                    };
                    let source = text.get(from..range.end).unwrap_or(&t);
                    directives_in(source, line, &mut parsed.directives);
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) => {
                parsed.prose.push('\n');
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                directives_in(&t, line, &mut parsed.directives);
            }
            _ => {}
        }
    }
    parsed
}

/// The chapter files `SUMMARY.md` links to, relative to `src/`, in order.
pub fn summary_entries(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join("src/SUMMARY.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(parse(&text)
        .links
        .into_iter()
        .map(|(dest, _)| dest)
        .filter(|d| !d.is_empty())
        .collect())
}

/// Checks that `file` has `ANCHOR: name` followed by `ANCHOR_END: name`; the
/// error says which marker is missing.
pub fn check_anchor(file: &Path, name: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let is_marker = |line: &str, marker: &str| {
        line.split_once(marker)
            .is_some_and(|(_, rest)| rest.trim() == name)
    };
    let start = text.lines().position(|l| is_marker(l, "ANCHOR:"));
    let end = text.lines().position(|l| is_marker(l, "ANCHOR_END:"));
    match (start, end) {
        (Some(s), Some(e)) if s < e => Ok(()),
        (None, _) => Err(format!("{} has no `ANCHOR: {name}`", file.display())),
        (_, None) => {
            Err(format!("{} has no `ANCHOR_END: {name}`", file.display()))
        }
        _ => Err(format!(
            "{}: `ANCHOR_END: {name}` comes before `ANCHOR: {name}`",
            file.display()
        )),
    }
}

/// A tracing layer that keeps every warning and error mdBook logs: mdBook
/// only logs a broken `{{#include}}`, so a build "succeeds" without this.
struct KeepWarnings(Arc<Mutex<Vec<String>>>);

/// One logged event's message and fields, written out as one line of text.
struct EventText(String);

impl tracing::field::Visit for EventText {
    fn record_debug(
        &mut self,
        field: &tracing::field::Field,
        value: &dyn std::fmt::Debug,
    ) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        } else {
            self.0.push_str(&format!("{}={value:?}", field.name()));
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for KeepWarnings {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let level = *event.metadata().level();
        if level <= tracing::Level::WARN {
            let mut msg = EventText(String::new());
            event.record(&mut msg);
            self.0.lock().expect("warnings").push(format!(
                "{level} {}: {}",
                event.metadata().target(),
                msg.0
            ));
        }
    }
}

/// Builds the site into `dest` with mdBook and the book's preprocessor as
/// libraries. Returns the warnings mdBook logged (a good build has none).
pub fn build(root: &Path, dest: &Path) -> Result<Vec<String>, String> {
    build_with(root, dest, |_| Ok(()))
}

/// What every page loads, made lighter after mdBook has written the site:
/// the drill script (theme/drill.js) stays only in the pages that hold
/// drill cards (book.toml's `additional-js` puts it in every page, where it
/// does nothing), and the comments of the book's own style sheet
/// (theme/book.css, written for its maintainers) are left out.
fn lighter_pages(site: &Path) -> Result<(), String> {
    for page in crate::html_pages(site) {
        let html = std::fs::read_to_string(&page)
            .map_err(|e| format!("cannot read {}: {e}", page.display()))?;
        let lighter = without_drill_script(&html);
        if lighter != html {
            std::fs::write(&page, lighter)
                .map_err(|e| format!("cannot write {}: {e}", page.display()))?;
        }
    }
    let theme = site.join("theme");
    for sheet in crate::files_with_suffix(&theme, ".css") {
        let css = std::fs::read_to_string(&sheet)
            .map_err(|e| format!("cannot read {}: {e}", sheet.display()))?;
        std::fs::write(&sheet, without_css_comments(&css))
            .map_err(|e| format!("cannot write {}: {e}", sheet.display()))?;
    }
    Ok(())
}

/// The page without its `<script src=".../drill-HASH.js">` tag, unless it
/// holds a drill card.
fn without_drill_script(html: &str) -> String {
    if html.contains("class=\"drill-card") {
        return html.to_string();
    }
    const OPEN: &str = "<script src=\"";
    let tag = html.match_indices(OPEN).find_map(|(start, _)| {
        let rest = &html[start..];
        let src = rest[OPEN.len()..].split('"').next()?;
        let len = rest.find("</script>")? + "</script>".len();
        let file = src.rsplit('/').next()?;
        file.starts_with("drill-").then_some(start..start + len)
    });
    match tag {
        Some(r) => format!("{}{}", &html[..r.start], &html[r.end..]),
        None => html.to_string(),
    }
}

/// CSS without its `/* ... */` comments and the blank lines they leave.
/// (The book's style sheet has no string that holds `/*`.)
fn without_css_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// [`build`], with `adjust` changing the configuration from book.toml first
/// (`cargo xtask serve` serves the pages at `/`).
pub fn build_with(
    root: &Path,
    dest: &Path,
    adjust: impl FnOnce(&mut mdbook_driver::config::Config) -> Result<(), String>,
) -> Result<Vec<String>, String> {
    use tracing_subscriber::layer::SubscriberExt;
    let kept = Arc::new(Mutex::new(Vec::new()));
    let subscriber =
        tracing_subscriber::registry().with(KeepWarnings(Arc::clone(&kept)));
    let result = tracing::subscriber::with_default(subscriber, || {
        let mut book =
            mdbook_driver::MDBook::load(root).map_err(|e| format!("{e:#}"))?;
        book.config.build.build_dir = dest.to_path_buf();
        adjust(&mut book.config)?;
        // book.toml names our preprocessor as a command (`cargo run ...`) for
        // a plain `mdbook build`; here the same code runs in-process, under
        // the same name, in the same place in mdBook's order.
        book.with_preprocessor(crate::preprocess::ThreadVsProcess);
        book.build().map_err(|e| format!("{e:#}"))?;
        crate::search::slim(dest)?;
        crate::search::lazy_search_scripts(dest)?;
        lighter_pages(dest)
    });
    let warnings = kept.lock().expect("warnings").clone();
    match result {
        Ok(()) => Ok(warnings),
        Err(e) => Err(format!("{e}\n{}", warnings.join("\n"))),
    }
}

/// Where a chapter's link points, split into the file (relative to `src/`)
/// and the fragment. `None` for links that leave the book.
pub fn resolve_link(
    from_rel: &str,
    dest: &str,
) -> Option<(String, Option<String>)> {
    if dest.contains("://")
        || dest.starts_with("mailto:")
        || dest.starts_with('/')
    {
        return None;
    }
    let (file, fragment) = match dest.split_once('#') {
        Some((f, frag)) => (f, Some(frag.to_string())),
        None => (dest, None),
    };
    if file.is_empty() {
        return Some((from_rel.to_string(), fragment));
    }
    let mut parts: Vec<&str> = from_rel.split('/').collect();
    parts.pop();
    for seg in file.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some((parts.join("/"), fragment))
}

/// Every page's parse, keyed by its path relative to `src/`.
pub fn parse_all(pages: &[Page]) -> BTreeMap<String, Parsed> {
    pages
        .iter()
        .map(|p| (p.rel.clone(), parse(&p.text)))
        .collect()
}

/// The 1-based line numbers of `text` that `{{#include FILE:selector}}`
/// shows, selected as mdBook selects them: no selector is the whole file;
/// `N`, `N:`, `:M` and `N:M` are line ranges (`N` alone is one line); any
/// other selector is an anchor: the lines after its first `ANCHOR: name`
/// up to its `ANCHOR_END: name`, without the marker lines of any anchor
/// (mdBook drops those). An anchor that is never opened selects nothing.
pub fn selected_lines(text: &str, selector: Option<&str>) -> BTreeSet<usize> {
    let count = text.lines().count();
    let Some(selector) = selector else {
        return (1..=count).collect();
    };
    let is_range = selector.chars().all(|c| c.is_ascii_digit() || c == ':');
    if is_range {
        let number = |s: &str| s.parse::<usize>().ok();
        let (from, to) = match selector.split_once(':') {
            None => (number(selector), number(selector)),
            Some((a, b)) => (number(a), number(b)),
        };
        let from = from.unwrap_or(1).max(1);
        let to = to.unwrap_or(count).min(count);
        return (from..=to).collect();
    }
    let marker = |line: &str, word: &str| {
        line.split_once(word).map(|(_, rest)| {
            rest.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
    };
    let mut shown = BTreeSet::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let ends = marker(line, "ANCHOR_END:");
        // `ANCHOR_END:` also contains no `ANCHOR:`, so the two never mix.
        let starts = marker(line, "ANCHOR:");
        if inside {
            match ends {
                Some(name) if name == selector => break,
                Some(_) => {}
                None if starts.is_some() => {}
                None => {
                    shown.insert(i + 1);
                }
            }
        } else if starts.as_deref() == Some(selector) {
            inside = true;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_page_with_drill_cards_loads_the_drill_script() {
        let page = "<script src=\"book-1.js\"></script>\n\
                    <script src=\"theme/drill-81d8.js\"></script>\n<p>x</p>";
        assert_eq!(
            without_drill_script(page),
            "<script src=\"book-1.js\"></script>\n\n<p>x</p>"
        );
        let drill = format!("{page}<li class=\"drill-card\">");
        assert_eq!(without_drill_script(&drill), drill);
    }

    #[test]
    fn css_comments_and_the_blank_lines_they_leave_go() {
        let css = "/* heading */\n\na {\n    color: red; /* why */\n}\n";
        assert_eq!(without_css_comments(css), "a {\n    color: red; \n}\n");
    }

    #[test]
    fn code_spans_and_table_cells_are_read_by_the_parser() {
        let parsed = parse(
            "Run `a_b` here.\n\n```rust\nlet `x` = 1;\n```\n\n\
             | name | value |\n|---|---|\n| `row_one` | 1.5 µs |\n",
        );
        assert_eq!(parsed.code_spans, ["a_b", "row_one"]);
        assert_eq!(
            parsed.table_rows,
            [vec!["name", "value"], vec!["`row_one`", "1.5 µs"]]
        );
    }

    #[test]
    fn directives_are_found_with_kind_target_selector_and_line() {
        let parsed = parse(
            "# Title\n\n```rust\n{{#rustdoc_include ../examples/a.rs:main}}\n```\n\n\
             Text \\{{#include escaped.md}} and\n\n```console\n\
             {{#include ../examples/outputs/a.txt}}\n```\n",
        );
        assert_eq!(
            parsed.directives,
            [
                Directive {
                    kind: "rustdoc_include".into(),
                    target: "../examples/a.rs".into(),
                    selector: Some("main".into()),
                    line: 4,
                },
                Directive {
                    kind: "include".into(),
                    target: "../examples/outputs/a.txt".into(),
                    selector: None,
                    line: 10,
                },
            ]
        );
        assert_eq!(parsed.code_blocks.len(), 2);
        assert_eq!(parsed.code_blocks[0].lang(), "rust");
        assert_eq!(parsed.code_blocks[1].line, 9);
    }

    #[test]
    fn links_and_heading_ids_are_read_as_mdbook_reads_them() {
        let parsed = parse(
            "# What a *process* owns\n\nSee [ch02](ch02-address-space.md#the-heap) \
             and ![a chart](img/c.svg).\n\n## Threads & stacks\n\n## Threads & stacks\n\n\
             ## Named {#own-id}\n",
        );
        assert_eq!(
            parsed.links,
            [
                ("ch02-address-space.md#the-heap".to_string(), 3),
                ("img/c.svg".to_string(), 3),
            ]
        );
        assert_eq!(
            parsed.heading_ids,
            [
                "what-a-process-owns",
                "threads--stacks",
                "threads--stacks-1",
                "own-id"
            ]
        );
        assert_eq!(id_from_heading(" Fork, then exec() "), "fork-then-exec");
    }

    #[test]
    fn links_resolve_relative_to_the_page() {
        assert_eq!(
            resolve_link("includes/state.md", "../ch02-x.md#heap"),
            Some(("ch02-x.md".into(), Some("heap".into())))
        );
        assert_eq!(
            resolve_link("ch03.md", "#top"),
            Some(("ch03.md".into(), Some("top".into())))
        );
        assert_eq!(resolve_link("ch03.md", "https://example.org/"), None);
        assert_eq!(resolve_link("ch03.md", "mailto:a@b"), None);
    }

    #[test]
    fn selected_lines_follow_mdbooks_include_semantics() {
        let text = "a\n// ANCHOR: outer\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\n\
                    d\n// ANCHOR_END: outer\ne\n";
        let lines = |sel: Option<&str>| -> Vec<usize> {
            selected_lines(text, sel).into_iter().collect()
        };
        assert_eq!(lines(None), (1..=9).collect::<Vec<_>>());
        assert_eq!(lines(Some("outer")), [3, 5, 7]);
        assert_eq!(lines(Some("inner")), [5]);
        assert_eq!(lines(Some("missing")), Vec::<usize>::new());
        assert_eq!(lines(Some("2")), [2]);
        assert_eq!(lines(Some("8:")), [8, 9]);
        assert_eq!(lines(Some(":2")), [1, 2]);
        assert_eq!(lines(Some("3:4")), [3, 4]);
    }
}
