//! Question: How much memory does an idle thread, an idle child process and an idle async task take?
//!
//! Run: cargo run --example ch12-memory-cost
//!
//! Miri: not run, because it starts child processes and reads /proc.
//!
//! Arguments: `--quick` (fewer rounds, for the tests), `--csv` (one row per
//! figure, for the reference data). Linux only: it reads the kernel's own
//! accounting in /proc.

use std::error::Error;

const USAGE: &str = "usage: cargo run --example ch12-memory-cost [-- [--quick] [--csv]]";
/// Hidden argument: the copy of this program that says it is ready and then
/// waits, doing nothing, until its standard input closes.
const CHILD_IDLE: &str = "--child-idle";

fn main() -> Result<(), Box<dyn Error>> {
    let mut quick = false;
    let mut csv = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            CHILD_IDLE => return idle_child(),
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    run(quick, csv)
}

// ANCHOR: child
/// The idle child: one line to say it has started, then it blocks in `read`
/// until the parent closes the pipe (or dies, which closes it too).
fn idle_child() -> Result<(), Box<dyn Error>> {
    use std::io::{Read, Write};
    let mut out = std::io::stdout();
    out.write_all(b"ready\n")?;
    out.flush()?;
    let mut byte = [0u8; 1];
    while std::io::stdin().read(&mut byte)? != 0 {}
    Ok(())
}
// ANCHOR_END: child

#[cfg(not(target_os = "linux"))]
fn run(_quick: bool, csv: bool) -> Result<(), Box<dyn Error>> {
    if csv {
        println!("name,unit,median,p10,p90,n");
    }
    println!(
        "This example reads the kernel's memory accounting in /proc, which only Linux has; it measures nothing here."
    );
    Ok(())
}

#[cfg(target_os = "linux")]
fn run(quick: bool, csv: bool) -> Result<(), Box<dyn Error>> {
    linux::run(quick, csv)
}

#[cfg(target_os = "linux")]
mod linux {
    use std::error::Error;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::sync::{Arc, Condvar, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    /// Every wait in this program ends after this.
    const LIMIT: Duration = Duration::from_secs(10);

    struct Plan {
        rounds: usize,
        threads_per_round: usize,
        tasks_per_round: usize,
        children: usize,
    }

    const QUICK: Plan = Plan {
        rounds: 3,
        threads_per_round: 20,
        tasks_per_round: 2_000,
        children: 4,
    };

    const FULL: Plan = Plan {
        rounds: 11,
        threads_per_round: 50,
        tasks_per_round: 10_000,
        children: 16,
    };

    pub fn run(quick: bool, csv: bool) -> Result<(), Box<dyn Error>> {
        let plan = if quick { QUICK } else { FULL };
        let report = Report { csv };
        report.intro(quick);
        // Threads first: nothing has exited yet, so no stack is reused from
        // the C library's cache of finished threads' stacks.
        threads(&plan, &report)?;
        processes(&plan, &report)?;
        tasks(&plan, &report)?;
        Ok(())
    }

    // ANCHOR: accounting
    /// What the kernel counts for one process, in KiB.
    #[derive(Clone, Copy, Default)]
    struct Usage {
        /// Resident pages mapped by the process, shared ones included in full.
        rss: f64,
        /// Proportional: each shared page divided by the number of its sharers.
        pss: f64,
        /// Pages that only this process maps (Private_Clean + Private_Dirty).
        private: f64,
    }

    /// `/proc/PID/smaps_rollup`: the kernel walks the page tables and adds up.
    fn usage(pid: &str) -> Result<Usage, Box<dyn Error>> {
        let path = format!("/proc/{pid}/smaps_rollup");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let mut u = Usage::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(key), Some(kib)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(kib) = kib.parse::<f64>() else {
                continue;
            };
            match key {
                "Rss:" => u.rss = kib,
                "Pss:" => u.pss = kib,
                "Private_Clean:" | "Private_Dirty:" => u.private += kib,
                _ => {}
            }
        }
        Ok(u)
    }

    /// One `Key:   N kB` line of a /proc file such as `/proc/self/status`.
    fn kib_field(path: &str, key: &str) -> Result<f64, Box<dyn Error>> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("no {key} in {path}").into())
    }
    // ANCHOR_END: accounting

    /// What this process and the whole system use, before and after.
    #[derive(Clone, Copy)]
    struct Snapshot {
        rss: f64,
        virtual_size: f64,
        kernel_stacks: f64,
    }

    fn snapshot() -> Result<Snapshot, Box<dyn Error>> {
        Ok(Snapshot {
            // Not VmRSS from /proc/self/status: recent kernels keep that
            // counter per CPU and sum it lazily; smaps_rollup is exact.
            rss: usage("self")?.rss,
            virtual_size: kib_field("/proc/self/status", "VmSize")?,
            kernel_stacks: kib_field("/proc/meminfo", "KernelStack")?,
        })
    }

    // ANCHOR: threads
    /// Starts rounds of idle threads and divides each round's growth by the
    /// number of threads. All threads stay alive until the end, so every
    /// round gets fresh stacks. Round 0 is a warm-up and is not counted.
    fn threads(plan: &Plan, report: &Report) -> Result<(), Box<dyn Error>> {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        // A counter, not a channel: a send could allocate in the new thread
        // and give it a heap arena of its own, which is not the idle cost.
        let started = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::with_capacity((plan.rounds + 1) * plan.threads_per_round);
        let (mut resident, mut reserved, mut kernel) = (Vec::new(), Vec::new(), Vec::new());
        let result = (|| -> Result<(), Box<dyn Error>> {
            for round in 0..=plan.rounds {
                let before = snapshot()?;
                for _ in 0..plan.threads_per_round {
                    let (gate, started) = (Arc::clone(&gate), Arc::clone(&started));
                    handles.push(thread::spawn(move || {
                        started.fetch_add(1, Ordering::Release);
                        let (open, wake) = &*gate;
                        let open = open.lock().unwrap_or_else(|e| e.into_inner());
                        // Idle: asleep in the kernel until the gate opens.
                        let _ = wake.wait_timeout_while(open, LIMIT, |open| !*open);
                    }));
                }
                let all = handles.len();
                let deadline = Instant::now() + LIMIT;
                while started.load(Ordering::Acquire) < all {
                    if Instant::now() > deadline {
                        return Err("a thread did not start in time".into());
                    }
                    thread::sleep(Duration::from_micros(200));
                }
                let after = snapshot()?;
                if round == 0 {
                    continue; // the warm-up round
                }
                let per = |a: f64, b: f64| (a - b) / plan.threads_per_round as f64;
                resident.push(per(after.rss, before.rss));
                reserved.push(per(after.virtual_size, before.virtual_size));
                kernel.push(per(after.kernel_stacks, before.kernel_stacks));
            }
            Ok(())
        })();
        // Open the gate and join every thread, also after an error.
        *gate.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
        gate.1.notify_all();
        for handle in handles {
            handle.join().map_err(|_| "an idle thread panicked")?;
        }
        result?;
        // ANCHOR_END: threads
        report.heading(&format!(
            "idle threads ({} rounds of {} after a warm-up round), per thread:",
            plan.rounds, plan.threads_per_round
        ));
        report.row(
            "thread_idle_memory",
            "resident memory (Rss growth)",
            &resident,
            "",
        );
        report.row(
            "thread_idle_virtual",
            "address space reserved (VmSize growth)",
            &reserved,
            "",
        );
        // A system-wide counter: other programs starting or ending move it.
        report.row(
            "thread_idle_kernel_stack",
            "kernel stack (KernelStack growth)",
            &kernel,
            " (varies)",
        );
        Ok(())
    }

    /// Kills and reaps every child still held, on every path out.
    struct Children(Vec<Child>);

    impl Drop for Children {
        fn drop(&mut self) {
            for child in &mut self.0 {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    // ANCHOR: processes
    /// Starts idle copies of this program and reads each one's accounting.
    fn processes(plan: &Plan, report: &Report) -> Result<(), Box<dyn Error>> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
        let mut children = Children(Vec::with_capacity(plan.children));
        let (ready_tx, ready_rx) = mpsc::channel();
        let mut outputs = Vec::new();
        for _ in 0..plan.children {
            let mut child = Command::new(&exe)
                .arg(super::CHILD_IDLE)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("could not spawn child: {e}"))?;
            outputs.push(child.stdout.take().ok_or("child has no stdout pipe")?);
            children.0.push(child);
        }
        // A helper thread reads each child's "ready", so that the wait below
        // has a bound: if a child hangs, the guard kills it and the read ends.
        thread::spawn(move || {
            for out in outputs {
                let mut line = String::new();
                let ok = BufReader::new(out).read_line(&mut line).is_ok() && line == "ready\n";
                if ready_tx.send(ok).is_err() {
                    break;
                }
            }
        });
        for _ in 0..plan.children {
            match ready_rx.recv_timeout(LIMIT) {
                Ok(true) => {}
                _ => return Err("a child did not start in time".into()),
            }
        }
        let (mut rss, mut pss, mut private, mut tables) = (vec![], vec![], vec![], vec![]);
        for child in &children.0 {
            let pid = child.id().to_string();
            let u = usage(&pid)?;
            rss.push(u.rss);
            pss.push(u.pss);
            private.push(u.private);
            tables.push(kib_field(&format!("/proc/{pid}/status"), "VmPTE")?);
        }
        // ANCHOR_END: processes
        // Closing each child's stdin is its signal to exit; then reap them all.
        for child in &mut children.0 {
            drop(child.stdin.take());
        }
        let deadline = Instant::now() + LIMIT;
        while let Some(child) = children.0.last_mut() {
            if child.try_wait()?.is_some() {
                children.0.pop();
            } else if Instant::now() > deadline {
                return Err("a child did not exit in time".into()); // the guard kills it
            } else {
                thread::sleep(Duration::from_millis(1));
            }
        }
        report.heading(&format!(
            "idle child processes (this program, {} at once), per process:",
            plan.children
        ));
        report.row(
            "process_idle_rss",
            "resident (Rss, shared pages counted in full)",
            &rss,
            "",
        );
        report.row(
            "process_idle_pss",
            "proportional (Pss, shared pages divided)",
            &pss,
            "",
        );
        report.row(
            "process_idle_private",
            "private (Private_Clean + Private_Dirty)",
            &private,
            "",
        );
        report.row(
            "process_idle_page_tables",
            "page tables (VmPTE, kernel memory)",
            &tables,
            "",
        );
        Ok(())
    }

    // ANCHOR: tasks
    /// Rounds of idle tokio tasks, each parked on a shared `Notify`. Round 0
    /// is a warm-up and is not counted.
    fn tasks(plan: &Plan, report: &Report) -> Result<(), Box<dyn Error>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_time()
            .build()
            .map_err(|e| format!("could not start the runtime: {e}"))?;
        let notify = Arc::new(tokio::sync::Notify::new());
        let parked = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::with_capacity((plan.rounds + 1) * plan.tasks_per_round);
        let mut resident = Vec::with_capacity(plan.rounds);
        let result = runtime.block_on(async {
            for round in 0..=plan.rounds {
                let before = usage("self")?.rss;
                for _ in 0..plan.tasks_per_round {
                    let (notify, parked) = (Arc::clone(&notify), Arc::clone(&parked));
                    handles.push(tokio::spawn(async move {
                        let woken = notify.notified();
                        parked.fetch_add(1, Ordering::Relaxed);
                        woken.await; // idle: a parked state machine, no thread
                    }));
                }
                // Wait until every task has run up to its await.
                let deadline = Instant::now() + LIMIT;
                while parked.load(Ordering::Relaxed) < handles.len() {
                    if Instant::now() > deadline {
                        return Err::<(), Box<dyn Error>>("the tasks did not start in time".into());
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let after = usage("self")?.rss;
                if round > 0 {
                    resident.push((after - before) / plan.tasks_per_round as f64);
                }
            }
            Ok(())
        });
        // Wake every task and wait for them, also after an error.
        let finished = runtime.block_on(async {
            notify.notify_waiters();
            tokio::time::timeout(LIMIT, async {
                for handle in handles {
                    let _ = handle.await;
                }
            })
            .await
        });
        runtime.shutdown_timeout(Duration::from_secs(1));
        result?;
        finished.map_err(|_| "the tasks did not finish in time")?;
        // ANCHOR_END: tasks
        report.heading(&format!(
            "idle tokio tasks ({} rounds of {} after a warm-up round), per task:",
            plan.rounds, plan.tasks_per_round
        ));
        report.row(
            "task_idle_memory",
            "resident memory (Rss growth)",
            &resident,
            "",
        );
        Ok(())
    }

    /// Median, 10th and 90th percentile.
    struct Stats {
        median: f64,
        p10: f64,
        p90: f64,
        n: usize,
    }

    fn stats(samples: &[f64]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Stats {
            median: at(0.5),
            p10: at(0.1),
            p90: at(0.9),
            n: sorted.len(),
        }
    }

    /// A size in KiB, shown in KiB or MiB with three significant digits.
    fn show(kib: f64) -> String {
        let (value, unit) = if kib.abs() >= 1024.0 {
            (kib / 1024.0, "MiB")
        } else {
            (kib, "KiB")
        };
        let decimals = if value.abs() < 10.0 {
            2
        } else if value.abs() < 100.0 {
            1
        } else {
            0
        };
        format!("{value:.decimals$} {unit}")
    }

    struct Report {
        csv: bool,
    }

    impl Report {
        fn intro(&self, quick: bool) {
            if self.csv {
                println!("name,unit,median,p10,p90,n");
                return;
            }
            println!(
                "What an idle thread, child process and task cost in memory, as Linux counts it."
            );
            println!("machine: {} (varies)", machine());
            if quick {
                println!("mode: --quick, fewer rounds (run without it for real figures)");
            }
            println!("each row: median over n rounds (or n children), with p10 and p90");
        }

        fn heading(&self, text: &str) {
            if !self.csv {
                println!();
                println!("{text}");
            }
        }

        fn row(&self, name: &str, label: &str, samples: &[f64], mark: &str) {
            let s = stats(samples);
            if self.csv {
                println!(
                    "{name},KiB,{:.3},{:.3},{:.3},{}",
                    s.median, s.p10, s.p90, s.n
                );
            } else {
                println!(
                    "  {:<46} median {} (p10 {}, p90 {}, n={}){mark}",
                    format!("{label}:"),
                    show(s.median),
                    show(s.p10),
                    show(s.p90),
                    s.n
                );
            }
        }
    }

    /// CPU model, usable CPUs, OS and architecture.
    fn machine() -> String {
        let model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, m)| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".to_string());
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        format!(
            "{model}, {cpus} CPUs usable, {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    }
}
