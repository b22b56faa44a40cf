//! Question: How do you let at most N threads into a section at once?
//!
//! Run: cargo run --example ch07-semaphore

use std::error::Error;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch07-semaphore");
    std::process::exit(2)
}

// ANCHOR: semaphore
/// A counting semaphore: a number of permits, guarded by a mutex, and a
/// condition variable to sleep on while there are none.
struct Semaphore {
    permits: Mutex<usize>,
    released: Condvar,
}

/// Holding one is holding a permit; dropping it gives the permit back.
struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn acquire(&self) -> Result<Permit<'_>, &'static str> {
        let mut permits = self.permits.lock().map_err(|_| "poisoned")?;
        while *permits == 0 {
            permits = self.released.wait(permits).map_err(|_| "poisoned")?;
        }
        *permits -= 1;
        Ok(Permit(self))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // A poisoned count is still a count: give the permit back anyway.
        *self.0.permits.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.released.notify_one();
    }
}
// ANCHOR_END: semaphore

fn main() -> Result<(), Box<dyn Error>> {
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
    let inside = Mutex::new(0); // how many workers hold a permit right now
    let work = || {
        let _permit = semaphore.acquire()?;
        *inside.lock().map_err(|_| "poisoned")? += 1;
        thread::sleep(Duration::from_millis(30)); // the work
        let mut count = inside.lock().map_err(|_| "poisoned")?;
        let seen = *count; // workers inside now, this one included
        *count -= 1;
        Ok::<_, &str>(seen) // `_permit` is dropped: next one in
    };
    let most = thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS).map(|_| s.spawn(work)).collect();
        workers.into_iter().try_fold(0, |most, worker| {
            let seen = worker.join().map_err(|_| "a worker panicked")??;
            Ok::<_, &str>(most.max(seen))
        })
    })?;
    println!("{WORKERS} workers, {PERMITS} permits");
    println!("most workers inside at once: {most}");
    // ANCHOR_END: main
    Ok(())
}
