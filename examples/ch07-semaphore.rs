//! Question: How do you let at most N threads into a section at once?
//!
//! Run: cargo run --example ch07-semaphore

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch07-semaphore");
    std::process::exit(2)
}

// ANCHOR: semaphore
/// Permits in a mutex, and a condition variable to wait on for one. A
/// poisoned lock is used anyway: each change to the count is one step.
struct Semaphore {
    permits: Mutex<usize>,
    released: Condvar,
}

/// Holding one is holding a permit; dropping it gives the permit back.
struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn acquire(&self) -> Permit<'_> {
        let permits = self.permits.lock().unwrap_or_else(|e| e.into_inner());
        let permits = self.released.wait_while(permits, |n| *n == 0);
        *permits.unwrap_or_else(|e| e.into_inner()) -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.permits.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.released.notify_one();
    }
}
// ANCHOR_END: semaphore

fn main() {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: main
    const PERMITS: usize = 2;
    const WORKERS: usize = 6;
    let semaphore = Semaphore {
        permits: Mutex::new(PERMITS),
        released: Condvar::new(),
    };
    let inside = AtomicUsize::new(0); // workers holding a permit right now
    let most = AtomicUsize::new(0); // the most ever inside at once
    thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                let _permit = semaphore.acquire();
                most.fetch_max(inside.fetch_add(1, SeqCst) + 1, SeqCst);
                thread::sleep(Duration::from_millis(30)); // the work
                inside.fetch_sub(1, SeqCst);
            }); // `_permit` is dropped as the closure ends: the next one in
        }
    }); // the scope joins every worker
    println!("{WORKERS} workers, {PERMITS} permits");
    println!("most workers inside at once: {}", most.into_inner());
    // ANCHOR_END: main
}
