//! Question: Why can an `Rc` not be moved into another thread?
//!
//! Run: rustc --edition 2024 ch06-not-send.rs (in examples/compile_fail)

// ANCHOR: rc
use std::rc::Rc;
use std::thread;

fn main() {
    let shared = Rc::new(String::from("counted without atomics"));
    let copy = Rc::clone(&shared); // bumps a plain, non-atomic counter
    let handle = thread::spawn(move || copy.len());
    let _ = handle.join();
    println!("{shared}");
}
// ANCHOR_END: rc
