//! Question: Why does a Rust program get an error, not a SIGPIPE death?
//!
//! Run: cargo run --example ch10-sigpipe
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::io::Write;

/// Hidden argument: the copy of this program that reports what it got.
const CHILD_ROLE: &str = "child";

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch10-sigpipe");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == CHILD_ROLE => child(),
        _ => usage(),
    }
}

// ANCHOR: broken_pipe
fn parent() -> Result<(), Box<dyn Error>> {
    let (reader, mut writer) = std::io::pipe()?;
    drop(reader); // nobody can ever read from this pipe now
    match writer.write_all(b"hello") {
        Ok(()) => println!("the write succeeded (unexpected)"),
        Err(e) => println!("write to a pipe with no reader: {:?}", e.kind()),
    }
    println!("and the process lives on to print this line");
    spawn_child()
}
// ANCHOR_END: broken_pipe

// ANCHOR: child
#[cfg(unix)]
fn spawn_child() -> Result<(), Box<dyn Error>> {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    println!("parent: SIGPIPE is {}", sigpipe_disposition());
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command.arg(CHILD_ROLE);
    // SAFETY: the closure runs in the forked child before exec and calls
    // only sigaction and write, both async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            let said: [&str; 3] = [
                "child, before exec: SIGPIPE is ",
                sigpipe_disposition(),
                "\n",
            ];
            for part in said {
                libc::write(2, part.as_ptr().cast(), part.len());
            }
            Ok(())
        })
    };
    let status = command.status()?; // spawns, then waits
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    println!(
        "parent: the child was ended by signal {signal:?} (13 is SIGPIPE)"
    );
    Ok(())
}
// ANCHOR_END: child

// ANCHOR: disposition
/// What this process does on SIGPIPE, read with sigaction.
#[cfg(unix)]
fn sigpipe_disposition() -> &'static str {
    // SAFETY: zeroed is a valid sigaction; a null new action only reads.
    let old = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old);
        old
    };
    match old.sa_sigaction {
        libc::SIG_IGN => "ignored (SIG_IGN)",
        libc::SIG_DFL => "the default: end the process (SIG_DFL)",
        _ => "caught by a handler",
    }
}

#[cfg(unix)]
fn child() -> Result<(), Box<dyn Error>> {
    // Rust's start-up code ran again in this new program, before main.
    println!("child, in main: SIGPIPE is {}", sigpipe_disposition());
    // Now behave like a C program, which keeps the default, and write to
    // a pipe with no reader: the kernel sends SIGPIPE, which ends us.
    // SAFETY: SIG_DFL installs no handler code; no other thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let (reader, mut writer) = std::io::pipe()?;
    drop(reader);
    let _ = writer.write_all(b"hello");
    println!("child: still alive (unexpected)");
    Ok(())
}
// ANCHOR_END: disposition

#[cfg(not(unix))]
fn spawn_child() -> Result<(), Box<dyn Error>> {
    println!("Windows has no signals: no SIGPIPE, and nothing to pass on.");
    Ok(())
}

#[cfg(not(unix))]
fn child() -> Result<(), Box<dyn Error>> {
    Ok(())
}
