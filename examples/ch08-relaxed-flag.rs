//! Question: What goes wrong when the flag that publishes data is Relaxed?
//!
//! Run: cargo run --example ch08-relaxed-flag

use std::cell::UnsafeCell;
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch08-relaxed-flag");
    std::process::exit(2)
}

// ANCHOR: relaxed
/// One slot of plain (non-atomic) data, and a flag that says it is ready.
struct Mailbox {
    data: UnsafeCell<[u64; 4]>,
    ready: AtomicBool,
}

// SAFETY: deliberately unsound, the bug this example exists to show. With
// Relaxed, seeing `ready == true` says nothing about `data`: the write and
// the read are unordered, a data race, which is undefined behaviour. Miri
// reports it; on x86-64 the native run usually looks fine anyway.
unsafe impl Sync for Mailbox {}

impl Mailbox {
    fn publish(&self, value: [u64; 4]) {
        // SAFETY: deliberately unsound (see above): nothing orders this
        // write before the reader's read.
        unsafe { *self.data.get() = value };
        // Relaxed: the flag itself is atomic, but it orders nothing else.
        self.ready.store(true, Ordering::Relaxed);
    }

    fn receive(&self) -> [u64; 4] {
        while !self.ready.load(Ordering::Relaxed) {
            std::thread::yield_now(); // a real program would park instead
        }
        // SAFETY: deliberately unsound: `ready` is true, yet the write to
        // `data` need not happen before this read. A data race.
        unsafe { *self.data.get() }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let rounds = if cfg!(miri) { 3 } else { 1_000 };
    let mut complete = 0;
    for round in 0..rounds {
        let mailbox = Mailbox {
            data: UnsafeCell::new([0; 4]),
            ready: AtomicBool::new(false),
        };
        let seen = thread::scope(|s| {
            let reader = s.spawn(|| mailbox.receive());
            mailbox.publish([round; 4]);
            reader.join().map_err(|_| "the reader panicked")
        })?;
        complete += usize::from(seen == [round; 4]);
    }
    // Old words may show on ARM, seldom on x86-64: undefined behaviour.
    println!("reader saw all four words: {complete} of {rounds} (varies)");
    // ANCHOR_END: relaxed
    Ok(())
}
