//! Question: What happens when `unsafe` code lets two threads race on one plain integer?
//!
//! Run: cargo run --example ch06-unsafe-race
//!
//! Optional: `-- --iterations N` sets how many increments each thread makes
//! (default 100000; use a small N under Miri, which reports the race).

use std::error::Error;
use std::sync::Barrier;
use std::thread;

const THREADS: u64 = 2;
const DEFAULT_ITERATIONS: u64 = 100_000;

fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-unsafe-race [-- --iterations N]");
    std::process::exit(2);
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let iterations = match args.as_slice() {
        [] => DEFAULT_ITERATIONS,
        [flag, n] if flag == "--iterations" => n.parse().unwrap_or_else(|_| usage()),
        _ => usage(),
    };

    let expected = THREADS * iterations;
    let counter = racy_count(iterations);
    println!("counter after {expected} increments: {counter} (varies)");
    println!(
        "lost updates: {} (varies)",
        expected.saturating_sub(counter)
    );
    Ok(())
}

// ANCHOR: racy
/// A raw pointer that we *claim* may cross threads. The claim is false:
/// nothing stops two threads from writing through it at once.
#[derive(Clone, Copy)]
struct RacyPtr(*mut u64);

// SAFETY: deliberately unsound. A raw pointer is not `Send` precisely because
// the compiler cannot prove that its users synchronise; we promise that they
// do and then break the promise. This exists only to be caught by Miri.
unsafe impl Send for RacyPtr {}

impl RacyPtr {
    /// A method (not `.0`), so closures capture the whole `Send` wrapper.
    fn get(self) -> *mut u64 {
        self.0
    }
}

/// The addition takes a little work, as real updates do: that is the window
/// in which the other thread can write.
fn next_value(value: u64) -> u64 {
    for _ in 0..20 {
        std::hint::spin_loop();
    }
    std::hint::black_box(value) + 1
}

fn racy_count(iterations: u64) -> u64 {
    let mut counter: u64 = 0;
    let ptr = RacyPtr(&raw mut counter);
    let start = &Barrier::new(THREADS as usize);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(move || {
                start.wait(); // both threads begin together
                for _ in 0..iterations {
                    // SAFETY: deliberately unsound, this is the data race the
                    // chapter is about. The pointer is valid (the scope keeps
                    // `counter` alive) but two threads read and write it with
                    // no lock and no atomic, which is undefined behaviour.
                    unsafe {
                        let value = ptr.get().read_volatile(); // 1. read
                        let next = next_value(value); //          2. add
                        ptr.get().write_volatile(next); //        3. write back
                    }
                }
            });
        }
    });
    counter
}
// ANCHOR_END: racy
