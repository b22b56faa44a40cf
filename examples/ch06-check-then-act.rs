//! Question: Which race conditions does Rust still let through, and how do atomics fix them?
//!
//! Run: cargo run --example ch06-check-then-act
//!
//! Optional: `-- --iterations N` sets how many times each thread adds 1
//! (default 50000; Miri runs it with a small N).

use std::error::Error;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

const THREADS: u64 = 2;
const DEFAULT_PER_THREAD: u64 = 50_000;
const WORK: u32 = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_thread = match args.as_slice() {
        [] => DEFAULT_PER_THREAD,
        [flag, n] if flag == "--iterations" => n.parse().unwrap_or_else(|_| usage()),
        _ => usage(),
    };
    let expected = THREADS * per_thread;
    println!("{THREADS} threads each add 1, {per_thread} times: {expected} expected");

    // ANCHOR: lossy
    // Safe Rust, no `unsafe`, and still wrong: reading and writing are two
    // separate steps, and the other thread can act in between.
    let lossy = run(per_thread, |counter| {
        let seen = counter.load(Ordering::SeqCst); // check ...
        let next = next_value(seen); // (the other thread may run meanwhile)
        counter.store(next, Ordering::SeqCst); // ... then act on a stale value
    });
    // ANCHOR_END: lossy
    println!("load then store:        {lossy} (varies)");

    // ANCHOR: fetch_add
    let added = run(per_thread, |counter| {
        counter.fetch_add(1, Ordering::SeqCst); // read, add and write as one step
    });
    // ANCHOR_END: fetch_add
    println!("fetch_add:              {added}");

    // ANCHOR: cas
    let swapped = run(per_thread, |counter| {
        let mut seen = counter.load(Ordering::SeqCst);
        // Write only if nobody changed the value since we read it; else retry.
        while let Err(actual) =
            counter.compare_exchange(seen, next_value(seen), Ordering::SeqCst, Ordering::SeqCst)
        {
            seen = actual;
        }
    });
    // ANCHOR_END: cas
    println!("compare_exchange loop:  {swapped}");

    if added != expected || swapped != expected {
        return Err("an atomic update was lost, which should be impossible".into());
    }
    Ok(())
}

fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-check-then-act [-- --iterations N]");
    std::process::exit(2);
}

/// The "act" takes a little work, as real updates do; that is the window
/// in which another thread can change the value.
fn next_value(seen: u64) -> u64 {
    for _ in 0..WORK {
        std::hint::spin_loop();
    }
    std::hint::black_box(seen) + 1
}

/// Runs `step` `per_thread` times on each of `THREADS` threads, all sharing
/// one counter, and returns the final value.
fn run(per_thread: u64, step: impl Fn(&AtomicU64) + Sync) -> u64 {
    let counter = AtomicU64::new(0);
    let start = Barrier::new(THREADS as usize);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                start.wait(); // start together so the threads overlap
                for _ in 0..per_thread {
                    step(&counter);
                }
            });
        }
    });
    counter.load(Ordering::SeqCst)
}
