//! Question: How do you build a spin lock, and why not just spin?
//!
//! Run: cargo run --example ch07-spinlock

use std::cell::UnsafeCell;
use std::error::Error;
use std::hint;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch07-spinlock");
    std::process::exit(2)
}

// ANCHOR: spinlock
/// A lock that waits by spinning: it never asks the kernel for anything.
struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `value` to one thread at a time, so
// sharing the lock between threads is sound whenever `T` may be sent.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // Acquire: what the last holder wrote is visible once we own it.
        while self.locked.swap(true, Ordering::Acquire) {
            hint::spin_loop(); // tell the CPU we are waiting in a loop
        }
        // SAFETY: the swap above returned false, so this thread alone holds
        // the lock until the store below.
        let result = f(unsafe { &mut *self.value.get() });
        // Release: our writes are visible to the next thread that acquires.
        self.locked.store(false, Ordering::Release);
        result
    }
}
// ANCHOR_END: spinlock

// ANCHOR: use
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let rounds = if cfg!(miri) { 100 } else { 100_000 };
    let counter = SpinLock {
        locked: AtomicBool::new(false),
        value: 0.into(),
    };
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..rounds {
                    counter.with(|n| *n += 1);
                }
            });
        }
    });
    let total = counter.with(|n| *n);
    println!("4 threads x {rounds} increments under the spin lock: {total}");
    // ANCHOR_END: use
    Ok(())
}
