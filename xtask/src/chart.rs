//! The book's measured figures: `data/cost-reference.csv` holds the
//! `--csv` rows of every cost example (the ones [`CHAPTERS`] names),
//! measured in release mode on the reference machine by `cargo xtask
//! cost-reference`. From it, `cargo xtask chart` draws the cost chapter's
//! chart `src/img/cost-chart.svg`, one Markdown table per cost example
//! (`data/cost-table-NAME.md`, which the example's chapter includes) and the
//! cheat sheet's summary `data/cost-summary.md`.
//!
//! The test `cost_chart` draws them again in memory and fails when a
//! committed file differs, so no picture or table can be older than its data.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The data, relative to the repository root.
pub const CSV_PATH: &str = "data/cost-reference.csv";
/// The chart the chapter embeds.
pub const SVG_PATH: &str = "src/img/cost-chart.svg";
/// Where and when the reference run was made: written by `cargo xtask
/// cost-reference`, included by the cost chapter, repeated in
/// `data/cost-reference.md` between the two markers below.
pub const MACHINE_PATH: &str = "data/cost-machine.md";
/// How the reference data is made, for people.
pub const REFERENCE_DOC: &str = "data/cost-reference.md";
pub const MACHINE_BEGIN: &str =
    "<!-- cost-machine: begin (written by cargo xtask cost-reference) -->";
pub const MACHINE_END: &str = "<!-- cost-machine: end -->";
/// The process / thread / task summary the cheat sheet includes.
pub const SUMMARY_PATH: &str = "data/cost-summary.md";
/// The first line of the CSV, exactly as the examples print it.
pub const CSV_HEADER: &str = "name,unit,median,p10,p90,n";

/// One figure: a row of the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stable name the chapter cites (`thread_spawn_join`).
    pub name: String,
    /// One of [`UNITS`].
    pub unit: String,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    /// How many runs (or rounds, or children) the statistics cover.
    pub n: u64,
}

/// `ns` for times (a per-operation time too), `KiB` for memory, `MiB/s`
/// for throughput, `msg/s` for a rate of messages or operations, `ratio` for
/// a dimensionless factor (`process_vs_thread`: how many threads a process
/// costs). A ratio row of two medians repeats its value as p10 and p90,
/// with n = 1.
pub const UNITS: [&str; 5] = ["ns", "KiB", "MiB/s", "msg/s", "ratio"];

/// Which panel of the cost chapter's chart a figure is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Create,
    RoundTrip,
    Memory,
    Throughput,
    /// In its chapter's table only: not drawn (an address-space reservation
    /// is not memory used; ratios; the other chapters' figures).
    TableOnly,
}

const PANELS: [(Panel, &str, &str); 4] = [
    (
        Panel::Create,
        "Create, then wait for, one",
        "time, log scale (shorter is cheaper)",
    ),
    (
        Panel::RoundTrip,
        "Round trip of a one-byte message",
        "time, log scale (shorter is faster)",
    ),
    (
        Panel::Memory,
        "Memory of one idle unit",
        "KiB, log scale (shorter is smaller)",
    ),
    (
        Panel::Throughput,
        "Bytes moved between two sides",
        "MiB/s, log scale (longer is faster)",
    ),
];

/// One figure a cost example prints with `--csv`.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    /// The row's stable name, which the prose cites (`thread_spawn_join`).
    pub name: &'static str,
    /// The example that prints it (`ch12-creation-cost`).
    pub example: &'static str,
    pub panel: Panel,
    /// What was measured, for the table.
    pub what: &'static str,
}

const fn fig(
    name: &'static str,
    example: &'static str,
    panel: Panel,
    what: &'static str,
) -> Figure {
    Figure {
        name,
        example,
        panel,
        what,
    }
}

/// The figures of one chapter, in its table's order.
#[derive(Debug, Clone, Copy)]
pub struct Chapter {
    /// The chapter's number as its file names start: `ch12`.
    pub id: &'static str,
    pub figures: &'static [Figure],
}

/// Every chapter's figures. A chapter adds its cost example's rows to its
/// own slot below (see `data/cost-reference.md`, "Adding figures"); the
/// examples named here are the ones `cargo xtask cost-reference` runs.
pub const CHAPTERS: [Chapter; 5] = [
    Chapter {
        id: "ch07",
        figures: CH07_SYNCHRONISATION,
    },
    Chapter {
        id: "ch08",
        figures: CH08_MEMORY,
    },
    Chapter {
        id: "ch11",
        figures: CH11_SCHEDULING,
    },
    Chapter {
        id: "ch12",
        figures: CH12_COST,
    },
    Chapter {
        id: "ch13",
        figures: CH13_POOLS,
    },
];

/// ch07, synchronisation: for example `mutex_uncontended` (ns),
/// `mutex_contended` (ns).
const CH07_SYNCHRONISATION: &[Figure] = &[
    fig(
        "mutex_uncontended",
        "ch07-mutex-cost",
        Panel::TableOnly,
        "`Mutex` lock + unlock, one thread, per pair",
    ),
    fig(
        "atomic_add_uncontended",
        "ch07-mutex-cost",
        Panel::TableOnly,
        "`AtomicU64::fetch_add`, one thread, per add",
    ),
    fig(
        "mutex_contended_2_threads",
        "ch07-mutex-cost",
        Panel::TableOnly,
        "`Mutex` lock + unlock while a 2nd thread takes it too",
    ),
    fig(
        "mutex_contended_ratio",
        "ch07-mutex-cost",
        Panel::TableOnly,
        "contended / uncontended lock, in one run",
    ),
];

/// ch08, memory and caches: for example a false-sharing `ratio`.
const CH08_MEMORY: &[Figure] = &[
    fig(
        "false_sharing_neighbours",
        "ch08-false-sharing",
        Panel::TableOnly,
        "2 threads, each adding to its own counter, 8 bytes apart",
    ),
    fig(
        "false_sharing_padded",
        "ch08-false-sharing",
        Panel::TableOnly,
        "2 threads, each adding to its own counter, 128 bytes apart",
    ),
    fig(
        "false_sharing_ratio",
        "ch08-false-sharing",
        Panel::TableOnly,
        "neighbours / padded, in one run",
    ),
];

/// ch11, scheduling: for example a context switch between two threads and
/// between two processes (ns).
const CH11_SCHEDULING: &[Figure] = &[
    fig(
        "switch_pipe_baseline",
        "ch11-switch-cost",
        Panel::TableOnly,
        "one thread writes a byte to a pipe and reads it back: no switch",
    ),
    fig(
        "switch_threads",
        "ch11-switch-cost",
        Panel::TableOnly,
        "one pipe hop between two threads on one CPU: write, switch, read",
    ),
    fig(
        "switch_processes",
        "ch11-switch-cost",
        Panel::TableOnly,
        "one pipe hop between two processes on one CPU: write, switch, read",
    ),
    fig(
        "switch_process_thread_ratio",
        "ch11-switch-cost",
        Panel::TableOnly,
        "`switch_processes` over `switch_threads`, medians of one run",
    ),
];

/// ch13, thread pools: for example a speed-up against the number of
/// threads (`ratio`).
const CH13_POOLS: &[Figure] = &[
    fig(
        "cpu_jobs_1_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal CPU-bound jobs on a pool of 1",
    ),
    fig(
        "waiting_jobs_1_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal jobs that sleep, on a pool of 1",
    ),
    fig(
        "cpu_speedup_1_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "CPU jobs: 1 thread over 1, medians of one run",
    ),
    fig(
        "waiting_speedup_1_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "sleeping jobs: 1 thread over 1, medians of one run",
    ),
    fig(
        "cpu_jobs_2_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal CPU-bound jobs on a pool of 2",
    ),
    fig(
        "waiting_jobs_2_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal jobs that sleep, on a pool of 2",
    ),
    fig(
        "cpu_speedup_2_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "CPU jobs: 1 thread over 2, medians of one run",
    ),
    fig(
        "waiting_speedup_2_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "sleeping jobs: 1 thread over 2, medians of one run",
    ),
    fig(
        "cpu_jobs_4_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal CPU-bound jobs on a pool of 4",
    ),
    fig(
        "waiting_jobs_4_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal jobs that sleep, on a pool of 4",
    ),
    fig(
        "cpu_speedup_4_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "CPU jobs: 1 thread over 4, medians of one run",
    ),
    fig(
        "waiting_speedup_4_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "sleeping jobs: 1 thread over 4, medians of one run",
    ),
    fig(
        "cpu_jobs_8_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal CPU-bound jobs on a pool of 8",
    ),
    fig(
        "waiting_jobs_8_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal jobs that sleep, on a pool of 8",
    ),
    fig(
        "cpu_speedup_8_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "CPU jobs: 1 thread over 8, medians of one run",
    ),
    fig(
        "waiting_speedup_8_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "sleeping jobs: 1 thread over 8, medians of one run",
    ),
    fig(
        "cpu_jobs_16_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal CPU-bound jobs on a pool of 16",
    ),
    fig(
        "waiting_jobs_16_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "16 equal jobs that sleep, on a pool of 16",
    ),
    fig(
        "cpu_speedup_16_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "CPU jobs: 1 thread over 16, medians of one run",
    ),
    fig(
        "waiting_speedup_16_threads",
        "ch13-pool-speedup",
        Panel::TableOnly,
        "sleeping jobs: 1 thread over 16, medians of one run",
    ),
];

const CREATION: &str = "ch12-creation-cost";
const MEMORY: &str = "ch12-memory-cost";
const COMMUNICATION: &str = "ch12-communication-cost";

/// ch12, the cost chapter: the chart's four panels and their ratios.
const CH12_COST: &[Figure] = &[
    fig(
        "task_spawn_await",
        CREATION,
        Panel::Create,
        "tokio task: `tokio::spawn` + `.await` (current-thread runtime, batches of 100)",
    ),
    fig(
        "thread_spawn_join",
        CREATION,
        Panel::Create,
        "thread: `std::thread::spawn` + `join`",
    ),
    fig(
        "scoped_thread_spawn_join",
        CREATION,
        Panel::Create,
        "thread: `std::thread::scope` around one `spawn` + `join`",
    ),
    fig(
        "process_spawn_wait",
        CREATION,
        Panel::Create,
        "process: spawn the example itself + wait for its exit",
    ),
    fig(
        "task_spawn_await_one_cpu",
        CREATION,
        Panel::Create,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "thread_spawn_join_one_cpu",
        CREATION,
        Panel::Create,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "scoped_thread_spawn_join_one_cpu",
        CREATION,
        Panel::Create,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "process_spawn_wait_one_cpu",
        CREATION,
        Panel::Create,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "process_vs_thread",
        CREATION,
        Panel::TableOnly,
        "`process_spawn_wait` / `thread_spawn_join`, medians of one run",
    ),
    fig(
        "thread_vs_task",
        CREATION,
        Panel::TableOnly,
        "`thread_spawn_join` / `task_spawn_await`, medians of one run",
    ),
    fig(
        "process_vs_thread_one_cpu",
        CREATION,
        Panel::TableOnly,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "thread_vs_task_one_cpu",
        CREATION,
        Panel::TableOnly,
        "the same, all on one CPU (Linux)",
    ),
    fig(
        "task_idle_memory",
        MEMORY,
        Panel::Memory,
        "idle tokio task: growth of the process's Rss",
    ),
    fig(
        "thread_idle_memory",
        MEMORY,
        Panel::Memory,
        "idle thread: growth of the process's Rss",
    ),
    fig(
        "thread_idle_kernel_stack",
        MEMORY,
        Panel::Memory,
        "idle thread: growth of `KernelStack` (system-wide)",
    ),
    fig(
        "thread_idle_virtual",
        MEMORY,
        Panel::TableOnly,
        "idle thread: growth of `VmSize` (address space reserved)",
    ),
    fig(
        "process_idle_page_tables",
        MEMORY,
        Panel::Memory,
        "idle child process: its page tables (`VmPTE`)",
    ),
    fig(
        "process_idle_private",
        MEMORY,
        Panel::Memory,
        "idle child process: `Private_Clean` + `Private_Dirty`",
    ),
    fig(
        "process_idle_pss",
        MEMORY,
        Panel::Memory,
        "idle child process: `Pss` (shared pages divided)",
    ),
    fig(
        "process_idle_rss",
        MEMORY,
        Panel::Memory,
        "idle child process: `Rss` (shared pages counted in full)",
    ),
    fig(
        "channel_round_trip",
        COMMUNICATION,
        Panel::RoundTrip,
        "two threads, two `mpsc` channels",
    ),
    fig(
        "thread_pipe_round_trip",
        COMMUNICATION,
        Panel::RoundTrip,
        "two threads, two pipes",
    ),
    fig(
        "pipe_round_trip",
        COMMUNICATION,
        Panel::RoundTrip,
        "parent and child, the child's stdin and stdout pipes",
    ),
    fig(
        "channel_throughput_64k",
        COMMUNICATION,
        Panel::Throughput,
        "64 KiB `Vec<u8>`s through a channel, 4 in flight, every byte read",
    ),
    fig(
        "pipe_throughput_64k",
        COMMUNICATION,
        Panel::Throughput,
        "64 KiB writes into a child's stdin, every byte read",
    ),
    fig(
        "channel_throughput_1m",
        COMMUNICATION,
        Panel::Throughput,
        "1 MiB `Vec<u8>`s through a channel, 4 in flight, every byte read",
    ),
    fig(
        "pipe_throughput_1m",
        COMMUNICATION,
        Panel::Throughput,
        "1 MiB writes into a child's stdin, every byte read",
    ),
    fig(
        "channel_vs_pipe_64k",
        COMMUNICATION,
        Panel::TableOnly,
        "`channel_throughput_64k` / `pipe_throughput_64k`, medians of one run",
    ),
    fig(
        "channel_vs_pipe_1m",
        COMMUNICATION,
        Panel::TableOnly,
        "`channel_throughput_1m` / `pipe_throughput_1m`, medians of one run",
    ),
];

/// Every figure, with its chapter and its place in that chapter's table.
fn all_figures() -> impl Iterator<Item = (&'static str, usize, &'static Figure)>
{
    CHAPTERS
        .iter()
        .flat_map(|c| c.figures.iter().enumerate().map(|(i, f)| (c.id, i, f)))
}

/// The figure named `name`: its chapter, its index there, and itself.
pub fn figure(name: &str) -> Option<(&'static str, usize, &'static Figure)> {
    all_figures().find(|(_, _, f)| f.name == name)
}

/// The cost examples, each once, in the order of [`CHAPTERS`].
pub fn cost_examples() -> Vec<&'static str> {
    let mut examples: Vec<&'static str> = Vec::new();
    for (_, _, f) in all_figures() {
        if !examples.contains(&f.example) {
            examples.push(f.example);
        }
    }
    examples
}

/// The table of one cost example's rows, which its chapter includes
/// (relative to the repository root).
pub fn table_path(example: &str) -> String {
    format!("data/cost-table-{example}.md")
}

/// Parses the reference CSV: the exact header, then `name,unit,median,p10,p90,n`
/// rows with known names and units, each name once.
pub fn parse_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some(h) if h == CSV_HEADER => {}
        other => {
            return Err(format!(
                "{CSV_PATH}: the first line must be `{CSV_HEADER}`, found {other:?}"
            ));
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    for (i, line) in lines.enumerate() {
        let at = format!("{CSV_PATH}:{}", i + 2);
        let fields: Vec<&str> = line.split(',').collect();
        let [name, unit, median, p10, p90, n] = fields[..] else {
            return Err(format!("{at}: expected 6 fields, found `{line}`"));
        };
        let number = |s: &str| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{at}: `{s}` is not a number >= 0"))
        };
        let row = Row {
            name: name.to_string(),
            unit: unit.to_string(),
            median: number(median)?,
            p10: number(p10)?,
            p90: number(p90)?,
            n: n.parse()
                .map_err(|_| format!("{at}: `{n}` is not a count"))?,
        };
        if figure(name).is_none() {
            return Err(format!(
                "{at}: `{name}` is not a figure xtask/src/chart.rs knows (add it to its chapter's slot of CHAPTERS)"
            ));
        }
        if !UNITS.contains(&unit) {
            return Err(format!(
                "{at}: unknown unit `{unit}` (known: {UNITS:?})"
            ));
        }
        if rows.iter().any(|r| r.name == name) {
            return Err(format!("{at}: `{name}` appears twice"));
        }
        if !(row.p10 <= row.median && row.median <= row.p90) {
            return Err(format!("{at}: expected p10 <= median <= p90"));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(format!("{CSV_PATH} holds no rows"));
    }
    Ok(rows)
}

/// Reads the CSV and draws every file made from it: (path relative to the
/// repository root, content) for the chart, each chapter's table and the
/// summary. An example without rows in the CSV gets no table.
pub fn render(root: &Path) -> Result<Vec<(String, String)>, String> {
    let path = root.join(CSV_PATH);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let rows = parse_csv(&text)?;
    let mut files = vec![
        (SVG_PATH.to_string(), svg(&rows)?),
        (SUMMARY_PATH.to_string(), summary(&rows)),
    ];
    for example in cost_examples() {
        let mine: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                figure(&r.name).is_some_and(|(_, _, f)| f.example == example)
            })
            .collect();
        if !mine.is_empty() {
            files.push((table_path(example), table(&mine)));
        }
    }
    Ok(files)
}

/// Writes the chart, the table and the summary from the CSV.
pub fn write(root: &Path) -> Result<(), String> {
    for (rel, text) in render(root)? {
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {rel}");
    }
    Ok(())
}

/// Three significant digits.
fn digits(value: f64) -> String {
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$}")
}

/// A value with its unit, for people: `28.7 µs`, `8.60 KiB`, `3.41 GiB/s`,
/// `1.20 M msg/s`, `46.7×`.
pub fn show(value: f64, unit: &str) -> String {
    match unit {
        "ns" if value < 1e3 => format!("{} ns", digits(value)),
        "ns" if value < 1e6 => format!("{} µs", digits(value / 1e3)),
        "ns" if value < 1e9 => format!("{} ms", digits(value / 1e6)),
        "ns" => format!("{} s", digits(value / 1e9)),
        "KiB" if value < 1024.0 => format!("{} KiB", digits(value)),
        "KiB" => format!("{} MiB", digits(value / 1024.0)),
        "MiB/s" if value < 1024.0 => format!("{} MiB/s", digits(value)),
        "MiB/s" => format!("{} GiB/s", digits(value / 1024.0)),
        "msg/s" if value < 1e3 => format!("{} msg/s", digits(value)),
        "msg/s" if value < 1e6 => format!("{} k msg/s", digits(value / 1e3)),
        "msg/s" => format!("{} M msg/s", digits(value / 1e6)),
        "ratio" => format!("{}×", digits(value)),
        other => format!("{} {other}", digits(value)),
    }
}

/// An example's Markdown table, rows in the order of its figures.
fn table(rows: &[&Row]) -> String {
    let mut sorted: Vec<&Row> = rows.to_vec();
    sorted.sort_by_key(|r| figure(&r.name).map_or(usize::MAX, |(_, i, _)| i));
    let mut out = String::from(
        "| figure | what was measured | median | p10 | p90 | n |\n| --- | --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in sorted {
        let what = figure(&r.name).map_or("", |(_, _, f)| f.what);
        let _ = writeln!(
            out,
            "| `{}` | {what} | {} | {} | {} | {} |",
            r.name,
            show(r.median, &r.unit),
            show(r.p10, &r.unit),
            show(r.p90, &r.unit),
            r.n
        );
    }
    out
}

/// The cheat sheet's table: one column each for process, thread and task,
/// each cell a median with the name of its row in the chapter's table.
fn summary(rows: &[Row]) -> String {
    let cell = |name: &str, prefix: &str| {
        rows.iter().find(|r| r.name == name).map_or_else(
            || "not measured".to_string(),
            |r| format!("{prefix}{} (`{name}`)", show(r.median, &r.unit)),
        )
    };
    let lines = [
        (
            "create, then wait for, one",
            cell("process_spawn_wait", ""),
            cell("thread_spawn_join", ""),
            cell("task_spawn_await", ""),
        ),
        (
            "memory of one idle one, its own pages",
            cell("process_idle_private", ""),
            cell("thread_idle_memory", ""),
            cell("task_idle_memory", ""),
        ),
        (
            "round trip of one byte",
            cell("pipe_round_trip", "pipe: "),
            cell("channel_round_trip", "channel: "),
            "not measured".to_string(),
        ),
        (
            "bytes moved in 64 KiB buffers, every byte read",
            cell("pipe_throughput_64k", "pipe: "),
            cell("channel_throughput_64k", "channel: "),
            "not measured".to_string(),
        ),
    ];
    let mut out = String::from(
        "| median | process | thread | async task |\n| --- | --- | --- | --- |\n",
    );
    for (what, process, thread, task) in lines {
        let _ = writeln!(out, "| {what} | {process} | {thread} | {task} |");
    }
    out
}

/// Who does the work: colours from the Okabe-Ito palette, which readers with
/// colour-blindness can tell apart.
fn colour(name: &str) -> RGBColor {
    if name.starts_with("task_") {
        RGBColor(0, 158, 115) // green: tasks
    } else if name.starts_with("thread_")
        || name.starts_with("scoped_thread_")
        || name.starts_with("channel_")
    {
        RGBColor(0, 114, 178) // blue: threads
    } else {
        RGBColor(230, 159, 0) // orange: processes
    }
}

const WIDTH: u32 = 860;
const BAR: u32 = 26;
const PANEL_EXTRA: u32 = 78;
const TITLE: u32 = 52;

/// The axis: from the power of ten below the smallest value to well past
/// the largest, leaving room on the right for the value labels.
fn log_bounds(rows: &[&Row]) -> (f64, f64) {
    let lo = rows
        .iter()
        .map(|r| r.p10.min(r.median))
        .fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.p90.max(r.median)).fold(0.0, f64::max);
    let lo = 10f64.powf(lo.max(1e-3).log10().floor());
    (lo, (hi * 8.0).max(lo * 100.0))
}

/// A whole number with its thousands apart: `100 000`.
fn grouped(v: f64) -> String {
    let digits = format!("{v:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// An axis label: the power of ten in the unit people read.
fn axis_label(value: f64, unit: &str) -> String {
    let exp = value.log10().round();
    if (value.log10() - exp).abs() > 1e-6 {
        return String::new(); // only label the powers of ten
    }
    let v = 10f64.powf(exp);
    match unit {
        "ns" if v < 1e3 => format!("{v:.0} ns"),
        "ns" if v < 1e6 => format!("{:.0} µs", v / 1e3),
        "ns" if v < 1e9 => format!("{:.0} ms", v / 1e6),
        "ns" => format!("{:.0} s", v / 1e9),
        _ if v < 1.0 => format!("{v} {unit}"),
        _ => format!("{} {unit}", grouped(v)),
    }
}

/// The SVG: one panel of horizontal bars per kind of figure, each on its own
/// logarithmic axis, with the p10-p90 range drawn as a line over the bar.
fn svg(rows: &[Row]) -> Result<String, String> {
    let panels: Vec<(&str, &str, Vec<&Row>)> = PANELS
        .iter()
        .map(|(panel, title, axis)| {
            let mut members: Vec<&Row> = rows
                .iter()
                .filter(|r| {
                    figure(&r.name).is_some_and(|(c, _, f)| {
                        c == "ch12" && f.panel == *panel
                    })
                })
                .collect();
            members.sort_by_key(|r| {
                figure(&r.name).map_or(usize::MAX, |(_, i, _)| i)
            });
            (*title, *axis, members)
        })
        .filter(|(_, _, members)| !members.is_empty())
        .collect();
    let heights: Vec<u32> = panels
        .iter()
        .map(|(_, _, m)| PANEL_EXTRA + BAR * m.len() as u32)
        .collect();
    let height = TITLE + heights.iter().sum::<u32>();
    let mut out = String::new();
    {
        let err =
            |e: DrawingAreaErrorKind<_>| format!("drawing the chart: {e}");
        let root = SVGBackend::with_string(&mut out, (WIDTH, height))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (head, mut rest) = root.split_vertically(TITLE);
        head.draw(&Text::new(
            "What it costs: threads (blue), processes (orange), async tasks (green)",
            (14, 12),
            ("sans-serif", 18).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        head.draw(&Text::new(
            "bar: median; line: 10th to 90th percentile; measured on the reference machine",
            (14, 34),
            ("sans-serif", 13).into_font().color(&RGBColor(80, 80, 80)),
        ))
        .map_err(err)?;
        for ((title, axis, members), h) in panels.iter().zip(&heights) {
            let (area, below) = rest.split_vertically(*h);
            rest = below;
            let unit = members[0].unit.clone();
            if members.iter().any(|r| r.unit != unit) {
                return Err(format!("the panel `{title}` mixes units"));
            }
            let (lo, hi) = log_bounds(members);
            let n = members.len();
            // The y axis grows upwards: band n - 1 - i shows the i-th figure,
            // so the figures read from the top in the table's order.
            let names: Vec<String> =
                members.iter().rev().map(|r| r.name.clone()).collect();
            let mut chart = ChartBuilder::on(&area)
                .caption(*title, ("sans-serif", 15).into_font())
                .margin_left(10)
                .margin_right(40)
                .margin_top(6)
                .margin_bottom(4)
                .x_label_area_size(34)
                .y_label_area_size(220)
                // `0..n - 1` holds n bands (the range is inclusive).
                .build_cartesian_2d(
                    (lo..hi).log_scale(),
                    (0..n - 1).into_segmented(),
                )
                .map_err(err)?;
            let y_label = |v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) => {
                    names.get(*i).cloned().unwrap_or_default()
                }
                _ => String::new(),
            };
            let x_label = |v: &f64| axis_label(*v, &unit);
            chart
                .configure_mesh()
                .disable_y_mesh()
                // No light grid lines (drawing them white on white only
                // weighed the page down).
                .light_line_style(TRANSPARENT)
                .y_labels(n)
                .y_label_formatter(&y_label)
                .x_label_formatter(&x_label)
                .x_desc(*axis)
                .label_style(("sans-serif", 12).into_font())
                .draw()
                .map_err(err)?;
            for (i, r) in members.iter().rev().enumerate() {
                let mut bar = Rectangle::new(
                    [
                        (lo, SegmentValue::Exact(i)),
                        (r.median, SegmentValue::Exact(i + 1)),
                    ],
                    colour(&r.name).filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                chart.draw_series(std::iter::once(bar)).map_err(err)?;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (r.p10, SegmentValue::CenterOf(i)),
                            (r.p90, SegmentValue::CenterOf(i)),
                        ],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(err)?;
                let style = ("sans-serif", 12)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        show(r.median, &r.unit),
                        (r.p90.max(r.median) * 1.25, SegmentValue::CenterOf(i)),
                        style,
                    )))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(accessible(compact(&out)))
}

/// Plotters writes `opacity="1"` on every element and font sizes with 16
/// digits; without them the chart draws the same and weighs less.
fn compact(svg: &str) -> String {
    let svg = svg.replace(" opacity=\"1\"", "");
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg.as_str();
    while let Some(at) = rest.find("font-size=\"") {
        let start = at + "font-size=\"".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        match rest[..end].parse::<f64>() {
            Ok(size) => {
                out.push_str(&format!("{}", (size * 10.0).round() / 10.0))
            }
            Err(_) => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Gives the SVG a title and a description that screen readers announce.
fn accessible(svg: String) -> String {
    let Some(end) = svg.find('>') else { return svg };
    let (open, rest) = svg.split_at(end);
    let title = "What it costs: creating, idling and talking, for threads, processes and async tasks";
    let desc = "Four bar charts on logarithmic axes, one per kind of figure from data/cost-reference.csv: \
                time to create and wait for one task, thread or process; round-trip time of a one-byte \
                message through a channel or a pipe; memory of one idle task, thread or process; and \
                bytes per second through a channel or a pipe. The table in the chapter holds the same numbers.";
    format!(
        "{open} role=\"img\" aria-labelledby=\"cost-chart-title cost-chart-desc\">\n<title id=\"cost-chart-title\">{title}</title>\n<desc id=\"cost-chart-desc\">{desc}</desc>{}",
        &rest[1..]
    )
}

/// The first `key: value` line of a /proc file, or "unknown".
fn proc_field(path: &str, key: &str) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The one-minute load average (Linux), or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Now, in UTC, as `2026-12-03 12:20`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute) = (rest / 3600, rest % 3600 / 60);
    format!("{year}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

/// The paragraph that says where, when and how the reference run was made.
fn machine_paragraph(before: &str, after: &str, examples: &[&str]) -> String {
    let model = proc_field("/proc/cpuinfo", "model name");
    let virtual_machine = proc_field("/proc/cpuinfo", "flags")
        .split_whitespace()
        .any(|f| f == "hypervisor");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory = proc_field("/proc/meminfo", "MemTotal")
        .split_whitespace()
        .next()
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or("unknown".to_string(), |kib| {
            format!("{:.0}", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".to_string(), |k| k.trim().to_string());
    let kind = if virtual_machine {
        "a virtual machine (`/proc/cpuinfo` lists the `hypervisor` flag)"
    } else {
        "a machine"
    };
    let list: Vec<String> = examples.iter().map(|e| format!("`{e}`")).collect();
    format!(
        "Measured on {kind} with {cpus} CPUs usable, of the model \"{model}\" \
         (as `/proc/cpuinfo` names it), {memory} GiB of memory, Linux {kernel} \
         on {arch}, on {date} UTC, with a one-minute load average of {before} \
         before the run and {after} after it. The command was `cargo xtask \
         cost-reference`, which runs `cargo run --release --example NAME -- \
         --csv` for each cost example ({examples}) and concatenates their rows.\n",
        arch = std::env::consts::ARCH,
        date = utc_now(),
        examples = list.join(", "),
    )
}

/// `cargo xtask cost-reference`: builds every cost example in release mode,
/// runs each with `--csv`, writes the CSV, the paragraph that names the
/// machine (also into `data/cost-reference.md`), and then the chart and
/// the tables. One run, one machine, for every chapter's figures.
pub fn measure_reference(root: &Path) -> Result<(), String> {
    let examples = cost_examples();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = Command::new(&cargo);
    build.args(["build", "--release"]).current_dir(root);
    for example in &examples {
        build.args(["--example", example]);
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the cost examples failed: {status}"));
    }
    let before = load_average();
    let mut csv = format!("{CSV_HEADER}\n");
    for example in &examples {
        eprintln!("xtask: measuring {example} (release)");
        let output = Command::new(&cargo)
            .args(["run", "--quiet", "--release", "--example", example])
            .args(["--", "--csv"])
            .current_dir(root)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {example}: {e}"))?;
        if !output.status.success() {
            return Err(format!("{example} failed: {}", output.status));
        }
        let text = String::from_utf8(output.stdout).map_err(|_| {
            format!("{example} printed something that is not UTF-8")
        })?;
        // A row per line; the header, if an example prints one, only once.
        for line in text.lines().filter(|l| !l.is_empty() && *l != CSV_HEADER) {
            csv.push_str(line);
            csv.push('\n');
        }
    }
    let after = load_average();
    parse_csv(&csv)?;
    let paragraph = machine_paragraph(&before, &after, &examples);
    let doc_path = root.join(REFERENCE_DOC);
    let doc = std::fs::read_to_string(&doc_path)
        .map_err(|e| format!("cannot read {REFERENCE_DOC}: {e}"))?;
    let (Some(start), Some(end)) =
        (doc.find(MACHINE_BEGIN), doc.find(MACHINE_END))
    else {
        return Err(format!(
            "{REFERENCE_DOC} lacks the markers {MACHINE_BEGIN} and {MACHINE_END}"
        ));
    };
    let doc = format!(
        "{}{MACHINE_BEGIN}\n{paragraph}{}",
        &doc[..start],
        &doc[end..]
    );
    for (rel, text) in [
        (CSV_PATH, csv.as_str()),
        (MACHINE_PATH, paragraph.as_str()),
        (REFERENCE_DOC, doc.as_str()),
    ] {
        std::fs::write(root.join(rel), text)
            .map_err(|e| format!("cannot write {rel}: {e}"))?;
        println!("wrote {rel}");
    }
    write(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_shown_the_way_the_prose_quotes_them() {
        assert_eq!(show(27_891.0, "ns"), "27.9 µs");
        assert_eq!(show(46.7, "ratio"), "46.7×");
        assert_eq!(show(1_234_567.0, "msg/s"), "1.23 M msg/s");
        assert_eq!(show(4112.0, "MiB/s"), "4.02 GiB/s");
    }

    #[test]
    fn every_figure_is_named_once_and_every_example_is_listed() {
        let mut names: Vec<&str> =
            all_figures().map(|(_, _, f)| f.name).collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a figure name appears twice in CHAPTERS");
        assert!(cost_examples().contains(&"ch12-creation-cost"));
    }

    #[test]
    fn a_csv_with_an_unknown_unit_or_name_is_refused() {
        let ok =
            format!("{CSV_HEADER}\nprocess_vs_thread,ratio,4.0,4.0,4.0,1\n");
        assert!(parse_csv(&ok).is_ok());
        let unit =
            format!("{CSV_HEADER}\nprocess_vs_thread,times,4.0,4.0,4.0,1\n");
        assert!(parse_csv(&unit).is_err());
        let name = format!("{CSV_HEADER}\nno_such_figure,ns,1,1,1,1\n");
        assert!(parse_csv(&name).is_err());
    }

    #[test]
    fn the_date_is_a_utc_date_and_time() {
        let now = utc_now();
        assert_eq!(now.len(), "2026-12-03 12:20".len(), "{now}");
        assert!(now.starts_with("20"), "{now}");
    }
}
