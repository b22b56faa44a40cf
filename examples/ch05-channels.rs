//! Question: How do threads communicate by passing messages instead of sharing variables?
//!
//! Run: cargo run --example ch05-channels

use std::error::Error;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

const WORKERS: u64 = 4;

fn main() -> Result<(), Box<dyn Error>> {
    if let Some(arg) = std::env::args().nth(1) {
        eprintln!("usage: cargo run --example ch05-channels");
        eprintln!("unknown argument: {arg}");
        std::process::exit(2);
    }

    // ANCHOR: workers
    let (tx, rx) = mpsc::channel::<(u64, u64)>();
    let mut handles = Vec::new();
    for id in 0..WORKERS {
        let tx = tx.clone(); // every worker owns its own sending end
        handles.push(thread::spawn(move || {
            let sum: u64 = (id * 1000..(id + 1) * 1000).sum();
            // The message moves into the channel; the worker keeps nothing.
            tx.send((id, sum)).map_err(|e| e.to_string())
        }));
    }
    drop(tx); // main keeps no sender, so the channel closes when workers finish

    let mut results = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(message) => results.push(message),
            Err(RecvTimeoutError::Disconnected) => break, // every sender is gone
            Err(RecvTimeoutError::Timeout) => return Err("a worker went silent".into()),
        }
    }
    // ANCHOR_END: workers
    for handle in handles {
        handle.join().map_err(|_| "a worker thread panicked")??;
    }

    results.sort(); // arrival order depends on the scheduler; print in id order
    for (id, sum) in &results {
        println!(
            "worker {id}: sum of {}..{} = {sum}",
            id * 1000,
            (id + 1) * 1000
        );
    }
    println!(
        "received {} messages, then the channel closed",
        results.len()
    );

    // ANCHOR: move
    // Sending a heap value between threads moves ownership: the bytes stay put.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let sender = thread::spawn(move || {
        let buffer = vec![7u8; 4096];
        let address = buffer.as_ptr() as usize;
        tx.send(buffer).map_err(|e| e.to_string())?;
        Ok::<usize, String>(address)
    });
    let buffer = rx
        .recv_timeout(Duration::from_secs(1))
        .map_err(|e| format!("no buffer arrived: {e}"))?;
    let sent_from = sender.join().map_err(|_| "the sender thread panicked")??;
    // ANCHOR_END: move
    println!("sender's buffer at   {sent_from:#x}");
    println!("receiver's buffer at {:#x}", buffer.as_ptr() as usize);
    println!(
        "same heap memory, no copy of the {} bytes: {}",
        buffer.len(),
        sent_from == buffer.as_ptr() as usize
    );
    Ok(())
}
