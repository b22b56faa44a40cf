//! Question: Which memory does each thread get for itself, and which does it share?
//!
//! Run: cargo run --example ch03-thread-stacks

use std::error::Error;
use std::sync::{Arc, Barrier};
use std::thread;

/// What one thread reports back to the main thread.
struct Report {
    name: String,
    id: thread::ThreadId,
    local_at: usize,
    shared_at: usize,
}

const WORKERS: usize = 4;

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).is_some() {
        eprintln!("usage: cargo run --example ch03-thread-stacks");
        std::process::exit(2);
    }

    // ANCHOR: stacks
    // One value on the heap. Every thread gets a clone of the Arc (a pointer),
    // not a copy of the value.
    let shared = Arc::new(String::from("one heap value for everybody"));
    // Keep all workers alive at the same time, so that no thread can reuse
    // the stack of a thread that has already finished. (This wait cannot
    // hang: nothing before it can fail, and if a spawn fails, main returns
    // and the process ends, taking the waiting threads with it.)
    let all_here = Arc::new(Barrier::new(WORKERS));

    let mut handles = Vec::new();
    for i in 0..WORKERS {
        let shared = Arc::clone(&shared);
        let all_here = Arc::clone(&all_here);
        let handle = thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || {
                let local = i * 100; // lives on this thread's own stack
                let report = Report {
                    name: thread::current().name().unwrap_or("?").to_string(),
                    id: thread::current().id(),
                    local_at: &local as *const usize as usize,
                    shared_at: shared.as_ptr() as usize,
                };
                all_here.wait();
                report
            })
            .map_err(|e| format!("could not spawn thread {i}: {e}"))?;
        handles.push(handle);
    }

    let main_local = 0_usize; // lives on the main thread's stack
    let mut reports = Vec::new();
    for handle in handles {
        reports.push(handle.join().map_err(|_| "a worker thread panicked")?);
    }
    // ANCHOR_END: stacks

    println!(
        "main     {:?}: local variable at {:#x}",
        thread::current().id(),
        &main_local as *const usize as usize
    );
    for r in &reports {
        println!(
            "{} {:?}: local variable at {:#x}, heap value at {:#x}",
            r.name, r.id, r.local_at, r.shared_at
        );
    }

    let mut stack_addresses: Vec<usize> = reports.iter().map(|r| r.local_at).collect();
    stack_addresses.push(&main_local as *const usize as usize);
    stack_addresses.sort_unstable();
    stack_addresses.dedup();
    let all_different = stack_addresses.len() == WORKERS + 1;
    let one_heap_address = reports
        .iter()
        .all(|r| r.shared_at == shared.as_ptr() as usize);
    let mut ids: Vec<_> = reports.iter().map(|r| r.id).collect();
    ids.push(thread::current().id());
    let ids_unique = (1..ids.len()).all(|k| !ids[..k].contains(&ids[k]));

    let mut worker_stacks: Vec<usize> = reports.iter().map(|r| r.local_at).collect();
    worker_stacks.sort_unstable();
    let smallest_gap = worker_stacks.windows(2).map(|w| w[1] - w[0]).min();

    println!("stack addresses all different: {all_different}");
    if let Some(gap) = smallest_gap {
        println!("closest two worker stacks are {} KiB apart", gap / 1024);
    }
    println!("heap value seen at one address by all threads: {one_heap_address}");
    println!("thread ids all different: {ids_unique}");
    Ok(())
}
