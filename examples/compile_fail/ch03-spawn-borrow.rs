//! Question: Why can't `thread::spawn` borrow a local variable?
//!
//! Run: rustc --edition 2024 ch03-spawn-borrow.rs (in examples/compile_fail; it must fail)

use std::thread;

// ANCHOR: borrow
fn main() {
    let numbers = vec![1, 2, 3];
    // The new thread may outlive `main`'s stack frame, so it may not keep a
    // reference into it. Fix: `move` the Vec in, share it with `Arc`, or use
    // `thread::scope`.
    let handle = thread::spawn(|| println!("{numbers:?}"));
    handle.join().unwrap();
}
// ANCHOR_END: borrow
