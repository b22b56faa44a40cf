//! Question: How do two threads deadlock, and how does a lock order prevent it?
//!
//! Run: cargo run --example ch06-deadlock

use std::error::Error;
use std::sync::{Mutex, MutexGuard, TryLockError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

type Account = Mutex<&'static str>;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-deadlock");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let (a, b) = (Mutex::new("account A"), Mutex::new("account B"));
    println!("opposite order: main takes A then B, the worker B then A");
    opposite_order(&a, &b)?;
    println!("same order: two threads each take A then B");
    same_order(&a, &b)
}

// ANCHOR: opposite
fn opposite_order(a: &Account, b: &Account) -> Result<(), Box<dyn Error>> {
    let (holding_tx, holding_rx) = mpsc::channel();
    let (tried_tx, tried_rx) = mpsc::channel::<()>();
    let held_a = a.lock().map_err(|e| e.to_string())?; // main holds A
    let (main_got_b, worker_got_a) = thread::scope(|s| {
        let worker = s.spawn(move || {
            let held_b = b.lock().map_err(|e| e.to_string())?;
            let _ = holding_tx.send(()); // "I hold B"
            let got_a = lock_with_patience(a)?.is_some();
            // Keep B until main has tried for it too (or main has gone:
            // then `recv` fails at once, so no path waits forever).
            let _ = tried_rx.recv();
            drop(held_b);
            Ok::<_, String>(got_a)
        });
        holding_rx.recv().map_err(|_| "the worker stopped early")?;
        let main_got_b = lock_with_patience(b)?.is_some();
        drop(tried_tx); // tell the worker main has tried
        let worker_got_a = worker.join().map_err(|_| "worker panicked")??;
        Ok::<_, Box<dyn Error>>((main_got_b, worker_got_a))
    })?;
    drop(held_a);
    println!("  main got B: {main_got_b}; worker got A: {worker_got_a}");
    if !main_got_b && !worker_got_a {
        println!("  deadlock: each held one lock and waited for the other");
    }
    Ok(())
}
// ANCHOR_END: opposite

// ANCHOR: same
fn same_order(a: &Account, b: &Account) -> Result<(), Box<dyn Error>> {
    let both = || -> Result<(), String> {
        let first = a.lock().map_err(|e| e.to_string())?;
        let second = b.lock().map_err(|e| e.to_string())?;
        drop((first, second)); // the transfer would happen here
        Ok(())
    };
    thread::scope(|s| {
        let threads = [s.spawn(both), s.spawn(both)];
        for thread in threads {
            thread.join().map_err(|_| "a thread panicked")??;
        }
        println!("  no deadlock: both threads got A and B and finished");
        Ok(())
    })
}
// ANCHOR_END: same

// ANCHOR: patience
/// `lock()` would wait forever in a deadlock; `try_lock` in a loop with a
/// deadline waits at most 100 ms, so the example always ends.
fn lock_with_patience(
    lock: &Account,
) -> Result<Option<MutexGuard<'_, &'static str>>, String> {
    let deadline = Instant::now() + Duration::from_millis(100);
    loop {
        match lock.try_lock() {
            Ok(guard) => return Ok(Some(guard)),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1)); // back off, retry
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Poisoned(e)) => return Err(e.to_string()),
        }
    }
}
// ANCHOR_END: patience
