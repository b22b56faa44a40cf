//! Question: Which memory does each thread get for itself, and which is shared?
//!
//! Run: cargo run --example ch03-thread-stacks

use std::error::Error;
use std::sync::{Arc, Barrier};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch03-thread-stacks");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: stacks
    // One value on the heap; each thread gets a clone of the Arc, a pointer.
    let shared = Arc::new(String::from("one heap value for everybody"));
    // All four wait here until all four have looked, so no thread can be
    // given the stack of one that has already ended. (If a spawn fails,
    // main returns and the process ends, waiting threads included.)
    let all_here = Arc::new(Barrier::new(4));
    let mut handles = Vec::new();
    for i in 0..4 {
        let (shared, all_here) = (Arc::clone(&shared), Arc::clone(&all_here));
        let worker = move || {
            let local = i * 100; // on this thread's own stack
            let local_at = &raw const local as usize;
            let heap_at = shared.as_ptr() as usize;
            let me = thread::current();
            let (name, id) = (me.name().unwrap_or("?"), me.id());
            let line = format!(
                "{name} {id:?}: local {local_at:#x}, heap {heap_at:#x}"
            );
            all_here.wait();
            (line, local_at)
        };
        let builder = thread::Builder::new().name(format!("worker-{i}"));
        handles.push(builder.spawn(worker)?);
    }
    let main_local = 0_usize; // on the main thread's stack
    let main_at = &raw const main_local as usize;
    println!(
        "main     {:?}: local at {main_at:#x}",
        thread::current().id()
    );
    let mut workers = Vec::new();
    for handle in handles {
        let (line, local_at) =
            handle.join().map_err(|_| "a worker panicked")?;
        println!("{line}");
        workers.push(local_at);
    }
    // ANCHOR_END: stacks
    // ANCHOR: gap
    workers.sort_unstable();
    let mut all = [workers.as_slice(), &[main_at]].concat();
    all.sort_unstable();
    all.dedup();
    println!("five stacks at five addresses: {}", all.len() == 5);
    if let Some(gap) = workers.windows(2).map(|w| w[1] - w[0]).min() {
        println!("closest two worker stacks are {} KiB apart", gap / 1024);
    }
    // ANCHOR_END: gap
    Ok(())
}
