//! Guards the cost chapter's numbers: the reference data parses, the chart
//! and the tables the book shows (the chapter's table, the cheat sheet's
//! summary) are exactly what that data draws, so a new measurement without
//! `cargo xtask chart` fails here; and every figure the chapter cites by its
//! stable name is a row of the data.

use std::collections::BTreeSet;

use regex::Regex;
use xtask::{chart, repo_root};

const CHAPTER: &str = "src/ch12-cost.md";

/// The stable names the examples print start with one of these.
const FIGURE_PREFIXES: [&str; 7] = [
    "thread_",
    "scoped_thread_",
    "process_",
    "system_program_",
    "task_",
    "channel_",
    "pipe_",
];

fn read(rel: &str) -> String {
    let path = repo_root().join(rel);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
        .replace("\r\n", "\n")
}

fn rows() -> Vec<chart::Row> {
    chart::parse_csv(&read(chart::CSV_PATH)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_reference_data_parses_with_the_exact_header() {
    let text = read(chart::CSV_PATH);
    assert_eq!(
        text.lines().next(),
        Some(chart::CSV_HEADER),
        "{} must start with the header the examples print with --csv",
        chart::CSV_PATH
    );
    let rows = rows();
    assert!(
        rows.len() >= 10,
        "{} holds {} rows; concatenate the --csv output of every ch12 example",
        chart::CSV_PATH,
        rows.len()
    );
}

#[test]
fn the_chart_and_tables_are_drawn_from_the_current_data() {
    let root = repo_root();
    let drawn = chart::render(&root).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    for (rel, fresh) in drawn {
        let committed = std::fs::read_to_string(root.join(rel))
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default();
        if committed != fresh {
            failures.push(format!(
                "{rel} is not what {} draws: it is older than its data (or was edited by hand). \
                 Run `cargo xtask chart` and commit the result.",
                chart::CSV_PATH
            ));
        }
    }
    xtask::fail_if_any("drawn files older than their data", failures);
}

#[test]
fn every_figure_the_chapter_cites_is_in_the_data() {
    let chapter = read(CHAPTER);
    let names: BTreeSet<String> = rows().into_iter().map(|r| r.name).collect();
    let code_span = Regex::new(r"`([a-z0-9_]+)`").expect("regex");
    let cited: BTreeSet<String> = code_span
        .captures_iter(&chapter)
        .map(|c| c[1].to_string())
        .filter(|n| FIGURE_PREFIXES.iter().any(|p| n.starts_with(p)))
        .collect();
    let missing: Vec<&String> =
        cited.iter().filter(|n| !names.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "{CHAPTER} cites figures that {} does not hold: {missing:?} (its rows: {names:?})",
        chart::CSV_PATH
    );
    assert!(
        cited.len() >= 10,
        "{CHAPTER} cites only {} figures by name ({cited:?}); each number in its prose names its row",
        cited.len()
    );
}

#[test]
fn the_chapter_shows_the_table_and_the_chart() {
    let chapter = read(CHAPTER);
    let include = format!("{{{{#include ../{}}}}}", chart::TABLE_PATH);
    assert!(
        chapter.lines().any(|l| l.trim() == include),
        "{CHAPTER} must include the reference table on a line of its own: {include}"
    );
    let image = chart::SVG_PATH.trim_start_matches("src/");
    assert!(
        chapter.contains(&format!("]({image})")),
        "{CHAPTER} must embed the chart as ![alt text]({image})"
    );
}

#[test]
fn every_time_and_rate_in_the_prose_is_a_value_of_a_row_it_cites() {
    // Times and rates are measurements: each one the chapter states must be
    // a value of a table row named in the same paragraph, so a number always
    // says where it comes from, and a new measurement cannot leave old
    // numbers behind in the prose. (Sizes are left out: 2 MiB stacks and
    // 64 KiB buffers are settings, not measurements.)
    let table = read("data/cost-table.md");
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for line in table.lines() {
        let cells: Vec<String> =
            line.split('|').map(|c| c.trim().to_string()).collect();
        if let Some(name) = cells
            .get(1)
            .and_then(|c| c.strip_prefix('`'))
            .and_then(|c| c.strip_suffix('`'))
        {
            rows.push((name.to_string(), cells[2..].to_vec()));
        }
    }
    assert!(!rows.is_empty(), "data/cost-table.md has no rows");
    let prose = xtask::book::parse(&read(CHAPTER)).prose;
    let value = Regex::new(r"\b[0-9][0-9.]* ?(ns|µs|ms|GiB/s|MiB/s|MB/s)")
        .expect("regex");
    let mut stray = Vec::new();
    let mut seen = 0;
    for paragraph in prose.split("\n\n") {
        let words: BTreeSet<&str> = paragraph
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        let cited: Vec<&(String, Vec<String>)> = rows
            .iter()
            .filter(|(name, _)| words.contains(name.as_str()))
            .collect();
        for m in value.find_iter(paragraph) {
            seen += 1;
            let found = cited
                .iter()
                .any(|(_, cells)| cells.iter().any(|c| c == m.as_str()));
            if !found {
                let names: Vec<&str> =
                    cited.iter().map(|(n, _)| n.as_str()).collect();
                stray.push(format!(
                    "`{}` (rows cited in its paragraph: {names:?})",
                    m.as_str()
                ));
            }
        }
    }
    assert!(
        seen >= 10,
        "{CHAPTER} states only {seen} measured times or rates"
    );
    assert!(
        stray.is_empty(),
        "{CHAPTER} states numbers that are not a value of a row its paragraph cites \
         (cite the row, and quote data/cost-table.md after `cargo xtask chart`):\n  {}",
        stray.join("\n  ")
    );
}
