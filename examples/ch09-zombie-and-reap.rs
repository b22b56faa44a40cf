//! Question: What is a zombie process, and what does "reaping" a child mean?
//!
//! Run: cargo run --example ch09-zombie-and-reap
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch09-zombie-and-reap");
    std::process::exit(2)
}

// ANCHOR: roles
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "child" => std::process::exit(7),
        _ => usage(),
    }
}
// ANCHOR_END: roles

// ANCHOR: reap
#[cfg(target_os = "linux")]
fn parent() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe).arg("child").spawn()?;
    let pid = child.id();
    let looked = look_at_the_zombie(pid); // even if looking fails, ...
    let status = child.wait()?; // ... reap: waitpid() under the hood
    looked?;
    println!("wait() returned the exit code the zombie kept: {status}");
    let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
    println!("after wait(), /proc/<child> is gone: {gone}");
    Ok(())
}
// ANCHOR_END: reap

// ANCHOR: zombie
#[cfg(target_os = "linux")]
fn look_at_the_zombie(pid: u32) -> Result<(), Box<dyn Error>> {
    // Block until the child has exited, but leave it unreaped (WNOWAIT).
    // SAFETY: `info` is a valid, writable siginfo_t; pid is our own child.
    let waited = unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT)
    };
    if waited != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // "PID (name) STATE ...": the name may hold ')', so split at the last.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let state = stat.rsplit(')').next().and_then(|s| s.split(' ').nth(1));
    println!("/proc/<child>/stat: state {}", state.unwrap_or("?"));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let vm_lines = status.lines().filter(|l| l.starts_with("Vm")).count();
    println!("memory lines (Vm*) in its /proc/<child>/status: {vm_lines}");
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn parent() -> Result<(), Box<dyn Error>> {
    println!("(only Linux has /proc to show a zombie; it does nothing here)");
    Ok(())
}
// ANCHOR_END: zombie
