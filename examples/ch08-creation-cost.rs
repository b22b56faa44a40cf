//! Question: How long does it take to create a thread, a process and an async task?
//!
//! Run: cargo run --example ch08-creation-cost
//!
//! Miri: not run, because it starts child processes.
//!
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (one row
//! per figure, for the reference data). Measure with `--release` for
//! figures you mean to quote.

use std::error::Error;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo run --example ch08-creation-cost [-- [--quick] [--csv]]";
/// Hidden argument: the copy of this program that only starts and exits.
const CHILD_EXIT: &str = "--child-exit-at-once";
/// Every wait for a child ends after this, with a kill.
const CHILD_LIMIT: Duration = Duration::from_secs(5);
/// A trivial program of the system, used where it exists.
const SYSTEM_PROGRAM: &str = "/bin/true";

/// How many times each operation runs: before measuring, and measured.
#[derive(Clone, Copy)]
struct Reps {
    warm_up: usize,
    measured: usize,
}

struct Plan {
    thread: Reps,
    process: Reps,
    task: Reps,
}

const QUICK: Plan = Plan {
    thread: Reps {
        warm_up: 20,
        measured: 200,
    },
    process: Reps {
        warm_up: 3,
        measured: 20,
    },
    task: Reps {
        warm_up: 100,
        measured: 1_000,
    },
};

const FULL: Plan = Plan {
    thread: Reps {
        warm_up: 200,
        measured: 5_000,
    },
    process: Reps {
        warm_up: 20,
        measured: 1_000,
    },
    task: Reps {
        warm_up: 1_000,
        measured: 50_000,
    },
};

fn main() -> Result<(), Box<dyn Error>> {
    let mut quick = false;
    let mut csv = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            CHILD_EXIT => return Ok(()), // the child: exit at once
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let plan = if quick { QUICK } else { FULL };
    let report = Report::new(csv);
    report.intro(quick);

    report.row(
        "thread_spawn_join",
        "thread: spawn + join",
        &time_thread(plan.thread)?,
    );
    report.row(
        "scoped_thread_spawn_join",
        "scoped thread: spawn + join",
        &time_scoped_thread(plan.thread)?,
    );
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    report.row(
        "process_spawn_wait",
        "process (this program): spawn + wait",
        &time_process(plan.process, &exe, &[CHILD_EXIT])?,
    );
    system_program(&report, plan.process)?;
    report.row(
        "task_spawn_await",
        "tokio task: spawn + await",
        &time_task(plan.task)?,
    );
    report.ratios();
    Ok(())
}

// ANCHOR: measure
/// Times `op` once per repetition, after a warm-up. Only `op` is inside the
/// timed region: the result vector is allocated before, nothing is printed.
fn measure(
    reps: Reps,
    mut op: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Vec<Duration>, Box<dyn Error>> {
    for _ in 0..reps.warm_up {
        op()?;
    }
    let mut samples = Vec::with_capacity(reps.measured);
    for _ in 0..reps.measured {
        let start = Instant::now();
        let result = op();
        let elapsed = start.elapsed();
        result?;
        samples.push(elapsed);
    }
    Ok(samples)
}
// ANCHOR_END: measure

// ANCHOR: operations
fn time_thread(reps: Reps) -> Result<Vec<Duration>, Box<dyn Error>> {
    measure(reps, || {
        thread::spawn(|| ())
            .join()
            .map_err(|_| "a thread panicked".into())
    })
}

fn time_scoped_thread(reps: Reps) -> Result<Vec<Duration>, Box<dyn Error>> {
    measure(reps, || {
        thread::scope(|s| {
            s.spawn(|| ());
        });
        Ok(())
    })
}

fn time_process(
    reps: Reps,
    program: &Path,
    args: &[&str],
) -> Result<Vec<Duration>, Box<dyn Error>> {
    measure(reps, || {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not spawn {}: {e}", program.display()))?;
        wait_bounded(ChildGuard(Some(child)))
    })
}

fn time_task(reps: Reps) -> Result<Vec<Duration>, Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("could not start the runtime: {e}"))?;
    // Measure from inside a task, as async code spawns: the new task goes to
    // this worker's own queue.
    let result = runtime.block_on(async {
        let measuring = tokio::spawn(async move {
            let mut samples = Vec::with_capacity(reps.measured);
            for i in 0..reps.warm_up + reps.measured {
                let start = Instant::now();
                let joined = tokio::spawn(async {}).await;
                let elapsed = start.elapsed();
                joined.map_err(|e| format!("a task failed: {e}"))?;
                if i >= reps.warm_up {
                    samples.push(elapsed);
                }
            }
            Ok::<_, String>(samples)
        });
        tokio::time::timeout(Duration::from_secs(30), measuring).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    let samples = result
        .map_err(|_| "the tasks did not finish in time")?
        .map_err(|e| format!("the measuring task failed: {e}"))??;
    Ok(samples)
}
// ANCHOR_END: operations

/// A small program of the system itself, where it exists: no Rust runtime,
/// fewer pages to map. Its row carries `(varies)`: not every machine has it.
fn system_program(report: &Report, reps: Reps) -> Result<(), Box<dyn Error>> {
    let label = format!("process ({SYSTEM_PROGRAM}): spawn + wait");
    let program = Path::new(SYSTEM_PROGRAM);
    if program.is_file() {
        let samples = time_process(reps, program, &[])?;
        report.row_that_varies("system_program_spawn_wait", &label, &samples);
    } else {
        report.skipped(&label, &format!("{SYSTEM_PROGRAM} does not exist here"));
    }
    Ok(())
}

/// Kills and reaps the child if we leave early, so no zombie stays.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for the child to exit, at most CHILD_LIMIT. Polling with a yield
/// (instead of sleeping) notices the exit as soon as it happens.
fn wait_bounded(mut guard: ChildGuard) -> Result<(), Box<dyn Error>> {
    let child = guard.0.as_mut().ok_or("no child to wait for")?;
    let deadline = Instant::now() + CHILD_LIMIT;
    loop {
        if let Some(status) = child.try_wait()? {
            guard.0 = None; // reaped
            return if status.success() {
                Ok(())
            } else {
                Err(format!("the child failed: {status}").into())
            };
        }
        if Instant::now() > deadline {
            return Err("the child did not exit in time".into()); // the guard kills it
        }
        thread::yield_now();
    }
}

/// Median, 10th and 90th percentile of the samples.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

fn stats(samples: &[Duration]) -> Stats {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
        n: sorted.len(),
    }
}

/// Three significant digits, in the unit that fits: `812ns`, `25.1µs`, `1.23ms`.
fn show(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$}{unit}")
}

/// Prints the figures, as a table for people or as CSV rows.
struct Report {
    csv: bool,
    medians: std::cell::RefCell<Vec<(&'static str, Duration)>>,
}

impl Report {
    fn new(csv: bool) -> Self {
        Report {
            csv,
            medians: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn intro(&self, quick: bool) {
        if self.csv {
            println!("name,unit,median,p10,p90,n");
            return;
        }
        println!("What it costs to create, then wait for, one unit of concurrency.");
        println!("machine: {} (varies)", machine());
        if quick {
            println!("mode: --quick, few repetitions (run without it for real figures)");
        }
        if cfg!(debug_assertions) {
            println!("build: debug (add --release for figures you mean to quote)");
        }
        println!("each row: median of n timed runs after a warm-up, with p10 and p90");
        println!();
    }

    fn row(&self, name: &'static str, label: &str, samples: &[Duration]) {
        self.print(name, label, samples, "");
    }

    /// A row that only some machines have, so the recorded run may lack it.
    fn row_that_varies(&self, name: &'static str, label: &str, samples: &[Duration]) {
        self.print(name, label, samples, " (varies)");
    }

    fn print(&self, name: &'static str, label: &str, samples: &[Duration], mark: &str) {
        let s = stats(samples);
        self.medians.borrow_mut().push((name, s.median));
        if self.csv {
            let ns = |d: Duration| d.as_nanos();
            println!(
                "{name},ns,{},{},{},{}",
                ns(s.median),
                ns(s.p10),
                ns(s.p90),
                s.n
            );
        } else {
            println!(
                "{:<38} median {} (p10 {}, p90 {}, n={}){mark}",
                format!("{label}:"),
                show(s.median),
                show(s.p10),
                show(s.p90),
                s.n
            );
        }
    }

    fn skipped(&self, label: &str, why: &str) {
        if !self.csv {
            println!("{:<38} not measured: {why} (varies)", format!("{label}:"));
        }
    }

    fn ratios(&self) {
        if self.csv {
            return;
        }
        let medians = self.medians.borrow();
        let get = |name: &str| {
            medians
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, d)| d.as_nanos().max(1) as f64)
        };
        println!();
        if let (Some(p), Some(t)) = (get("process_spawn_wait"), get("thread_spawn_join")) {
            println!("a process costs this many threads: {:.0} (varies)", p / t);
        }
        if let (Some(t), Some(k)) = (get("thread_spawn_join"), get("task_spawn_await")) {
            println!("a thread costs this many tasks: {:.0} (varies)", t / k);
        }
    }
}

/// CPU model, usable CPUs, OS and architecture.
fn machine() -> String {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{}, {cpus} CPUs usable, {} {}",
        cpu_model(),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(target_os = "linux")]
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

#[cfg(not(target_os = "linux"))]
fn cpu_model() -> String {
    "CPU model not read on this OS".to_string()
}
