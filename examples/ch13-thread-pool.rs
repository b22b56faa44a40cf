//! Question: How does a thread pool run many jobs on a few threads?
//!
//! Run: cargo run --example ch13-thread-pool

use std::collections::HashSet;
use std::error::Error;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch13-thread-pool");
    std::process::exit(2)
}

// ANCHOR: pool
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads that take jobs from one shared queue.
struct ThreadPool {
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    fn new(size: usize) -> ThreadPool {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..size)
            .map(|_| {
                let jobs = Arc::clone(&jobs);
                thread::spawn(move || work(&jobs))
            })
            .collect();
        ThreadPool {
            queue: Some(queue),
            workers,
        }
    }

    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(Box::new(job)); // fails only if all workers died
        }
    }
}

/// A worker's life: take the next job, run it, repeat until the queue closes.
fn work(jobs: &Mutex<Receiver<Job>>) {
    // The lock is held while waiting for a job, not while running it.
    while let Ok(Ok(job)) = jobs.lock().map(|queue| queue.recv()) {
        job();
    }
    // The queue is closed (the pool was dropped), or a worker panicked while
    // holding the lock, which poisoned it.
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        drop(self.queue.take()); // closing the queue stops every worker
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: pool

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: use
    let pool = ThreadPool::new(3);
    let (results, answers) = mpsc::channel();
    for job in 1..=12_u64 {
        let results = results.clone();
        pool.execute(move || {
            let _ = results.send((job * job, thread::current().id()));
        });
    }
    drop(results); // only the jobs' clones are left
    let (mut sum, mut threads) = (0, HashSet::new());
    for (square, thread) in answers {
        sum += square;
        threads.insert(thread);
    }
    let on_workers =
        threads.len() <= 3 && !threads.contains(&thread::current().id());
    println!("12 jobs, sum of squares {sum}");
    println!("every job ran on one of the 3 workers: {on_workers}");
    // ANCHOR_END: use
    Ok(())
}
