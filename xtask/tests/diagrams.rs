//! Holds the drawings in `diagrams/` to the diagrams' sources, as the cost
//! chart is held to its CSV: each ```` ```mermaid ```` block of a page has a
//! drawing made from its current source (else `cargo xtask diagrams` must
//! run again), no drawing is left without its diagram, and each drawing
//! carries the source's `accTitle` and `accDescr` as its accessible name and
//! description.

use xtask::preprocess::{self, DIAGRAM_DIR};
use xtask::{book, fail_if_any, repo_root};

fn all_diagrams() -> Vec<preprocess::Diagram> {
    let root = repo_root();
    let mut out = Vec::new();
    for page in book::pages(&root).expect("read src/") {
        out.extend(preprocess::diagrams(&page.rel, &page.text));
    }
    out
}

/// The text of the element `<tag ...>` in `svg` whose id is `id`.
fn text_of(svg: &str, id: &str) -> Option<String> {
    let at = svg.find(&format!("id=\"{id}\""))?;
    let rest = &svg[at..];
    let start = rest.find('>')? + 1;
    let end = rest.find("</")?;
    Some(rest[start..end].trim().to_string())
}

fn attr<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
    let open = &svg[svg.find("<svg")?..];
    let open = &open[..open.find('>')?];
    let at = open.find(&format!(" {name}=\""))? + name.len() + 3;
    open[at..].split('"').next()
}

#[test]
fn every_diagram_is_drawn_from_its_current_source() {
    let root = repo_root();
    let diagrams = all_diagrams();
    assert!(!diagrams.is_empty(), "no ```mermaid block in src/");
    let failures: Vec<String> = diagrams
        .iter()
        .filter_map(|d| preprocess::drawing(&root, d).err())
        .collect();
    fail_if_any("diagrams without a current drawing", failures);
}

#[test]
fn no_drawing_is_left_without_its_diagram() {
    let root = repo_root();
    let names: Vec<String> = all_diagrams()
        .iter()
        .map(|d| format!("{}.svg", d.name))
        .collect();
    let failures: Vec<String> = xtask::files_with_suffix(&root.join(DIAGRAM_DIR), ".svg")
        .iter()
        .filter(|p| !names.contains(&format!("{}.svg", xtask::stem(p))))
        .map(|p| {
            format!(
                "{}: no diagram has this name any more (`cargo xtask diagrams` removes it)",
                p.display()
            )
        })
        .collect();
    fail_if_any("stale drawings", failures);
}

#[test]
fn every_drawing_is_named_and_described_as_its_source_says() {
    let root = repo_root();
    let mut failures = Vec::new();
    for d in all_diagrams() {
        let Ok(svg) = preprocess::drawing(&root, &d) else {
            continue; // the test above reports it
        };
        let line = |key: &str| {
            d.source
                .lines()
                .find_map(|l| l.trim_start().strip_prefix(key))
                .map(|v| v.trim_start_matches(':').trim().to_string())
        };
        let (title, desc) = (line("accTitle"), line("accDescr"));
        let labelled =
            attr(&svg, "aria-labelledby").and_then(|id| text_of(&svg, id));
        let described =
            attr(&svg, "aria-describedby").and_then(|id| text_of(&svg, id));
        let unescape = |s: Option<String>| {
            s.map(|s| {
                s.replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
        };
        if title.is_none() || unescape(labelled.clone()) != title {
            failures.push(format!(
                "{}: its name is {labelled:?}, its accTitle {title:?}",
                d.place()
            ));
        }
        if desc.is_none() || unescape(described.clone()) != desc {
            failures.push(format!(
                "{}: its description is {described:?}, its accDescr {desc:?}",
                d.place()
            ));
        }
        if !attr(&svg, "role").is_some_and(|r| r.contains("document")) {
            failures.push(format!("{}: the SVG has no role", d.place()));
        }
        if svg.contains("<script") || svg.contains("\n\n") {
            failures.push(format!(
                "{}: a script or a blank line in the SVG",
                d.place()
            ));
        }
    }
    fail_if_any("drawings without their text alternative", failures);
}
