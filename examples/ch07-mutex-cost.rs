//! Question: What does a mutex cost, alone and when two threads want it?
//!
//! Run: cargo run --example ch07-mutex-cost
//! Miri: not run, because it measures native speed, which Miri cannot show.
//!
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (one row
//! per figure, for the reference data). Measure with `--release` for
//! figures you mean to quote.

use std::error::Error;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Lock-and-unlock pairs in one timed run: one pair is far shorter than a
/// clock read, so each run times a batch and the rows divide by it.
const BATCH: u32 = 1_000;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch07-mutex-cost [-- [--quick] [--csv]]"
    );
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    let runs = if quick { 20 } else { 20_000 };
    if !csv {
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        println!("build: {build}; each figure is per operation, the median");
        println!("of {runs} timed runs of {BATCH} operations each");
    }

    // ANCHOR: alone
    // Alone, every lock finds the mutex free: a compare-and-swap to lock
    // and a swap to unlock, and no system call.
    let counter = Mutex::new(0_u64);
    let lock_batch = || -> Result<(), Box<dyn Error>> {
        for _ in 0..BATCH {
            *counter.lock().map_err(|_| "poisoned")? += 1;
        }
        Ok(())
    };
    let alone = measure(runs, lock_batch)?;
    // An atomic add is one read-modify-write: the fast path's core.
    let atomic = AtomicU64::new(0);
    let atomic_alone = measure(runs, || {
        for _ in 0..BATCH {
            atomic.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    })?;
    // ANCHOR_END: alone

    // ANCHOR: contended
    // A rival thread takes the same lock in a loop until told to stop, so
    // a lock may find it held: spin briefly, then sleep (on Linux in a
    // futex wait) until the holder's unlock wakes us.
    let (stop, started) = (AtomicBool::new(false), Barrier::new(2));
    let (contended, rival_locks) = thread::scope(|s| {
        let rival = s.spawn(|| {
            started.wait();
            let mut taken: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                // Poisoning cannot happen: no holder of this lock panics.
                *counter.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                taken += 1;
            }
            taken
        });
        started.wait(); // measure only once the rival is running
        let contended = measure(runs, lock_batch);
        stop.store(true, Ordering::Relaxed); // also when measuring failed
        let taken = rival.join().map_err(|_| "the rival thread panicked");
        (contended, taken)
    });
    let (contended, rival_locks) = (contended?, rival_locks?);
    // ANCHOR_END: contended

    let per_op = |d: Duration| d.as_nanos() as f64 / f64::from(BATCH);
    let rows = [
        ("mutex_uncontended", "lock + unlock, one thread", &alone),
        (
            "atomic_add_uncontended",
            "atomic fetch_add, one thread",
            &atomic_alone,
        ),
        (
            "mutex_contended_2_threads",
            "lock + unlock, 2 threads",
            &contended,
        ),
    ];
    for (name, label, stats) in rows {
        let (median, p10, p90) =
            (per_op(stats.median), per_op(stats.p10), per_op(stats.p90));
        if csv {
            println!("{name},ns,{median:.2},{p10:.2},{p90:.2},{}", stats.n);
        } else {
            println!(
                "{label}: {median:.1} ns (p10 {p10:.1} ns, p90 {p90:.1} ns)"
            );
        }
    }
    // The ratio comes from this one run; its range pairs the extremes.
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let median = ratio(contended.median, alone.median);
    let p10 = ratio(contended.p10, alone.p90);
    let p90 = ratio(contended.p90, alone.p10);
    if csv {
        println!(
            "mutex_contended_ratio,ratio,{median:.2},{p10:.2},{p90:.2},{runs}"
        );
    } else {
        println!("contended / uncontended: {median:.1} times (varies)");
        println!("locks the rival took meanwhile: {rival_locks} (varies)");
    }
    Ok(())
}

/// Median, 10th and 90th percentile of `n` timed runs.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

/// Times `run` `n` times, after `n / 10 + 1` untimed warm-up runs.
fn measure(
    n: usize,
    mut run: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Stats, Box<dyn Error>> {
    for _ in 0..n / 10 + 1 {
        run()?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |percent: usize| times[(n - 1) * percent / 100];
    Ok(Stats {
        median: at(50),
        p10: at(10),
        p90: at(90),
        n,
    })
}
