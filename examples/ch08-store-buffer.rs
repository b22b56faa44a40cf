//! Question: Can a CPU let a later load overtake an earlier store?
//!
//! Run: cargo run --example ch08-store-buffer

use std::error::Error;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{self, Acquire, Release, SeqCst};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch08-store-buffer");
    std::process::exit(2)
}

// ANCHOR: litmus
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // Few rounds on one CPU: the two threads can only take turns there, with
    // no overlap to see, and each hand-over may wait for a time slice.
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let rounds = if cfg!(miri) || cpus < 2 { 30 } else { 5_000 };
    println!("rounds of \"store mine, load yours\": {rounds} (varies)");
    let weak = both_missed(rounds, Release, Acquire)?;
    println!("both loads missed, Release/Acquire: {weak} (varies)");
    let strong = both_missed(rounds, SeqCst, SeqCst)?;
    println!("both loads missed, SeqCst: {strong}");
    Ok(())
}

/// Each round, thread 1 does `x = round; read y` while thread 2 does
/// `y = round; read x`. Counts the rounds in which BOTH reads returned an
/// older value: each load was done while the other thread's store sat in
/// its core's store buffer, not yet visible.
fn both_missed(
    rounds: u64,
    store: Ordering,
    load: Ordering,
) -> Result<usize, &'static str> {
    let (x, y, arrived) =
        (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let side = |mine: &AtomicU64, other: &AtomicU64| -> Vec<bool> {
        let mut missed = Vec::with_capacity(rounds as usize);
        for round in 1..=rounds {
            arrived.fetch_add(1, SeqCst); // start each round together
            for spin in 1_u32.. {
                if arrived.load(SeqCst) >= 2 * round {
                    break;
                }
                if spin % 1024 == 0 {
                    thread::yield_now(); // the other thread may need our CPU
                }
            }
            mine.store(round, store);
            missed.push(other.load(load) < round);
        }
        missed
    };
    thread::scope(|s| {
        let first = s.spawn(|| side(&x, &y));
        let second = s.spawn(|| side(&y, &x));
        let first = first.join().map_err(|_| "a thread panicked")?;
        let second = second.join().map_err(|_| "a thread panicked")?;
        let both = first.iter().zip(&second).filter(|(a, b)| **a && **b);
        Ok(both.count())
    })
}
// ANCHOR_END: litmus
