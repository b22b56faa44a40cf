//! Question: How does a parent learn, through SIGCHLD, that children ended?
//!
//! Run: cargo run --example ch10-sigchld
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch10-sigchld");
    std::process::exit(2)
}

// ANCHOR: sigchld
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role, n] if role == "child" => std::process::exit(n.parse()?),
        _ => usage(),
    }
}

#[cfg(unix)]
fn parent() -> Result<(), Box<dyn Error>> {
    use libc::*; // the C names: sigwait, waitpid, SIGCHLD, ...
    // Never runs (SIGCHLD stays blocked); without it, macOS drops SIGCHLD.
    extern "C" fn never_runs(_: c_int) {}
    // SAFETY: the handler does nothing; sigemptyset initialises the set.
    let mut set = unsafe {
        signal(SIGCHLD, never_runs as *const () as sighandler_t);
        let mut set: sigset_t = std::mem::zeroed();
        sigemptyset(&mut set);
        sigaddset(&mut set, SIGCHLD);
        // Blocked before any child exists: a SIGCHLD stays pending.
        pthread_sigmask(SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    for n in ["1", "2", "3"] {
        let mut command = std::process::Command::new(std::env::current_exe()?);
        let pid = command.args(["child", n]).spawn()?.id(); // exits with n
        // Wait until it has ended, but leave it unreaped (WNOWAIT).
        let info = &mut std::mem::MaybeUninit::zeroed();
        // SAFETY: `info` is writable room for a siginfo_t; pid is our child.
        unsafe { waitid(P_PID, pid, info.as_mut_ptr(), WEXITED | WNOWAIT) };
    }
    println!("children 1, 2, 3 have ended, in that order; none reaped yet");
    let (mut taken, mut status) = (0, 0);
    // SAFETY: `set` is initialised and `taken` is a live c_int.
    unsafe { sigwait(&set, &mut taken) };
    println!("sigwait: SIGCHLD received");
    // One SIGCHLD may stand for several exits: reap every child that ended.
    // SAFETY: `status` is a live, writable c_int.
    while let pid @ 1.. = unsafe { waitpid(-1, &mut status, WNOHANG) } {
        println!("  reaped pid {pid}: exit code {}", WEXITSTATUS(status));
    }
    // SAFETY: `set` is a valid sigset_t, which sigpending overwrites.
    let pending =
        unsafe { sigpending(&mut set) == 0 && sigismember(&set, SIGCHLD) == 1 };
    println!("another SIGCHLD pending: {pending}");
    Ok(())
}
// ANCHOR_END: sigchld

#[cfg(not(unix))]
fn parent() -> Result<(), Box<dyn Error>> {
    println!("SIGCHLD is a Unix signal; Windows reports a child's end through");
    println!("its process handle (WaitForSingleObject), as Child::wait uses.");
    Ok(())
}
