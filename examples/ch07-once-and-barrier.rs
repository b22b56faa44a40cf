//! Question: How do threads run set-up once, and start a phase together?
//!
//! Run: cargo run --example ch07-once-and-barrier

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, LazyLock, Mutex, OnceLock};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch07-once-and-barrier");
    std::process::exit(2)
}

// ANCHOR: once
/// The threads that ask for the set-up and then meet at the barrier.
const THREADS: usize = 4;
/// How many times the set-up code really ran.
static INIT_RUNS: AtomicUsize = AtomicUsize::new(0);
/// Filled by whichever thread asks first; the others wait, then share it.
static CONFIG: OnceLock<String> = OnceLock::new();
/// The same idea with the set-up code written beside the static.
static GREETING: LazyLock<String> = LazyLock::new(|| "hello".repeat(2));

fn config() -> &'static str {
    CONFIG.get_or_init(|| {
        INIT_RUNS.fetch_add(1, Ordering::Relaxed);
        "threads=4".to_string()
    })
}
// ANCHOR_END: once

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: barrier
    let barrier = Barrier::new(THREADS);
    let phases = Mutex::new(Vec::new()); // phase 1 or 2, in the order done
    let leaders = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let _ = (config(), GREETING.len()); // everyone asks
                    phases.lock().map_err(|_| "poisoned")?.push(1);
                    // No thread passes until all THREADS have arrived.
                    let leader = barrier.wait().is_leader();
                    phases.lock().map_err(|_| "poisoned")?.push(2);
                    Ok::<_, &str>(leader)
                })
            })
            .collect();
        let mut leaders = 0;
        for handle in handles {
            leaders += usize::from(handle.join().map_err(|_| "panicked")??);
        }
        Ok::<_, &str>(leaders)
    })?;
    let phases = phases.into_inner().map_err(|_| "poisoned")?;
    let runs = INIT_RUNS.load(Ordering::Relaxed);
    println!("set-up code ran {runs} time(s)");
    println!("config: {}, greeting: {}", config(), *GREETING);
    println!("phases in the order they happened: {phases:?}");
    println!("threads told they were the leader: {leaders}");
    // ANCHOR_END: barrier
    Ok(())
}
