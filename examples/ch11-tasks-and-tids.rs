//! Question: On Linux, what is a thread to the kernel: a task with a tid?
//!
//! Run: cargo run --example ch11-tasks-and-tids
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it reads /proc and calls gettid.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch11-tasks-and-tids");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    #[cfg(not(target_os = "linux"))]
    println!("Tasks, tids and /proc/self/task are Linux's: nothing to show.");
    #[cfg(target_os = "linux")]
    run()?;
    Ok(())
}

// ANCHOR: tasks
#[cfg(target_os = "linux")]
fn run() -> Result<(), Box<dyn Error>> {
    // Three workers that stay alive (at the barrier) while main looks.
    static HERE: std::sync::Barrier = std::sync::Barrier::new(4);
    let mut workers = Vec::new();
    for i in 1..=3 {
        let worker = std::thread::Builder::new().name(format!("worker-{i}"));
        workers.push(worker.spawn(|| {
            HERE.wait(); // 1: started
            HERE.wait(); // 2: main has looked
            // SAFETY: gettid and getpid have no preconditions.
            unsafe { (libc::gettid() as u32, libc::getpid() as u32) }
        })?);
    }
    HERE.wait();
    let pid = std::process::id();
    // Every thread is a task: a directory in /proc/self/task named by tid.
    let mut rows = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task")? {
        let tid: u32 = entry?.file_name().to_string_lossy().parse()?;
        let status =
            std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))?;
        let field = |k: &str| status.lines().find_map(|l| l.strip_prefix(k));
        let name = field("Name:").unwrap_or_default().trim();
        let same = field("Tgid:").is_some_and(|t| t.trim() == pid.to_string());
        let op = if tid == pid { "==" } else { "!=" }; // only main's tid is pid
        rows.push(format!("task {name:<15} Tgid == pid: {same}, tid {op} pid"));
    }
    rows.sort();
    let count = rows.len();
    println!("/proc/self/task lists {count} tasks, one per thread:");
    println!("  {}", rows.join("\n  "));
    HERE.wait();
    let mut ids = Vec::new();
    for worker in workers {
        ids.push(worker.join().map_err(|_| "a worker panicked")?);
    }
    let (tids, pids): (Vec<u32>, Vec<u32>) = ids.into_iter().unzip();
    let same_pid = pids.iter().all(|&their_pid| their_pid == pid);
    println!("gettid() in the workers: {tids:?} (varies)");
    println!("getpid() in every worker is main's pid {pid}: {same_pid}");
    Ok(())
}
// ANCHOR_END: tasks
