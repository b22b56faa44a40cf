//! Question: What is a zombie process, and what does "reaping" a child mean?
//!
//! Run: cargo run --example ch09-zombie-and-reap

use std::error::Error;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// Hidden argument: the copy of this program that exits at once.
const CHILD_ROLE: &str = "--child-exit-now";
const LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role] if role == CHILD_ROLE => std::process::exit(7),
        _ => {
            eprintln!("usage: cargo run --example ch09-zombie-and-reap");
            std::process::exit(2);
        }
    }
}

/// Kills and reaps the child if the parent leaves early, so no zombie stays.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    let child = Command::new(exe)
        .arg(CHILD_ROLE)
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    let pid = child.id();
    let mut guard = ChildGuard(Some(child));
    println!("parent pid {} started child pid {pid}", std::process::id());
    println!("the child calls exit(7) at once; the parent does not wait for it yet");

    watch_the_zombie(pid)?;

    // ANCHOR: reap
    let child = guard.0.as_mut().ok_or("child already gone")?;
    let status = wait_with_deadline(child, LIMIT)?; // waitpid() under the hood
    guard.0 = None; // reaped: nothing left for the guard to do
    println!(
        "parent: wait() returned the exit code the zombie kept: {:?}",
        status.code()
    );
    // ANCHOR_END: reap

    after_reaping(pid);
    Ok(())
}

#[cfg(target_os = "linux")]
fn watch_the_zombie(pid: u32) -> Result<(), Box<dyn Error>> {
    // ANCHOR: zombie
    // Poll the child's state letter, with a deadline, until it reads Z.
    let deadline = Instant::now() + LIMIT;
    let (mut state, mut ppid) = proc_stat(pid)?;
    while state != 'Z' {
        if Instant::now() >= deadline {
            return Err(format!("child still in state {state} after {LIMIT:?}").into());
        }
        thread::sleep(Duration::from_millis(1));
        (state, ppid) = proc_stat(pid)?;
    }
    println!("/proc/<child>/stat says state {state} (zombie): it has exited, nobody reaped it");
    println!(
        "its parent is still this process: {}",
        ppid == std::process::id()
    );

    // A zombie has released its memory: the Vm* lines of its status are gone.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let vm_lines = status.lines().filter(|l| l.starts_with("Vm")).count();
    println!("memory lines (Vm*) in the zombie's /proc/<child>/status: {vm_lines}");
    // ANCHOR_END: zombie
    Ok(())
}

/// The state letter in /proc/PID/stat (R running, S sleeping, Z zombie, ...)
/// and the parent's pid, the field after it.
#[cfg(target_os = "linux")]
fn proc_stat(pid: u32) -> Result<(char, u32), Box<dyn Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("cannot read /proc/{pid}/stat: {e}"))?;
    // "PID (command name) STATE ...": the name may hold spaces or ')', so
    // the state is the first field after the last ')'.
    let after_name = &stat[stat.rfind(')').ok_or("odd /proc stat line")? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next().and_then(|s| s.chars().next());
    let ppid = fields.next().and_then(|s| s.parse().ok());
    match (state, ppid) {
        (Some(state), Some(ppid)) => Ok((state, ppid)),
        _ => Err(format!("odd /proc/{pid}/stat line: {stat:?}").into()),
    }
}

#[cfg(target_os = "linux")]
fn after_reaping(pid: u32) {
    let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
    println!("after wait(), /proc/<child> is gone: {gone}");
}

#[cfg(not(target_os = "linux"))]
fn watch_the_zombie(_pid: u32) -> Result<(), Box<dyn Error>> {
    println!("(this system has no /proc to look at the zombie; Linux shows it as state Z)");
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn after_reaping(_pid: u32) {
    println!("(on Linux, /proc/<child> disappears at this point)");
}

fn wait_with_deadline(child: &mut Child, limit: Duration) -> Result<ExitStatus, Box<dyn Error>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err("the child did not exit in time".into());
        }
        thread::sleep(Duration::from_millis(2));
    }
}
