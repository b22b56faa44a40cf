//! Question: Can one short program show every part of the answer?
//!
//! Run: cargo run --example ch15-the-answer-in-one-program
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes and calls prctl.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::{sync::mpsc, thread};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch15-the-answer-in-one-program");
    std::process::exit(2)
}

// ANCHOR: roles
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "counter" => {
            COUNTER.fetch_add(1, SeqCst);
            println!("COUNTER = {}", COUNTER.load(SeqCst));
            Ok(())
        }
        [role] if role == "abort" => {
            no_core_file();
            std::process::abort()
        }
        [role] if role == "shout" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text.make_ascii_uppercase(); // change the child's copy
            print!("{text}");
            Ok(())
        }
        _ => usage(),
    }
}
// ANCHOR_END: roles

// ANCHOR: share
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn parent() -> Result<(), Box<dyn Error>> {
    COUNTER.store(1, SeqCst);
    println!("1. main: COUNTER = 1");
    // A thread: same process, same COUNTER.
    thread::spawn(|| COUNTER.fetch_add(1, SeqCst))
        .join()
        .map_err(|_| "the thread panicked")?;
    println!(
        "2. after a thread added 1, main sees COUNTER = {}",
        COUNTER.load(SeqCst)
    );
    // A child process: the same program, run again, with its own COUNTER.
    let (_, said) = run_child("counter", "")?;
    println!(
        "3. a child process added 1 to its own: it says {}",
        said.trim()
    );
    println!("3. and main still sees COUNTER = {}", COUNTER.load(SeqCst));
    // ANCHOR_END: share

    // ANCHOR: crash
    let panicked = thread::spawn(|| panic!("boom")).join().is_err();
    println!("4. a thread panicked; join() is Err: {panicked}; main goes on");
    let (aborted, _) = run_child("abort", "")?;
    println!("4. a child aborted: {aborted}; main goes on");
    // ANCHOR_END: crash

    // ANCHOR: talk
    let message = String::from("hello");
    let sent_from = message.as_ptr() as usize;
    // To a thread: the String moves, and its heap buffer stays where it is.
    let (tx, rx) = mpsc::channel::<String>();
    let receiver = thread::spawn(move || {
        rx.recv().map(|s| s.as_ptr() as usize == sent_from)
    });
    tx.send(message)?;
    let same = receiver.join().map_err(|_| "the receiver panicked")??;
    println!("5. the thread got the very same heap buffer: {same}");
    // To a child: the bytes are copied through a pipe, and it changes its copy.
    let message = String::from("hello");
    let (_, echoed) = run_child("shout", &message)?;
    println!(
        "5. the child changed its copy to {echoed:?}; ours is {message:?}"
    );
    // ANCHOR_END: talk
    Ok(())
}

// ANCHOR: run_child
/// Runs this program again in `role` with `input` on its stdin, waits for
/// it, and returns how it ended and what it printed.
fn run_child(
    role: &str,
    input: &str,
) -> Result<(ExitStatus, String), Box<dyn Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg(role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let wrote = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(input.as_bytes()), // then closed
        None => Ok(()),
    };
    let output = child.wait_with_output()?; // wait even if writing failed
    wrote?;
    Ok((output.status, String::from_utf8(output.stdout)?))
}
// ANCHOR_END: run_child

/// Some Linux systems pipe every crash to a core-dump collector, which can
/// take a while; marking the aborting child "not dumpable" skips the core.
#[cfg(target_os = "linux")]
fn no_core_file() {
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only changes a flag of this process;
    // it takes plain integers and touches no memory of ours.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn no_core_file() {}
