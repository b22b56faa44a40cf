//! Question: What happens to a Mutex when a thread panics while holding it?
//!
//! Run: cargo run --example ch06-poisoning

use std::error::Error;
use std::sync::{Arc, Mutex};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch06-poisoning");
    std::process::exit(2)
}

// ANCHOR: panic
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let accounts = Arc::new(Mutex::new(Accounts { a: 100, b: 0 }));
    println!("before: {:?}", *accounts.lock().map_err(|e| e.to_string())?);
    let worker = thread::Builder::new()
        .name("transfer".into())
        .spawn({
            let accounts = Arc::clone(&accounts);
            move || {
                let mut guard =
                    accounts.lock().unwrap_or_else(|e| e.into_inner());
                guard.a -= 30; // the first half of a transfer ...
                panic!("transfer interrupted"); // ... and never the second
            }
        })
        .map_err(|e| format!("could not spawn thread: {e}"))?;
    let joined = worker.join(); // the panic ends that thread, not the process
    println!("worker thread panicked: {}", joined.is_err());
    // ANCHOR_END: panic

    // ANCHOR: poisoned
    match accounts.lock() {
        Ok(_) => println!("lock() succeeded"),
        Err(poisoned) => {
            println!("lock() returned Err: {poisoned}");
            // The data is still reachable, but the caller must decide whether
            // it can be trusted: here the invariant a + b == 100 is broken.
            let mut guard = poisoned.into_inner();
            println!("inside: {:?}, total {}", *guard, guard.a + guard.b);
            guard.b += 30; // finish the transfer: the repair is ours to make
            println!("repaired: {:?}, total {}", *guard, guard.a + guard.b);
        }
    }
    accounts.clear_poison(); // tell later users the data is sound again
    println!("poisoned after repair: {}", accounts.is_poisoned());
    // ANCHOR_END: poisoned
    Ok(())
}

// ANCHOR: accounts
/// Two balances that should always add up to 100.
#[derive(Debug)]
struct Accounts {
    a: i64,
    b: i64,
}
// ANCHOR_END: accounts
