//! Question: How do you stop a thread, and what does returning from main do?
//!
//! Run: cargo run --example ch09-stopping-a-thread
//! Miri: not run, because Miri reports a thread left running at exit.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch09-stopping-a-thread");
    std::process::exit(2)
}

// ANCHOR: asked
/// Says when it is dropped, so we can see which cleanup ran.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("{}: cleaned up", self.0);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let asked = thread::spawn(move || {
        let _cleanup = Cleanup("asked to stop");
        // Relaxed is enough: the flag carries no data, and join() below
        // makes everything the thread did visible to main.
        while !flag.load(Ordering::Relaxed) {
            thread::sleep(Duration::from_millis(1));
        }
    });
    thread::sleep(Duration::from_millis(20));
    stop.store(true, Ordering::Relaxed);
    asked.join().map_err(|_| "the worker panicked")?;
    println!("main: the worker stopped when asked, and was joined");
    // ANCHOR_END: asked
    // ANCHOR: abandoned
    thread::spawn(|| {
        let _cleanup = Cleanup("abandoned");
        loop {
            thread::sleep(Duration::from_millis(1));
        }
    });
    thread::sleep(Duration::from_millis(20));
    println!("main: returning while the other worker still runs");
    Ok(())
    // ANCHOR_END: abandoned
}
