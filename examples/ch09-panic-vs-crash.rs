//! Question: When one thread panics, or one process crashes, who else goes down?
//!
//! Run: cargo run --example ch09-panic-vs-crash
//!
//! Miri: not run, because it starts child processes and calls prctl.

use std::error::Error;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Hidden arguments: the roles of the copies of this program the parent starts.
const CHILD_ABORT: &str = "--child-abort";
const CHILD_EXIT: &str = "--child-exit";
const LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role] if role == CHILD_ABORT => child_abort(),
        [role] if role == CHILD_EXIT => child_exit(),
        _ => {
            eprintln!("usage: cargo run --example ch09-panic-vs-crash");
            std::process::exit(2);
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    // The default panic message depends on RUST_BACKTRACE; this hook prints
    // one fixed line to stderr instead, from the thread that panicked.
    std::panic::set_hook(Box::new(|info| {
        let current = thread::current();
        let name = current.name().unwrap_or("<unnamed>");
        let message = info.payload_as_str().unwrap_or("<not a string>");
        eprintln!("stderr: thread '{name}' panicked: {message}");
    }));

    println!("== 1. a thread panics ==");
    thread_panics()?;
    println!();
    println!("== 2. a child process crashes ==");
    child_crashes()
}

// ANCHOR: thread
fn thread_panics() -> Result<(), Box<dyn Error>> {
    // A steady thread that keeps working until main says stop.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let steady = thread::Builder::new()
        .name("steady".into())
        .spawn(move || {
            let mut rounds = 0u32;
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stop_rx.recv_timeout(Duration::from_millis(1))
            {
                rounds += 1;
            }
            rounds
        })?;

    // A thread that panics: unwinding ends this thread only.
    let doomed = thread::Builder::new()
        .name("doomed".into())
        .spawn(|| -> u32 { "forty-two".parse().expect("setting must be a number") })?;

    match doomed.join() {
        Ok(n) => println!("main: 'doomed' returned {n}"),
        Err(payload) => {
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("<not a string>");
            println!("main: join() on 'doomed' returned Err with payload: {text:?}");
        }
    }

    stop_tx.send(())?;
    match steady.join() {
        Ok(_rounds) => {
            println!("main: join() on 'steady' returned Ok: it worked on through the panic")
        }
        Err(_) => return Err("the steady thread panicked too".into()),
    }
    println!(
        "main: this process, pid {}, is still alive",
        std::process::id()
    );
    Ok(())
}
// ANCHOR_END: thread

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

// ANCHOR: process
fn child_crashes() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    for role in [CHILD_ABORT, CHILD_EXIT] {
        let child = Command::new(&exe)
            .arg(role)
            .spawn()
            .map_err(|e| format!("could not spawn child: {e}"))?;
        let mut guard = ChildGuard(Some(child));
        let status = wait_with_deadline(guard.0.as_mut().ok_or("no child")?, LIMIT)?;
        guard.0 = None; // reaped: nothing left for the guard to do
        describe(&status);
    }
    println!("parent: pid {} outlived both children", std::process::id());
    Ok(())
}

fn describe(status: &ExitStatus) {
    println!("parent: child ended, success: {}", status.success());
    match status.code() {
        Some(code) => println!("parent: it ended with exit code {code}"),
        None => println!("parent: it has no exit code: it never called exit"),
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => "SIGABRT",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                _ => "another signal",
            };
            println!("parent: a signal ended it: signal {signal} ({name})");
        }
    }
    #[cfg(not(unix))]
    println!("parent: (signals are a Unix idea; Windows reports an exit code only)");
}
// ANCHOR_END: process

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

// ANCHOR: children
fn child_abort() -> Result<(), Box<dyn Error>> {
    println!(
        "child pid {}: calling std::process::abort()",
        std::process::id()
    );
    no_core_file();
    std::process::abort()
}

fn child_exit() -> Result<(), Box<dyn Error>> {
    println!(
        "child pid {}: calling std::process::exit(3)",
        std::process::id()
    );
    std::process::exit(3)
}
// ANCHOR_END: children

/// Some Linux systems pipe every crash to a core-dump collector, which can
/// take a while; marking this process "not dumpable" skips the core file.
#[cfg(target_os = "linux")]
fn no_core_file() {
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only changes a flag of this process;
    // it takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_core_file() {}
