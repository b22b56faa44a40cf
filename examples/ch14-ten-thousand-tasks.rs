//! Question: How can two threads wait on ten thousand things at once?
//!
//! Run: cargo run --example ch14-ten-thousand-tasks

use std::collections::HashSet;
use std::error::Error;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

const TASKS: u64 = 10_000;
const WORKERS: usize = 2;
const NAP: Duration = Duration::from_millis(20);

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        eprintln!("usage: cargo run --example ch14-ten-thousand-tasks");
        std::process::exit(2);
    }

    // ANCHOR: runtime
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("tokio-worker")
        .enable_time()
        .build()
        .map_err(|e| format!("could not start the runtime: {e}"))?;
    // ANCHOR_END: runtime

    let result = runtime.block_on(async {
        // A bound on the whole run, so a bug cannot hang the example.
        tokio::time::timeout(Duration::from_secs(10), run_tasks()).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result.map_err(|_| "the tasks did not finish in time")?
}

// ANCHOR: tasks
/// One task: wait a little (no thread is blocked meanwhile), then answer.
async fn task(i: u64) -> (u64, ThreadId, bool) {
    tokio::time::sleep(NAP).await; // the task is parked here, not a thread
    let on_worker = thread::current().name() == Some("tokio-worker");
    (i * 2, thread::current().id(), on_worker)
}

async fn run_tasks() -> Result<(), Box<dyn Error>> {
    let one_task = task(0);
    println!("one task's state machine: {} bytes", size_of_val(&one_task));
    drop(one_task); // a future does nothing until it is polled

    let start = Instant::now();
    let handles: Vec<_> = (0..TASKS).map(|i| tokio::spawn(task(i))).collect();

    let mut sum = 0;
    let mut threads = HashSet::new();
    let mut all_on_workers = true;
    for handle in handles {
        let (value, thread, on_worker) = handle.await?;
        sum += value;
        threads.insert(thread);
        all_on_workers &= on_worker;
    }
    let elapsed = start.elapsed();
    // ANCHOR_END: tasks

    println!("{TASKS} tasks finished on {WORKERS} worker threads");
    println!("sum of their answers: {sum}");
    println!("every task ran on a worker thread: {all_on_workers}");
    println!(
        "distinct threads that ran tasks: at most {WORKERS}: {}",
        threads.len() <= WORKERS
    );
    println!(
        "each task slept {NAP:?}; one after another that is {:?}",
        NAP * TASKS as u32
    );
    println!("all of them took {elapsed:?}");
    println!(
        "took less than 50 naps, not {TASKS}: {}",
        elapsed < NAP * 50
    );
    Ok(())
}
