//! Question: How do two threads deadlock on two locks, and how does one lock order prevent it?
//!
//! Run: cargo run --example ch06-deadlock

use std::error::Error;
use std::sync::{Barrier, Mutex, MutexGuard, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a thread keeps trying for its second lock before giving up.
const PATIENCE: Duration = Duration::from_millis(100);
/// The first lock is at most briefly busy; this bound only guards against a bug.
const FIRST_LOCK_LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    if let Some(arg) = std::env::args().nth(1) {
        eprintln!("usage: cargo run --example ch06-deadlock");
        eprintln!("unknown argument: {arg}");
        std::process::exit(2);
    }
    let a = Mutex::new("account A");
    let b = Mutex::new("account B");

    println!("opposite order: thread 1 takes A then B, thread 2 takes B then A");
    let report = transfer_pair([(&a, &b), (&b, &a)], true)?;
    for line in &report {
        println!("  {line}");
    }
    if report.iter().all(|line| line.contains("gave up")) {
        println!("deadlock detected: each thread held one lock and waited for the other");
    }

    println!("same order: both threads take A then B");
    let report = transfer_pair([(&a, &b), (&a, &b)], false)?;
    for line in &report {
        println!("  {line}");
    }
    if report.iter().all(|line| line.contains("got both")) {
        println!("no deadlock: both threads finished");
    }
    Ok(())
}

// ANCHOR: threads
/// Two threads; thread `i` locks `orders[i].0` and then `orders[i].1`.
/// With `force_overlap`, both threads hold their first lock before either
/// tries its second: the unlucky interleaving, made certain.
fn transfer_pair<'a>(
    orders: [(&'a Mutex<&'static str>, &'a Mutex<&'static str>); 2],
    force_overlap: bool,
) -> Result<Vec<String>, Box<dyn Error>> {
    let start = Barrier::new(2);
    let holding = Barrier::new(2);
    thread::scope(|s| {
        let handles: Vec<_> = orders
            .iter()
            .enumerate()
            .map(|(i, &(first, second))| {
                let (start, holding) = (&start, &holding);
                s.spawn(move || -> Result<String, String> {
                    let n = i + 1;
                    start.wait();
                    let Some(first) = lock_with_patience(first, FIRST_LOCK_LIMIT)? else {
                        return Ok(format!("thread {n}: could not get its first lock"));
                    };
                    if force_overlap {
                        holding.wait(); // the other thread now holds its first lock
                    }
                    let line = match lock_with_patience(second, PATIENCE)? {
                        Some(second) => format!("thread {n}: got both {first} and {second}"),
                        None => format!("thread {n}: holds {first}, gave up waiting"),
                    };
                    if force_overlap {
                        // Keep the first lock until both have tried, so the one
                        // that gives up first cannot hand the other a late win.
                        holding.wait();
                    }
                    Ok(line)
                })
            })
            .collect();
        let mut lines = Vec::new();
        for handle in handles {
            lines.push(handle.join().map_err(|_| "a thread panicked")??);
        }
        Ok(lines)
    })
}
// ANCHOR_END: threads

// ANCHOR: patience
/// `lock()` would wait forever in a deadlock; `try_lock` in a loop with a
/// deadline waits at most `patience`, so the example always ends.
fn lock_with_patience<'m>(
    lock: &'m Mutex<&'static str>,
    patience: Duration,
) -> Result<Option<MutexGuard<'m, &'static str>>, String> {
    let deadline = Instant::now() + patience;
    loop {
        match lock.try_lock() {
            Ok(guard) => return Ok(Some(guard)),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1)); // back off, then retry
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Poisoned(e)) => return Err(e.to_string()),
        }
    }
}
// ANCHOR_END: patience
