//! Question: How does a thread pool run many jobs on a few threads?
//!
//! Run: cargo run --example ch13-thread-pool

use std::collections::BTreeSet;
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
    fn new(size: usize) -> Result<ThreadPool, Box<dyn Error>> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let mut workers = Vec::new();
        for i in 0..size {
            let jobs = Arc::clone(&jobs);
            let worker = thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || work(&jobs))?;
            workers.push(worker);
        }
        Ok(ThreadPool {
            queue: Some(queue),
            workers,
        })
    }

    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(queue) = &self.queue {
            // Fails only if every worker has died; the job is then dropped.
            let _ = queue.send(Box::new(job));
        }
    }
}

/// A worker's life: take the next job, run it, repeat until the queue closes.
fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held while waiting for a job, not while running it.
        let next = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return, // a worker panicked while holding the lock
        };
        match next {
            Ok(job) => job(),
            Err(_) => return, // the pool was dropped: no more jobs
        }
    }
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
    let pool = ThreadPool::new(3)?;
    let (results, answers) = mpsc::channel();
    for job in 1..=12_u64 {
        let results = results.clone();
        pool.execute(move || {
            let name = thread::current().name().map(String::from);
            let _ = results.send((job * job, name));
        });
    }
    drop(results); // only the jobs' clones are left
    let mut threads = BTreeSet::new();
    let mut sum = 0;
    for (square, thread) in answers {
        sum += square;
        threads.insert(thread.unwrap_or_default());
    }
    let on_workers = threads.iter().all(|t| t.starts_with("worker-"));
    println!("12 jobs, sum of squares {sum}");
    println!("every job ran on one of 3 workers: {on_workers}");
    // ANCHOR_END: use
    Ok(())
}
