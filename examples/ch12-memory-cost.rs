//! Question: How much memory does an idle thread, process and task take?
//!
//! Run: cargo run --example ch12-memory-cost
//! Needs: tokio = { version = "1", features = ["rt", "sync"] }
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch12-memory-cost -- [--quick] [--csv]"
    );
    std::process::exit(2)
}

/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "child" => {
                // Idle: in `read` until the parent closes the pipe, or dies.
                std::io::stdout().write_all(b"ready\n")?;
                while std::io::stdin().read(&mut [0u8; 1])? != 0 {}
                return Ok(());
            }
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    if cfg!(not(target_os = "linux")) {
        println!("This reads Linux's /proc files: it measures nothing here.");
        return Ok(());
    }
    let (rounds, children) = if quick { (3, 4) } else { (20, 16) };
    threads(rounds, if quick { 20 } else { 50 }, csv)?;
    processes(children, csv)?;
    tasks(rounds, if quick { 2_000 } else { 10_000 }, csv)
}

// ANCHOR: accounting
/// The sum of the `Key:   N kB` lines of a /proc file, in KiB.
fn kib(path: &str, key: &str) -> Result<f64, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let values = text.lines().filter_map(|l| {
        let value = l.strip_prefix(key)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse::<f64>().ok()
    });
    Ok(values.sum())
}
// ANCHOR_END: accounting

// ANCHOR: threads
/// Rounds of `count` idle threads, all alive to the end (so no round
/// reuses a stack). Only the last n rounds count: the rest were warm-up.
fn threads(n: usize, count: usize, csv: bool) -> Result<(), Box<dyn Error>> {
    let total = (n / 10 + 1 + n) * count;
    let started = Arc::new(Barrier::new(count + 1));
    let end = Arc::new(Barrier::new(total + 1));
    let mut handles = Vec::with_capacity(total);
    let mut growth = [vec![], vec![], vec![]];
    let time = measure(n, || {
        let now = || -> Result<[f64; 3], Box<dyn Error>> {
            let rss = kib("/proc/self/smaps_rollup", "Rss")?;
            let kernel = kib("/proc/meminfo", "KernelStack")?;
            Ok([rss, kib("/proc/self/status", "VmSize")?, kernel])
        };
        let before = now()?;
        for _ in 0..count {
            let (started, end) = (Arc::clone(&started), Arc::clone(&end));
            handles.push(thread::spawn(move || {
                started.wait();
                end.wait(); // idle: asleep in the kernel until the end
            }));
        }
        started.wait(); // every new thread has run up to the gate
        let after = now()?;
        for (i, samples) in growth.iter_mut().enumerate() {
            samples.push((after[i] - before[i]) / count as f64);
        }
        Ok(())
    })?;
    end.wait();
    for handle in handles {
        handle.join().map_err(|_| "an idle thread panicked")?;
    }
    // ANCHOR_END: threads
    let title = format!("idle threads, {count} a round");
    heading(csv, &title, "a round", &time);
    let [rss, virt, kernel] = growth.map(|mut s| s.split_off(s.len() - n));
    print_kib(csv, "thread_idle_memory", "Rss growth", rss);
    print_kib(csv, "thread_idle_virtual", "VmSize growth", virt);
    // A system-wide counter: other programs starting threads move it too.
    print_kib(csv, "thread_idle_kernel_stack", "KernelStack", kernel);
    Ok(())
}

// ANCHOR: processes
/// Starts idle copies of this program, timed, then reads their figures.
fn processes(count: usize, csv: bool) -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's file: {e}"))?;
    let mut children = Vec::with_capacity(count + count / 10 + 1);
    let time = measure(count, || {
        let mut child = KillOnDrop(
            Command::new(&exe)
                .arg("child")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot spawn a child: {e}"))?,
        );
        let out = child.0.stdout.take().ok_or("the child has no stdout")?;
        BufReader::new(out).read_line(&mut String::new())?; // it is idle
        children.push(child);
        Ok(())
    })?;
    let mut figures = [vec![], vec![], vec![], vec![]];
    for child in &children {
        let rollup = format!("/proc/{}/smaps_rollup", child.0.id());
        figures[0].push(kib(&rollup, "Rss")?);
        figures[1].push(kib(&rollup, "Pss")?);
        let clean = kib(&rollup, "Private_Clean")?;
        figures[2].push(clean + kib(&rollup, "Private_Dirty")?);
        let status = format!("/proc/{}/status", child.0.id());
        figures[3].push(kib(&status, "VmPTE")?);
    }
    // ANCHOR_END: processes
    let title = format!("idle child processes, {} at once", children.len());
    heading(csv, &title, "starting one", &time);
    let [rss, pss, private, tables] = figures;
    print_kib(csv, "process_idle_rss", "Rss (shared in full)", rss);
    print_kib(csv, "process_idle_pss", "Pss (shared divided)", pss);
    print_kib(csv, "process_idle_private", "private pages", private);
    print_kib(csv, "process_idle_page_tables", "page tables", tables);
    for mut child in children {
        drop(child.0.stdin.take()); // the end of its input: it exits
        child.0.wait()?;
    }
    Ok(())
}

// ANCHOR: tasks
/// Rounds of idle tokio tasks, parked until the runtime is dropped.
fn tasks(n: usize, count: usize, csv: bool) -> Result<(), Box<dyn Error>> {
    use tokio::sync::{Notify, Semaphore};
    static NEVER: Notify = Notify::const_new();
    static PARKED: Semaphore = Semaphore::const_new(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let mut growth = vec![];
    let time = measure(n, || {
        let before = kib("/proc/self/smaps_rollup", "Rss")?;
        runtime.block_on(async {
            for _ in 0..count {
                tokio::spawn(async move {
                    let never = NEVER.notified();
                    PARKED.add_permits(1);
                    never.await; // idle: a parked state machine, no thread
                });
            }
            // Every task has run up to its await: take their permits.
            PARKED.acquire_many(count as u32).await.map(|p| p.forget())
        })?;
        let after = kib("/proc/self/smaps_rollup", "Rss")?;
        growth.push((after - before) / count as f64);
        Ok(())
    })?;
    // ANCHOR_END: tasks
    let title = format!("idle tokio tasks, {count} a round");
    heading(csv, &title, "a round", &time);
    let rss = growth.split_off(growth.len() - n);
    print_kib(csv, "task_idle_memory", "Rss growth", rss);
    Ok(())
}

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

/// A section's title for people, with how long each `what` took.
fn heading(csv: bool, title: &str, what: &str, s: &Stats) {
    if !csv {
        let (median, p10, p90, n) = (s.median, s.p10, s.p90, s.n);
        print!("\n{title} ({what} took {median:.2?}, ");
        println!("p10 {p10:.2?}, p90 {p90:.2?}, n={n}):");
    }
}

/// One figure in KiB, as a CSV row or a line for people.
fn print_kib(csv: bool, name: &str, label: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let [median, p10, p90] = [50, 10, 90].map(|p| samples[(n - 1) * p / 100]);
    if csv {
        println!("{name},KiB,{median:.3},{p10:.3},{p90:.3},{n}");
    } else {
        print!("  {:<26} {median:.2} KiB ", format!("{label}:"));
        println!("(p10 {p10:.2} KiB, p90 {p90:.2} KiB, n={n})");
    }
}
