//! Question: How do a producer and a consumer wait for each other?
//!
//! Run: cargo run --example ch07-condvar-queue

use std::collections::VecDeque;
use std::error::Error;
use std::sync::{Condvar, Mutex};
use std::thread;

const CAPACITY: usize = 2;
const ITEMS: u64 = 10;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch07-condvar-queue");
    std::process::exit(2)
}

// ANCHOR: queue
/// A queue of at most CAPACITY items: one lock guards them, and each
/// condition variable is a place to sleep until one condition may be true.
#[derive(Default)]
struct BoundedQueue {
    items: Mutex<VecDeque<u64>>,
    not_full: Condvar,
    not_empty: Condvar,
}

impl BoundedQueue {
    fn push(&self, item: u64) -> Result<usize, &'static str> {
        let items = self.items.lock().map_err(|_| "queue lock poisoned")?;
        // `wait_while` releases the lock, sleeps, takes the lock again and
        // re-checks the condition: a wake-up is a hint, not a promise.
        let mut items = self
            .not_full
            .wait_while(items, |items| items.len() == CAPACITY)
            .map_err(|_| "queue lock poisoned")?;
        items.push_back(item);
        let len = items.len();
        drop(items); // unlock first, so the woken consumer can take the lock
        self.not_empty.notify_one();
        Ok(len)
    }

    fn pop(&self) -> Result<u64, &'static str> {
        let items = self.items.lock().map_err(|_| "queue lock poisoned")?;
        let mut items = self
            .not_empty
            .wait_while(items, |items| items.is_empty())
            .map_err(|_| "queue lock poisoned")?;
        let item = items.pop_front().ok_or("empty after the wait")?;
        drop(items);
        self.not_full.notify_one();
        Ok(item)
    }
}
// ANCHOR_END: queue

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: main
    let queue = BoundedQueue::default();
    let (longest, sum) = thread::scope(|s| {
        let producer = s.spawn(|| {
            (1..=ITEMS).try_fold(0, |longest, item| {
                Ok::<_, &str>(longest.max(queue.push(item)?))
            })
        });
        // The main thread is the consumer.
        let sum = (0..ITEMS).map(|_| queue.pop()).sum::<Result<u64, _>>()?;
        let longest = producer.join().map_err(|_| "producer panicked")??;
        Ok::<_, &str>((longest, sum))
    })?;
    println!("produced and consumed {ITEMS} items, sum {sum}");
    if longest > CAPACITY {
        return Err(format!("the queue held {longest} items").into());
    }
    // How full it got depends on who ran when; never above CAPACITY.
    println!("most items ever in the queue: {longest} of {CAPACITY} (varies)");
    // ANCHOR_END: main
    Ok(())
}
