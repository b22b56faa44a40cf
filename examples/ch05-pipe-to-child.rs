//! Question: How does a parent process talk to a child process through pipes?
//!
//! Run: cargo run --example ch05-pipe-to-child
//! Miri: not run, because it starts a child process.

use std::error::Error;
use std::io::Write;
use std::process::{Command, Stdio};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-pipe-to-child");
    std::process::exit(2)
}

// ANCHOR: spawn
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "child" => child(),
        _ => usage(),
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("child")
        .stdin(Stdio::piped()) // a pipe: the parent writes, the child reads
        .stdout(Stdio::piped()) // a second pipe: the other way round
        .spawn()
        .map_err(|e| format!("cannot start the child: {e}"))?;
    // ANCHOR_END: spawn
    // ANCHOR: talk
    let lines = ["hello", "pipes carry bytes", "goodbye"];
    println!("parent pid {} sends: {lines:?}", std::process::id());
    // Write on a second thread while this one reads. If each side wrote a
    // lot before reading, both pipe buffers would fill and both would block.
    let to_child = child.stdin.take();
    let writer = thread::spawn(move || -> std::io::Result<()> {
        if let Some(mut pipe) = to_child {
            for line in lines {
                writeln!(pipe, "{line}")?;
            }
        }
        Ok(()) // the pipe closes here: the child reads end of file
    });
    // Reads the child's stdout to its end, then waits for the child.
    let output = child.wait_with_output()?;
    writer.join().map_err(|_| "the writer thread panicked")??;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        println!("parent reads: {line}");
    }
    println!("child {}", output.status);
    // ANCHOR_END: talk
    Ok(())
}

// ANCHOR: child
fn child() -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    // stdin is the read end of the parent's pipe; the loop ends at EOF.
    for line in std::io::stdin().lines() {
        let line = line?;
        println!("child pid {pid}: {line:?} -> {:?}", line.to_uppercase());
    }
    Ok(())
}
// ANCHOR_END: child
