//! Question: How do threads communicate by passing messages?
//!
//! Run: cargo run --example ch05-channels

use std::error::Error;
use std::sync::mpsc;
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-channels");
    std::process::exit(2)
}

// ANCHOR: workers
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let (tx, rx) = mpsc::channel::<(u64, u64)>();
    for id in 0..4 {
        let tx = tx.clone(); // every worker owns its own sending end
        thread::spawn(move || {
            let sum: u64 = (id * 1000..(id + 1) * 1000).sum();
            // The message moves into the channel; the worker keeps nothing.
            // (send fails only if the receiver is gone: nobody to tell.)
            let _ = tx.send((id, sum));
        });
    }
    drop(tx); // main keeps no sender, so the channel closes after the workers
    // The loop blocks for each message and ends when every sender is gone.
    let mut results: Vec<(u64, u64)> = rx.iter().collect();
    results.sort(); // arrival order is the scheduler's: print in id order
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
    // ANCHOR_END: workers

    // ANCHOR: move
    // Sending a heap value to another thread moves ownership: the bytes stay.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let sender = thread::spawn(move || {
        let buffer = vec![7u8; 4096];
        let address = buffer.as_ptr() as usize;
        tx.send(buffer).map(|()| address)
    });
    let buffer = rx.recv()?; // blocks until the buffer arrives
    let sent_from = sender.join().map_err(|_| "the sender panicked")??;
    let received_at = buffer.as_ptr() as usize;
    println!("sender's buffer at   {sent_from:#x}");
    println!("receiver's buffer at {received_at:#x}");
    let same = sent_from == received_at;
    println!("same heap memory, none of the 4096 bytes copied: {same}");
    // ANCHOR_END: move
    Ok(())
}
