//! Question: How long does it take to create a thread, a process and a task?
//!
//! Run: cargo run --example ch12-creation-cost
//! Needs: libc = "0.2" (Unix)
//! Needs: tokio = { version = "1", features = ["rt"] }
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch12-creation-cost -- [--quick] [--csv]"
    );
    std::process::exit(2)
}

/// Tasks are timed in batches of this many, then divided: one spawn and
/// await is only a few clock reads long.
const TASK_BATCH: u32 = 100;

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "child" => return Ok(()), // the copy that starts and exits
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    let scale = if quick { 1 } else { 50 };
    if !csv {
        println!("Create, then wait for, one thread, process or task.");
        println!("each row: median of n timed runs, with p10 and p90");
    }
    // Threads, child processes and the runtime's thread inherit the CPU
    // mask of the thread that creates them: pinning this one pins them all.
    let cpus = allowed_cpus();
    let mut places = vec![("", "placed by the OS")];
    if let Some(&first) = cpus.first() {
        places.push(("_one_cpu", "all on one CPU (Linux only)"));
        if !csv {
            println!("pinning to CPU {first} for the one-CPU rows (varies)");
        }
    } else if !csv {
        println!("pinning is not available on this OS: no one-CPU rows");
    }
    for (suffix, place) in places {
        if !suffix.is_empty() {
            pin(&cpus[..1])?;
        }
        if !csv {
            println!("\n{place}:");
        }
        let [thread, scoped, process, task] = measure_all(scale)?;
        let row = |name: &str, label: &str, s: &Stats, per: u32| {
            print_row(csv, &format!("{name}{suffix}"), label, s, per)
        };
        row("thread_spawn_join", "thread: spawn + join", &thread, 1);
        row(
            "scoped_thread_spawn_join",
            "scoped: spawn + join",
            &scoped,
            1,
        );
        row("process_spawn_wait", "process: spawn + wait", &process, 1);
        row("task_spawn_await", "task: spawn + await", &task, TASK_BATCH);
        // Ratios of two medians of this run.
        let ns = |s: &Stats, per: u32| s.median.as_secs_f64() / f64::from(per);
        let ratio = |name: &str, label: &str, value: f64| {
            print_ratio(csv, &format!("{name}{suffix}"), label, value)
        };
        let per_thread = ns(&process, 1) / ns(&thread, 1);
        ratio("process_vs_thread", "a process / a thread", per_thread);
        let per_task = ns(&thread, 1) / ns(&task, TASK_BATCH);
        ratio("thread_vs_task", "a thread / a task", per_task);
    }
    Ok(())
}

/// Times a thread, a scoped thread, a process and a task, in that order.
fn measure_all(scale: usize) -> Result<[Stats; 4], Box<dyn Error>> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's file: {e}"))?;
    // A current-thread runtime: the task runs on this thread, so only the
    // runtime's own work is timed, never a wake-up of another thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    // ANCHOR: operations
    let thread = measure(200 * scale, || {
        thread::spawn(|| ())
            .join()
            .map_err(|_| "the new thread panicked".into())
    })?;
    let process = measure(20 * scale, || {
        // `status` spawns the child and blocks in wait() until it exits.
        let status = Command::new(&exe)
            .arg("child")
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("cannot spawn the child: {e}"))?;
        if !status.success() {
            return Err(format!("the child failed: {status}").into());
        }
        Ok(())
    })?;
    let task = measure(20 * scale, || {
        runtime.block_on(async {
            for _ in 0..TASK_BATCH {
                tokio::spawn(async {}).await?;
            }
            Ok::<(), Box<dyn Error>>(())
        })
    })?;
    // ANCHOR_END: operations
    let scoped = measure(200 * scale, scoped_thread)?;
    Ok([thread, scoped, process, task])
}

// ANCHOR: scoped
/// A scoped thread, joined: `thread::scope` alone would wait only until
/// the closure has finished, not until the OS thread has exited.
fn scoped_thread() -> Result<(), Box<dyn Error>> {
    thread::scope(|s| s.spawn(|| ()).join())
        .map_err(|_| "the scoped thread panicked".into())
}
// ANCHOR_END: scoped

// ANCHOR: measure
/// Median, 10th and 90th percentile of `n` timed runs.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

/// Times `run` `n` times, after `n / 10 + 1` untimed warm-up runs.
fn measure(
    n: usize,
    mut run: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Stats, Box<dyn Error>> {
    for _ in 0..n / 10 + 1 {
        run()?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |percent: usize| times[(n - 1) * percent / 100];
    Ok(Stats {
        median: at(50),
        p10: at(10),
        p90: at(90),
        n,
    })
}
// ANCHOR_END: measure

/// One figure, as a CSV row of nanoseconds or a line for people; a run of
/// `per` operations is divided by `per`.
fn print_row(csv: bool, name: &str, label: &str, s: &Stats, per: u32) {
    let [median, p10, p90] = [s.median, s.p10, s.p90].map(|d| d / per);
    if csv {
        let [median, p10, p90] = [median, p10, p90].map(|d| d.as_nanos());
        println!("{name},ns,{median},{p10},{p90},{}", s.n);
    } else {
        let n = s.n;
        println!(
            "  {label:<24} {median:.2?} (p10 {p10:.2?}, p90 {p90:.2?}, n={n})"
        );
    }
}

/// A ratio of two medians: the CSV repeats it as p10 and p90, with n = 1.
fn print_ratio(csv: bool, name: &str, label: &str, value: f64) {
    if csv {
        println!("{name},ratio,{value:.1},{value:.1},{value:.1},1");
    } else {
        println!("  {:<24} {value:.0} times (varies)", format!("{label}:"));
    }
}

/// The CPUs this thread may run on (Linux); elsewhere none.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a cpu_set_t is a plain bit array; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t of the size passed; 0 = this thread.
    if unsafe { libc::sched_getaffinity(0, size_of_val(&set), &mut set) } != 0 {
        return Vec::new();
    }
    let max = libc::CPU_SETSIZE as usize;
    // SAFETY: every `cpu` is below CPU_SETSIZE, the number of bits in `set`.
    (0..max)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// Lets the calling thread run only on `cpus` (Linux).
#[cfg(target_os = "linux")]
fn pin(cpus: &[usize]) -> Result<(), Box<dyn Error>> {
    // SAFETY: a cpu_set_t is a plain bit array; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        // SAFETY: `cpu` came from sched_getaffinity: below CPU_SETSIZE.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a live cpu_set_t of the size passed; 0 = this thread.
    if unsafe { libc::sched_setaffinity(0, size_of_val(&set), &set) } != 0 {
        let error = std::io::Error::last_os_error();
        return Err(format!("cannot pin to CPUs {cpus:?}: {error}").into());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

#[cfg(not(target_os = "linux"))]
fn pin(_cpus: &[usize]) -> Result<(), Box<dyn Error>> {
    Ok(())
}
