//! Question: How do I name a thread and choose its stack size?
//!
//! Run: cargo run --example ch03-thread-names-and-stack-size

use std::error::Error;
use std::hint::black_box;
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch03-thread-names-and-stack-size");
    std::process::exit(2)
}

// ANCHOR: recurse
/// Calls itself `depth` more times, each frame holding a 256-byte buffer,
/// and returns the lowest stack address reached (stacks grow downwards).
fn recurse(depth: usize) -> usize {
    let buffer = black_box([depth as u8; 256]);
    let here = &raw const buffer as usize;
    if depth == 0 {
        here
    } else {
        black_box(recurse(depth - 1)).min(here)
    }
}
// ANCHOR_END: recurse

// ANCHOR: describe
/// Prints what the calling thread can learn about itself.
fn describe_me(label: &str) {
    println!("{label}: Rust name {:?}", thread::current().name());
    // Linux: /proc/thread-self is the calling thread's PID/task/TID.
    #[cfg(target_os = "linux")]
    if let (Ok(comm), Ok(link)) = (
        std::fs::read_to_string("/proc/thread-self/comm"),
        std::fs::read_link("/proc/thread-self"),
    ) {
        let is_pid = link.ends_with(std::process::id().to_string());
        println!("{label}: kernel name {:?}", comm.trim_end());
        println!("{label}: kernel thread id equals the pid: {is_pid}");
    }
}
// ANCHOR_END: describe

// ANCHOR: builder
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    describe_me("main");
    let named = thread::Builder::new()
        .name("ch03-a-long-thread-name".to_string())
        .stack_size(16 * 1024 * 1024) // 16 MiB, not the default 2 MiB
        .spawn(|| {
            describe_me("named");
            let top = black_box(0_u8);
            (&raw const top as usize) - recurse(2000)
        })?;
    let used = named.join().map_err(|_| "the named thread panicked")?;
    println!("2000 nested calls used {} KiB of its 16 MiB", used / 1024);
    let unnamed = thread::spawn(|| describe_me("unnamed")).join();
    unnamed.map_err(|_| "the unnamed thread panicked")?;
    if !cfg!(target_os = "linux") {
        println!("This system has no /proc: no kernel names or ids.");
    }
    Ok(())
    // ANCHOR_END: builder
}
