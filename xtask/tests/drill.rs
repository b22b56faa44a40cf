//! The drill page (src/practice.md) and the self-checks it draws from.
//! `book_integrity` checks the built page holds exactly the chapters'
//! questions; these check the parts that make it, and that every chapter
//! asks the reader to predict a program's output.

use xtask::preprocess::{self, DRILL_MARKER, DRILL_PAGE};
use xtask::{book, fail_if_any, repo_root};

fn chapters() -> Vec<book::Page> {
    book::pages(&repo_root())
        .expect("read src/")
        .into_iter()
        .filter(|p| p.rel.starts_with("ch"))
        .collect()
}

#[test]
fn the_drill_page_is_in_the_book_after_the_cheat_sheet_and_asks_for_the_questions()
 {
    let root = repo_root();
    let entries = book::summary_entries(&root).expect("SUMMARY.md");
    let at = entries.iter().position(|e| e == DRILL_PAGE);
    let sheet = entries.iter().position(|e| e.contains("cheat-sheet"));
    assert!(at.is_some(), "SUMMARY.md does not list {DRILL_PAGE}");
    assert!(at > sheet, "{DRILL_PAGE} must come after the cheat sheet");
    let text = std::fs::read_to_string(root.join("src").join(DRILL_PAGE))
        .expect("drill page");
    assert!(
        text.contains(DRILL_MARKER),
        "src/{DRILL_PAGE} lacks `{DRILL_MARKER}`"
    );
    assert!(
        !text.contains("<details>"),
        "src/{DRILL_PAGE} holds a question of its own: the chapters are the one source"
    );
}

#[test]
fn every_self_check_answer_is_collected_whole() {
    let mut failures = Vec::new();
    let mut all = Vec::new();
    for page in chapters() {
        let qs = preprocess::self_check(&page.rel, &page.rel, &page.text);
        let check = page
            .text
            .split_once("\n## Self-check")
            .map_or("", |(_, c)| c);
        let folded = check.matches("<details>").count();
        if qs.len() != folded {
            failures.push(format!(
                "src/{}: {} questions collected, {folded} folded answers",
                page.rel,
                qs.len()
            ));
        }
        for q in &qs {
            if q.question.is_empty()
                || q.answer.is_empty()
                || q.answer.contains("</details>")
            {
                failures.push(format!(
                    "src/{} question {}: not collected whole",
                    page.rel, q.number
                ));
            }
        }
        all.extend(qs);
    }
    let md = preprocess::drill_markdown(&all);
    assert_eq!(md.matches("class=\"drill-card\"").count(), all.len());
    fail_if_any("self-checks the drill cannot read", failures);
}

#[test]
fn every_chapter_asks_to_predict_a_recorded_output() {
    let mut failures = Vec::new();
    for page in chapters() {
        let qs = preprocess::self_check(&page.rel, &page.rel, &page.text);
        let recorded = |a: &str| {
            book::parse(a).directives.iter().any(|d| {
                d.kind == "include"
                    && ((d.target.contains("examples/outputs/")
                        && d.target.ends_with(".txt"))
                        || (d.target.contains("examples/compile_fail/")
                            && d.target.ends_with(".stderr")))
            })
        };
        if !qs.iter().any(|q| recorded(&q.answer)) {
            failures.push(format!(
                "src/{}: no self-check question whose answer is a recorded run \
                 ({{{{#include ../examples/outputs/NAME.txt}}}}) or compiler message \
                 (examples/compile_fail/NAME.stderr)",
                page.rel
            ));
        }
    }
    fail_if_any("chapters without a predict-the-output question", failures);
}
