//! Question: How do I start a thread, hand it data, and get its result back?
//!
//! Run: cargo run --example ch03-spawn-join-scoped

use std::error::Error;
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch03-spawn-join-scoped");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: spawn_join
    // 1. spawn + join: the closure's return value comes back through join().
    let handle = thread::spawn(|| (1..=1000_u64).sum::<u64>());
    let sum = handle.join().map_err(|_| "the summing thread panicked")?;
    println!("1. spawned thread returned 1 + 2 + ... + 1000 = {sum}");
    // ANCHOR_END: spawn_join

    // ANCHOR: move
    // 2. move: the thread takes ownership of the Vec. The main thread can no
    //    longer touch it; it gets a (new) value back only through join().
    let words = vec![String::from("stack"), String::from("heap")];
    let handle = thread::spawn(move || {
        let mut words = words; // owned by this thread now
        words.push(String::from("registers"));
        words
    });
    // println!("{words:?}"); // error[E0382]: borrow of moved value: `words`
    let words = handle.join().map_err(|_| "the moving thread panicked")?;
    println!("2. moved a Vec in, got it back with one more: {words:?}");
    // ANCHOR_END: move

    // ANCHOR: scoped
    // 3. scoped threads may borrow local data without Arc: thread::scope
    //    does not return until every thread spawned in it has finished.
    let mut numbers: Vec<u64> = (1..=12).collect();
    thread::scope(|s| {
        // Each thread mutably borrows its own, non-overlapping chunk.
        for chunk in numbers.chunks_mut(4) {
            s.spawn(move || chunk.iter_mut().for_each(|n| *n *= 10));
        }
    }); // all three threads are joined here, so the borrows have ended
    println!("3. scoped threads changed a local Vec in place:\n   {numbers:?}");

    let partial_sums: Vec<u64> = thread::scope(|s| {
        // Now several threads share the slice through plain & borrows.
        let handles: Vec<_> = numbers
            .chunks(4)
            .map(|chunk| s.spawn(move || chunk.iter().sum::<u64>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<Result<_, _>>()
    })
    .map_err(|_| "a summing thread panicked")?;
    let total: u64 = partial_sums.iter().sum();
    println!(
        "   three threads summed a chunk each: {partial_sums:?} = {total}"
    );
    // ANCHOR_END: scoped
    Ok(())
}
