//! Question: How do fork, exec and spawn differ when a process starts another?
//!
//! Run: cargo run --example ch09-fork-exec-spawn
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it forks and starts child processes.

use std::error::Error;
use std::process::Command;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch09-fork-exec-spawn");
    std::process::exit(2)
}

// ANCHOR: roles
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "exec" => exec_again(),
        [role, old_pid] if role == "after-exec" => {
            let pid = std::process::id();
            println!("  pid {pid}: running main() again, with fresh memory");
            println!(
                "  same pid as before exec: {}",
                *old_pid == pid.to_string()
            );
            Ok(())
        }
        [role] if role == "spawned" => {
            println!(
                "  pid {}: a new process, a new program",
                std::process::id()
            );
            Ok(())
        }
        _ => usage(),
    }
}
// ANCHOR_END: roles

// ANCHOR: spawn
fn parent() -> Result<(), Box<dyn Error>> {
    println!("1. fork: copy this process");
    fork_copy()?;
    let exe = std::env::current_exe()?;
    println!("2. exec: the child replaces its program, keeps its pid");
    let status = Command::new(&exe).arg("exec").status()?; // spawn, wait
    println!("parent: child exited with success: {}", status.success());

    println!("3. spawn: a new process and a new program in one call");
    let status = Command::new(&exe).arg("spawned").status()?;
    println!("parent: child exited with success: {}", status.success());
    Ok(())
}
// ANCHOR_END: spawn

// ANCHOR: fork
#[cfg(unix)]
fn fork_copy() -> Result<(), Box<dyn Error>> {
    let mut counter: i32 = 42;
    // SAFETY: this process has one thread, so no lock can be held by a
    // thread the child lacks; the child only does arithmetic on its own
    // copy of `counter` and calls _exit, which is async-signal-safe.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    if pid == 0 {
        counter += 1; // the child: same code, its own copy of `counter`
        // SAFETY: _exit ends the child at once, without running atexit
        // handlers or flushing buffers it holds copies of.
        unsafe { libc::_exit(counter) };
    }
    let mut status = 0;
    // SAFETY: `status` is a valid, writable c_int; pid is our own child.
    if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
        return Err(std::io::Error::last_os_error().into());
    }
    println!("parent: fork returned the child's pid {pid}, and 0 in it");
    println!(
        "parent: the child exited with {}",
        libc::WEXITSTATUS(status)
    );
    println!("parent: my own counter is still {counter}");
    Ok(())
}
// ANCHOR_END: fork

#[cfg(not(unix))]
fn fork_copy() -> Result<(), Box<dyn Error>> {
    println!("(Windows has no fork: CreateProcess starts a new program)");
    Ok(())
}

// ANCHOR: exec
#[cfg(unix)]
fn exec_again() -> Result<(), Box<dyn Error>> {
    use std::os::unix::process::CommandExt;
    let pid = std::process::id();
    println!("  pid {pid}: calling exec to become a new program");
    let exe = std::env::current_exe()?;
    // exec returns only if it failed; on success this program is gone.
    let err = Command::new(exe)
        .args(["after-exec", &pid.to_string()])
        .exec();
    Err(format!("exec failed: {err}").into())
}
// ANCHOR_END: exec

#[cfg(not(unix))]
fn exec_again() -> Result<(), Box<dyn Error>> {
    println!("  (Windows has no exec: a process keeps its first program)");
    Ok(())
}
