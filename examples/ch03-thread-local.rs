//! Question: How can a global variable have one copy per thread?
//!
//! Run: cargo run --example ch03-thread-local

use std::cell::Cell;
use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch03-thread-local");
    std::process::exit(2)
}

// ANCHOR: declare
thread_local! {
    // Thread-local storage: every thread that touches it gets its own copy,
    // created on first use and dropped when that thread ends.
    static PER_THREAD: Cell<usize> = const { Cell::new(0) };
}

// An ordinary static: one copy in the process, seen by every thread.
static SHARED: AtomicUsize = AtomicUsize::new(0);
// ANCHOR_END: declare

// ANCHOR: count
/// Adds `times` to both counters, then says what this thread sees.
fn count(who: &str, times: usize) -> String {
    for _ in 0..times {
        PER_THREAD.with(|c| c.set(c.get() + 1));
        SHARED.fetch_add(1, Ordering::Relaxed);
    }
    let mine = PER_THREAD.with(|c| c.get());
    let tls = PER_THREAD.with(|c| c as *const Cell<usize> as usize);
    let stat = &raw const SHARED as usize;
    format!(
        "{who:<8} +{times:>2}: own {mine:>2} at {tls:#x}, static at {stat:#x}"
    )
}
// ANCHOR_END: count

// ANCHOR: run
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    println!("{}", count("main", 5));
    // All stay alive until all have counted, so no storage is handed on.
    let all_here = Arc::new(Barrier::new(3));
    let mut handles = Vec::new();
    for k in 1..=3 {
        let all_here = Arc::clone(&all_here);
        handles.push(thread::Builder::new().spawn(move || {
            let line = count(&format!("worker-{k}"), 10 * k);
            all_here.wait();
            line
        })?);
    }
    for handle in handles {
        println!("{}", handle.join().map_err(|_| "a worker panicked")?);
    }
    let main_again = PER_THREAD.with(|c| c.get());
    println!("main's own copy after the workers ran: {main_again}");
    let total = SHARED.load(Ordering::Relaxed);
    println!("the static after everybody ran: {total} (5 + 10 + 20 + 30)");
    // ANCHOR_END: run
    Ok(())
}
