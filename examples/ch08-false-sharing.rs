//! Question: Why do two threads slow down when their counters sit side by side?
//!
//! Run: cargo run --example ch08-false-sharing
//! Miri: not run, because it measures native speed, which Miri cannot show.
//!
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (one row
//! per figure, for the reference data). Measure with `--release` for
//! figures you mean to quote.

use std::error::Error;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch08-false-sharing [-- [--quick] [--csv]]"
    );
    std::process::exit(2)
}

// ANCHOR: layouts
/// Two counters 8 bytes apart: almost surely in one cache line.
#[repr(C)]
struct Neighbours {
    a: AtomicU64,
    b: AtomicU64,
}

/// One counter alone in 128 bytes: a whole cache line of its own on
/// x86-64 (64-byte lines) and on Apple M-series CPUs (128-byte lines).
#[repr(align(128))]
struct Padded(AtomicU64);

#[repr(C)]
struct Apart {
    a: Padded,
    b: Padded,
}

/// Two threads, each adding 1 to its OWN counter `adds` times: they share
/// no data, only (perhaps) a cache line.
fn add_in_parallel(a: &AtomicU64, b: &AtomicU64, adds: u32) {
    thread::scope(|s| {
        for counter in [a, b] {
            s.spawn(move || {
                for _ in 0..adds {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
}
// ANCHOR_END: layouts

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    let (runs, adds) = if quick { (5, 100_000) } else { (41, 2_000_000) };
    let near = offset_of!(Neighbours, b) - offset_of!(Neighbours, a);
    let far = offset_of!(Apart, b) - offset_of!(Apart, a);
    if !csv {
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        println!(
            "build: {build}; {runs} timed runs of 2 threads x {adds} adds"
        );
        println!(
            "bytes between the counters: {near} (neighbours), {far} (padded)"
        );
    }
    // ANCHOR: measure
    let neighbours = Neighbours {
        a: AtomicU64::new(0),
        b: AtomicU64::new(0),
    };
    let apart = Apart {
        a: Padded(AtomicU64::new(0)),
        b: Padded(AtomicU64::new(0)),
    };
    let shared_line = measure(runs, || {
        add_in_parallel(&neighbours.a, &neighbours.b, adds);
        Ok(())
    })?;
    let own_lines = measure(runs, || {
        add_in_parallel(&apart.a.0, &apart.b.0, adds);
        Ok(())
    })?;
    // ANCHOR_END: measure

    let per_add = |d: Duration| d.as_nanos() as f64 / f64::from(adds);
    let rows = [
        ("false_sharing_neighbours", "neighbours", &shared_line),
        ("false_sharing_padded", "padded", &own_lines),
    ];
    for (name, label, stats) in rows {
        let (median, p10, p90) = (
            per_add(stats.median),
            per_add(stats.p10),
            per_add(stats.p90),
        );
        if csv {
            println!("{name},ns,{median:.2},{p10:.2},{p90:.2},{}", stats.n);
        } else {
            println!("{label}: {median:.2} ns per add");
            println!("  (p10 {p10:.2} ns, p90 {p90:.2} ns)");
        }
    }
    // The ratio comes from this one run; its range pairs the extremes.
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let median = ratio(shared_line.median, own_lines.median);
    let p10 = ratio(shared_line.p10, own_lines.p90);
    let p90 = ratio(shared_line.p90, own_lines.p10);
    if csv {
        println!(
            "false_sharing_ratio,ratio,{median:.2},{p10:.2},{p90:.2},{runs}"
        );
    } else {
        println!("neighbours / padded: {median:.1} times (varies)");
    }
    Ok(())
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
