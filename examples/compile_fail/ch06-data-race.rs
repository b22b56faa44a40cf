//! Question: What does the compiler say when two threads change one value without a lock?
//!
//! Run: rustc --edition 2024 ch06-data-race.rs (in examples/compile_fail; it must fail)

use std::thread;

fn main() {
    // ANCHOR: race
    let mut visits: Vec<u32> = Vec::new();
    thread::scope(|s| {
        s.spawn(|| visits.push(1)); // borrows `visits` mutably...
        s.spawn(|| visits.push(2)); // ...and so does this thread, at the same time
    });
    // ANCHOR_END: race
    println!("{visits:?}");
}
