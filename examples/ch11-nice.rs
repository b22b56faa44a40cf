//! Question: How much CPU does a nice-10 thread get beside a nice-0 one?
//!
//! Run: cargo run --example ch11-nice
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it sets the CPU affinity and thread priorities.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch11-nice");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    run()
}

// ANCHOR: run
#[cfg(target_os = "linux")]
fn run() -> Result<(), Box<dyn Error>> {
    use std::time::{Duration, Instant};
    const SPIN: Duration = Duration::from_millis(300);
    let os_error = std::io::Error::last_os_error;
    // SAFETY: zeroed is an empty cpu_set_t; CPU_SET checks its index (a
    // failed sched_getcpu, -1, picks CPU 0); 0 means the calling thread.
    let pinned = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(libc::sched_getcpu().max(0) as usize, &mut set);
        libc::sched_setaffinity(0, size_of_val(&set), &set) == 0
    };
    if !pinned {
        return Err(format!("sched_setaffinity: {}", os_error()).into());
    }
    // Threads inherit the affinity: both spinners share this one CPU.
    let until = Instant::now() + SPIN;
    let spin = move |nice| {
        // SAFETY: plain calls on integers; on Linux, PRIO_PROCESS with a
        // tid sets the nice of that one thread, here the calling one.
        let tid = unsafe { libc::gettid() } as libc::id_t;
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, nice) } != 0 {
            return Err(format!("cannot set nice {nice}: {}", os_error()));
        }
        // Spin without blocking, counting loop turns: each is the same
        // work, so the counts split the CPU as the scheduler did.
        Ok((0_u64..).take_while(|_| Instant::now() < until).count())
    };
    let low = std::thread::spawn(move || spin(10));
    let normal = spin(0)?; // the main thread is the nice-0 spinner
    let low = low.join().map_err(|_| "the nice-10 thread panicked")??;
    let pct = |turns| 100.0 * turns as f64 / (normal + low) as f64;
    println!("both on one CPU for {SPIN:?}; weights 1024:110 predict 90:10");
    println!("nice 0 thread: {:.0}% of the turns (varies)", pct(normal));
    println!("nice 10 thread: {:.0}% of the turns (varies)", pct(low));
    println!("the nice-0 thread got more CPU: {}", normal > low);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run() -> Result<(), Box<dyn Error>> {
    println!("Linux only, where nice is per thread: there a nice-10 thread");
    println!("beside a nice-0 one on one CPU gets about 10% of it. Instead:");
    println!("macOS: setpriority per process, QoS classes per thread;");
    println!("Windows: SetThreadPriority per thread.");
    Ok(())
}
// ANCHOR_END: run
