//! Question: When does a thread give up the CPU, and when is it made to?
//!
//! Run: cargo run --example ch11-context-switches
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it reads /proc and sets the CPU affinity.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch11-context-switches");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    run()
}

/// A thread's context switches: given up (voluntary) and taken (not).
#[derive(Clone, Copy)]
struct Switches {
    voluntary: u64,
    involuntary: u64,
}

// ANCHOR: run
#[cfg(target_os = "linux")]
fn run() -> Result<(), Box<dyn Error>> {
    use std::thread;
    use std::time::{Duration, Instant};
    const SLEEPS: u64 = 20;
    const SPIN: Duration = Duration::from_millis(150);

    // Threads inherit the creator's affinity: all three share one CPU.
    pin_to_one_cpu()?;
    println!("every thread pinned to one CPU, so they must take turns");
    let sleeper = thread::spawn(|| {
        let before = switches()?;
        for _ in 0..SLEEPS {
            thread::sleep(Duration::from_millis(2)); // blocks: gives up the CPU
        }
        Ok::<_, String>((before, switches()?))
    });
    let spin = || {
        let before = switches()?;
        let start = Instant::now();
        while start.elapsed() < SPIN {
            std::hint::spin_loop(); // never blocks: must be preempted
        }
        Ok::<_, String>((before, switches()?))
    };
    let spinners = [thread::spawn(spin), thread::spawn(spin)];

    let slept = during(sleeper.join().map_err(|_| "the sleeper panicked")??);
    println!("sleeper, {SLEEPS} sleeps of 2ms: {} (varies)", show(slept));
    let mut spinners_preempted = true;
    for (i, spinner) in spinners.into_iter().enumerate() {
        let spun = during(spinner.join().map_err(|_| "a spinner panicked")??);
        println!(
            "spinner {}, {SPIN:?} of spinning: {} (varies)",
            i + 1,
            show(spun)
        );
        spinners_preempted &= spun.involuntary > spun.voluntary;
    }
    println!(
        "sleeper: a voluntary switch per sleep: {}",
        slept.voluntary >= SLEEPS
    );
    println!("spinners: more involuntary than voluntary: {spinners_preempted}");
    Ok(())
}

/// This thread's switch counts so far, from Linux's /proc.
#[cfg(target_os = "linux")]
fn switches() -> Result<Switches, String> {
    let status = std::fs::read_to_string("/proc/thread-self/status")
        .map_err(|e| format!("cannot read /proc/thread-self/status: {e}"))?;
    let count = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key));
        let value = line.and_then(|l| l[key.len()..].trim().parse().ok());
        value.ok_or(format!("no number after {key}"))
    };
    Ok(Switches {
        voluntary: count("voluntary_ctxt_switches:")?,
        involuntary: count("nonvoluntary_ctxt_switches:")?,
    })
}
// ANCHOR_END: run

fn during((before, after): (Switches, Switches)) -> Switches {
    Switches {
        voluntary: after.voluntary - before.voluntary,
        involuntary: after.involuntary - before.involuntary,
    }
}

fn show(s: Switches) -> String {
    format!("voluntary {}, involuntary {}", s.voluntary, s.involuntary)
}

// ANCHOR: pin
/// Pins the calling thread to the first CPU it may use.
#[cfg(target_os = "linux")]
fn pin_to_one_cpu() -> Result<(), Box<dyn Error>> {
    let size = size_of::<libc::cpu_set_t>();
    // SAFETY: cpu_set_t is a plain bit array; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t of `size` bytes; 0 = this thread.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return Err(format!("sched_getaffinity: {}", last_error()).into());
    }
    let cpu = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the number of bits in `set`.
        .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .ok_or("this thread may run on no CPU")?;
    // SAFETY: CPU_ZERO and CPU_SET write only bits of `set`; then as above.
    unsafe {
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, size, &set) != 0 {
            return Err(format!("sched_setaffinity: {}", last_error()).into());
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}
// ANCHOR_END: pin

#[cfg(not(target_os = "linux"))]
fn run() -> Result<(), Box<dyn Error>> {
    let _ = (during, show); // used on Linux only
    println!(
        "Switch counts are read from Linux's /proc: nothing to show here."
    );
    Ok(())
}
