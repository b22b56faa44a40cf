//! Question: How much faster do N threads finish CPU work, and waiting work?
//!
//! Run: cargo run --example ch13-pool-speedup
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (rows of
//! the book's cost data: `name,unit,median,p10,p90,n`). Measure with
//! `--release`: a debug build shows the shape, not the figures.

use std::error::Error;
use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch13-pool-speedup [-- --quick] [--csv]"
    );
    std::process::exit(2)
}

/// Median, 10th and 90th percentile of `n` timed runs.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

/// Times `run` `n` times, after `n / 10 + 1` untimed warm-up runs.
fn measure(
    n: usize,
    mut run: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Stats, Box<dyn Error>> {
    for _ in 0..n / 10 + 1 {
        run()?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |percent: usize| times[(n - 1) * percent / 100];
    Ok(Stats {
        median: at(50),
        p10: at(10),
        p90: at(90),
        n,
    })
}

// ANCHOR: work
/// Pure CPU work: `steps` rounds of a xorshift generator.
fn cpu_work(steps: u64) -> u64 {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..steps {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// Splits `jobs` equal jobs over `threads` threads and waits for all.
fn run_jobs(threads: usize, jobs: usize, job: impl Fn() + Sync) {
    thread::scope(|s| {
        for t in 0..threads {
            let job = &job;
            // Thread t takes jobs t, t + threads, t + 2 * threads, ...
            s.spawn(move || (t..jobs).step_by(threads).for_each(|_| job()));
        }
    });
}
// ANCHOR_END: work

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    let (n, steps) = if quick { (3, 50_000) } else { (15, 2_000_000) };
    let cores = thread::available_parallelism().map_or(1, |c| c.get());
    if !csv {
        println!("16 equal jobs, median of {n} runs; CPUs: {cores} (varies)");
    }
    // ANCHOR: measure
    let sleep = Duration::from_millis(if quick { 1 } else { 5 });
    let cpu_jobs = |threads| {
        measure(n, || {
            run_jobs(threads, 16, || {
                black_box(cpu_work(steps));
            });
            Ok(())
        })
    };
    let waiting_jobs = |threads| {
        measure(n, || {
            run_jobs(threads, 16, || thread::sleep(sleep));
            Ok(())
        })
    };
    let (cpu_one, wait_one) = (cpu_jobs(1)?, waiting_jobs(1)?);
    for threads in [1, 2, 4, 8, 16] {
        let (cpu, wait) = (cpu_jobs(threads)?, waiting_jobs(threads)?);
        let cpu_x = speedup(&cpu_one, &cpu);
        let wait_x = speedup(&wait_one, &wait);
        // ANCHOR_END: measure
        if csv {
            row(&format!("cpu_jobs_{threads}_threads"), &cpu);
            row(&format!("waiting_jobs_{threads}_threads"), &wait);
            ratio(&format!("cpu_speedup_{threads}_threads"), cpu_x, n);
            ratio(&format!("waiting_speedup_{threads}_threads"), wait_x, n);
        } else {
            println!(
                "pool of {threads:>2}: CPU {:.1?} ({:.1}x), \
                 waiting {:.1?} ({:.1}x) (varies)",
                cpu.median, cpu_x[0], wait.median, wait_x[0]
            );
        }
    }
    Ok(())
}

/// One row of the cost data, in nanoseconds.
fn row(name: &str, s: &Stats) {
    let ns = |d: Duration| d.as_nanos();
    let (median, p10, p90) = (ns(s.median), ns(s.p10), ns(s.p90));
    println!("{name},ns,{median},{p10},{p90},{}", s.n);
}

/// How many times faster `s` is than `one`: the ratio of the medians,
/// then the widest range the two spreads allow (not percentiles of a ratio).
fn speedup(one: &Stats, s: &Stats) -> [f64; 3] {
    let x = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    [
        x(one.median, s.median),
        x(one.p10, s.p90),
        x(one.p90, s.p10),
    ]
}

/// One row of the cost data for a dimensionless ratio.
fn ratio(name: &str, [median, low, high]: [f64; 3], n: usize) {
    println!("{name},ratio,{median:.2},{low:.2},{high:.2},{n}");
}
