//! Question: Does making every atomic SeqCst fix a check-then-act bug?
//!
//! Run: cargo run --example ch08-seqcst-claim

use std::error::Error;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch08-seqcst-claim");
    std::process::exit(2)
}

// ANCHOR: claims
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // Wrong protocol, strongest ordering: "if nobody has it, take it".
    let twice = claimed_twice(|job| {
        if job.load(SeqCst) {
            return false; // someone has it
        }
        // A little work, while the other thread may check the same job.
        (0..20).for_each(|_| std::hint::spin_loop());
        job.store(true, SeqCst);
        true
    })?;
    println!("jobs claimed twice, load then store: {twice} (varies)");

    // Right protocol: check and take in one indivisible step.
    let twice = claimed_twice(|job| {
        job.compare_exchange(false, true, SeqCst, SeqCst).is_ok()
    })?;
    println!("jobs claimed twice, compare_exchange: {twice}");
    // ANCHOR_END: claims
    if twice != 0 {
        return Err("compare_exchange let a job be claimed twice".into());
    }
    Ok(())
}

// ANCHOR: walk
/// Jobs on the shared list; both threads try to claim every one.
const JOBS: usize = if cfg!(miri) { 20 } else { 20_000 };

/// Two threads walk the same list of jobs and `claim` each; returns how
/// many jobs both of them believe they own.
fn claimed_twice(
    claim: impl Fn(&AtomicBool) -> bool + Sync,
) -> Result<usize, Box<dyn Error>> {
    let jobs: Vec<AtomicBool> =
        (0..JOBS).map(|_| AtomicBool::new(false)).collect();
    let start = Barrier::new(2);
    let claimed = thread::scope(|s| {
        let walk = || {
            start.wait();
            jobs.iter().filter(|job| claim(job)).count()
        };
        let (first, second) = (s.spawn(walk), s.spawn(walk));
        let first = first.join().map_err(|_| "a thread panicked")?;
        let second = second.join().map_err(|_| "a thread panicked")?;
        Ok::<_, &str>(first + second)
    })?;
    Ok(claimed - JOBS) // every job is claimed at least once
}
// ANCHOR_END: walk
