//! Question: What happens to a process when a thread overflows its stack?
//!
//! Run: cargo run --example ch03-stack-overflow
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts a child process.

use std::error::Error;
#[cfg(unix)]
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch03-stack-overflow");
    std::process::exit(2)
}

// ANCHOR: child
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "child" => child(),
        _ => usage(),
    }
}

/// Calls itself until the stack runs out; each frame holds a 1 KiB buffer.
fn dive(depth: u64) -> u64 {
    let buffer = std::hint::black_box([depth as u8; 1024]);
    if depth == u64::MAX {
        return 0;
    }
    dive(depth + 1) + u64::from(buffer[0])
}

/// The copy that crashes: a thread named `deep`, with a 256 KiB stack.
fn child() -> Result<(), Box<dyn Error>> {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) only clears a flag of this process
    // (so no core file is written); it touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    let deep = std::thread::Builder::new().name("deep".to_string());
    let deep = deep.stack_size(256 * 1024).spawn(|| dive(0))?;
    let depth = deep.join().map_err(|_| "'deep' panicked")?;
    println!("'deep' came back from depth {depth}"); // never printed
    Ok(())
}
// ANCHOR_END: child

// ANCHOR: parent
fn parent() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    // output() starts the child, waits for it, and collects what it printed.
    let output = Command::new(exe).arg("child").output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr.lines().filter(|line| !line.is_empty()) {
        println!("child stderr: {line}");
    }
    #[cfg(unix)] // the signal's number; Windows has no signals
    println!("child ended by signal: {:?}", output.status.signal());
    let code = output.status.code().map(|c| format!("{:#x}", c as u32));
    println!("child exit code: {code:?}");
    println!("std describes it as: {}", output.status);
    println!("the parent is unharmed and still running");
    Ok(())
}
// ANCHOR_END: parent
