//! Question: How long does it take to create a thread, a process and an async task?
//!
//! Run: cargo run --example ch12-creation-cost
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

const USAGE: &str = "usage: cargo run --example ch12-creation-cost [-- [--quick] [--csv]]";
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
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;

    report.heading("placed by the OS (each new thread or process may start on another CPU):");
    measure_all(&report, &plan, &exe, "")?;
    // Threads, child processes and tokio's workers inherit the CPU mask of
    // the thread that creates them: pin this one, and all of them follow.
    match pin_to_first_cpu()? {
        Some(cpu) => {
            report.heading(&format!("pinned: everything on CPU {cpu} (varies)"));
            measure_all(&report, &plan, &exe, "_one_cpu")?;
        }
        None => report.heading("pinning to a CPU is not available on this OS: no one-CPU rows"),
    }
    report.ratios();
    Ok(())
}

/// The five figures; `suffix` ends each row's name.
fn measure_all(
    report: &Report,
    plan: &Plan,
    exe: &Path,
    suffix: &str,
) -> Result<(), Box<dyn Error>> {
    let name = |base: &str| format!("{base}{suffix}");
    report.row(
        &name("thread_spawn_join"),
        "thread: spawn + join",
        &time_thread(plan.thread)?,
    );
    report.row(
        &name("scoped_thread_spawn_join"),
        "scoped thread: spawn + join",
        &time_scoped_thread(plan.thread)?,
    );
    report.row(
        &name("process_spawn_wait"),
        "process (this program): spawn + wait",
        &time_process(plan.process, exe, &[CHILD_EXIT])?,
    );
    // A small program of the system itself, where it exists: no Rust
    // runtime, fewer pages to map. Its row says `(varies)`: not every
    // machine has it.
    let label = format!("process ({SYSTEM_PROGRAM}): spawn + wait");
    let program = Path::new(SYSTEM_PROGRAM);
    if program.is_file() {
        let samples = time_process(plan.process, program, &[])?;
        report.row_that_varies(&name("system_program_spawn_wait"), &label, &samples);
    } else {
        report.skipped(&label, &format!("{SYSTEM_PROGRAM} does not exist here"));
    }
    report.row(
        &name("task_spawn_await"),
        "tokio task: spawn + await",
        &time_task(plan.task)?,
    );
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

/// Pins the calling thread to the first CPU it may use, and returns that
/// CPU; `None` where the OS offers no pinning.
#[cfg(target_os = "linux")]
fn pin_to_first_cpu() -> Result<Option<usize>, Box<dyn Error>> {
    let size = size_of::<libc::cpu_set_t>();
    // SAFETY: cpu_set_t is a plain bit array; all zeros is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t of `size` bytes; pid 0 means the
    // calling thread.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return Err(format!("sched_getaffinity: {}", std::io::Error::last_os_error()).into());
    }
    let first = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the number of bits in the set.
        .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .ok_or("this thread may run on no CPU")?;
    // SAFETY: as above; CPU_ZERO and CPU_SET only write bits of `set`.
    unsafe {
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(first, &mut set);
    }
    // SAFETY: `set` is a live cpu_set_t of `size` bytes; pid 0 means the
    // calling thread only.
    if unsafe { libc::sched_setaffinity(0, size, &set) } != 0 {
        return Err(format!("sched_setaffinity: {}", std::io::Error::last_os_error()).into());
    }
    Ok(Some(first))
}

#[cfg(not(target_os = "linux"))]
fn pin_to_first_cpu() -> Result<Option<usize>, Box<dyn Error>> {
    Ok(None)
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
    medians: std::cell::RefCell<Vec<(String, Duration)>>,
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
    }

    fn heading(&self, text: &str) {
        if !self.csv {
            println!();
            println!("{text}");
        }
    }

    fn row(&self, name: &str, label: &str, samples: &[Duration]) {
        self.print(name, label, samples, "");
    }

    /// A row that only some machines have, so the recorded run may lack it.
    fn row_that_varies(&self, name: &str, label: &str, samples: &[Duration]) {
        self.print(name, label, samples, " (varies)");
    }

    fn print(&self, name: &str, label: &str, samples: &[Duration], mark: &str) {
        let s = stats(samples);
        self.medians.borrow_mut().push((name.to_string(), s.median));
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
                "  {:<38} median {} (p10 {}, p90 {}, n={}){mark}",
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
            println!("  {:<38} not measured: {why} (varies)", format!("{label}:"));
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
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.as_nanos().max(1) as f64)
        };
        println!();
        for (suffix, place) in [("", "placed by the OS"), ("_one_cpu", "on one CPU")] {
            let process = get(&format!("process_spawn_wait{suffix}"));
            let thread = get(&format!("thread_spawn_join{suffix}"));
            let task = get(&format!("task_spawn_await{suffix}"));
            if let (Some(p), Some(t)) = (process, thread) {
                println!(
                    "{place}, a process costs this many threads: {:.0} (varies)",
                    p / t
                );
            }
            if let (Some(t), Some(k)) = (thread, task) {
                println!(
                    "{place}, a thread costs this many tasks: {:.0} (varies)",
                    t / k
                );
            }
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
