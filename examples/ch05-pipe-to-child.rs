//! Question: How does a parent process talk to a child process through pipes?
//!
//! Run: cargo run --example ch05-pipe-to-child

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// Hidden argument: the copy of this program started by the parent.
const CHILD_ROLE: &str = "--child-shout";
const LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role] if role == CHILD_ROLE => child(),
        _ => {
            eprintln!("usage: cargo run --example ch05-pipe-to-child");
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
    // ANCHOR: spawn
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    let mut child = Command::new(exe)
        .arg(CHILD_ROLE)
        .stdin(Stdio::piped()) // a pipe: parent writes, child reads
        .stdout(Stdio::piped()) // a second pipe: child writes, parent reads
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    // ANCHOR_END: spawn
    println!(
        "parent pid {} started child pid {}",
        std::process::id(),
        child.id()
    );
    let mut to_child = child.stdin.take().ok_or("child has no stdin pipe")?;
    let from_child = child.stdout.take().ok_or("child has no stdout pipe")?;
    let mut guard = ChildGuard(Some(child));

    // A helper thread reads the child's answers, so the main thread can wait
    // for them with a time limit instead of blocking forever.
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(from_child).lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    // ANCHOR: talk
    for line in ["hello", "pipes carry bytes", "goodbye"] {
        println!("parent writes: {line}");
        writeln!(to_child, "{line}").map_err(|e| format!("could not write to child: {e}"))?;
    }
    drop(to_child); // closing our end is how the child learns there is no more input

    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => println!("parent reads:  {}", line?),
            Err(RecvTimeoutError::Disconnected) => break, // the child closed its stdout
            Err(RecvTimeoutError::Timeout) => return Err("the child stopped answering".into()),
        }
    }
    // ANCHOR_END: talk
    reader.join().map_err(|_| "the reader thread panicked")?;

    let child = guard.0.as_mut().ok_or("child already gone")?;
    let status = wait_with_deadline(child, LIMIT)?;
    guard.0 = None; // reaped: nothing left for the guard to clean up
    println!("child exited with code {}", status.code().unwrap_or(-1));
    Ok(())
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
        thread::sleep(Duration::from_millis(5));
    }
}

// ANCHOR: child
fn child() -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    let mut out = std::io::stdout().lock();
    // stdin is the read end of the parent's pipe; the loop ends at end-of-file.
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        writeln!(
            out,
            "child pid {pid} got {line:?}, says {:?}",
            line.to_uppercase()
        )?;
    }
    Ok(())
}
// ANCHOR_END: child
