//! Question: Why must async code not block its thread, and what instead?
//!
//! Run: cargo run --example ch14-blocking-in-async
//! Needs: tokio = { version = "1", features = ["rt", "macros", "time"] }
//! Miri: not run, because it counts 10 ms ticks, too few under Miri.

use std::error::Error;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch14-blocking-in-async");
    std::process::exit(2)
}

// ANCHOR: runtime
const TICK: Duration = Duration::from_millis(10);
const BLOCK: Duration = Duration::from_millis(100); // room for 10 ticks
static TICKS: AtomicU32 = AtomicU32::new(0);

#[tokio::main(flavor = "current_thread")] // one thread polls every task
async fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR_END: runtime
    // ANCHOR: ticker
    tokio::spawn(async {
        loop {
            tokio::time::sleep(TICK).await; // the ticker yields here
            TICKS.fetch_add(1, Relaxed);
        }
    });
    tokio::time::sleep(3 * TICK).await; // main yields: the ticker runs
    let count = || TICKS.load(Relaxed);
    // ANCHOR_END: ticker
    // ANCHOR: bad
    println!("1. std::thread::sleep({BLOCK:?}) in async code");
    let before = count();
    thread::sleep(BLOCK); // blocks the only thread: no task can run
    println!("   ticks meanwhile: {}", count() - before);
    println!("2. a busy loop of {BLOCK:?} in async code");
    let (before, start) = (count(), Instant::now());
    while start.elapsed() < BLOCK {
        std::hint::spin_loop(); // CPU work with no .await: no task can run
    }
    println!("   ticks meanwhile: {}", count() - before);
    // ANCHOR_END: bad
    // ANCHOR: good
    println!("3. the same std::thread::sleep in tokio::task::spawn_blocking");
    let (before, here) = (count(), thread::current().id());
    let there = tokio::task::spawn_blocking(|| {
        thread::sleep(BLOCK); // blocks a thread of the blocking pool instead
        thread::current().id()
    })
    .await?; // main yields here until the blocking thread is done
    println!("   it ran on another thread: {}", here != there);
    let enough = count() - before >= 3; // of 10: a busy machine passes too
    println!("   at least 3 ticks meanwhile: {enough}");
    println!("4. tokio::time::sleep({BLOCK:?}).await, the async way to wait");
    let before = count();
    tokio::time::sleep(BLOCK).await; // parks main, frees the thread
    let enough = count() - before >= 3;
    println!("   at least 3 ticks meanwhile: {enough}");
    // ANCHOR_END: good
    Ok(())
}
