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
    run()
}

// ANCHOR: tasks
#[cfg(target_os = "linux")]
fn run() -> Result<(), Box<dyn Error>> {
    use std::sync::{Arc, Barrier};
    let pid = std::process::id();
    // Three workers that stay alive (at the barrier) while main looks.
    let here = Arc::new(Barrier::new(4));
    let mut workers = Vec::new();
    for i in 1..=3 {
        let here = Arc::clone(&here);
        let worker = std::thread::Builder::new().name(format!("worker-{i}"));
        workers.push(worker.spawn(move || {
            here.wait(); // 1: started
            here.wait(); // 2: main has looked
            // SAFETY: gettid and getpid have no preconditions.
            unsafe { (libc::gettid() as u32, libc::getpid() as u32) }
        })?);
    }
    here.wait();
    // Every thread is a task: a directory in /proc/self/task named by tid.
    let mut tasks = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task")? {
        let tid: u32 = entry?.file_name().to_string_lossy().parse()?;
        let status =
            std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))?;
        let field = |key: &str| {
            let line = status.lines().find(|l| l.starts_with(key));
            line.map(|l| l[key.len()..].trim().to_string())
                .unwrap_or_default()
        };
        let tgid_is_pid = field("Tgid:") == pid.to_string();
        let role = if tid == pid {
            "tid == pid: the main thread"
        } else {
            "tid != pid"
        };
        tasks.push(format!(
            "  task {:<15} Tgid == pid: {tgid_is_pid}, {role}",
            field("Name:")
        ));
    }
    tasks.sort();
    println!(
        "/proc/self/task lists {} tasks, one per thread:",
        tasks.len()
    );
    println!("{}", tasks.join("\n"));
    here.wait();
    let (mut tids, mut same_pid) = (Vec::new(), true);
    for worker in workers {
        let (tid, their_pid) =
            worker.join().map_err(|_| "a worker panicked")?;
        tids.push(tid);
        same_pid &= their_pid == pid;
    }
    println!("gettid() in the workers: {tids:?} (varies)");
    println!("getpid() in every worker is main's pid {pid}: {same_pid}");
    Ok(())
}
// ANCHOR_END: tasks

#[cfg(not(target_os = "linux"))]
fn run() -> Result<(), Box<dyn Error>> {
    println!(
        "Tasks, tids and /proc/self/task are Linux's: nothing to show here."
    );
    Ok(())
}
