//! Question: How do threads of one process communicate through shared memory?
//!
//! Run: cargo run --example ch05-shared-state

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;

const THREADS: u64 = 4;
const PER_THREAD: u64 = 1_000;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-shared-state");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }

    mutex_demo()?;
    rwlock_demo()?;
    atomic_demo()?;
    Ok(())
}

// ANCHOR: mutex
fn mutex_demo() -> Result<(), Box<dyn Error>> {
    // One counter and one list, on the heap, owned jointly by every thread.
    let state = Arc::new(Mutex::new((0u64, Vec::new())));

    let mut handles = Vec::new();
    for id in 0..THREADS {
        let state = Arc::clone(&state); // a new handle, not a new counter
        handles.push(thread::spawn(move || -> Result<(), String> {
            for _ in 0..PER_THREAD {
                let mut guard = state.lock().map_err(|e| e.to_string())?;
                guard.0 += 1; // only one thread at a time gets here
            }
            let mut guard = state.lock().map_err(|e| e.to_string())?;
            guard.1.push(format!("thread {id} finished"));
            Ok(())
        }));
    }
    for handle in handles {
        handle.join().map_err(|_| "a worker thread panicked")??;
    }

    let guard = state.lock().map_err(|e| e.to_string())?;
    let (count, mut notes) = (guard.0, guard.1.clone());
    notes.sort();
    println!("Mutex: {THREADS} threads x {PER_THREAD} increments = {count}");
    for note in notes {
        println!("  {note}");
    }
    Ok(())
}
// ANCHOR_END: mutex

// ANCHOR: rwlock
fn rwlock_demo() -> Result<(), Box<dyn Error>> {
    let config = Arc::new(RwLock::new(String::from("greeting = hello")));

    // Many readers may hold the read lock at the same time.
    let readers: Vec<_> = (0..THREADS)
        .map(|_| {
            let config = Arc::clone(&config);
            thread::spawn(move || {
                config.read().map(|c| c.clone()).map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut seen = Vec::new();
    for reader in readers {
        seen.push(reader.join().map_err(|_| "a reader thread panicked")??);
    }

    // A writer gets the lock alone; every later reader sees its change.
    {
        let mut text = config.write().map_err(|e| e.to_string())?;
        *text = String::from("greeting = bonjour");
    }
    let after = thread::spawn({
        let config = Arc::clone(&config);
        move || config.read().map(|c| c.clone()).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "a reader thread panicked")??;

    seen.dedup();
    println!("RwLock: {THREADS} readers all saw {seen:?}");
    println!("RwLock: after one write, a new reader sees {after:?}");
    Ok(())
}
// ANCHOR_END: rwlock

// ANCHOR: atomic
fn atomic_demo() -> Result<(), Box<dyn Error>> {
    // No lock at all: the CPU performs each increment as one indivisible step.
    let hits = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let hits = Arc::clone(&hits);
            thread::spawn(move || {
                for _ in 0..PER_THREAD {
                    hits.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "a worker thread panicked")?;
    }
    let total = hits.load(Ordering::Relaxed);
    println!(
        "AtomicU64: {THREADS} threads x {PER_THREAD} increments = {total}"
    );
    Ok(())
}
// ANCHOR_END: atomic
