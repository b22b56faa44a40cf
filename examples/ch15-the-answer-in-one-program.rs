//! Question: Can one short program show every part of the process-or-thread answer?
//!
//! Run: cargo run --example ch15-the-answer-in-one-program
//!
//! Miri: not run, because it starts child processes and calls prctl.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const CHILD_COUNTER: &str = "--child-counter"; // hidden roles of the copies we start
const CHILD_ABORT: &str = "--child-abort";
const CHILD_ECHO: &str = "--child-echo";
const LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role] if role == CHILD_COUNTER => {
            let before = COUNTER.fetch_add(1, SeqCst);
            println!("COUNTER was {before}, now {}", COUNTER.load(SeqCst));
            Ok(())
        }
        [role] if role == CHILD_ABORT => {
            no_core_file();
            std::process::abort()
        }
        [role] if role == CHILD_ECHO => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            std::io::stdout().write_all(&bytes)?;
            Ok(())
        }
        _ => {
            eprintln!("usage: cargo run --example ch15-the-answer-in-one-program");
            std::process::exit(2);
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    // One fixed line per panic, without the default message's file and line.
    std::panic::set_hook(Box::new(|info| {
        let name = thread::current().name().unwrap_or("<unnamed>").to_string();
        let message = info.payload_as_str().unwrap_or("<not a string>");
        eprintln!("(panic hook) thread '{name}' panicked: {message}");
    }));
    share_or_copy()?;
    isolation()?;
    communication()?;
    println!("summary: threads share one address space (globals, heap), each on its own stack");
    println!("summary: a process has its own copy of everything and talks through the kernel");
    println!("summary: a panic stays in its thread; a crash stays in its process");
    Ok(())
}

// ANCHOR: share
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn share_or_copy() -> Result<(), Box<dyn Error>> {
    let before = COUNTER.swap(1, SeqCst);
    println!(
        "1. main: COUNTER was {before}, now {}",
        COUNTER.load(SeqCst)
    );

    // A thread: same process, same COUNTER, but a stack of its own.
    let main_local = 0u8;
    let main_stack = &main_local as *const u8 as usize;
    let thread_stack = thread::spawn(|| {
        let local = 0u8;
        COUNTER.fetch_add(1, SeqCst);
        &local as *const u8 as usize
    })
    .join()
    .map_err(|_| "the thread panicked")?;
    println!("2. stack of main {main_stack:#x}, of the thread {thread_stack:#x}");
    println!("2. different stacks: {}", main_stack != thread_stack);
    println!("2. after join, main: COUNTER = {}", COUNTER.load(SeqCst));
    println!("2. threads share globals: {}", COUNTER.load(SeqCst) == 2);

    // A child process: the same program, run again, with a COUNTER of its own.
    let (pid, status, said) = run_child(CHILD_COUNTER, b"")?;
    println!(
        "3. child pid {pid} (exit ok: {}): {}",
        status.success(),
        said.trim()
    );
    println!("3. parent: COUNTER = {}", COUNTER.load(SeqCst));
    println!(
        "3. a child process has its own copy: {}",
        COUNTER.load(SeqCst) == 2
    );
    Ok(())
}
// ANCHOR_END: share

fn isolation() -> Result<(), Box<dyn Error>> {
    let doomed = thread::Builder::new().name("doomed".into());
    let joined = doomed.spawn(|| panic!("boom"))?.join();
    let err = joined.is_err();
    println!("4. join() on the panicked thread returned Err: {err}; main carries on");

    let (pid, status, _) = run_child(CHILD_ABORT, b"")?;
    println!(
        "4. child pid {pid} called abort(); it failed: {}",
        !status.success()
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        match status.signal() {
            Some(6) => println!("4. the signal that ended it: 6 (SIGABRT)"),
            other => println!("4. the signal that ended it: {other:?}"),
        }
    }
    #[cfg(not(unix))]
    println!("4. (no signals here: the parent reads only an exit code)");
    println!(
        "4. parent pid {} carries on after the crash",
        std::process::id()
    );
    Ok(())
}

fn communication() -> Result<(), Box<dyn Error>> {
    // ANCHOR: talk
    let message = String::from("hello, same bytes");
    let sent_from = message.as_ptr() as usize;

    // To a thread: the String moves, and its heap buffer stays where it is.
    let (tx, rx) = mpsc::channel::<String>();
    let receiver = thread::spawn(move || rx.recv_timeout(LIMIT).map(|s| (s.as_ptr() as usize, s)));
    tx.send(message)?;
    let (got_at, message) = receiver.join().map_err(|_| "the receiver panicked")??;
    println!("5. thread got the String at {got_at:#x}, sent from {sent_from:#x}");
    println!(
        "5. same heap buffer (moved, not copied): {}",
        got_at == sent_from
    );

    // To a child: the bytes go down one pipe and come back up another.
    let (pid, _, echoed) = run_child(CHILD_ECHO, message.as_bytes())?;
    let echoed_at = echoed.as_ptr() as usize;
    println!("5. child pid {pid} echoed {echoed:?}, now at {echoed_at:#x}");
    println!(
        "5. same bytes: {}, same buffer: {} (copied through the kernel)",
        echoed == message,
        echoed_at == sent_from
    );
    // ANCHOR_END: talk
    Ok(())
}

/// Kills and reaps the child on every path, so no zombie or orphan is left.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs this program again in `role`, feeds it `input`, and returns its pid,
/// how it ended and what it printed, all within a deadline.
fn run_child(role: &str, input: &[u8]) -> Result<(u32, ExitStatus, String), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    let child = Command::new(exe)
        .arg(role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    let mut guard = ChildGuard(child);
    let pid = guard.0.id();
    let mut stdin = guard.0.stdin.take().ok_or("child has no stdin pipe")?;
    let mut stdout = guard.0.stdout.take().ok_or("child has no stdout pipe")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = tx.send(stdout.read_to_string(&mut text).map(|_| text));
    });
    // A child that aborts may close its end first: that error is expected.
    let _ = stdin.write_all(input);
    drop(stdin); // end of input
    let deadline = Instant::now() + LIMIT;
    let said = rx
        .recv_timeout(LIMIT)
        .map_err(|_| "the child did not finish its output in time")??;
    loop {
        if let Some(status) = guard.0.try_wait()? {
            return Ok((pid, status, said));
        }
        if Instant::now() >= deadline {
            return Err("the child did not exit in time".into());
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Some Linux systems pipe every crash to a core-dump collector, which can
/// take a while; marking the aborting child "not dumpable" skips the core.
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
