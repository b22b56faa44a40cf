//! The cost chapter's reference data, drawn: `data/cost-reference.csv` (the
//! `--csv` rows of the `ch12-*` examples, measured in release mode on the
//! reference machine) becomes the chart `src/img/cost-chart.svg` and the
//! Markdown table `data/cost-table.md` that `src/ch12-cost.md` shows, and
//! the short side-by-side table `data/cost-summary.md` of the cheat sheet.
//!
//! `cargo xtask chart` writes all three; the test `cost_chart` draws them
//! again in memory and fails when a committed file differs, so no picture or
//! table can be older than its data.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The data, relative to the repository root.
pub const CSV_PATH: &str = "data/cost-reference.csv";
/// The chart the chapter embeds.
pub const SVG_PATH: &str = "src/img/cost-chart.svg";
/// The table the chapter includes.
pub const TABLE_PATH: &str = "data/cost-table.md";
/// The process / thread / task summary the cheat sheet includes.
pub const SUMMARY_PATH: &str = "data/cost-summary.md";
/// The first line of the CSV, exactly as the examples print it.
pub const CSV_HEADER: &str = "name,unit,median,p10,p90,n";

/// One figure: a row of the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stable name the chapter cites (`thread_spawn_join`).
    pub name: String,
    /// `ns`, `KiB` or `MiB/s`.
    pub unit: String,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    /// How many runs (or rounds, or children) the statistics cover.
    pub n: u64,
}

const UNITS: [&str; 3] = ["ns", "KiB", "MiB/s"];

/// Which panel of the chart a figure is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Create,
    RoundTrip,
    Memory,
    Throughput,
    /// In the table only (an address-space reservation is not memory used).
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

/// Every figure the examples can print, in the table's order: its panel and
/// what it measures.
const FIGURES: [(&str, Panel, &str); 39] = [
    (
        "task_spawn_await",
        Panel::Create,
        "tokio task: `tokio::spawn` + `.await`, from inside a task",
    ),
    (
        "thread_spawn_join",
        Panel::Create,
        "thread: `std::thread::spawn` + `join`",
    ),
    (
        "scoped_thread_spawn_join",
        Panel::Create,
        "thread: `std::thread::scope` around one `spawn`",
    ),
    (
        "system_program_spawn_wait",
        Panel::Create,
        "process: spawn `/bin/true` + wait for its exit",
    ),
    (
        "process_spawn_wait",
        Panel::Create,
        "process: spawn the example itself + wait for its exit",
    ),
    (
        "task_spawn_await_one_cpu",
        Panel::Create,
        "the same, all on one CPU",
    ),
    (
        "thread_spawn_join_one_cpu",
        Panel::Create,
        "the same, all on one CPU",
    ),
    (
        "scoped_thread_spawn_join_one_cpu",
        Panel::Create,
        "the same, all on one CPU",
    ),
    (
        "system_program_spawn_wait_one_cpu",
        Panel::Create,
        "the same, all on one CPU",
    ),
    (
        "process_spawn_wait_one_cpu",
        Panel::Create,
        "the same, all on one CPU",
    ),
    (
        "channel_round_trip_same_cpu",
        Panel::RoundTrip,
        "two threads, two `mpsc` channels, both on one CPU",
    ),
    (
        "thread_pipe_round_trip_same_cpu",
        Panel::RoundTrip,
        "two threads, two pipes, both on one CPU",
    ),
    (
        "pipe_round_trip_same_cpu",
        Panel::RoundTrip,
        "parent and child, stdin and stdout pipes, both on one CPU",
    ),
    (
        "channel_round_trip_cross_cpu",
        Panel::RoundTrip,
        "two threads, two `mpsc` channels, on two CPUs",
    ),
    (
        "thread_pipe_round_trip_cross_cpu",
        Panel::RoundTrip,
        "two threads, two pipes, on two CPUs",
    ),
    (
        "pipe_round_trip_cross_cpu",
        Panel::RoundTrip,
        "parent and child through pipes, on two CPUs",
    ),
    (
        "channel_round_trip_unpinned",
        Panel::RoundTrip,
        "two threads, two `mpsc` channels, placed by the OS",
    ),
    (
        "thread_pipe_round_trip_unpinned",
        Panel::RoundTrip,
        "two threads, two pipes, placed by the OS",
    ),
    (
        "pipe_round_trip_unpinned",
        Panel::RoundTrip,
        "parent and child through pipes, placed by the OS",
    ),
    (
        "task_idle_memory",
        Panel::Memory,
        "idle tokio task: growth of the process's Rss",
    ),
    (
        "thread_idle_memory",
        Panel::Memory,
        "idle thread: growth of the process's Rss",
    ),
    (
        "thread_idle_kernel_stack",
        Panel::Memory,
        "idle thread: growth of `KernelStack` (system-wide)",
    ),
    (
        "thread_idle_virtual",
        Panel::TableOnly,
        "idle thread: growth of `VmSize` (address space reserved)",
    ),
    (
        "process_idle_page_tables",
        Panel::Memory,
        "idle child process: its page tables (`VmPTE`)",
    ),
    (
        "process_idle_private",
        Panel::Memory,
        "idle child process: `Private_Clean` + `Private_Dirty`",
    ),
    (
        "process_idle_pss",
        Panel::Memory,
        "idle child process: `Pss` (shared pages divided)",
    ),
    (
        "process_idle_rss",
        Panel::Memory,
        "idle child process: `Rss` (shared pages counted in full)",
    ),
    (
        "channel_throughput_64k_same_cpu",
        Panel::Throughput,
        "64 KiB `Vec<u8>`s through a channel, 4 in flight, one CPU",
    ),
    (
        "pipe_throughput_64k_same_cpu",
        Panel::Throughput,
        "64 KiB writes into a child's stdin, one CPU",
    ),
    (
        "channel_throughput_64k_cross_cpu",
        Panel::Throughput,
        "64 KiB `Vec<u8>`s through a channel, 4 in flight, two CPUs",
    ),
    (
        "pipe_throughput_64k_cross_cpu",
        Panel::Throughput,
        "64 KiB writes into a child's stdin, two CPUs",
    ),
    (
        "channel_throughput_1m_same_cpu",
        Panel::Throughput,
        "1 MiB `Vec<u8>`s through a channel, 4 in flight, one CPU",
    ),
    (
        "pipe_throughput_1m_same_cpu",
        Panel::Throughput,
        "1 MiB writes into a child's stdin, one CPU",
    ),
    (
        "channel_throughput_1m_cross_cpu",
        Panel::Throughput,
        "1 MiB `Vec<u8>`s through a channel, 4 in flight, two CPUs",
    ),
    (
        "pipe_throughput_1m_cross_cpu",
        Panel::Throughput,
        "1 MiB writes into a child's stdin, two CPUs",
    ),
    (
        "channel_throughput_64k_unpinned",
        Panel::Throughput,
        "64 KiB `Vec<u8>`s through a channel, placed by the OS",
    ),
    (
        "pipe_throughput_64k_unpinned",
        Panel::Throughput,
        "64 KiB writes into a child's stdin, placed by the OS",
    ),
    (
        "channel_throughput_1m_unpinned",
        Panel::Throughput,
        "1 MiB `Vec<u8>`s through a channel, placed by the OS",
    ),
    (
        "pipe_throughput_1m_unpinned",
        Panel::Throughput,
        "1 MiB writes into a child's stdin, placed by the OS",
    ),
];

fn figure(name: &str) -> Option<(usize, Panel, &'static str)> {
    FIGURES
        .iter()
        .enumerate()
        .find(|(_, (n, _, _))| *n == name)
        .map(|(i, (_, panel, what))| (i, *panel, *what))
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
                "{at}: `{name}` is not a figure xtask/src/chart.rs knows (add it to FIGURES)"
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
/// repository root, content) for the chart, the table and the summary.
pub fn render(root: &Path) -> Result<Vec<(&'static str, String)>, String> {
    let path = root.join(CSV_PATH);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let rows = parse_csv(&text)?;
    Ok(vec![
        (SVG_PATH, svg(&rows)?),
        (TABLE_PATH, table(&rows)),
        (SUMMARY_PATH, summary(&rows)),
    ])
}

/// Writes the chart, the table and the summary from the CSV.
pub fn write(root: &Path) -> Result<(), String> {
    for (rel, text) in render(root)? {
        let path = root.join(rel);
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

/// A value with its unit, for people: `28.7 µs`, `8.60 KiB`, `3.41 GiB/s`.
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
        other => format!("{} {other}", digits(value)),
    }
}

/// The Markdown table, rows in the order of FIGURES.
fn table(rows: &[Row]) -> String {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| figure(&r.name).map_or(usize::MAX, |(i, _, _)| i));
    let mut out = String::from(
        "| figure | what was measured | median | p10 | p90 | n |\n| --- | --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in sorted {
        let what = figure(&r.name).map_or("", |(_, _, w)| w);
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
            "round trip of one byte, same CPU",
            cell("pipe_round_trip_same_cpu", "pipe: "),
            cell("channel_round_trip_same_cpu", "channel: "),
            "not measured".to_string(),
        ),
        (
            "bytes moved in 64 KiB buffers, same CPU",
            cell("pipe_throughput_64k_same_cpu", "pipe: "),
            cell("channel_throughput_64k_same_cpu", "channel: "),
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
                    figure(&r.name).is_some_and(|(_, p, _)| p == *panel)
                })
                .collect();
            members.sort_by_key(|r| {
                figure(&r.name).map_or(usize::MAX, |(i, _, _)| i)
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
                .light_line_style(WHITE)
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
    Ok(accessible(out))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_parses_known_rows_and_rejects_bad_ones() {
        let rows = parse_csv(&format!(
            "{CSV_HEADER}\nthread_spawn_join,ns,52738,37055,64817,5000\n"
        ))
        .expect("a valid CSV");
        assert_eq!(
            rows,
            [Row {
                name: "thread_spawn_join".into(),
                unit: "ns".into(),
                median: 52738.0,
                p10: 37055.0,
                p90: 64817.0,
                n: 5000,
            }]
        );
        let bad = [
            "name,unit,median\nthread_spawn_join,ns,1,1,1,1\n",
            &format!("{CSV_HEADER}\n"),
            &format!("{CSV_HEADER}\nthread_spawn_join,ns,1,1,1\n"),
            &format!("{CSV_HEADER}\nthread_spawn_join,ns,x,1,1,1\n"),
            &format!("{CSV_HEADER}\nthread_spawn_join,ns,-1,1,1,1\n"),
            &format!("{CSV_HEADER}\nno_such_figure,ns,1,1,1,1\n"),
            &format!("{CSV_HEADER}\nthread_spawn_join,years,1,1,1,1\n"),
            &format!("{CSV_HEADER}\nthread_spawn_join,ns,1,2,3,1\n"),
            &format!(
                "{CSV_HEADER}\nthread_spawn_join,ns,1,1,1,1\nthread_spawn_join,ns,1,1,1,1\n"
            ),
        ];
        for text in bad {
            assert!(parse_csv(text).is_err(), "accepted:\n{text}");
        }
    }
}
