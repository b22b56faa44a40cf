//! Question: How do I name a thread and choose its stack size, and what does the OS see?
//!
//! Run: cargo run --example ch03-thread-names-and-stack-size

use std::error::Error;
use std::hint::black_box;
use std::thread;

/// Stack size we ask for: 16 MiB instead of the default 2 MiB.
const BIG_STACK: usize = 16 * 1024 * 1024;
/// How deep the bounded recursion goes. Far too shallow to overflow.
const DEPTH: usize = 2000;

/// What a thread learns about itself.
struct SelfReport {
    rust_name: Option<String>,
    os_name: Option<String>,
    kernel_ids: Option<(u32, u32)>, // (process id, thread id) as Linux sees them
    stack_used: usize,
}

// ANCHOR: recurse
/// Calls itself `depth` more times, each frame holding a 256-byte buffer, and
/// returns the lowest stack address reached (stacks grow downwards on the
/// machines this book runs on).
fn recurse(depth: usize) -> usize {
    let buffer = black_box([depth as u8; 256]);
    let here = &buffer as *const [u8; 256] as usize;
    if depth == 0 {
        here
    } else {
        black_box(recurse(depth - 1)).min(here)
    }
}
// ANCHOR_END: recurse

/// Reports what the calling thread can learn about itself. Only the thread
/// with the big stack runs the recursion; the others keep to small frames.
fn look_at_myself(go_deep: bool) -> SelfReport {
    let top = black_box(0_u8);
    let top_at = &top as *const u8 as usize;
    let deepest = if go_deep { recurse(DEPTH) } else { top_at };
    SelfReport {
        rust_name: thread::current().name().map(str::to_string),
        os_name: os_thread_name(),
        kernel_ids: kernel_ids(),
        stack_used: top_at.abs_diff(deepest),
    }
}

/// The name the kernel keeps for the calling thread (what `top -H` shows).
#[cfg(target_os = "linux")]
fn os_thread_name() -> Option<String> {
    let comm = std::fs::read_to_string("/proc/thread-self/comm").ok()?;
    Some(comm.trim_end().to_string())
}

#[cfg(not(target_os = "linux"))]
fn os_thread_name() -> Option<String> {
    None
}

/// On Linux, /proc/thread-self links to "PID/task/TID" for the calling thread.
#[cfg(target_os = "linux")]
fn kernel_ids() -> Option<(u32, u32)> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    let text = link.to_str()?;
    let mut parts = text.split('/');
    let pid = parts.next()?.parse().ok()?;
    let tid = parts.nth(1)?.parse().ok()?;
    Some((pid, tid))
}

#[cfg(not(target_os = "linux"))]
fn kernel_ids() -> Option<(u32, u32)> {
    None
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).is_some() {
        eprintln!("usage: cargo run --example ch03-thread-names-and-stack-size");
        std::process::exit(2);
    }

    // ANCHOR: builder
    let named = thread::Builder::new()
        .name("ch03-a-long-thread-name".to_string())
        .stack_size(BIG_STACK)
        .spawn(|| look_at_myself(true))
        .map_err(|e| format!("could not spawn the named thread: {e}"))?;
    let unnamed = thread::spawn(|| look_at_myself(false));

    let named = named.join().map_err(|_| "the named thread panicked")?;
    let unnamed = unnamed.join().map_err(|_| "the unnamed thread panicked")?;
    let main = look_at_myself(false);
    // ANCHOR_END: builder

    for (label, r) in [("main", &main), ("named", &named), ("unnamed", &unnamed)] {
        println!("{label} thread: Rust name {:?}", r.rust_name);
    }
    println!(
        "{DEPTH} nested calls used {} KiB of the named thread's stack",
        named.stack_used / 1024
    );
    println!(
        "that is less than the {} MiB it asked for: {}",
        BIG_STACK / (1024 * 1024),
        named.stack_used < BIG_STACK
    );

    if cfg!(target_os = "linux") {
        println!("kernel's name for the named thread: {:?}", named.os_name);
        println!(
            "kernel's name for the unnamed thread: {:?}",
            unnamed.os_name
        );
        if let (Some((pid, main_tid)), Some((pid_a, tid_a)), Some((pid_b, tid_b))) =
            (main.kernel_ids, named.kernel_ids, unnamed.kernel_ids)
        {
            println!("process: pid {pid}");
            println!(
                "main thread's kernel thread id equals the pid: {}",
                main_tid == pid
            );
            println!(
                "both spawned threads belong to the same pid: {}",
                pid_a == pid && pid_b == pid
            );
            println!(
                "all three kernel thread ids are different: {}",
                main_tid != tid_a && main_tid != tid_b && tid_a != tid_b
            );
        }
    } else {
        println!("kernel thread names and ids are read from /proc, which only Linux has.");
    }
    Ok(())
}
