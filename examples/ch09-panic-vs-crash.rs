//! Question: When a thread panics or a child's thread crashes, who goes down?
//!
//! Run: cargo run --example ch09-panic-vs-crash
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes and calls prctl.

use std::error::Error;
use std::process::{Command, ExitStatus};
use std::sync::mpsc;
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch09-panic-vs-crash");
    std::process::exit(2)
}

// ANCHOR: roles
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "fault" => fault_in_a_thread(),
        [role] if role == "exit" => {
            println!("child pid {}: calling exit(3)", std::process::id());
            std::process::exit(3)
        }
        _ => usage(),
    }
}
// ANCHOR_END: roles

// ANCHOR: thread
fn parent() -> Result<(), Box<dyn Error>> {
    println!("1. a thread panics");
    let (stop, stopped) = mpsc::channel::<()>();
    let steady = thread::spawn(move || stopped.recv()); // waits for main
    let doomed = thread::Builder::new().name("doomed".into()).spawn(|| {
        let n: u32 = "forty-two".parse().expect("setting must be a number");
        n
    })?;
    println!(
        "main: join() on 'doomed' is Err: {}",
        doomed.join().is_err()
    );
    stop.send(())?;
    let survived = steady.join().is_ok_and(|r| r.is_ok());
    println!("main: the other thread carried on: {survived}");
    // ANCHOR_END: thread

    // ANCHOR: process
    println!("2. a thread of a child process crashes");
    let exe = std::env::current_exe()?;
    for role in ["fault", "exit"] {
        describe(Command::new(&exe).arg(role).status()?); // spawn, wait
    }
    println!("parent: pid {} outlived both children", std::process::id());
    Ok(())
}

fn describe(status: ExitStatus) {
    if let Some(code) = status.code() {
        // On Windows a crash is an exit code too: 0xC0000005 is an access
        // violation, 0xC00000FD a stack overflow.
        println!("parent: the child exited with code {code} ({code:#x})");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status)
    {
        let name = match signal {
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS", // what macOS gives for some faults
            _ => "another signal",
        };
        println!("parent: no exit code; signal {signal} ({name}) ended it");
    }
}
// ANCHOR_END: process

// ANCHOR: fault
fn fault_in_a_thread() -> Result<(), Box<dyn Error>> {
    no_core_file();
    println!(
        "child pid {}: a thread writes to address 0x8",
        std::process::id()
    );
    let faulty = thread::spawn(|| {
        let unmapped = std::ptr::dangling_mut::<u64>(); // address 8
        // SAFETY: deliberately not sound: nothing is mapped at address 8,
        // so the CPU faults and the OS ends the whole process. That crash
        // is what this child exists to show.
        unsafe { unmapped.write_volatile(1) };
    });
    let _ = faulty.join(); // never returns: the process ends with the thread
    println!("child: the main thread survived (this line never prints)");
    Ok(())
}
// ANCHOR_END: fault

/// Some Linux systems pipe every crash to a core-dump collector, which can
/// take a while; marking this process "not dumpable" skips the core file.
#[cfg(target_os = "linux")]
fn no_core_file() {
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only changes a flag of this process;
    // it takes plain integers and touches no memory of ours.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn no_core_file() {}
