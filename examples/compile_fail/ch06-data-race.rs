//! Question: What does rustc say when two threads change one value unlocked?
//!
//! Run: rustc --edition 2024 ch06-data-race.rs (in examples/compile_fail)

// ANCHOR: race
use std::thread;

fn main() {
    let mut visits: Vec<u32> = Vec::new();
    thread::scope(|s| {
        s.spawn(|| visits.push(1)); // borrows `visits` mutably...
        s.spawn(|| visits.push(2)); // ...and so does this thread, at once
    });
    println!("{visits:?}");
}
// ANCHOR_END: race
