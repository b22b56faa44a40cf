//! Question: How does a thread hand plain data to another through a flag?
//!
//! Run: cargo run --example ch08-publish-with-release

use std::cell::UnsafeCell;
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch08-publish-with-release");
    std::process::exit(2)
}

// ANCHOR: mailbox
/// One slot of plain (non-atomic) data, and a flag that says it is ready.
struct Mailbox {
    data: UnsafeCell<[u64; 4]>,
    ready: AtomicBool,
}

// SAFETY: `data` is written only by `publish`, before `ready` is set with
// Release, and read only by `receive`, after `ready` was seen true with
// Acquire; each mailbox is published once. So every read happens after the
// write, and the two never overlap.
unsafe impl Sync for Mailbox {}

impl Mailbox {
    fn publish(&self, value: [u64; 4]) {
        // SAFETY: no reader touches `data` until `ready` is true (see above).
        unsafe { *self.data.get() = value };
        // Release: every write above is visible to whoever Acquires `true`.
        self.ready.store(true, Ordering::Release);
    }

    fn receive(&self) -> [u64; 4] {
        while !self.ready.load(Ordering::Acquire) {
            std::thread::yield_now(); // a real program would park instead
        }
        // SAFETY: `ready` is true, so `publish` has finished writing and
        // its writes happen before this read.
        unsafe { *self.data.get() }
    }
}
// ANCHOR_END: mailbox

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: main
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
    println!("reader saw all four words: {complete} of {rounds} rounds");
    // ANCHOR_END: main
    Ok(())
}
