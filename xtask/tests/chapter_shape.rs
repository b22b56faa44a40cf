//! Guards the shape every chapter promises its reader (STYLE.md, "Prose"):
//! it opens by saying what the reader will be able to answer, shows at
//! least one program with its recorded run, and ends with a self-check of 3
//! to 6 questions whose answers are folded away.

use xtask::book;
use xtask::repo_root;

fn chapters() -> Vec<book::Page> {
    let pages = book::pages(&repo_root()).expect("read src/");
    let chapters: Vec<book::Page> = pages
        .into_iter()
        .filter(|p| p.rel.starts_with("ch") && p.rel.ends_with(".md"))
        .collect();
    assert!(!chapters.is_empty(), "no chapters (src/chNN-*.md) found");
    chapters
}

#[test]
fn every_chapter_opens_with_what_the_reader_will_be_able_to_answer() {
    let mut failures = Vec::new();
    for page in chapters() {
        let opening: String =
            page.text.lines().take(20).collect::<Vec<_>>().join(" ");
        if !opening.contains("able to answer") {
            failures.push(format!(
                "src/{}: the opening does not say what the reader will be able to answer",
                page.rel
            ));
        }
    }
    xtask::fail_if_any(
        "chapters that do not open with what the reader will be able to answer",
        failures,
    );
}

#[test]
fn every_chapter_shows_a_program_and_its_recorded_run() {
    let mut failures = Vec::new();
    for page in chapters() {
        let parsed = book::parse(&page.text);
        let includes = |prefix: &str| {
            parsed
                .directives
                .iter()
                .any(|d| d.target.trim_start_matches("../").starts_with(prefix))
        };
        if !includes("examples/outputs/") {
            failures.push(format!(
                "src/{}: shows no recorded run (examples/outputs/...)",
                page.rel
            ));
        }
        // A program: a whole example (`rustdoc_include`, hidden lines and
        // all), or excerpts of one (`include`), as the cost chapter shows its
        // 250-line measurements, with a link to the whole file.
        if !parsed.directives.iter().any(|d| {
            matches!(d.kind.as_str(), "rustdoc_include" | "include")
                && d.target.trim_start_matches("../").starts_with("examples/")
                && d.target.ends_with(".rs")
        }) {
            failures.push(format!(
                "src/{}: shows no program (an include of examples/*.rs)",
                page.rel
            ));
        }
    }
    xtask::fail_if_any(
        "chapters without a program and its recorded run",
        failures,
    );
}

#[test]
fn every_chapter_ends_with_a_self_check_of_three_to_six_folded_answers() {
    let mut failures = Vec::new();
    for page in chapters() {
        let Some((_, check)) = page.text.split_once("\n## Self-check") else {
            failures
                .push(format!("src/{}: no `## Self-check` section", page.rel));
            continue;
        };
        // The self-check runs to the end of the page or the next section.
        let check = check.split("\n## ").next().unwrap_or_default();
        let folded = check.matches("<details>").count();
        if !(3..=6).contains(&folded) {
            failures.push(format!(
                "src/{}: the self-check has {folded} folded answers, expected 3 to 6",
                page.rel
            ));
        }
        let tail: Vec<&str> =
            page.text.trim_end().lines().rev().take(40).collect();
        if !tail.iter().any(|l| l.contains("</details>")) {
            failures.push(format!(
                "src/{}: the self-check is not the end of the chapter",
                page.rel
            ));
        }
    }
    xtask::fail_if_any(
        "chapters without a self-check of three to six folded answers",
        failures,
    );
}

#[test]
fn the_introductions_map_lists_every_chapter_in_order() {
    // The "Map of the book" is the introduction's only list of links to
    // chapters; a chapter added, renamed or renumbered in SUMMARY.md must
    // show there too.
    let root = repo_root();
    let summary: Vec<String> = book::summary_entries(&root)
        .expect("SUMMARY.md")
        .into_iter()
        .filter(|e| e != "introduction.md")
        .collect();
    let intro = std::fs::read_to_string(root.join("src/introduction.md"))
        .expect("src/introduction.md");
    let map: Vec<String> = book::parse(&intro)
        .links
        .into_iter()
        .map(|(dest, _)| dest)
        .filter(|d| summary.contains(d))
        .collect();
    assert_eq!(
        map, summary,
        "src/introduction.md's map of the book and SUMMARY.md disagree"
    );
}
