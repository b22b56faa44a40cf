//! Guards the book's measured numbers: the reference data parses, the chart
//! and the tables the book shows (each chapter's table, the cheat sheet's
//! summary) are exactly what that data draws, so a new measurement without
//! `cargo xtask chart` fails here; every figure a chapter cites by its
//! stable name is a row of the data; and every time, rate or ratio in any
//! chapter's prose is a value of a row its paragraph cites.

use std::collections::BTreeSet;

use regex::Regex;
use xtask::{chart, repo_root};

const CHAPTER: &str = "src/ch12-cost.md";

/// The stable names the cost chapter's examples print start with one of
/// these: in that chapter, a code span that looks like one must be a row.
const FIGURE_PREFIXES: [&str; 6] = [
    "thread_",
    "scoped_thread_",
    "process_",
    "task_",
    "channel_",
    "pipe_",
];

/// A measured value as the tables show it: a time, a rate, or a ratio
/// (`46.7×`, the sign right after the number; `4 × 1000` is arithmetic).
const VALUE: &str = r"\b[0-9][0-9.]*(?: ?(?:ns|µs|ms|GiB/s|MiB/s|MB/s|k msg/s|M msg/s|msg/s)|×)";

/// Every chapter: (path, text).
fn chapters() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = repo_root().join("src");
    for entry in std::fs::read_dir(&dir).expect("src/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        if name.starts_with("ch") && name.ends_with(".md") {
            let rel = format!("src/{name}");
            out.push((rel.clone(), read(&rel)));
        }
    }
    out.sort();
    out
}

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
        "{} holds {} rows; run `cargo xtask cost-reference`",
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
        let committed = std::fs::read_to_string(root.join(&rel))
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_figure_a_chapter_cites_is_in_the_data() {
    let names: BTreeSet<String> = rows().into_iter().map(|r| r.name).collect();
    let mut failures = Vec::new();
    let mut cited_in_cost_chapter = 0;
    for (path, text) in chapters() {
        let cited: BTreeSet<String> = xtask::book::parse(&text)
            .code_spans
            .into_iter()
            .filter(|n| {
                chart::figure(n).is_some()
                    || (path == CHAPTER
                        && FIGURE_PREFIXES.iter().any(|p| n.starts_with(p)))
            })
            .collect();
        if path == CHAPTER {
            cited_in_cost_chapter = cited.len();
        }
        for name in cited.iter().filter(|n| !names.contains(*n)) {
            failures.push(format!(
                "{path} cites `{name}`, which {} does not hold",
                chart::CSV_PATH
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(the rows: {names:?}; run `cargo xtask cost-reference` after adding a figure)",
        failures.join("\n")
    );
    assert!(
        cited_in_cost_chapter >= 10,
        "{CHAPTER} cites only {cited_in_cost_chapter} figures by name; each number in its prose names its row"
    );
}

#[test]
fn the_reference_machine_is_named_where_the_data_is_described() {
    let machine = read(chart::MACHINE_PATH);
    assert!(
        machine.contains("cargo xtask cost-reference")
            && machine.contains("load average"),
        "{} must name the command and the load (written by `cargo xtask cost-reference`)",
        chart::MACHINE_PATH
    );
    let doc = read(chart::REFERENCE_DOC);
    let section =
        format!("{}\n{machine}{}", chart::MACHINE_BEGIN, chart::MACHINE_END);
    assert!(
        doc.contains(&section),
        "{} must hold the text of {} between its markers (run `cargo xtask cost-reference`)",
        chart::REFERENCE_DOC,
        chart::MACHINE_PATH
    );
    let include = format!("{{{{#include ../{}}}}}", chart::MACHINE_PATH);
    assert!(
        read(CHAPTER).lines().any(|l| l.trim() == include),
        "{CHAPTER} must include {include} on a line of its own"
    );
    for example in chart::cost_examples() {
        assert!(
            machine.contains(&format!("`{example}`")),
            "{} does not list `{example}`: run `cargo xtask cost-reference`",
            chart::MACHINE_PATH
        );
    }
}

#[test]
fn every_table_is_shown_and_the_chapter_shows_the_chart() {
    let chapters = chapters();
    let root = repo_root();
    for example in chart::cost_examples() {
        let table = chart::table_path(example);
        if !root.join(&table).exists() {
            continue;
        }
        let include = format!("{{{{#include ../{table}}}}}");
        assert!(
            chapters
                .iter()
                .any(|(_, text)| text.lines().any(|l| l.trim() == include)),
            "no chapter includes {table} on a line of its own ({include}); \
             the chapter of `{example}` shows its rows"
        );
    }
    let image = chart::SVG_PATH.trim_start_matches("src/");
    assert!(
        read(CHAPTER).contains(&format!("]({image})")),
        "{CHAPTER} must embed the chart as ![alt text]({image})"
    );
}

#[test]
fn every_time_rate_and_ratio_in_the_prose_is_a_value_of_a_row_it_cites() {
    // Times, rates and ratios are measurements: each one a chapter states
    // must be a value of a table row named in the same paragraph, so a
    // number always says where it comes from, and a new measurement cannot
    // leave old numbers behind in the prose. (Sizes are left out: 2 MiB
    // stacks and 64 KiB buffers are settings, not measurements. A setting
    // that is a time, such as a sleep, is written as code:
    // `Duration::from_millis(20)`.)
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let root = repo_root();
    for example in chart::cost_examples() {
        let path = chart::table_path(example);
        if !root.join(&path).exists() {
            continue;
        }
        for cells in xtask::book::parse(&read(&path)).table_rows {
            if let Some(name) = cells
                .first()
                .and_then(|c| c.strip_prefix('`'))
                .and_then(|c| c.strip_suffix('`'))
            {
                rows.push((name.to_string(), cells[1..].to_vec()));
            }
        }
    }
    assert!(!rows.is_empty(), "the cost tables have no rows");
    let value = Regex::new(VALUE).expect("regex");
    let mut stray = Vec::new();
    let mut seen_in_cost_chapter = 0;
    for (path, text) in chapters() {
        let prose = xtask::book::parse(&text).prose;
        for paragraph in prose.split("\n\n") {
            let words: BTreeSet<&str> = paragraph
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            let cited: Vec<&(String, Vec<String>)> = rows
                .iter()
                .filter(|(name, _)| words.contains(name.as_str()))
                .collect();
            for m in value.find_iter(paragraph) {
                if path == CHAPTER {
                    seen_in_cost_chapter += 1;
                }
                let found = cited
                    .iter()
                    .any(|(_, cells)| cells.iter().any(|c| c == m.as_str()));
                if !found {
                    let names: Vec<&str> =
                        cited.iter().map(|(n, _)| n.as_str()).collect();
                    stray.push(format!(
                        "{path}: `{}` (rows cited in its paragraph: {names:?})",
                        m.as_str()
                    ));
                }
            }
        }
    }
    assert!(
        seen_in_cost_chapter >= 10,
        "{CHAPTER} states only {seen_in_cost_chapter} measured times, rates or ratios"
    );
    assert!(
        stray.is_empty(),
        "the prose states numbers that are not a value of a row its paragraph cites \
         (cite the row, and quote its data/cost-table-NAME.md after `cargo xtask chart`):\n  {}",
        stray.join("\n  ")
    );
}
