//! Question: How do you let at most N threads into a section at once?
//!
//! Run: cargo run --example ch07-semaphore

use std::error::Error;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

const PERMITS: usize = 2;
const WORKERS: usize = 6;

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
        let permits = self.permits.lock().map_err(|_| "poisoned")?;
        let mut permits = self
            .released
            .wait_while(permits, |permits| *permits == 0)
            .map_err(|_| "poisoned")?;
        *permits -= 1;
        Ok(Permit(self))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // A poisoned count is still a count: give the permit back anyway.
        let mut permits =
            self.0.permits.lock().unwrap_or_else(|e| e.into_inner());
        *permits += 1;
        self.0.released.notify_one();
    }
}
// ANCHOR_END: semaphore

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: main
    let semaphore = Semaphore {
        permits: Mutex::new(PERMITS),
        released: Condvar::new(),
    };
    // (inside now, most inside at once): what the workers observe.
    let inside = Mutex::new((0_usize, 0_usize));
    thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    let _permit = semaphore.acquire()?;
                    let mut count = inside.lock().map_err(|_| "poisoned")?;
                    count.0 += 1;
                    count.1 = count.1.max(count.0);
                    drop(count);
                    thread::sleep(Duration::from_millis(30)); // the work
                    inside.lock().map_err(|_| "poisoned")?.0 -= 1;
                    Ok::<_, &str>(()) // `_permit` is dropped: next one in
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker.join().map_err(|_| "a worker panicked")?
        })
    })?;
    let (_, most) = *inside.lock().map_err(|_| "poisoned")?;
    println!("{WORKERS} workers, {PERMITS} permits");
    println!("most workers inside at once: {most}");
    // ANCHOR_END: main
    Ok(())
}
