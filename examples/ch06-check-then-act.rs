//! Question: Which races does safe Rust allow, and how do atomics fix them?
//!
//! Run: cargo run --example ch06-check-then-act

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-check-then-act");
    std::process::exit(2)
}

// ANCHOR: lossy
fn main() {
    if std::env::args().len() > 1 {
        usage();
    }
    println!("2 threads each add 1, {PER_THREAD} times");
    // Safe Rust, and wrong: the other thread can act between read and write.
    let lossy = run(|counter| {
        let seen = counter.load(SeqCst); // check ...
        let next = slow_add_one(seen); // (the other thread may run now)
        counter.store(next, SeqCst); // ... then act on a stale value
    });
    println!("load then store:        {lossy} (varies)");
    // ANCHOR_END: lossy

    // ANCHOR: fetch_add
    let added = run(|counter| {
        counter.fetch_add(1, SeqCst); // read, add and write as one step
    });
    println!("fetch_add:              {added}");
    // ANCHOR_END: fetch_add

    // ANCHOR: cas
    let swapped = run(|counter| {
        let mut seen = counter.load(SeqCst);
        // Write only if nobody changed the value since we read it; else retry.
        while let Err(now) =
            counter.compare_exchange(seen, slow_add_one(seen), SeqCst, SeqCst)
        {
            seen = now;
        }
    });
    println!("compare_exchange loop:  {swapped}");
    // ANCHOR_END: cas
}

// ANCHOR: run
const PER_THREAD: u64 = if cfg!(miri) { 20 } else { 50_000 }; // Miri is slow

/// Adds 1 after a little work, as real updates do: that is the window in
/// which the other thread can change the value.
fn slow_add_one(seen: u64) -> u64 {
    (0..20).for_each(|_| std::hint::spin_loop());
    std::hint::black_box(seen) + 1
}

/// Runs `step` PER_THREAD times on each of 2 threads; returns the counter.
fn run(step: impl Fn(&AtomicU64) + Sync) -> u64 {
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| (0..PER_THREAD).for_each(|_| step(&counter)));
        }
    });
    counter.into_inner()
}
// ANCHOR_END: run
