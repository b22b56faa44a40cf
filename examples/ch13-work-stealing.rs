//! Question: How do idle workers take jobs from a busy worker's queue?
//!
//! Run: cargo run --example ch13-work-stealing

use std::{collections::VecDeque, error::Error, sync::Mutex, thread, time};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch13-work-stealing");
    std::process::exit(2)
}

// ANCHOR: worker
const WORKERS: usize = 4;
const JOBS: usize = 40;
type Job = usize; // a job is its number; running one sleeps 2 ms
#[derive(Default)]
struct Ran {
    own: Vec<Job>, // jobs a worker ran from the front of its own deque
    stolen: Vec<Job>, // and jobs it took from the back of another's
}

/// Runs jobs from the front of our own deque, else from the back of another.
fn work(me: usize, deques: &[Mutex<VecDeque<Job>>], ran: &mut Ran) {
    let lock = |i: usize| deques[i % WORKERS].lock().ok(); // None: poisoned
    let pop_own = || lock(me)?.pop_front();
    let steal = || (1..WORKERS).find_map(|i| lock(me + i)?.pop_back());
    loop {
        if let Some(job) = pop_own() {
            ran.own.push(job);
        } else if let Some(job) = steal() {
            ran.stolen.push(job);
        } else {
            return; // every deque is empty, and no job is added later
        }
        thread::sleep(time::Duration::from_millis(2)); // run the job
    }
}
// ANCHOR_END: worker

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: run
    // Unbalanced: worker 0 holds every job, newest (39) in front, 0 at the back.
    let mut deques = vec![Mutex::new(VecDeque::from_iter((0..JOBS).rev()))];
    deques.resize_with(WORKERS, Mutex::default);
    let (deques, mut ran) = (&deques, <[Ran; WORKERS]>::default());
    thread::scope(|s| {
        for (me, ran) in ran.iter_mut().enumerate() {
            s.spawn(move || work(me, deques, ran));
        }
    });
    let mut all: Vec<Job> = Vec::new();
    for (w, r) in ran.iter().enumerate() {
        let (own, stolen) = (r.own.len(), r.stolen.len());
        println!("worker {w}: {own} own, {stolen} stolen (varies)");
        all.extend(r.own.iter().chain(&r.stolen));
    }
    let once = all.len() == JOBS && (0..JOBS).all(|job| all.contains(&job));
    println!("each of the {JOBS} jobs ran exactly once: {once}");
    let thieves = ran[1..].iter().all(|r| r.own.is_empty());
    println!("workers other than 0 ran only stolen jobs: {thieves}");
    let newest_stolen = ran.iter().flat_map(|r| &r.stolen).max();
    let ends = newest_stolen.is_some_and(|n| ran[0].own.iter().all(|o| n < o));
    println!("thieves took the oldest jobs, the owner the newest: {ends}");
    // ANCHOR_END: run
    Ok(())
}
