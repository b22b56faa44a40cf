//! Question: How can a global variable have one copy per thread?
//!
//! Run: cargo run --example ch03-thread-local

use std::cell::Cell;
use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

// ANCHOR: declare
thread_local! {
    // Thread-local storage: every thread that touches it gets its own copy,
    // created on first use and dropped when that thread ends.
    static PER_THREAD: Cell<usize> = const { Cell::new(0) };
}

// An ordinary static: one copy in the process, seen by every thread.
static SHARED: AtomicUsize = AtomicUsize::new(0);
// ANCHOR_END: declare

/// Adds `times` to both counters and reports what this thread saw.
fn count(times: usize) -> (usize, usize, usize) {
    for _ in 0..times {
        PER_THREAD.with(|c| c.set(c.get() + 1));
        SHARED.fetch_add(1, Ordering::Relaxed);
    }
    let mine = PER_THREAD.with(|c| c.get());
    let tls_at = PER_THREAD.with(|c| c as *const Cell<usize> as usize);
    let static_at = &SHARED as *const AtomicUsize as usize;
    (mine, tls_at, static_at)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).is_some() {
        eprintln!("usage: cargo run --example ch03-thread-local");
        std::process::exit(2);
    }

    // ANCHOR: run
    let mut results = Vec::new();
    // main counts 5 times; worker k counts 10 * k times.
    results.push(("main".to_string(), 5, count(5)));
    // The barrier keeps all workers alive together, so no thread can inherit
    // the memory of one that has already ended. (It cannot hang: count()
    // cannot fail, and if a spawn fails, main returns and the process ends.)
    let all_here = Arc::new(Barrier::new(3));
    let mut handles = Vec::new();
    for k in 1..=3 {
        let all_here = Arc::clone(&all_here);
        let handle = thread::Builder::new()
            .spawn(move || {
                let seen = count(10 * k);
                all_here.wait();
                seen
            })
            .map_err(|e| format!("could not spawn worker {k}: {e}"))?;
        handles.push((k, handle));
    }
    for (k, handle) in handles {
        let seen = handle.join().map_err(|_| "a worker thread panicked")?;
        results.push((format!("worker-{k}"), 10 * k, seen));
    }
    // ANCHOR_END: run

    for (who, times, (mine, tls_at, static_at)) in &results {
        println!(
            "{who:<8} added {times:>2}: its thread-local = {mine:>2} (at {tls_at:#x}), \
             static at {static_at:#x}"
        );
    }
    let main_again = PER_THREAD.with(|c| c.get());
    let total = SHARED.load(Ordering::Relaxed);
    let added: usize = results.iter().map(|r| r.1).sum();
    println!("main's thread-local after the workers ran: {main_again}");
    println!("shared static after everybody ran: {total} (= {added}, the sum of all additions)");

    let mut tls: Vec<usize> = results.iter().map(|r| (r.2).1).collect();
    tls.sort_unstable();
    tls.dedup();
    let statics_same = results.iter().all(|r| (r.2).2 == (results[0].2).2);
    let each_own = results.iter().all(|r| (r.2).0 == r.1);
    println!("each thread saw only its own additions: {each_own}");
    println!(
        "thread-local addresses all different: {}",
        tls.len() == results.len()
    );
    println!("static at one address for all threads: {statics_same}");
    Ok(())
}
