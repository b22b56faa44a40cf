//! Question: What goes wrong when an async task blocks its thread, and how is it fixed?
//!
//! Run: cargo run --example ch14-blocking-in-async
//!
//! Miri: not run, because its facts are 10ms ticks of the wall clock, and
//! under Miri's interpreter too few ticks happen for them to hold.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(10);
const BLOCK: Duration = Duration::from_millis(100);
const SPIN: Duration = Duration::from_millis(50);
/// Ten ticks fit in BLOCK; demanding only half of them keeps a busy machine honest.
const FAIR_SHARE: u32 = 5;

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        eprintln!("usage: cargo run --example ch14-blocking-in-async");
        std::process::exit(2);
    }
    // ANCHOR: runtime
    // One thread polls every task: whatever blocks it, blocks them all.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("could not start the runtime: {e}"))?;
    // ANCHOR_END: runtime
    let result = runtime.block_on(async {
        // A bound on the whole run, so a bug cannot hang the example.
        tokio::time::timeout(Duration::from_secs(5), run()).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result.map_err(|_| "the example did not finish in time")?
}

async fn run() -> Result<(), Box<dyn Error>> {
    println!("runtime: current_thread, one thread polls every task");
    println!("ticker: a task that counts one tick every {TICK:?}");

    // ANCHOR: ticker
    let ticks = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        // After a stall, do not fire the missed ticks in a burst.
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await; // the ticker yields here
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    // ANCHOR_END: ticker

    tokio::time::sleep(3 * TICK).await;
    println!(
        "warm-up: the ticker is ticking: {}",
        ticks.load(Ordering::Relaxed) > 0
    );
    println!();

    // ANCHOR: bad
    println!("1. std::thread::sleep({BLOCK:?}) inside a task");
    let t = Arc::clone(&ticks);
    let blocked = tokio::spawn(async move {
        let before = t.load(Ordering::Relaxed);
        thread::sleep(BLOCK); // blocks the only worker thread: no task can run
        t.load(Ordering::Relaxed) - before
    });
    println!("   ticks while blocked in place: {}", blocked.await?);

    println!("2. a busy loop of {SPIN:?} inside a task");
    let t = Arc::clone(&ticks);
    let busy = tokio::spawn(async move {
        let before = t.load(Ordering::Relaxed);
        let start = Instant::now();
        let mut spins = 0u64;
        while start.elapsed() < SPIN {
            spins = std::hint::black_box(spins + 1); // CPU work, no .await
        }
        t.load(Ordering::Relaxed) - before
    });
    println!("   ticks while the loop ran: {}", busy.await?);
    // ANCHOR_END: bad
    tokio::time::sleep(2 * TICK).await; // let the ticker catch up
    println!();

    // ANCHOR: good
    println!("3. the same std::thread::sleep moved to tokio::task::spawn_blocking");
    let t = Arc::clone(&ticks);
    let offloaded = tokio::spawn(async move {
        let before = t.load(Ordering::Relaxed);
        let here = thread::current().id();
        let there = tokio::task::spawn_blocking(move || {
            thread::sleep(BLOCK); // blocks a thread of the blocking pool instead
            thread::current().id()
        })
        .await?;
        Ok::<_, tokio::task::JoinError>((t.load(Ordering::Relaxed) - before, here != there))
    });
    let (during, other_thread) = offloaded.await??;
    println!("   it ran on another thread: {other_thread}");
    println!("   ticks while spawn_blocking ran: {during} (varies)");
    println!("   at least {FAIR_SHARE} of them: {}", during >= FAIR_SHARE);

    println!("4. tokio::time::sleep({BLOCK:?}).await, the async way to wait");
    let before = ticks.load(Ordering::Relaxed);
    tokio::time::sleep(BLOCK).await; // parks this task, frees the thread
    let during = ticks.load(Ordering::Relaxed) - before;
    println!("   ticks while awaiting: {during} (varies)");
    println!("   at least {FAIR_SHARE} of them: {}", during >= FAIR_SHARE);
    // ANCHOR_END: good

    ticker.abort();
    Ok(())
}
