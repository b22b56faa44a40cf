//! Question: How can one program become several processes at once?
//!
//! Run: cargo run --example ch01-one-program-many-processes
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch01-one-program-many-processes");
    std::process::exit(2)
}

// ANCHOR: guard
/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
// ANCHOR_END: guard

// ANCHOR: global
/// One global variable. The executable file records its starting value
/// once, but every process that runs the file gets a copy of its own.
static VALUE: AtomicU64 = AtomicU64::new(0);
// ANCHOR_END: global

// ANCHOR: child
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role, index] if role == "child" => match index.parse() {
            Ok(index) => child(index),
            Err(_) => usage(),
        },
        _ => usage(),
    }
}

/// What each copy does: change its own `VALUE`, report, then wait until
/// the parent closes our standard input, so all copies run at once.
fn child(index: u64) -> Result<(), Box<dyn Error>> {
    let before = VALUE.load(Ordering::SeqCst);
    VALUE.store(100 * (index + 1), Ordering::SeqCst);
    println!(
        "child {index} (pid {}): VALUE at {:p} was {before}, now {}",
        std::process::id(),
        &VALUE,
        VALUE.load(Ordering::SeqCst),
    );
    std::io::stdin().read_to_end(&mut Vec::new())?; // returns at end of file
    Ok(())
}
// ANCHOR_END: child

fn parent() -> Result<(), Box<dyn Error>> {
    // ANCHOR: spawn
    let exe = std::env::current_exe()?;
    VALUE.store(42, Ordering::SeqCst);
    let pid = std::process::id();
    let value = VALUE.load(Ordering::SeqCst);
    println!("parent (pid {pid}): VALUE at {:p} is {value}", &VALUE);
    let mut children = Vec::new();
    for index in 0..3 {
        let mut command = Command::new(&exe);
        command.args(["child", &index.to_string()]);
        command.stdin(Stdio::piped()).stdout(Stdio::piped());
        same_layout_for_children(&mut command);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start child {index}: {e}"))?;
        children.push(KillOnDrop(child));
    }
    // ANCHOR_END: spawn
    // ANCHOR: parent
    // Every child now waits for its standard input to close, so all three
    // are running at this moment: one program, several processes.
    let mut alive = Vec::new();
    for child in &mut children {
        if child.0.try_wait()?.is_none() {
            alive.push(format!("pid {}", child.0.id()));
        }
    }
    println!("alive at the same time: {}", alive.join(", "));
    for (index, child) in children.iter_mut().enumerate() {
        drop(child.0.stdin.take()); // end of file: this child may finish
        let mut report = String::new();
        let mut out = child.0.stdout.take().ok_or("no stdout pipe")?;
        out.read_to_string(&mut report)?;
        let status = child.0.wait()?;
        print!("{report}");
        println!("reaped child {index}: {status}");
    }
    let value = VALUE.load(Ordering::SeqCst);
    println!("parent (pid {pid}): VALUE at {:p} is still {value}", &VALUE);
    Ok(())
    // ANCHOR_END: parent
}

// ANCHOR: layout
/// Asks Linux to start the children without address space layout
/// randomisation, so all three put `VALUE` at one address. If the system
/// refuses (some containers do), they only print different addresses.
#[cfg(target_os = "linux")]
fn same_layout_for_children(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the child between fork and exec, where
    // only async-signal-safe calls are allowed; `personality` is one system
    // call, and the closure allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(|| {
            libc::personality(libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn same_layout_for_children(_command: &mut Command) {}
// ANCHOR_END: layout
