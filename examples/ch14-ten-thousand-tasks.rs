//! Question: How can two threads wait on ten thousand things at once?
//!
//! Run: cargo run --example ch14-ten-thousand-tasks
//! Needs: tokio = { version = "1", features = ["rt-multi-thread", "macros", "time"] }

use std::collections::HashSet;
use std::error::Error;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

const TASKS: u32 = 10_000;
const NAP: Duration = Duration::from_millis(20);

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch14-ten-thousand-tasks");
    std::process::exit(2)
}

// ANCHOR: tasks
/// One task: wait a little (no thread is blocked meanwhile), then answer
/// with the thread that ran it.
async fn task() -> ThreadId {
    tokio::time::sleep(NAP).await; // the task is parked here, not a thread
    thread::current().id()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let one_task = task();
    println!("one task's state machine: {} bytes", size_of_val(&one_task));
    drop(one_task); // a future does nothing until it is polled

    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS).map(|_| tokio::spawn(task())).collect();
    let mut threads = HashSet::new();
    for handle in handles {
        threads.insert(handle.await?);
    }
    let elapsed = start.elapsed();

    let at_most_two = threads.len() <= 2;
    println!("{TASKS} tasks ran on at most 2 worker threads: {at_most_two}");
    println!("each slept {NAP:?}; one after another: {:?}", NAP * TASKS);
    println!("all of them took {elapsed:?}");
    println!("less than 50 naps, not {TASKS}: {}", elapsed < NAP * 50);
    Ok(())
}
// ANCHOR_END: tasks
