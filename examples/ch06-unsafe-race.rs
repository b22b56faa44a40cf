//! Question: What happens when `unsafe` lets two threads race on one integer?
//!
//! Run: cargo run --example ch06-unsafe-race

use std::error::Error;
use std::thread;

/// Each thread adds 1 this many times (fewer under Miri, an interpreter).
const PER_THREAD: u64 = if cfg!(miri) { 10 } else { 100_000 };

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-unsafe-race");
    std::process::exit(2)
}

// ANCHOR: racy
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let counter = racy_count();
    println!("2 threads each added 1 {PER_THREAD} times: {counter} (varies)");
    println!("lost updates: {} (varies)", 2 * PER_THREAD - counter);
    Ok(())
}

/// A raw pointer that we *claim* may cross threads. The claim is false:
/// nothing stops two threads from writing through it at once.
#[derive(Clone, Copy)]
struct RacyPtr(*mut u64);

// SAFETY: deliberately unsound. A raw pointer is not `Send` because the
// compiler cannot prove that its users synchronise; we promise that they
// do and then break the promise. This exists only to be caught by Miri.
unsafe impl Send for RacyPtr {}

impl RacyPtr {
    /// A method (not `.0`), so closures capture the whole `Send` wrapper.
    fn get(self) -> *mut u64 {
        self.0
    }
}

fn racy_count() -> u64 {
    let mut counter: u64 = 0;
    let ptr = RacyPtr(&raw mut counter);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(move || {
                for _ in 0..PER_THREAD {
                    // SAFETY: deliberately unsound: this is the data race the
                    // chapter is about. The pointer is valid (the scope keeps
                    // `counter` alive), but two threads read and write it
                    // with no lock and no atomic: undefined behaviour.
                    // Volatile only stops the compiler merging the accesses;
                    // it is not atomic and does not make the race defined.
                    unsafe {
                        let value = ptr.get().read_volatile(); // 1. read
                        let next = std::hint::black_box(value) + 1; // 2. add
                        ptr.get().write_volatile(next); //           3. write
                    }
                }
            });
        }
    });
    counter
}
// ANCHOR_END: racy
