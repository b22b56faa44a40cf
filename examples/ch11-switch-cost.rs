//! Question: Is a switch between two processes dearer than between threads?
//!
//! Run: cargo run --example ch11-switch-cost
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.
//!
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (CSV rows
//! only, for the reference data). Measure with `--release` for figures you
//! mean to quote.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Hidden argument: the copy of this program that echoes every byte.
const CHILD_ROLE: &str = "echo";
/// Round trips per timed run: one is too short to time alone.
const BATCH: u32 = 100;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch11-switch-cost [-- --quick --csv]");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    let (mut quick, mut csv) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            CHILD_ROLE => {
                return Ok(echo(std::io::stdin().lock(), std::io::stdout())?);
            }
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    // 1000 runs for the reference data, 300 (half a second) otherwise.
    let n = if csv { 1000 } else { 300 };
    let n = if quick { 20 } else { n };
    let machine = machine(); // before pinning, which leaves one usable CPU
    let pinned = pin_to_one_cpu()?;
    if !csv {
        println!("One hop: write one byte to a pipe, the other side reads it.");
        println!("machine: {machine} (varies)");
        if quick {
            println!(
                "mode: --quick, few repetitions (drop it for real figures)"
            );
        }
        println!("each row: median of n timed runs, with p10 and p90");
        match pinned {
            true => println!(
                "pinned to one CPU: each hop between sides is a switch"
            ),
            false => println!("not pinned (Linux only): hops may cross CPUs"),
        }
    }
    // ANCHOR: sides
    // No switch: one thread writes a byte and reads it back.
    let (mut back, mut out) = std::io::pipe()?;
    let same = measure(n, || round_trips(&mut out, &mut back))?;

    // Two threads: main pings, an echo thread answers on a second pipe.
    let (from_main, mut to_echo) = std::io::pipe()?;
    let (mut from_echo, to_main) = std::io::pipe()?;
    let echo_thread = thread::spawn(move || echo(from_main, to_main));
    let threads = measure(n, || round_trips(&mut to_echo, &mut from_echo));
    drop(to_echo); // end of input: the echo thread returns
    echo_thread
        .join()
        .map_err(|_| "the echo thread panicked")??;
    let threads = threads?;

    // Two processes: the same echo, in a copy of this program.
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .arg(CHILD_ROLE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = KillOnDrop(command.spawn()?);
    let mut to_child = child.0.stdin.take().ok_or("no pipe to the child")?;
    let mut from_child = child.0.stdout.take().ok_or("no pipe from it")?;
    let processes = measure(n, || round_trips(&mut to_child, &mut from_child))?;
    drop(to_child); // end of input: the child exits
    child.0.wait()?;
    // ANCHOR_END: sides

    let rows = [
        ("switch_pipe_baseline", "one thread (no switch)", &same, 1),
        ("switch_threads", "between two threads", &threads, 2),
        ("switch_processes", "between two processes", &processes, 2),
    ];
    for (name, label, stats, hops) in rows {
        let per_hop =
            |d: Duration| d.as_nanos() as f64 / f64::from(BATCH * hops);
        let [median, p10, p90] =
            [stats.median, stats.p10, stats.p90].map(per_hop);
        match csv {
            true => {
                println!("{name},ns,{median:.0},{p10:.0},{p90:.0},{}", stats.n)
            }
            false => println!(
                "  {label:<24} {median:.0}ns per hop (p10 {p10:.0}ns, \
                 p90 {p90:.0}ns, n={})",
                stats.n
            ),
        }
    }
    // ANCHOR: ratio
    // One run, one ratio: processes over threads, medians (p10 and p90 are
    // the widest range the two spreads allow).
    let ns = |d: Duration| d.as_nanos().max(1) as f64;
    let ratio = ns(processes.median) / ns(threads.median);
    let low = ns(processes.p10) / ns(threads.p90);
    let high = ns(processes.p90) / ns(threads.p10);
    let name = "switch_process_thread_ratio";
    match csv {
        true => println!("{name},ratio,{ratio:.3},{low:.3},{high:.3},{n}"),
        false => println!("processes / threads, per hop: {ratio:.2} (varies)"),
    }
    // ANCHOR_END: ratio
    Ok(())
}

// ANCHOR: echo
/// Sends one byte and waits for it to come back, BATCH times.
fn round_trips(
    to: &mut impl Write,
    from: &mut impl Read,
) -> Result<(), Box<dyn Error>> {
    let mut byte = [7u8];
    for _ in 0..BATCH {
        to.write_all(&byte)?;
        to.flush()?;
        from.read_exact(&mut byte)?; // blocks until the other side answers
    }
    Ok(())
}

/// Writes back every byte it reads, until the input ends.
fn echo(mut from: impl Read, mut to: impl Write) -> Result<(), String> {
    let mut byte = [0u8];
    loop {
        match from
            .read(&mut byte)
            .map_err(|e| format!("echo read: {e}"))?
        {
            0 => return Ok(()),
            _ => {
                to.write_all(&byte)
                    .map_err(|e| format!("echo write: {e}"))?;
                to.flush().map_err(|e| format!("echo flush: {e}"))?;
            }
        }
    }
}
// ANCHOR_END: echo

/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

/// Pins this thread, and so every thread and child it starts later, to
/// the first CPU it may use. Returns false where the OS has no such call.
#[cfg(target_os = "linux")]
fn pin_to_one_cpu() -> Result<bool, Box<dyn Error>> {
    let size = size_of::<libc::cpu_set_t>();
    // SAFETY: cpu_set_t is a plain bit array; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t of `size` bytes; 0 = this thread.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return Err(std::io::Error::last_os_error().into());
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
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
fn pin_to_one_cpu() -> Result<bool, Box<dyn Error>> {
    Ok(false)
}

/// CPU model (on Linux), usable CPUs, OS and architecture.
fn machine() -> String {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info.lines().find(|l| l.starts_with("model name"));
    let model = model
        .and_then(|l| l.split_once(": "))
        .map(|(_, m)| m.trim());
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    format!(
        "{}, {cpus} CPUs, {os} {arch}",
        model.unwrap_or("CPU model unread")
    )
}
