//! Question: How can one program become several processes at once?
//!
//! Run: cargo run --example ch01-one-program-many-processes
//!
//! Miri: not run, because it starts child processes.
//!
//! The program starts three copies of itself (its own executable file, found
//! with `std::env::current_exe()`). Each copy is a separate process with its
//! own process id and its own copy of the global variable `VALUE`. The parent
//! collects what each child printed, reaps every child, and prints the
//! reports in order, so the output is the same on every run.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo run --example ch01-one-program-many-processes";

/// How many copies of this program the parent starts.
const CHILDREN: usize = 3;

/// How long the parent waits for all children before it gives up.
const DEADLINE: Duration = Duration::from_millis(1500);

// ANCHOR: global
/// One global variable. The executable file records its starting value
/// once, but every process that runs the file gets a copy of its own.
static VALUE: AtomicU64 = AtomicU64::new(0);
// ANCHOR_END: global

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        // The hidden role the parent gives to its children.
        [role, index] if role == "child" => match index.parse::<u64>() {
            Ok(index) => child(index),
            Err(_) => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}

/// The address of this process's copy of `VALUE`.
fn value_address() -> *const AtomicU64 {
    &VALUE
}

// ANCHOR: child
/// What each copy does: change its own `VALUE`, report, and wait until the
/// parent says it may finish (the parent closes our standard input).
fn child(index: u64) -> Result<(), Box<dyn Error>> {
    let before = VALUE.load(Ordering::SeqCst);
    VALUE.store(100 * (index + 1), Ordering::SeqCst);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "child {index} (pid {}): VALUE at {:p} was {before}, now {}",
        std::process::id(),
        value_address(),
        VALUE.load(Ordering::SeqCst),
    )?;
    out.flush()?;
    // Block until the parent closes the pipe: this keeps all three copies
    // alive at the same time, so the parent can see them side by side.
    let mut rest = Vec::new();
    std::io::stdin().read_to_end(&mut rest)?;
    Ok(())
}
// ANCHOR_END: child

/// A child process that is killed and reaped when the guard is dropped, so
/// that no child outlives the parent, even when the parent fails half-way.
struct ChildGuard {
    child: Child,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Both calls are harmless if the child has already been reaped.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ANCHOR: spawn
/// Starts one more process from this program's own executable file.
fn spawn_copy(exe: &std::path::Path, index: usize) -> Result<ChildGuard, Box<dyn Error>> {
    let mut command = Command::new(exe);
    command
        .arg("child")
        .arg(index.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    same_layout_for_children(&mut command);
    let child = command
        .spawn()
        .map_err(|e| format!("could not start child {index}: {e}"))?;
    Ok(ChildGuard { child })
}
// ANCHOR_END: spawn

/// Linux places a program at a random address each time it starts (address
/// space layout randomisation). For the children we ask it not to, so that
/// all three print the same address for `VALUE`. If the system refuses (some
/// containers do), the children still run, only at different addresses.
#[cfg(target_os = "linux")]
fn same_layout_for_children(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the new process between fork and exec,
    // where only async-signal-safe work is allowed. It makes one system
    // call (`personality`), allocates nothing and takes no locks.
    unsafe {
        command.pre_exec(|| {
            libc::personality(libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn same_layout_for_children(_command: &mut Command) {}

/// Waits for every child, polling so that the wait has a bound.
fn wait_all(children: &mut [ChildGuard]) -> Result<Vec<ExitStatus>, Box<dyn Error>> {
    let deadline = Instant::now() + DEADLINE;
    let mut statuses: Vec<Option<ExitStatus>> = vec![None; children.len()];
    loop {
        for (guard, status) in children.iter_mut().zip(statuses.iter_mut()) {
            if status.is_none() {
                *status = guard
                    .child
                    .try_wait()
                    .map_err(|e| format!("could not check on a child: {e}"))?;
            }
        }
        if statuses.iter().all(Option::is_some) {
            return Ok(statuses.into_iter().flatten().collect());
        }
        if Instant::now() >= deadline {
            // Returning drops the guards, which kill and reap the children.
            return Err(format!("the children did not finish within {DEADLINE:?}").into());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find my own program: {e}"))?;
    let file = exe.file_stem().unwrap_or_default().to_string_lossy();
    VALUE.store(42, Ordering::SeqCst);
    println!(
        "parent (pid {}): VALUE at {:p} is {}",
        std::process::id(),
        value_address(),
        VALUE.load(Ordering::SeqCst),
    );
    println!("parent: starting {CHILDREN} copies of the program file {file}");

    // ANCHOR: parent
    let mut children = Vec::new();
    for index in 0..CHILDREN {
        children.push(spawn_copy(&exe, index)?);
    }
    // Every child now waits for its standard input to close, so all of them
    // are running at this moment: one program, several processes.
    let mut running = 0;
    for guard in &mut children {
        if guard.child.try_wait()?.is_none() {
            running += 1;
        }
    }
    println!(
        "{running} of {CHILDREN} children alive at the same time: {}",
        children
            .iter()
            .map(|g| format!("pid {}", g.child.id()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Let them finish: closing the write end of each pipe gives EOF.
    for guard in &mut children {
        drop(guard.child.stdin.take());
    }
    let statuses = wait_all(&mut children)?;

    // Each child printed less than a pipe buffer holds, so reading after
    // the child exited cannot block.
    for guard in &mut children {
        let mut report = String::new();
        if let Some(mut out) = guard.child.stdout.take() {
            out.read_to_string(&mut report)
                .map_err(|e| format!("could not read a child's report: {e}"))?;
        }
        print!("{report}");
    }
    for (index, (guard, status)) in children.iter().zip(&statuses).enumerate() {
        println!("reaped child {index} (pid {}): {status}", guard.child.id());
    }
    println!(
        "parent (pid {}): VALUE at {:p} is still {}",
        std::process::id(),
        value_address(),
        VALUE.load(Ordering::SeqCst),
    );
    // ANCHOR_END: parent
    if let Some(failed) = statuses.iter().position(|s| !s.success()) {
        return Err(format!("child {failed} failed").into());
    }
    Ok(())
}
